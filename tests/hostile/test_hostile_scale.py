"""Size and amplification: the per-file step limit reached in one job for every format,
100,000 steps in one job refused within the time bound, one step more than the limit,
and the bombs made of a format's own reuse mechanisms (references, reusable commands,
templates, helper functions), with their time and memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.hostile.hostile_harness import (
    BILLION_LAUGHS,
    CANONICAL,
    CASE_SECONDS,
    GOOD,
    GOOD_PATH,
    GOOD_STEP_LINES,
    MEASURED_COMMAND,
    Timer,
    assert_one_line_error,
    registered_formats,
    run_scan,
    source_for,
    write,
)
from xops_lens.discover import MAX_FILE_BYTES
from xops_lens.model import MAX_STEPS_PER_FILE

FORMATS = registered_formats()
FORMAT_NAMES = [name for name in CANONICAL if name in FORMATS]
MIB = 1024 * 1024
STEPS = 10_000
HUGE = 100_000
# A guard, not a target: the parse of the limit's steps takes well under a second of CPU
# here (see the figures printed at the end of the run); a slow machine must not fail, a
# quadratic parser must (the Jenkinsfile one took 4 minutes at 100,000 steps).
PARSE_GUARD_SECONDS = CASE_SECONDS


def test_the_scale_case_is_the_limit() -> None:
    assert STEPS == MAX_STEPS_PER_FILE


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_the_step_limit_in_one_job_parses(fmt: str, tmp_path: Path) -> None:
    canonical = CANONICAL[fmt]
    text = canonical.body(STEPS)
    source, _ = source_for(tmp_path, canonical.path, text)
    with Timer(f"{fmt}/parse-10000-steps") as timer:
        pipeline = FORMATS[fmt].parse(source)
    steps = pipeline.steps
    assert len(steps) == STEPS
    assert steps[0].line == canonical.first_step_line
    assert steps[-1].line == canonical.first_step_line + STEPS - 1
    assert len({step.job for step in steps}) == 1 or fmt == "buildkite"  # a job per step
    assert timer.cpu < PARSE_GUARD_SECONDS, f"{timer.cpu:.1f} s of CPU"


def _refusal(tmp_path: Path, path: str, text: str, case: str) -> str:
    """Scan ``text`` at ``path`` beside a good file; returns the path's one-line error
    after checking what every refusal must be: exit 1, the good file whole, in time."""
    root = write(tmp_path, {path: text, GOOD_PATH: GOOD})
    outcome = run_scan(root, case)
    error = outcome.error_of(path)
    assert_one_line_error(error, path)
    assert outcome.exit_code == 1
    assert outcome.step_lines(GOOD_PATH) == GOOD_STEP_LINES
    assert outcome.cpu < CASE_SECONDS, f"{outcome.cpu:.1f} s of CPU"
    assert error is not None
    return error


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_100000_steps_in_one_job_are_refused_in_time(fmt: str, tmp_path: Path) -> None:
    """Written one step per line, 100,000 steps are over the size limit in every format:
    refused before the file is read."""
    canonical = CANONICAL[fmt]
    text = canonical.body(HUGE)
    assert len(text.encode()) > MAX_FILE_BYTES
    error = _refusal(tmp_path, canonical.path, text, f"{fmt}/100000-steps")
    assert error.endswith(f"MiB, over the {MAX_FILE_BYTES // MIB} MiB limit; skipped"), error


# 100,000 steps in as few bytes as each syntax allows, under the size limit: refused by
# the step limit, after a parse whose time the case bounds.
COMPACT = {
    "gitlab-ci": (".gitlab-ci.yml", "b:\n  script: [" + ",".join(["m"] * HUGE) + "]\n"),
    "travis": (".travis.yml", "script: [" + ",".join(["m"] * HUGE) + "]\n"),
    "github-actions": (".github/workflows/ci.yml",
                       "on: push\njobs:\n  b:\n    runs-on: x\n    steps: ["
                       + ",".join(["{run: m}"] * HUGE) + "]\n"),
}


@pytest.mark.parametrize("fmt", sorted(COMPACT))
def test_100000_compact_steps_are_refused_in_time(fmt: str, tmp_path: Path) -> None:
    if fmt not in FORMATS:
        pytest.skip(f"{fmt} is not registered")
    path, text = COMPACT[fmt]
    assert len(text.encode()) < MAX_FILE_BYTES
    error = _refusal(tmp_path, path, text, f"{fmt}/100000-compact-steps")
    assert error.endswith((f"100,000 steps, more than {MAX_STEPS_PER_FILE:,}; file skipped",
                           f"more than {MAX_STEPS_PER_FILE:,} steps once templates and "
                           "references are expanded; file skipped")), error


@pytest.mark.parametrize("fmt", ["gitlab-ci", "github-actions"])
def test_one_step_more_than_the_limit_is_refused(fmt: str, tmp_path: Path) -> None:
    canonical = CANONICAL[fmt]
    outcome = run_scan(write(tmp_path, {canonical.path: canonical.body(STEPS + 1),
                                        GOOD_PATH: GOOD}), f"{fmt}/10001-steps")
    error = outcome.error_of(canonical.path)
    assert_one_line_error(error, canonical.path)
    assert error.endswith((
        f"{STEPS + 1:,} steps, more than {STEPS:,}; file skipped",
        f"more than {STEPS:,} steps once templates and references are expanded; file skipped",
    )), error
    assert outcome.exit_code == 1
    assert outcome.step_lines(GOOD_PATH) == GOOD_STEP_LINES


def test_the_step_limit_through_the_whole_command(tmp_path: Path) -> None:
    """The scan, the rule backend, the cost model and the JSON report of a file at the
    step limit, in a fresh process, within the time bound of every case."""
    canonical = CANONICAL["github-actions"]
    root = write(tmp_path / "repo", {canonical.path: canonical.body(STEPS), GOOD_PATH: GOOD})
    out = tmp_path / "report.json"
    code = MEASURED_COMMAND
    with Timer("github-actions/whole-command-10000-steps") as timer:
        done = subprocess.run([sys.executable, "-c", code, "scan", str(root), "--format",
                               "json", "-o", str(out)], check=False, capture_output=True, text=True,
                              cwd=REPO_ROOT, timeout=600,
                              env={**os.environ, "XOPS_LENS_DISABLE_ENTRY_POINTS": "1"})
    last = done.stderr.strip().splitlines()[-1].split()
    assert last[:2] == ["EXIT", "0"], done.stderr[-2000:]
    maxrss_mib = int(last[2]) / 1024
    report = json.loads(out.read_text(encoding="utf-8"))
    lines = sorted(s["line"] for s in report["steps"] if s["file"] == canonical.path)
    assert lines == list(range(canonical.first_step_line, canonical.first_step_line + STEPS))
    assert maxrss_mib < 300, f"{maxrss_mib:.0f} MiB resident"
    assert timer.cpu < CASE_SECONDS, f"{timer.cpu:.1f} s of CPU"


def test_billion_laughs_costs_no_memory(tmp_path: Path) -> None:
    root = write(tmp_path, {".gitlab-ci.yml": BILLION_LAUGHS, GOOD_PATH: GOOD})
    tracemalloc.start()
    try:
        outcome = run_scan(root, "gitlab-ci/billion-laughs-memory")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert outcome.exit_code == 1
    assert "alias bomb" in (outcome.error_of(".gitlab-ci.yml") or "")
    assert peak < 30 * MIB, f"{peak / MIB:.1f} MiB"


def _fan(depth: int, fan: int, call: str, head: str, leaf: str, tail: str) -> str:
    return head + "".join(call.format(i=i, j=i + 1) * fan for i in range(depth)) \
        + leaf.format(i=depth) + tail


# A reuse mechanism that calls itself four times per level, twelve levels deep (16
# million steps if expanded), or one long list reused a thousand times (a million).
BOMBS = {
    "gitlab-ci": (".gitlab-ci.yml", "".join(
        f".t{i}:\n  script:\n" + f"    - !reference [.t{i + 1}, script]\n" * 4 for i in range(10))
        + ".t10:\n  script: [make]\nb:\n  script: !reference [.t0, script]\n",
        "{path}:62: !reference tags expand to more than 100,000 items (a reference bomb?); "
        "file skipped"),
    "circleci": (".circleci/config.yml", "version: 2.1\ncommands:\n" + "".join(
        f"  c{i}:\n    steps:\n" + f"      - c{i + 1}\n" * 4 for i in range(12))
        + "  c12:\n    steps:\n      - run: make\njobs:\n  b:\n    docker: [{image: x}]\n"
        "    steps:\n      - c0\nworkflows:\n  w:\n    jobs: [b]\n",
        "{path}:74: commands expand to more than 10,000 steps (a command bomb?); file skipped"),
}
REUSE = {
    "gitlab-ci": (".gitlab-ci.yml", {".gitlab-ci.yml": ".big:\n  script:\n"
                                     + "    - make x\n" * 1000
                                     + "".join(f"j{i}:\n  extends: .big\n" for i in range(1000))},
                  "{path}:1023: more than 10,000 steps once templates and references are "
                  "expanded; file skipped"),
    "azure-pipelines": ("azure-pipelines.yml", {
        "azure-pipelines.yml": "steps:\n" + "  - template: t.yml\n" * 1000,
        "t.yml": "steps:\n" + "  - script: make\n" * 1000},
        "t.yml:992: more than 10,000 steps once templates and references are expanded; "
        "file skipped"),
    "tekton": (".tekton/p.yaml", {".tekton/p.yaml": (
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: t\nspec:\n  steps:\n"
        + "    - {image: a, script: make}\n" * 1000
        + "---\napiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: p\nspec:\n"
        "  tasks:\n" + "".join(f"    - {{name: t{i}, taskRef: {{name: t}}}}\n"
                               for i in range(1000)))},
        "{path}:1024: more than 10,000 steps once templates and references are expanded; "
        "file skipped"),
    "circleci": (".circleci/config.yml", {".circleci/config.yml": (
        "version: 2.1\ncommands:\n  c:\n    steps:\n" + "      - run: make\n" * 1000
        + "jobs:\n  b:\n    docker: [{image: x}]\n    steps:\n" + "      - c\n" * 1000
        + "workflows:\n  w:\n    jobs: [b]\n")},
        "{path}:5: commands expand to more than 10,000 steps (a command bomb?); file skipped"),
}


def _bomb_case(tmp_path: Path, fmt: str, case: str, path: str, files: dict[str, str],
               expected: str | None) -> None:
    if fmt not in FORMATS:
        pytest.skip(f"{fmt} is not registered")
    tracemalloc.start()
    try:
        outcome = run_scan(write(tmp_path, {**files, GOOD_PATH: GOOD}), f"{fmt}/{case}")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert outcome.step_lines(GOOD_PATH) == GOOD_STEP_LINES
    assert outcome.cpu < 2 * CASE_SECONDS  # tracemalloc roughly doubles the time
    assert peak < 200 * MIB, f"{peak / MIB:.0f} MiB"
    if expected is None:
        assert outcome.exit_code == 0, outcome.errors()
        return
    assert outcome.exit_code == 1
    error = outcome.error_of(path)
    assert error == expected.format(path=path)


@pytest.mark.parametrize("fmt", sorted(BOMBS))
def test_exponential_reuse_is_refused(fmt: str, tmp_path: Path) -> None:
    path, text, expected = BOMBS[fmt]
    _bomb_case(tmp_path, fmt, "exponential-reuse", path, {path: text}, expected)


@pytest.mark.parametrize("fmt", sorted(REUSE))
def test_one_long_list_reused_a_thousand_times_is_refused(fmt: str, tmp_path: Path) -> None:
    path, files, expected = REUSE[fmt]
    _bomb_case(tmp_path, fmt, "quadratic-reuse", path, files, expected)


def test_jenkins_helper_called_a_thousand_times_stays_small(tmp_path: Path) -> None:
    """A helper's steps are copied into the text of each call, cut at a bound."""
    if "jenkins" not in FORMATS:
        pytest.skip("jenkins is not registered")
    text = ("def f() {\n" + "  sh 'make'\n" * 1000 + "}\nnode {\n" + "  f()\n" * 1000 + "}\n")
    source, _ = source_for(tmp_path, "Jenkinsfile", text)
    with Timer("jenkins/helper-reused") as timer:
        pipeline = FORMATS["jenkins"].parse(source)
    assert sum(len(step.text) for step in pipeline.steps) < 5 * MIB
    assert timer.cpu < CASE_SECONDS


def test_bombs_cover_each_reuse_mechanism() -> None:
    """Formats with a way to reuse steps written elsewhere, and where they are tested."""
    covered = set(BOMBS) | set(REUSE) | {"jenkins"}
    assert {"gitlab-ci", "azure-pipelines", "circleci", "tekton", "jenkins"} <= covered
