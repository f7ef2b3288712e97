"""The provider-neutral form of a run: what both clients produce, what the cache keeps,
and what the measurements are computed from. Times are seconds since the epoch (UTC),
None when the provider has none (a job that never started)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

FAILED = frozenset({"failure", "failed", "timed_out", "startup_failure"})
NOT_RUN = frozenset({"skipped", "manual", "created", "scheduled", "waiting_for_resource",
                     "pending", "neutral"})


def epoch(value: Any) -> float | None:
    """An ISO 8601 time as both providers write it (``Z`` or an offset), else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def minutes(start: float | None, end: float | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start) / 60.0


@dataclass(frozen=True, slots=True)
class StepRun:
    name: str
    number: int
    conclusion: str | None
    started: float | None
    completed: float | None

    @property
    def minutes(self) -> float:
        return minutes(self.started, self.completed) or 0.0


@dataclass(frozen=True, slots=True)
class JobRun:
    """One execution of a job (one matrix cell, one attempt)."""

    id: int
    name: str
    attempt: int
    conclusion: str | None
    created: float | None
    started: float | None
    completed: float | None
    steps: tuple[StepRun, ...] = ()
    stage: str | None = None

    @property
    def minutes(self) -> float:
        return minutes(self.started, self.completed) or 0.0

    @property
    def waited(self) -> float | None:
        """Minutes from the job's creation to its start: queue, approval or manual play."""
        return minutes(self.created, self.started)

    @property
    def ran(self) -> bool:
        return self.started is not None and (self.conclusion or "") not in NOT_RUN

    @property
    def failed(self) -> bool:
        return (self.conclusion or "") in FAILED


@dataclass(frozen=True, slots=True)
class Run:
    """One run of one pipeline file with all its jobs' executions (every attempt).

    ``version`` is what changes when a finished run changes again (a re-run): the
    provider's update time and attempt; a cached run whose version differs is fetched
    again."""

    id: int
    workflow: str  # the pipeline file, relative to the repository root
    event: str
    created: float
    attempt: int
    status: str
    conclusion: str | None
    version: str
    jobs: tuple[JobRun, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Run:
        jobs = tuple(JobRun(**{**job, "steps": tuple(StepRun(**s) for s in job["steps"])})
                     for job in data["jobs"])
        return cls(**{**data, "jobs": jobs})
