"""What a scan produces; reporters render this and nothing else."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xops_lens.config import UserSettings
from xops_lens.cost.report import CostReport
from xops_lens.model import SUBSYSTEMS, Classification, Job, Pipeline, Step, Suggestion
from xops_lens.sdk import BackendUsage

if TYPE_CHECKING:
    from xops_lens.claims import Unclaimed


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


# PR mode (xops_lens.prmode) fills these; they are part of what a scan returns, so the core
# and the reporters need no feature module to read them.
@dataclass(frozen=True, slots=True)
class StepChange:
    """One step of the diff: ``added``/``changed`` (head location) or ``removed`` (base)."""

    status: str
    file: str
    line: int
    job: str
    name: str
    subsystem: str
    kind: str


@dataclass
class Side:
    """The whole pipeline on one side of the diff, for the before/after table."""

    counts: dict[str, int]
    steps: int
    gates: int
    monthly_cost: float | None = None
    currency: str | None = None

    def share(self, subsystem: str) -> float:
        total = sum(self.counts.values())
        return self.counts.get(subsystem, 0) / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        total = sum(self.counts.values())
        return {
            "steps": self.steps,
            "gates": self.gates,
            "subsystems": {
                name: {"count": self.counts.get(name, 0),
                       "share": round(self.counts.get(name, 0) / total, 4) if total else 0.0}
                for name in SUBSYSTEMS
            },
            "monthly_cost": None if self.monthly_cost is None else round(self.monthly_cost, 2),
            "currency": self.currency,
        }


@dataclass
class ChangeSet:
    """What ``--base`` found; attached to the result as ``result.changes``."""

    base_ref: str
    base_sha: str
    merge_base: bool
    head_sha: str | None
    files: list[str] = field(default_factory=list)
    steps: list[StepChange] = field(default_factory=list)
    removed_gates: list[StepChange] = field(default_factory=list)
    before: Side = field(default_factory=lambda: Side({}, 0, 0))
    after: Side = field(default_factory=lambda: Side({}, 0, 0))

    def count(self, status: str) -> int:
        """Steps and job-level gates with this status."""
        gates = len(self.removed_gates) if status == "removed" else 0
        return gates + sum(1 for change in self.steps if change.status == status)

    @property
    def touches_ci(self) -> bool:
        return bool(self.files or self.steps or self.removed_gates)

    def to_dict(self) -> dict[str, Any]:
        def change(c: StepChange) -> dict[str, Any]:
            return {"status": c.status, "file": c.file, "line": c.line, "job": c.job,
                    "name": c.name, "subsystem": c.subsystem, "kind": c.kind}

        return {
            "base": {"ref": self.base_ref, "sha": self.base_sha, "merge_base": self.merge_base},
            "head": {"sha": self.head_sha, "compared": "work tree"},
            "files": list(self.files),
            "counts": {status: self.count(status) for status in ("added", "changed", "removed")},
            "steps": [change(c) for c in self.steps],
            "removed_gates": [change(c) for c in self.removed_gates],
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
        }


@dataclass
class ScanResult:
    root: str
    backend: str
    files: list[FileReport] = field(default_factory=list)
    steps: list[StepResult] = field(default_factory=list)
    gates: list[GateResult] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    config: UserSettings = field(default_factory=UserSettings)
    ignored: list[Ignored] = field(default_factory=list)
    # Set by PR mode (scan --base): what the diff changed; steps/gates then hold only those.
    changes: ChangeSet | None = None
    # Requests and tokens of a backend that calls a service (None for offline backends).
    backend_usage: BackendUsage | None = None
    # Set by the cost model (xops_lens.cost) once steps are labelled.
    cost: CostReport | None = None
    # Files that look like CI configuration but that no format read (xops_lens.claims).
    unclaimed: list[Unclaimed] = field(default_factory=list)

    @property
    def failed_files(self) -> list[FileReport]:
        return [f for f in self.files if f.error is not None]

    @property
    def suggestions(self) -> list[Suggestion]:
        """The cost model's suggestions, in the order every report lists them."""
        return self.cost.suggestions if self.cost is not None else []

    def subsystem_counts(self) -> dict[str, int]:
        counts = Counter(s.label.subsystem for s in self.steps)
        counts.update(g.label.subsystem for g in self.gates)
        return {name: counts.get(name, 0) for name in SUBSYSTEMS}

    def kind_counts(self) -> dict[str, int]:
        counts = Counter(s.label.kind for s in self.steps)
        counts.update(g.label.kind for g in self.gates)
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
