"""What plugin objects look like: the protocols behind the three registration hooks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TextIO, runtime_checkable

from xops_lens.errors import Declined, ParseError
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Classification, Job, Pipeline, Source, Step, Trigger

if TYPE_CHECKING:
    from xops_lens.result import ScanResult

__all__ = [
    "Backend",
    "Classification",
    "Declined",
    "Format",
    "Job",
    "ParseError",
    "Pipeline",
    "ReportOptions",
    "Reporter",
    "Source",
    "Step",
    "Trigger",
    "hookimpl",
]


@runtime_checkable
class Format(Protocol):
    """A CI format: which files it claims and how it turns one into a Pipeline.

    ``claims`` is called for every file in the tree, so it must be cheap (path only).
    ``entry`` tells whether a claimed file is analysed on its own even when another
    file of the same format already includes it (False for fragments such as GitLab
    include files, which are analysed alone only when nothing includes them).
    ``parse`` raises ParseError for a broken file, or Declined when the content shows
    the file is not of this format after all.
    """

    name: str
    globs: tuple[str, ...]

    def claims(self, path: str) -> bool: ...

    def entry(self, path: str) -> bool: ...

    def parse(self, source: Source) -> Pipeline: ...


@runtime_checkable
class Backend(Protocol):
    """Labels steps; must return exactly one Classification per step, in order."""

    name: str

    def classify(self, steps: Sequence[Step]) -> list[Classification]: ...


@dataclass(frozen=True)
class ReportOptions:
    """How the user asked for the report; a reporter ignores what does not apply to it."""

    quiet: bool = False


@runtime_checkable
class Reporter(Protocol):
    """Renders a finished scan for people or programs."""

    name: str

    def render(self, result: ScanResult, stream: TextIO, options: ReportOptions) -> None: ...
