"""Prints, at the end of a run that included hostile cases, how many ran and which were
slowest (wall and CPU seconds), so the figures the issue asks for come with every run.

Under pytest-xdist the cases run in workers: each report carries its timings in
``user_properties``, and the controller, which prints the summary, reads them there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.hostile.hostile_harness import TIMINGS

_RAN: dict[str, str] = {}
_TIMED: dict[str, tuple[float, float]] = {}
_KEY = "hostile-timing"
_reported: set[str] = set()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        for case in [c for c in TIMINGS if c not in _reported]:
            _reported.add(case)
            report.user_properties.append((_KEY, (case, *TIMINGS[case])))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and "tests/hostile/" in report.nodeid.replace("\\", "/"):
        _RAN[report.nodeid] = report.outcome
    for key, value in getattr(report, "user_properties", ()):
        if key == _KEY:
            case, wall, cpu = value
            _TIMED[case] = (wall, cpu)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _RAN:
        return
    passed = sum(1 for outcome in _RAN.values() if outcome == "passed")
    write = terminalreporter.write_line
    write(f"hostile cases: {len(_RAN)} run, {passed} passed")
    slowest = sorted(_TIMED.items(), key=lambda item: -item[1][0])[:5]
    for case, (wall, cpu) in slowest:
        write(f"  {wall:6.2f} s wall {cpu:6.2f} s cpu  {case}")
