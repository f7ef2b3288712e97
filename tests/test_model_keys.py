"""Step.key and Job.key: how the cost model and the reporters tell steps and jobs apart."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SHARED
from xops_lens.model import Job, Pipeline, Step, number_steps
from xops_lens.scan import scan


def test_equal_steps_get_their_own_numbers_and_no_job_shares_one() -> None:
    # A steps template included twice in one job: same file, line, job and text.
    first, second = (Step("t.yml", 3, "build", "make", "make") for _ in range(2))
    assert first == second
    job = Job("build", "build", "ci.yml", 1, (first, second))
    other = Job("test", "test", "ci.yml", 9, (Step("ci.yml", 10, "test", "t", "make test"),))
    number_steps([Pipeline("ci.yml", "x", (job, other))])
    keys = [job.key, first.key, second.key, other.key, other.steps[0].key]
    assert keys == [0, 1, 2, 3, 4]
    number_steps([Pipeline("ci.yml", "x", (job,))], unless_numbered=True)
    assert (job.key, first.key, second.key) == (0, 1, 2)  # already numbered: kept


def test_a_scan_numbers_every_job_and_step_the_same_way_each_time() -> None:
    root = SHARED / "corpus" / "microsoft__STL"  # a steps template included twice per job

    def keys() -> list[tuple[str, int, str, int]]:
        result = scan(Path(root), backend="rules", workers=0)
        out = []
        for report in result.files:
            for job in report.pipeline.jobs if report.pipeline else ():
                out.append((job.file, job.line, job.id, job.key))
                out += [(s.file, s.line, s.job, s.key) for s in job.steps]
        return out

    once = keys()
    assert len({key for *_, key in once}) == len(once) and min(k for *_, k in once) == 0
    assert len({(file, line, job) for file, line, job, _ in once}) < len(once)  # repeat
    assert keys() == once
