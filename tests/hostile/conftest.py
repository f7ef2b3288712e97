"""Prints, at the end of a run that included hostile cases, how many ran and which were
slowest (wall and CPU seconds), so the figures the issue asks for come with every run."""

from __future__ import annotations

from typing import Any

import pytest

from tests.hostile.hostile_harness import TIMINGS

_RAN: dict[str, str] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and "tests/hostile/" in report.nodeid.replace("\\", "/"):
        _RAN[report.nodeid] = report.outcome


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _RAN:
        return
    passed = sum(1 for outcome in _RAN.values() if outcome == "passed")
    write = terminalreporter.write_line
    write(f"hostile cases: {len(_RAN)} run, {passed} passed")
    slowest = sorted(TIMINGS.items(), key=lambda item: -item[1][0])[:5]
    for case, (wall, cpu) in slowest:
        write(f"  {wall:6.2f} s wall {cpu:6.2f} s cpu  {case}")
