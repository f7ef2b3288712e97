"""How often each pipeline runs: its own triggers, plus the runs of the jobs and steps
in other scanned files that call it (a reusable workflow, a composite action, a
template), and the runner price of a composite action, which runs on its callers'."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from xops_lens.cost.report import formula_number
from xops_lens.cost.runs import (
    EventRuns,
    PipelineRuns,
    RunCounter,
    callee_of_job,
    callee_of_step,
)
from xops_lens.model import Job, Pipeline

if TYPE_CHECKING:
    from xops_lens.cost.pricing import Estimator, Price


def resolve_runs(pipelines: Sequence[Pipeline], counter: RunCounter, estimator: Estimator,
                 ) -> tuple[dict[str, PipelineRuns], dict[str, Price]]:
    """Runs of every pipeline: own triggers, plus the runs of the jobs and steps that call
    it (callers first, so a chain of calls resolves; a cycle falls back to own triggers).
    Also the execution-weighted runner price of composite actions, which run on their
    callers' runners."""
    known = estimator.known_paths
    callers: dict[str, list[tuple[Pipeline, Job, bool]]] = {}
    for pipeline in pipelines:
        for job in pipeline.jobs:
            target = callee_of_job(job, known)
            if target is not None and target != pipeline.path:
                callers.setdefault(target, []).append((pipeline, job, False))
            for step in job.steps:
                target = callee_of_step(step, known)
                if target is not None and target != pipeline.path:
                    callers.setdefault(target, []).append((pipeline, job, True))
    runs: dict[str, PipelineRuns] = {}
    prices: dict[str, Price] = {}
    pending = list(pipelines)
    while pending:
        ready = [p for p in pending if all(c[0].path in runs for c in callers.get(p.path, ()))]
        for pipeline in ready or pending[:1]:
            pending.remove(pipeline)
            runs[pipeline.path], price = _runs_of(pipeline, callers.get(pipeline.path, []),
                                                  runs, counter, estimator)
            if price is not None:
                prices[pipeline.path] = price
    return runs, prices


def _runs_of(pipeline: Pipeline, callers: list[tuple[Pipeline, Job, bool]],
             runs: dict[str, PipelineRuns], counter: RunCounter, estimator: Estimator,
             ) -> tuple[PipelineRuns, Price | None]:
    own = counter.own(pipeline)
    events = list(own.events) if own else []
    by_event: dict[str, tuple[float, set[str], list[str]]] = {}
    weighted = executions = 0.0
    price_keys: set[str] = set()
    for caller, job, is_step in callers:
        if caller.path not in runs:  # a cycle of calls
            continue
        caller_runs = counter.job(job, runs[caller.path], gated=estimator.approval_needed(job))
        job_events = caller_runs.by_event()
        width = max(1, job.matrix_size)
        caller_keys = caller_runs.keys
        for event, value in job_events.items():
            total, keys, names = by_event.setdefault(event, (0.0, set(), []))
            keys.update(caller_keys)
            names.append(f"{caller.path} job {job.id}")
            by_event[event] = (total + value * width, keys, names)
        if is_step:
            per_minute, keys_used = estimator.runner_price(job.runner)
            count = sum(job_events.values()) * width
            weighted += per_minute * count
            executions += count
            price_keys.update(keys_used)
    for event, (total, keys, names) in by_event.items():
        callers_text = ", ".join(dict.fromkeys(names))
        events.append(EventRuns(event, total, f"{formula_number(total, 1)} runs/month when "
                                              f"called by {callers_text}", tuple(sorted(keys)),
                                called=True))
    note = None
    # A file of reusable definitions only (a composite action, a template read alone) is
    # never started by itself, whatever its lack of triggers suggests.
    reusable_only = bool(pipeline.jobs) and all(job.reusable for job in pipeline.jobs)
    if not events and not pipeline.triggers and not callers and not reusable_only:
        events.append(counter.untriggered())
    elif not events:
        note = "called from outside the scanned files only: not costed"
    composite: Price | None = None
    if executions:
        composite = (weighted / executions, tuple(sorted(price_keys)))
    elif any(is_step for _, _, is_step in callers):
        composite = estimator.runner_price(None)
    return PipelineRuns(pipeline.path, tuple(events), note), composite
