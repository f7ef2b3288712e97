"""Failed runs, and steps that run in some runs only: a mixin of the cost model's
Estimator (xops_lens/cost/pricing.py).

A run fails at most once: steps of a job run one after another and the first failure
stops it, so a step is the run's failure with chance rate × the chance that no earlier
step failed, a job fails with chance 1 − ∏(1 − rate), and a pipeline run once however
many of its jobs fail. A step that runs after a failure (``failure()``, ``post {
failure }``) runs in the share of runs in which an earlier step failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from xops_lens.cost.report import formula_number as _n
from xops_lens.model import Step

if TYPE_CHECKING:
    from xops_lens.cost.pricing import _JobContext

FAILURE_KINDS = ("test", "lint", "build", "analysis")


def prod(values: Iterable[float]) -> float:
    out = 1.0
    for value in values:
        out *= value
    return out



class Failures:
    """The Estimator's failure arithmetic and per-step runs (its attributes: settings,
    labels, report, measurements, _is_costed)."""

    settings: Any
    labels: Any
    report: Any
    measurements: Any
    # The Estimator's own method: declared here so the mixin's uses are typed.
    _is_costed: Callable[[Step], bool]

    def failure_chances(self, ctx: _JobContext) -> list[tuple[Step, float, float]]:
        """(step, failure rate, chance a run reaches it) of the job's costed test, lint,
        build and analysis steps, in order. Steps run one after another and a failure
        stops the job, so a step is the run's failure with chance rate × reach, and the
        job fails with chance 1 − ∏(1 − rate): a run fails at most once."""
        if ctx.carried_by_callers or (self.measurements is not None
                                      and ctx.job.key in self.measurements.jobs):
            return []  # a measured job's failures are counted from its runs (measured.py)
        found = []
        reach = 1.0
        for step in ctx.job.steps:
            if not self._is_costed(step) or step.outcome is not None:
                continue  # a step that runs after an outcome is not the run's failure
            kind = self.labels[step.key].kind
            if kind not in FAILURE_KINDS:
                continue
            rate = self.settings.number(f"cost.failure_rate.{kind}", maximum=1.0)
            found.append((step, rate, reach))
            reach *= 1.0 - rate
        return found

    def pipeline_failure(self, contexts: Sequence[_JobContext]) -> float:
        """The chance that a run of the pipeline fails: 1 − ∏ over its jobs that run of
        (1 − the job's chance)."""
        return 1.0 - prod(1.0 - rate for ctx in contexts if ctx.runs
                           for _, rate, _ in self.failure_chances(ctx))

    def failure_shares(self, contexts: Sequence[_JobContext]) -> dict[int, float]:
        """By job: the factor that turns its failed runs into its share of the pipeline's
        failed runs. A pipeline run fails at most once, however many of its jobs fail:
        for each event, 1 − ∏ over the jobs that run on it of (1 − the job's chance)."""
        chances: list[tuple[_JobContext, float]] = []
        for ctx in contexts:
            steps = self.failure_chances(ctx)
            chance = sum(rate * reach for _, rate, reach in steps)
            if chance and ctx.runs:
                chances.append((ctx, chance))
        if len(chances) < 2:
            return {}
        pipeline_runs = self.report.runs.get(contexts[0].pipeline.path)
        own = pipeline_runs.by_event() if pipeline_runs else {}
        by_event: dict[str, list[tuple[float, float]]] = {}
        for ctx, chance in chances:
            for event, runs in ctx.events.items():
                by_event.setdefault(event, []).append((runs, chance))
        failed = summed = 0.0
        for event, jobs in by_event.items():
            base = own.get(event) or max(runs for runs, _ in jobs)
            survive = 1.0
            for runs, chance in jobs:
                share = runs / base if base else 0.0
                # A job that runs in a share of the pipeline's runs (or several times in
                # each, share > 1) survives a run with chance 1 − share × chance, or
                # (1 − chance) ** share.
                survive *= (1.0 - chance) ** share if share > 1 else 1.0 - share * chance
                summed += runs * chance
            failed += base * (1.0 - survive)
        if not summed or failed >= summed:
            return {}
        factor = failed / summed
        return {ctx.job.key: factor for ctx, _ in chances}

    def _step_context(self, ctx: _JobContext, step: Step, job_failure: float
                      ) -> tuple[_JobContext, float]:
        """The job's figures as one of its steps sees them when it runs in some of the
        job's runs only (its events; after a failure or a success), and the share of the
        job's runs it runs in; its basis goes in the step's note."""
        events = ctx.events
        said = []
        if step.events is not None and "any" not in events:
            events = {e: r for e, r in events.items() if e in step.events}
            said.append("on " + (", ".join(events) or "none of the job's events"))
        factor = 1.0
        if step.outcome == "failure":
            factor = job_failure
            said.append(f"after a failure, {_n(factor * 100, 1)}% of runs "
                        f"(cost.failure_rate.*)")
        elif step.outcome == "success":
            factor = 1.0 - job_failure
            said.append(f"after a success, {_n(factor * 100, 1)}% of runs")
        elif step.outcome == "never":
            factor = 0.0
            said.append("in no counted run")
        if not said:
            said.append("in every run")
        events = {e: r * factor for e, r in events.items()}
        runs = sum(events.values())
        share = runs / ctx.runs if ctx.runs else 0.0
        self.report.step_runs[step.key] = runs
        when = f" [{step.when}]" if step.when else ""
        self.report.step_notes.setdefault(
            step.key, f"runs {'; '.join(said)}{when}: {_n(runs, 1)} of the job's "
                      f"{_n(ctx.runs, 1)} runs/month")
        return replace(ctx, events=events, runs=runs), share

