"""What a scan produces; reporters render this and nothing else."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from xops_lens.config import Config
from xops_lens.cost.report import CostReport
from xops_lens.model import SUBSYSTEMS, Classification, Job, Pipeline, Step
from xops_lens.sdk import BackendUsage

if TYPE_CHECKING:
    from xops_lens.prmode import ChangeSet


@dataclass(frozen=True, slots=True)
class FileReport:
    """One CI file found in the tree: parsed into a pipeline, included, or failed."""

    path: str
    format: str
    error: str | None = None
    pipeline: Pipeline | None = None
    included_by: str | None = None


@dataclass(frozen=True, slots=True)
class StepResult:
    step: Step
    label: Classification


@dataclass(frozen=True, slots=True)
class GateResult:
    """A human gate that is a job rather than a step (manual job, protected environment)."""

    job: Job
    label: Classification


@dataclass(frozen=True, slots=True)
class Ignored:
    """A step or job-level gate an ignore rule left out of every output (see ignore.py).

    ``what`` is ``step`` or ``gate``; ``kind`` is None when the step was dropped before
    classification (a path rule or a bare inline ignore); ``rule`` says which rule.
    """

    file: str
    line: int
    job: str
    name: str
    what: str
    kind: str | None
    rule: str


@dataclass
class ScanResult:
    root: str
    backend: str
    files: list[FileReport] = field(default_factory=list)
    steps: list[StepResult] = field(default_factory=list)
    gates: list[GateResult] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    config: Config = field(default_factory=Config)
    ignored: list[Ignored] = field(default_factory=list)
    # Set by PR mode (scan --base): what the diff changed; steps/gates then hold only those.
    changes: ChangeSet | None = None
    # Requests and tokens of a backend that calls a service (None for offline backends).
    backend_usage: BackendUsage | None = None
    # Set by the cost model (xops_lens.cost) once steps are labelled.
    cost: CostReport | None = None

    @property
    def failed_files(self) -> list[FileReport]:
        return [f for f in self.files if f.error is not None]

    def subsystem_counts(self) -> dict[str, int]:
        counts = Counter(s.label.subsystem for s in self.steps)
        counts.update(g.label.subsystem for g in self.gates)
        return {name: counts.get(name, 0) for name in SUBSYSTEMS}

    def kind_counts(self) -> dict[str, int]:
        counts = Counter(s.label.kind for s in self.steps)
        counts.update(g.label.kind for g in self.gates)
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
