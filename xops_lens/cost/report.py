"""The cost model's result: priced cost lines, their totals per step, job, pipeline and
subsystem, the suggestions, and the assumptions everything rests on."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from xops_lens.cost.runs import JobRuns, PipelineRuns
from xops_lens.cost.settings import Assumption
from xops_lens.model import SUBSYSTEMS, AppliesTo, Job, Step, Suggestion

if TYPE_CHECKING:
    from xops_lens.runhistory.measure import JobMeasure, Measurements, StepMeasure

# What each category of marginal cost is, for reports.
CATEGORIES: dict[str, str] = {
    "compute": "runner minutes of the step",
    "overhead": "runner start-up of the job",
    "gate": "a person approves the run (deciding whether a deploy is safe)",
    "dispatch": "a person fills the manual-run form",
    "triage": "a person reads a failure's log and triages it",
    "rerun": "a person re-runs a flaky job, and the runner runs it again",
    "release-notes": "a person writes the release notes",
    "dependency-review": "a person reviews a dependency bump",
}


def formula_number(value: float, digits: int = 2) -> str:
    """A number for a cost line's formula: as few digits as it needs."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True, slots=True)
class CostLine:
    """One marginal cost: ``uses_per_month`` times (human minutes × rate + compute
    minutes × price). A *use* is what the cost recurs on: a run, a failed run, an
    approval, a dependency bump."""

    category: str
    target: AppliesTo
    subsystem: str
    kind: str
    confidence: float
    use: str
    uses_per_month: float
    human_minutes_per_use: float
    compute_minutes_per_use: float
    price_per_minute: float
    human_rate: float
    formula: str
    matrix_size: int = 1
    keys: tuple[str, ...] = ()  # the settings this line's numbers rest on

    @property
    def human_hours_monthly(self) -> float:
        return self.uses_per_month * self.human_minutes_per_use / 60

    @property
    def human_monthly(self) -> float:
        return self.human_hours_monthly * self.human_rate

    @property
    def compute_minutes_monthly(self) -> float:
        return self.uses_per_month * self.compute_minutes_per_use

    @property
    def compute_monthly(self) -> float:
        return self.compute_minutes_monthly * self.price_per_minute

    @property
    def monthly(self) -> float:
        return self.human_monthly + self.compute_monthly

    def amounts(self) -> Amounts:
        """All the monthly figures above at once, each computed exactly as its property
        computes it (reports read them all for every line)."""
        human_hours = self.uses_per_month * self.human_minutes_per_use / 60
        human = human_hours * self.human_rate
        compute_minutes = self.uses_per_month * self.compute_minutes_per_use
        compute = compute_minutes * self.price_per_minute
        return Amounts(human_hours, human, compute_minutes, compute, human + compute)


class Amounts(NamedTuple):
    """A cost line's monthly figures (see :meth:`CostLine.amounts`)."""

    human_hours_monthly: float
    human_monthly: float
    compute_minutes_monthly: float
    compute_monthly: float
    monthly: float


_T = TypeVar("_T")


class _once(Generic[_T]):  # used like @property, hence the name
    """A property computed on first read and then kept in the instance (functools'
    cached_property takes a lock on every read before Python 3.12, which cost more than
    the sums it saved)."""

    def __init__(self, compute: Callable[[Any], _T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, instance: Any, owner: type | None = None) -> _T:
        if instance is None:
            return self  # type: ignore[return-value]
        value = self.compute(instance)
        instance.__dict__[self.name] = value  # read from there from now on
        return value


@dataclass(frozen=True)
class Figures:
    """Totals of some cost lines, for a step, a job or a subsystem. Each total is summed
    once, when first read (a report reads each several times)."""

    runs_per_month: float
    lines: tuple[CostLine, ...]

    @_once
    def line_amounts(self) -> tuple[Amounts, ...]:
        """The monthly figures of each line, in the order of ``lines``."""
        return tuple(line.amounts() for line in self.lines)

    @_once
    def monthly(self) -> float:
        return sum(a.monthly for a in self.line_amounts)

    @_once
    def human_monthly(self) -> float:
        return sum(a.human_monthly for a in self.line_amounts)

    @_once
    def compute_monthly(self) -> float:
        return sum(a.compute_monthly for a in self.line_amounts)

    @_once
    def human_hours_monthly(self) -> float:
        return sum(a.human_hours_monthly for a in self.line_amounts)

    def _per_run(self, value: float) -> float:
        return value / self.runs_per_month if self.runs_per_month else 0.0

    @property
    def per_run(self) -> float:
        return self._per_run(self.monthly)

    @property
    def compute_minutes_per_run(self) -> float:
        return self._per_run(sum(a.compute_minutes_monthly for a in self.line_amounts))

    @property
    def human_minutes_per_run(self) -> float:
        return self._per_run(self.human_hours_monthly * 60)


@dataclass
class CostReport:
    currency: str
    human_rate: float
    lines: list[CostLine] = field(default_factory=list)
    runs: dict[str, PipelineRuns] = field(default_factory=dict)
    step_lines: dict[int, list[CostLine]] = field(default_factory=dict)
    step_runs: dict[int, float] = field(default_factory=dict)
    step_notes: dict[int, str] = field(default_factory=dict)
    # jobs with no runs of their own (reusable definitions costed at their call sites)
    reusable_notes: dict[int, str] = field(default_factory=dict)
    job_lines: dict[int, list[CostLine]] = field(default_factory=dict)
    job_runs: dict[int, float] = field(default_factory=dict)
    job_events: dict[int, JobRuns] = field(default_factory=dict)  # by event, with bases
    jobs_by_path: dict[str, list[Job]] = field(default_factory=dict)  # priced, file order
    job_prices: dict[int, float] = field(default_factory=dict)
    # a job whose matrix cells run on different runners: how its mean price was reached
    job_price_notes: dict[int, str] = field(default_factory=dict)
    pipeline_lines: dict[str, list[CostLine]] = field(default_factory=dict)
    suggestions: list[Suggestion] = field(default_factory=list)
    # ids of the lines the catalogue's suggestions claimed (the rest may be proposed on)
    claimed_lines: set[int] = field(default_factory=set)
    assumptions: tuple[Assumption, ...] = ()
    history_note: str = ""
    history_used: bool = False
    unknown_keys: list[str] = field(default_factory=list)
    # scan --runs: the matched run history, and what it measured of each job and step
    measurements: Measurements | None = None
    measured_jobs: dict[int, JobMeasure] = field(default_factory=dict)
    measured_jobs_list: list[Job] = field(default_factory=list)  # the jobs of measured_jobs
    measured_steps: dict[int, StepMeasure | None] = field(default_factory=dict)
    step_basis: dict[int, str] = field(default_factory=dict)

    def jobs_of(self, path: str) -> list[Job]:
        """The measured jobs of one pipeline file, in file order."""
        jobs = [j for j in self.measured_jobs_list if j.file == path]
        return sorted(jobs, key=lambda j: j.line)

    def job_basis(self, job: Job) -> str:
        return "measured" if job.key in self.measured_jobs else "assumed"

    def basis_of_step(self, step: Step) -> str:
        return self.step_basis.get(step.key, "assumed")

    def add(self, line: CostLine, bucket: dict, key: object) -> None:
        self.lines.append(line)
        bucket.setdefault(key, []).append(line)

    def step(self, step: Step) -> Figures:
        """The step's own lines (compute, triage, ...)."""
        key = step.key
        return Figures(self.step_runs.get(key, 0.0), tuple(self.step_lines.get(key, ())))

    def job(self, job: Job) -> Figures:
        """The job's total: its own lines (gate, start-up) and all its steps' lines."""
        lines = list(self.job_lines.get(job.key, ()))
        for step in job.steps:
            lines.extend(self.step_lines.get(step.key, ()))
        return Figures(self.job_runs.get(job.key, 0.0), tuple(lines))

    def job_own(self, job: Job) -> tuple[CostLine, ...]:
        return tuple(self.job_lines.get(job.key, ()))

    def pipeline_own(self, path: str) -> tuple[CostLine, ...]:
        return tuple(self.pipeline_lines.get(path, ()))

    def total(self, lines: Iterable[CostLine] | None = None) -> Figures:
        return Figures(0.0, tuple(self.lines if lines is None else lines))

    def by_subsystem(self) -> dict[str, Figures]:
        return {name: Figures(0.0, tuple(l for l in self.lines if l.subsystem == name))
                for name in SUBSYSTEMS}
