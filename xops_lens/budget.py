"""The whole scan's budget: MAX_STEPS_PER_SCAN steps and MAX_STEP_TEXT_PER_SCAN
characters of their text, spent file by file in the order of the serial scan.

Reported as the per-file limits are: the file that would pass the budget gets a one-line
error ending in "file skipped", and so does every file after it, without being read, so
the work of a hostile tree stays bounded by the budget plus one file. Parsing ahead in
worker processes (xops_lens.scan) shares a :class:`SharedTally` so that the workers stop
too; what the scan reports is decided here alone, in order, the same with workers or
without.
"""

from __future__ import annotations

from typing import Any

from xops_lens.errors import visible
from xops_lens.model import MAX_STEP_TEXT_PER_SCAN, MAX_STEPS_PER_SCAN, Pipeline
from xops_lens.result import FileReport

MIB = 1024 * 1024


def weight(pipeline: Pipeline) -> tuple[int, int]:
    """Steps of ``pipeline`` and the characters of their text."""
    steps = pipeline.steps
    text = sum(len(s.file) + len(s.job) + len(s.name) + len(s.text) + len(s.uses or "")
               for s in steps)
    return len(steps), text


def _within(steps: int, text: int) -> bool:
    return steps <= MAX_STEPS_PER_SCAN and text <= MAX_STEP_TEXT_PER_SCAN


class Budget:
    """What the scan has spent, and whether it may read another file."""

    def __init__(self) -> None:
        self.steps = 0
        self.text = 0
        self.spent = False

    def charge(self, report: FileReport) -> FileReport:
        """``report`` when its steps fit in what is left, else the error that skips it
        (and from then on the budget is spent)."""
        if self.spent:
            return self.skipped(report.path, report.format)
        if report.pipeline is None:
            return report
        steps, text = weight(report.pipeline)
        if _within(self.steps + steps, self.text + text):
            self.steps += steps
            self.text += text
            return report
        self.spent = True
        if self.steps + steps > MAX_STEPS_PER_SCAN:
            over = (f"its {steps:,} steps would pass the scan's budget of "
                    f"{MAX_STEPS_PER_SCAN:,} steps ({self.steps:,} in the files before it)")
        else:
            over = (f"the text of its steps ({text / MIB:.1f} MiB) would pass the scan's "
                    f"budget of {MAX_STEP_TEXT_PER_SCAN // MIB} MiB of step text "
                    f"({self.text / MIB:.1f} MiB in the files before it)")
        return FileReport(report.path, report.format,
                          error=visible(f"{report.path}: {over}; file skipped"))

    @staticmethod
    def skipped(path: str, format_name: str) -> FileReport:
        """The report of a file not read because the budget is spent."""
        return FileReport(path, format_name, error=visible(
            f"{path}: not read, the scan's budget ({MAX_STEPS_PER_SCAN:,} steps, "
            f"{MAX_STEP_TEXT_PER_SCAN // MIB} MiB of step text) is spent; file skipped"))


class SharedTally:
    """Steps and text parsed so far by every process of a parallel parse (in no
    particular order): once it passes the budget, nobody parses another file."""

    def __init__(self, ctx: Any) -> None:
        self._counts = ctx.Array("q", 2)  # steps, characters of text

    def add(self, pipeline: Pipeline | None) -> None:
        if pipeline is None:
            return
        steps, text = weight(pipeline)
        with self._counts.get_lock():
            self._counts[0] += steps
            self._counts[1] += text

    def exhausted(self) -> bool:
        with self._counts.get_lock():
            return not _within(self._counts[0], self._counts[1])
