"""Conditions nested by a stranger (``if:``, ``rules: if:``, ``only_if:``, Azure
``condition:``): every format's expression reader shares one bound on nesting
(formats/_exprcursor.py). Before it, 400 parentheses in a GitLab rule or 800 ``!`` in a
Travis ``if:`` recursed past the stack and lost the whole file; now a condition nested
past the bound is undecided (counted as running, and said), and one within it is read
as before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.hostile.hostile_harness import run_scan, write
from xops_lens.formats import _github_if, _runconds
from xops_lens.formats._exprcursor import Cursor
from xops_lens.formats.azure import cond as azure
from xops_lens.formats.gitlab import rules as gitlab

LIMIT = Cursor.MAX_DEPTH


def _github(text: str) -> Any:
    return _github_if.evaluate(text, {"github.event_name": "push"})


def _azure(text: str) -> Any:
    return azure.evaluate(text, "push")


def _gitlab(text: str) -> Any:
    return gitlab.evaluate(text, {"A": "x"})


_BRANCH = _runconds.Cond("atom", atom=_runconds.Compare("branch", "==", "main"))


def _negated(n: int) -> _runconds.Cond:
    tree = _BRANCH
    for _ in range(n):
        tree = _runconds.Cond("not", (tree,))
    return tree


# Per reader and kind of nesting: (the text nested n deep, the reader, what it reads as
# n deep when it is read, what it reads as when it is not).
READERS: dict[str, tuple[Callable[[int], str], Callable[[str], Any], Callable[[int], Any],
                         Any]] = {
    "github-parens": (lambda n: "(" * n + "github.event_name == 'push'" + ")" * n, _github,
                      lambda n: True, _github_if.UNKNOWN),
    "github-negations": (lambda n: "!" * n + "false", _github, lambda n: n % 2 == 1,
                         _github_if.UNKNOWN),
    "azure-calls": (lambda n: "and(" * n + "true" + ")" * n, _azure, lambda n: True,
                    _github_if.UNKNOWN),
    "gitlab-parens": (lambda n: "(" * n + '$A == "x"' + ")" * n, _gitlab, lambda n: True,
                      gitlab.UNKNOWN),
    "runconds-parens": (lambda n: "(" * n + "branch = main" + ")" * n,
                        _runconds.parse_expression, lambda n: _BRANCH, None),
    "runconds-negations": (lambda n: "NOT " * n + "branch = main",
                           _runconds.parse_expression, _negated, None),
}


@pytest.mark.parametrize("name", READERS)
def test_nesting_up_to_the_bound_is_read_and_past_it_undecided(name: str) -> None:
    nest, read, expected, undecided = READERS[name]
    assert read(nest(LIMIT)) == expected(LIMIT)
    assert read(nest(LIMIT + 1)) is undecided
    assert read(nest(5_000)) is undecided  # far past it: no RecursionError either


N = 400
DEEP_FILES = {
    ".travis.yml": ('language: python\njobs:\n  include:\n'
                    f'    - if: "{"!" * 2 * N}branch = main"\n      script: make t\n'),
    ".gitlab-ci.yml": (f"build:\n  rules:\n    - if: '{'(' * N}$A == \"x\"{')' * N}'\n"
                       "      when: manual\n  script:\n    - make g\n"),
    ".github/workflows/ci.yml": (f"on: push\njobs:\n  b:\n    if: \"{'!' * N}false\"\n"
                                 "    runs-on: x\n    steps:\n      - run: make h\n"),
    "azure-pipelines.yml": ("trigger: [main]\njobs:\n  - job: a\n"
                            f"    condition: {'and(' * N}succeeded(){')' * N}\n"
                            "    steps:\n      - script: make a\n"),
    ".buildkite/pipeline.yml": ("steps:\n  - command: make k\n"
                                f"    if: '{'(' * N}build.branch == \"main\"{')' * N}'\n"),
    ".cirrus.yml": (f"a_task:\n  only_if: '{'(' * N}$CIRRUS_BRANCH == \"main\"{')' * N}'\n"
                    "  script: make c\n"),
}


def test_a_deeply_nested_condition_keeps_its_file(tmp_path: Path) -> None:
    done = run_scan(write(tmp_path, DEEP_FILES), "conditions/deep")
    assert done.errors() == {}
    jobs = {j["file"]: j for j in done.report["jobs"]}
    assert set(jobs) == set(DEEP_FILES)
    for path, job in jobs.items():
        events = job["cost"]["events"]
        assert events, path
        for event in events:  # counted as running, and the basis says why
            assert event["runs_per_month"] > 0, (path, event)
            assert "decid" in event["basis"] and "counted as running" in event["basis"], \
                (path, event["basis"][-80:])
    # GitLab: a manual rule that cannot be ruled out still makes the job wait for a person
    assert jobs[".gitlab-ci.yml"]["manual"] is True
