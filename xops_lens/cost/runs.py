"""Runs per month of each pipeline, by the event that starts it.

Own triggers first: push and pull-request events from the changes landing on the
default branch (git history, else a default), schedules from their cron (croniter),
manual dispatch and other events from defaults. Then pipelines that only run when
another one calls them (a reusable workflow, a composite action) get their callers'
runs, event by event, times the calling job's matrix width.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Collection
from dataclasses import dataclass

from xops_lens.cost.cron import CronError, firings_per_month
from xops_lens.cost.history import History
from xops_lens.cost.settings import Settings
from xops_lens.model import Job, Pipeline, Step

PUSH_EVENTS = frozenset({"push", "merge_group"})
PR_EVENTS = frozenset({"pull_request", "pull_request_target", "merge_request_event",
                       "external_pull_request_event"})
DISPATCH_EVENTS = frozenset({"workflow_dispatch", "web", "api"})
CALL_EVENTS = frozenset({"workflow_call"})
UNKNOWN_EVENT = "unknown"  # runs of a pipeline whose trigger is kept outside its file
RELEASE_EVENTS = frozenset({"tag", "release"})  # as often as the repository releases
# Pull request activity types (GitHub `types:`): runs on every push to the branch, once
# per pull request (opened, closed, ...), or on something people do now and then.
PR_EVERY_PUSH = frozenset({"synchronize"})
PR_ONCE = frozenset({"opened", "reopened", "closed", "ready_for_review", "converted_to_draft"})
POLL_EVENT = "poll"  # a poll of the repository that builds when it finds changes


@dataclass(frozen=True, slots=True)
class EventRuns:
    """Runs per month that one event causes, and how the figure was reached."""

    event: str
    runs: float
    basis: str
    keys: tuple[str, ...] = ()  # the settings the figure rests on
    called: bool = False  # runs the pipeline gets from the jobs or steps that call it

    @property
    def manual(self) -> bool:
        """A person starts these runs (a dispatch form, a Bitbucket custom pipeline)."""
        return self.event in DISPATCH_EVENTS


class _ByEvent:
    """Runs per month summed, and by event (several triggers may share an event)."""

    __slots__ = ()
    events: tuple[EventRuns, ...]

    @property
    def total(self) -> float:
        return sum(e.runs for e in self.events)

    def by_event(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for e in self.events:
            out[e.event] = out.get(e.event, 0.0) + e.runs
        return out


@dataclass(frozen=True, slots=True)
class PipelineRuns(_ByEvent):
    path: str
    events: tuple[EventRuns, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class JobRuns(_ByEvent):
    """Runs per month of one job, by event, each with its basis: the one place where a
    job's runs are decided, so that measured runs (a CI service's run history) can
    replace the assumed ones job by job."""

    events: tuple[EventRuns, ...]

    @property
    def keys(self) -> set[str]:
        return {k for e in self.events for k in e.keys}


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


class RunCounter:
    """Turns triggers into runs per month; reads git history only when needed."""

    def __init__(self, settings: Settings, history: Callable[[], History]) -> None:
        self.settings = settings
        self._history_reader = history
        self._history: History | None = None
        self._changes: tuple[float, str] | None = None
        self._releases: tuple[float, str] | None = None
        self._events: dict[tuple[str, str | None, tuple[str, ...]], EventRuns] = {}

    def history(self) -> History:
        if self._history is None:
            self._history = self._history_reader()
        return self._history

    def changes_per_month(self) -> tuple[float, str]:
        """Changes landing on the default branch per month, and the basis."""
        if self._changes is None:
            key = "cost.changes_per_month"
            if self.settings.is_set(key):
                value = self.settings.number(key)
                self._changes = (value, f"{key} = {_n(value)}")
            else:
                history = self.history()
                if history.available:
                    value = self.settings.derived(
                        key, history.per_month(history.changes), "git history", history.note)
                    self._changes = (value, f"{_n(value)} changes/month (git history)")
                else:
                    value = self.settings.number(key)
                    self._changes = (value, f"{_n(value)} changes/month (default)")
        return self._changes

    def releases_per_month(self) -> tuple[float, str]:
        """Releases (tags) per month, and the basis: set, else git history, else default."""
        if self._releases is None:
            key = "cost.releases_per_month"
            s = self.settings
            if s.is_set(key):
                value = s.number(key)
                self._releases = (value, f"{key} = {_n(value)}")
            else:
                history = self.history()
                if history.available:
                    value = s.derived(key, history.per_month(history.tags), "git history",
                                      history.note)
                    self._releases = (value, f"{_n(value)} releases/month (git history tags)")
                else:
                    value = s.number(key)
                    self._releases = (value, f"{_n(value)} releases/month (default)")
        return self._releases

    def event(self, event: str, cron: str | None = None,
              types: tuple[str, ...] = ()) -> EventRuns:
        """Runs per month of one event (memoised: every job of a file asks again)."""
        key = (event, cron, types)
        found = self._events.get(key)
        if found is None:
            found = self._events[key] = self._event(event, cron, types)
        return found

    def _event(self, event: str, cron: str | None, types: tuple[str, ...] = ()) -> EventRuns:
        s = self.settings
        if event in s.table("cost.event_runs"):
            key = f"cost.event_runs.{event}"
            runs = s.number(key, note=f"runs per month of the {event} event")
            return EventRuns(event, runs, f"{key} = {_n(runs)}", (key,))
        changes_key = "cost.changes_per_month"
        if event in PUSH_EVENTS:
            changes, basis = self.changes_per_month()
            return EventRuns(event, changes, basis, (changes_key,))
        if event in PR_EVENTS and types and not PR_EVERY_PUSH & set(types):
            listed = ", ".join(types)
            if PR_ONCE & set(types):
                changes, basis = self.changes_per_month()
                return EventRuns(event, changes, f"{basis}, once per pull request "
                                                 f"(types: {listed})", (changes_key,))
            key = "cost.other_event_runs_per_month"
            runs = s.number(key)
            return EventRuns(event, runs, f"{_n(runs)} runs/month assumed for {event} "
                                          f"(types: {listed})", (key,))
        if event in RELEASE_EVENTS:
            releases, basis = self.releases_per_month()
            return EventRuns(event, releases, basis, ("cost.releases_per_month",))
        if event in PR_EVENTS:
            changes, basis = self.changes_per_month()
            pushes = s.number("cost.pushes_per_pr")
            return EventRuns(event, changes * pushes,
                             f"{basis} × {_n(pushes)} runs per pull request",
                             (changes_key, "cost.pushes_per_pr"))
        if event == POLL_EVENT:
            return self._poll(cron)
        if event == "schedule":
            key = "cost.schedule_runs_per_month"
            if cron:
                try:
                    runs = firings_per_month(cron)
                    return EventRuns(event, runs, f"cron {cron!r} fires {_n(runs)} times/month")
                except CronError as exc:
                    default = s.number(key)
                    return EventRuns(event, default, f"{exc}; {_n(default)} assumed", (key,))
                except ImportError:  # an install without croniter still reports the rest
                    default = s.number(key)
                    return EventRuns(event, default, f"croniter is not installed, cron {cron!r} "
                                                     f"not counted; {_n(default)} assumed", (key,))
            default = s.number(key)
            return EventRuns(event, default,
                             f"schedule kept outside the file: {_n(default)}/month assumed",
                             (key,))
        if event in DISPATCH_EVENTS:
            key = "cost.dispatch_runs_per_month"
            runs = s.number(key)
            return EventRuns(event, runs, f"{_n(runs)} manual runs/month assumed", (key,))
        key = "cost.other_event_runs_per_month"
        runs = s.number(key)
        return EventRuns(event, runs, f"{_n(runs)} runs/month assumed for {event}", (key,))

    def _poll(self, cron: str | None) -> EventRuns:
        """A poll of the repository (Jenkins ``pollSCM``) builds only when it finds new
        changes: at most once per firing, and never more often than changes land."""
        changes, basis = self.changes_per_month()
        keys: tuple[str, ...] = ("cost.changes_per_month",)
        if cron:
            schedule = self._event("schedule", cron)
            firings, keys = schedule.runs, keys + schedule.keys
            runs = min(firings, changes)
            return EventRuns(POLL_EVENT, runs, f"pollSCM {cron!r} polls {_n(firings)} "
                                               f"times/month and builds only when it finds "
                                               f"changes: at most {_n(runs)} ({basis})", keys)
        return EventRuns(POLL_EVENT, changes, f"pollSCM with a schedule the file does not "
                                              f"spell out: one build per change ({basis})",
                         keys)

    def untriggered(self) -> EventRuns:
        """A pipeline whose file names no trigger and that nothing scanned calls (Cloud
        Build, a standalone task): started by a trigger kept outside the file, assumed
        to run once per change like a push pipeline."""
        event = UNKNOWN_EVENT
        if event in self.settings.table("cost.event_runs"):
            return self._event(event, None)
        changes, basis = self.changes_per_month()
        return EventRuns(event, changes, f"no trigger in the file: {basis}, one run per "
                                         f"change assumed (cost.event_runs.{event})",
                         ("cost.changes_per_month",))

    def own(self, pipeline: Pipeline) -> PipelineRuns | None:
        """Runs from the pipeline's own triggers; None when it only runs when called."""
        triggers = [t for t in pipeline.triggers if t.event not in CALL_EVENTS]
        if not triggers:
            return None
        total = self.settings.optional_number("cost.runs_per_month")
        if total is not None:
            return PipelineRuns(pipeline.path, (EventRuns(
                "any", total, f"cost.runs_per_month = {_n(total)}", ("cost.runs_per_month",)),))
        events: list[EventRuns] = []
        seen: set[str] = set()
        for trigger in triggers:
            # One push starts a pipeline once, however many sections list push; each
            # schedule fires on its own.
            if trigger.event not in ("schedule", POLL_EVENT) and trigger.event in seen:
                continue
            seen.add(trigger.event)
            events.append(self.event(trigger.event, trigger.cron, trigger.types))
        return PipelineRuns(pipeline.path, tuple(events))

    def job(self, job: Job, runs: PipelineRuns, *, gated: bool) -> JobRuns:
        """Runs per month of one job of a pipeline whose runs are ``runs``.

        ``cost.job_runs.<job id>`` (a measured figure) wins; else the job's own
        triggers (``Job.triggers``: its format's filters and conditions), each with its
        basis; else, or when ``cost.runs_per_month`` sets every pipeline's total, the
        pipeline's runs. A gated job (manual, protected environment) is assumed not to
        run for pull requests unless cost.gates_on_pull_requests is set."""
        s = self.settings
        if job.id in s.table("cost.job_runs"):
            key = f"cost.job_runs.{job.id}"
            value = s.number(key, note=f"runs per month of job {job.id!r}")
            return JobRuns((EventRuns("any", value, f"{key} = {_n(value)}", (key,)),))
        events: list[EventRuns]
        if job.triggers is None or s.optional_number("cost.runs_per_month") is not None:
            events = list(runs.events)
        else:
            events = []
            for trigger in job.triggers:
                if trigger.event in CALL_EVENTS:
                    events.extend(e for e in runs.events if e.called)
                    continue
                if trigger.event not in PUSH_EVENTS | PR_EVENTS | RELEASE_EVENTS \
                        | DISPATCH_EVENTS | {"schedule", POLL_EVENT} \
                        and trigger.event in runs.by_event():
                    # An event of the pipeline's own the cost model has no figure for:
                    # the pipeline's (the user may have set it with cost.event_runs).
                    base = next(e for e in runs.events if e.event == trigger.event)
                else:
                    base = self.event(trigger.event, trigger.cron, trigger.types)
                basis = base.basis
                if trigger.condition:
                    basis += f"; {trigger.condition}"
                value = base.runs
                if trigger.times != 1:
                    value *= trigger.times
                    basis += f"; × {trigger.times} (invoked {trigger.times} times per run)"
                events.append(EventRuns(base.event, value, basis, base.keys, base.called))
        if gated and not s.flag("cost.gates_on_pull_requests"):
            events = [e for e in events if not is_pull_request(e.event)]
        return JobRuns(tuple(events))


def is_pull_request(event: str) -> bool:
    return event in PR_EVENTS


def local_action_path(uses: str | None) -> str | None:
    """The folder of a local action (``uses: ./path``), posix, relative to the root."""
    if not uses or not uses.startswith("./"):
        return None
    return posixpath.normpath(uses[2:].split("@", 1)[0])


def callee_of_step(step: Step, known: Collection[str]) -> str | None:
    """The scanned file a step runs (a local composite action), if any."""
    folder = local_action_path(step.uses)
    if folder is None:
        return None
    for name in ("action.yml", "action.yaml"):
        candidate = posixpath.join(folder, name) if folder != "." else name
        if candidate in known:
            return candidate
    return None


def callee_of_job(job: Job, known: Collection[str]) -> str | None:
    """The scanned file a job runs instead of steps (a local reusable workflow)."""
    return job.calls if job.calls in known else None
