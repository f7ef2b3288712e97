"""From runs to measurements: match a history's runs to the scanned pipelines, jobs and
steps, and compute the figures the cost model uses instead of its assumptions.

Runs match a pipeline by file path. Jobs match by name: the job's ``name`` (or id), a
matrix cell as ``name (a, b)`` (GitHub) or ``name: [a, b]`` / ``name 1/3`` (GitLab), a
name with ``${{ }}`` expressions as a pattern. Per run, each cell's last attempt is the
one that counts; earlier attempts are re-runs. GitHub steps match by position once the
steps GitHub adds are set aside ("Set up job", "Complete job", containers, and "Post X"
after a step X), else by name in order ("Run <first line>" for an unnamed step); a step
that matches neither keeps its assumption, with a note. GitLab records no step times.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

from xops_lens.model import Job, Pipeline, Step, number_steps
from xops_lens.runhistory.fetch import History
from xops_lens.runhistory.records import JobRun, Run, StepRun

DAYS_PER_MONTH = 30.4375
ADDED = frozenset({"Set up job", "Complete job", "Initialize containers", "Stop containers"})
_EXPR = re.compile(r"\$\{\{.*?\}\}")


@dataclass(frozen=True)
class CellMeasure:
    name: str  # "" for a job without a matrix
    runs: int
    median_minutes: float


@dataclass(frozen=True)
class StepMeasure:
    runs: int
    median_minutes: float  # one run of one cell
    minutes_per_run: float  # all cells of one run: the sum of each cell's median
    failure_rate: float


@dataclass(frozen=True)
class JobMeasure:
    runs: int
    runs_per_month: float
    events: dict[str, float]  # runs per month by the event that started them
    median_minutes: float  # one run of one cell
    minutes_per_run: float  # all cells of one run
    cells: tuple[CellMeasure, ...]
    failure_rate: float
    rerun_rate: float
    reruns_per_month: float  # runs with a re-run, per month
    rerun_minutes: float  # runner minutes of the attempts a re-run replaced, per re-run
    queue_minutes: float | None  # created to started, median, a job nobody gates
    wait_minutes: float | None  # the same for a job gated by an environment or a person
    added_minutes: float | None  # per run: the steps GitHub adds (set-up, post, clean-up)
    steps: dict[int, StepMeasure] = field(default_factory=dict)  # by the step's key (Step.key)
    notes: tuple[str, ...] = ()

    @property
    def step_level(self) -> bool:
        return self.added_minutes is not None


@dataclass
class Measurements:
    provider: str
    label: str
    repository: str
    days: float
    runs: int
    requests: int
    cached: int
    jobs: dict[int, JobMeasure] = field(default_factory=dict)  # by the job's key (Job.key)
    notes: list[str] = field(default_factory=list)

    @property
    def window(self) -> str:
        return f"{self.runs:,} {self.label} run{'s' if self.runs != 1 else ''} of the last " \
               f"{self.days:g} days ({self.repository})"


def measure(history: History, pipelines: Sequence[Pipeline]) -> Measurements:
    number_steps(pipelines, unless_numbered=True)
    result = Measurements(history.provider, history.label, history.repository, history.days,
                          len(history.runs), history.requests, history.cached)
    by_path: dict[str, list[Run]] = {}
    for run in history.runs:
        by_path.setdefault(run.workflow, []).append(run)
    scanned = {p.path: p for p in pipelines}
    unknown = {path: len(runs) for path, runs in by_path.items() if path not in scanned}
    if unknown:
        shown = ", ".join(f"{path or '(no file)'} ({n})" for path, n in sorted(unknown.items()))
        result.notes.append(f"runs of pipelines not in the scan were left out: {shown}")
    for path, runs in by_path.items():
        pipeline = scanned.get(path)
        if pipeline is not None:
            _measure_pipeline(pipeline, runs, history.days, result)
    return result


def _measure_pipeline(pipeline: Pipeline, runs: list[Run], days: float,
                      result: Measurements) -> None:
    matchers = [(job, _matcher(job)) for job in pipeline.jobs if not job.reusable]
    # jobs by job.key: per run, the executions of its cells
    found: dict[int, list[tuple[str, dict[str, list[JobRun]]]]] = {}
    strangers: set[str] = set()
    for run in runs:
        per_job: dict[int, dict[str, list[JobRun]]] = {}
        for execution in run.jobs:
            hit = _match(matchers, execution.name)
            if hit is None:
                strangers.add(execution.name)
                continue
            job, cell = hit
            per_job.setdefault(job.key, {}).setdefault(cell, []).append(execution)
        for key, cells in per_job.items():
            found.setdefault(key, []).append((run.event, cells))
    if strangers:
        shown = ", ".join(sorted(strangers)[:5]) + (" ..." if len(strangers) > 5 else "")
        result.notes.append(f"{pipeline.path}: jobs in the runs that match no job of the "
                            f"file (renamed, or called workflows): {shown}")
    for job, _ in matchers:
        runs_of_job = found.get(job.key)
        if runs_of_job:
            job_measure = _measure_job(job, runs_of_job, days)
            if job_measure is not None:
                result.jobs[job.key] = job_measure


def _matcher(job: Job) -> re.Pattern[str]:
    """A pattern for the names of the job's executions; group ``cell`` is the cell."""
    names = {job.name, job.id}
    alternatives = []
    for name in sorted(names, key=len, reverse=True):
        if _EXPR.search(name):
            parts = _EXPR.split(name)
            body = "(?P<cell>.+?)".join(re.escape(p) for p in parts[:2])
            body += "".join(".+?" + re.escape(p) for p in parts[2:])
            alternatives.append(body)
        else:
            alternatives.append(re.escape(name))
    head = "|".join(alternatives)
    if "(?P<cell>" in head:
        return re.compile(rf"^(?:{head})$", re.DOTALL)
    return re.compile(rf"^(?:{head})(?: \((?P<cell>.+)\)|: \[(?P<gl>.+)\]| (?P<n>\d+/\d+))?$",
                      re.DOTALL)


def _match(matchers: list[tuple[Job, re.Pattern[str]]], name: str) -> tuple[Job, str] | None:
    exact = next((job for job, _ in matchers if name in (job.name, job.id)), None)
    if exact is not None:
        return exact, ""
    for job, pattern in matchers:
        match = pattern.match(name)
        if match:
            groups = match.groupdict()
            return job, next((v for v in groups.values() if v), "")
    return None


def _final(executions: list[JobRun]) -> JobRun:
    return max(executions, key=lambda e: (e.attempt, e.id))


def _measure_job(job: Job, runs: list[tuple[str, dict[str, list[JobRun]]]], days: float
                 ) -> JobMeasure | None:
    ran_with_event = [(event, cells) for event, cells in runs
                      if any(_final(e).ran for e in cells.values())]
    if not ran_with_event:
        return None
    ran = [cells for _, cells in ran_with_event]
    count = len(ran)
    per_month = count / days * DAYS_PER_MONTH
    events: dict[str, float] = {}
    for event, _ in ran_with_event:
        events[event] = events.get(event, 0.0) + DAYS_PER_MONTH / days
    cell_minutes: dict[str, list[float]] = {}
    every: list[float] = []
    waits: list[float] = []
    failures = reruns = 0
    rerun_minutes: list[float] = []
    for cells in ran:
        finals = {cell: _final(e) for cell, e in cells.items()}
        for cell, execution in finals.items():
            if execution.ran:
                cell_minutes.setdefault(cell, []).append(execution.minutes)
                every.append(execution.minutes)
                if execution.waited is not None:
                    waits.append(execution.waited)
        failures += any(e.failed for e in finals.values())
        replaced = [e for cell, es in cells.items() for e in es if e is not finals[cell]]
        if replaced:
            reruns += 1
            rerun_minutes.append(sum(e.minutes for e in replaced))
    cells_out = tuple(CellMeasure(cell, len(m), median(m)) for cell, m in sorted(cell_minutes.items()))
    steps, added, notes = _measure_steps(job, ran)
    gated = job.manual or job.environment is not None
    wait = median(waits) if waits else None
    return JobMeasure(
        runs=count, runs_per_month=per_month, events=events, median_minutes=median(every),
        minutes_per_run=sum(c.median_minutes for c in cells_out), cells=cells_out,
        failure_rate=failures / count, rerun_rate=reruns / count,
        reruns_per_month=reruns / days * DAYS_PER_MONTH,
        rerun_minutes=median(rerun_minutes) if rerun_minutes else 0.0,
        queue_minutes=None if gated else wait, wait_minutes=wait if gated else None,
        added_minutes=added, steps=steps, notes=notes)


def _measure_steps(job: Job, runs: list[dict[str, list[JobRun]]]
                   ) -> tuple[dict[int, StepMeasure], float | None, tuple[str, ...]]:
    """Step figures and the minutes of the steps GitHub adds, per run (None when the
    provider gave no steps: GitLab)."""
    wanted = [s for s in job.steps if not s.expanded]
    per_step: dict[int, dict[str, list[float]]] = {}
    failed: dict[int, int] = {}
    added: dict[str, list[float]] = {}
    unmatched: dict[str, str] = {}
    plans: dict[tuple[str, ...], tuple[dict[int, int], list[int]]] = {}
    any_steps = False
    for cells in runs:
        failed_here: set[int] = set()
        for cell, executions in cells.items():
            execution = _final(executions)
            if not execution.ran or not execution.steps:
                continue
            any_steps = True
            names = tuple(s.name for s in execution.steps)
            plan = plans.get(names)
            if plan is None:
                plan = plans[names] = _plan(wanted, execution.steps, unmatched)
            matched, extra = plan
            for index, api_index in matched.items():
                ran = execution.steps[api_index]
                per_step.setdefault(index, {}).setdefault(cell, []).append(ran.minutes)
                if ran.conclusion == "failure":
                    failed_here.add(index)
            added.setdefault(cell, []).append(sum(execution.steps[i].minutes for i in extra))
        for index in failed_here:
            failed[index] = failed.get(index, 0) + 1
    if not any_steps:
        return {}, None, ()
    count = len(runs)
    steps = {}
    for index, cells_of in per_step.items():
        all_minutes = [m for ms in cells_of.values() for m in ms]
        steps[wanted[index].key] = StepMeasure(
            len(max(cells_of.values(), key=len)), median(all_minutes),
            sum(median(ms) for ms in cells_of.values()), failed.get(index, 0) / count)
    notes = tuple(f"step {name!r} not found in the runs ({why}): its minutes stay assumed"
                  for name, why in unmatched.items())
    return steps, sum(median(ms) for ms in added.values()), notes


def _plan(wanted: list[Step], ran: Sequence[StepRun], unmatched: dict[str, str]
          ) -> tuple[dict[int, int], list[int]]:
    """Which run step (by index) each wanted step (by index) is, and the indexes of the
    steps GitHub added."""
    extra: list[int] = []
    core: list[int] = []
    seen: set[str] = set()
    for i, step in enumerate(ran):
        if step.name in ADDED or (step.name.startswith("Post ")
                                  and step.name.removeprefix("Post ") in seen):
            extra.append(i)
        else:
            core.append(i)
            seen.add(step.name)
    if len(core) == len(wanted):
        return {n: core[n] for n in range(len(wanted))}, extra
    matched: dict[int, int] = {}
    position = 0
    for n, step in enumerate(wanted):
        pattern = _step_pattern(step)
        for k in range(position, len(core)):
            if pattern.match(ran[core[k]].name):
                matched[n] = core[k]
                position = k + 1
                break
        else:
            unmatched.setdefault(step.name, f"the run has {len(core)} steps, the file "
                                            f"{len(wanted)}, and no step of this name")
    # Run steps left unplaced are not counted anywhere: the steps they might be keep
    # their assumed minutes, and counting both would count them twice.
    return matched, extra


def _step_pattern(step: Step) -> re.Pattern[str]:
    options = []
    for name in (step.name, f"Run {step.name}"):
        parts = _EXPR.split(name)
        options.append(".+?".join(re.escape(p.strip()) if i in (0, len(parts) - 1) else re.escape(p)
                                  for i, p in enumerate(parts)))
    return re.compile(rf"^(?:{'|'.join(options)})\s*$", re.DOTALL)
