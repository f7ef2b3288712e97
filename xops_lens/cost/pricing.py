"""The marginal cost of every step, job and pipeline: the lines TAXONOMY.md lists.

compute   step minutes (default per kind) × matrix width × runner price, per run
overhead  runner start-up per job and matrix cell, per run
gate      a person approves a gated job (manual, protected environment), per run
dispatch  a person fills a workflow_dispatch form, per manual run
triage    failed runs × minutes to read and triage the log (test, lint, build, analysis);
          a run fails at most once: a step's share is the chance that it is the first
          to fail in its job, and a pipeline's jobs share its failed runs
rerun     runs with a flaky cell × (minutes to re-run + the failed cells' compute again)
release-notes      minutes to write notes, per release of a job that publishes one
dependency-review  minutes to review a bump, per dependency bump

Durations are assumptions (config files carry none); every number comes from Settings
and is reported with its source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from xops_lens.cost.callers import resolve_runs
from xops_lens.cost.failures import Failures
from xops_lens.cost.history import History, read_history
from xops_lens.cost.measured import MeasuredJob
from xops_lens.cost.report import CostLine, CostReport
from xops_lens.cost.report import formula_number as _n
from xops_lens.cost.runs import (
    DISPATCH_EVENTS,
    EventRuns,
    JobRuns,
    PipelineRuns,
    RunCounter,
    callee_of_step,
    is_pull_request,
)
from xops_lens.cost.settings import Assumption, Settings
from xops_lens.cost.suggest import suggest
from xops_lens.model import AppliesTo, Classification, Job, Pipeline, Step, number_steps

if TYPE_CHECKING:
    from xops_lens.result import ScanResult
    from xops_lens.runhistory.measure import Measurements

# A publish step that looks like a release: a package registry upload or a release
# object. Image pushes are left out: they often happen on every merge, without notes.
RELEASE = re.compile(
    r"\brelease\b|pypi|twine|(npm|yarn|pnpm|poetry|flit|hatch|uv|cargo) publish|gem push|"
    r"goreleaser|semantic-release|changesets?|nuget push|mvn deploy|gradle\w* publish",
    re.IGNORECASE)
RELEASE_EVENTS = frozenset({"release", "tag"})
# Release notes a pipeline already generates: nobody writes them by hand.
AUTOMATED_NOTES = re.compile(
    r"--generate-notes|release-drafter|generate_release_notes:\s*true|"
    r"generateReleaseNotes|semantic-release|release-please|git-cliff|changesets/action",
    re.IGNORECASE)
# Operating system packages (a tool for the job: git, curl) are not the project's
# dependencies, which bots bump.
SYSTEM_PACKAGES = re.compile(r"\b(apt(-get)?|apk|yum|dnf|zypper|brew|choco|pacman|snap|"
                             r"port)\s+(-\S+\s+)*(install|add)\b")
# Families of hosted runners by a word in their label (runs-on, tags, image).
RUNNER_FAMILIES: tuple[tuple[str, str], ...] = (
    ("macos", "macos"), ("mac", "macos"), ("windows", "windows"), ("win", "windows"),
    ("ubuntu", "linux"), ("linux", "linux"),
)
REUSABLE_NOTE = ("reusable: runs only where it is called, never by itself; the calling "
                 "steps carry its cost")
OVERHEAD_LABEL = ("information", "toolchain", 1.0)  # runner start-up prepares the job
DISPATCH_LABEL = ("action", "approve", 0.9)  # a form a person fills is a human gate
Price = tuple[float, tuple[str, ...]]  # per minute, and the settings it rests on
Label = tuple[str, str, float]  # subsystem, kind, confidence
# A cost line but its target: its category, then CostLine's fields after the target.
LineRest = tuple[str, tuple[object, ...]]


class _StepSpec(NamedTuple):
    """What a costed step's own compute and triage lines are, given its label and its
    job's runs, price, matrix and scale: the same for every such step."""

    minutes: float  # per matrix cell, scaled
    lines: tuple[LineRest, ...]
    assumptions: tuple[Assumption, ...]  # the settings read for them, in reading order


def _cells(matrix: int) -> str:
    return f"{matrix} cell{'s' if matrix != 1 else ''}"


def _exact(value: object) -> object:
    """``value`` as a memo key that tells apart what prints or computes apart: a non-zero
    float is its own key; 0.0, -0.0, int 0 and anything else by type and repr."""
    return value if value.__class__ is float and value else (value.__class__, repr(value))


# Words one of which RELEASE needs to match, lower-cased: a cheap test that rules out
# most publish steps before the regex (an ignore-case search of every position of a
# step's text). Only used on ASCII text, where lower() and IGNORECASE agree.
_RELEASE_WORDS = ("release", "pypi", "twine", " publish", "gem push", "changeset",
                  "nuget push", "mvn deploy")


def _mentions_release(text: str) -> bool:
    """RELEASE.search(text) as a bool."""
    if text.isascii():
        lowered = text.lower()
        if not any(word in lowered for word in _RELEASE_WORDS):
            return False
    return RELEASE.search(text) is not None


@dataclass(frozen=True, slots=True)
class _JobContext:
    pipeline: Pipeline
    job: Job
    events: dict[str, float]
    price: float
    keys: tuple[str, ...]  # settings behind the runs and the price
    composite: bool  # steps of a composite action: they run on their caller's runner
    runs: float  # sum(events.values()): runs per month, read for every step
    job_runs: JobRuns  # the same, event by event, with the basis of each
    price_note: str = ""  # how a price over cells on different runners was reached

    @property
    def carried_by_callers(self) -> bool:
        """A reusable definition priced where it is called (a CircleCI command, a Jenkins
        helper, a template read alone): the calling steps carry its cost, so it has no
        runs of its own. A composite action whose callers were scanned is the exception:
        a ``uses: ./x`` call says nothing of the work, so the action's steps are costed
        with the callers' runs (resolve_runs) and the call is not."""
        return self.job.reusable and not self.composite

    @property
    def matrix(self) -> int:
        return max(1, self.job.matrix_size)


@dataclass
class Estimator(Failures):
    settings: Settings
    counter: RunCounter
    labels: dict[int, Classification]
    gates: dict[int, Classification]
    known_paths: Collection[str]  # a set: every job and local action call is looked up
    measurements: Measurements | None = None  # scan --runs: the run history, matched
    report: CostReport = field(init=False)
    # once-per-scan or once-per-pipeline lines already placed (release notes, bumps)
    _placed: set[tuple[str, str]] = field(default_factory=set)
    # The settings keys of a line, sorted, by the keys a line is given (and whether it
    # has human minutes); and compute formulas, by their text. Thousands of lines share
    # a few dozen of each: one tuple or string each instead of one per line.
    _line_keys: dict[tuple[tuple[str, ...], bool], tuple[str, ...]] = field(default_factory=dict)
    _strings: dict[str, str] = field(default_factory=dict)
    # Steps' compute and triage lines by their job's figures, then by label: 10,000
    # steps of 1,000 workflows have a few hundred distinct ones, and building each
    # (settings reads, formulas, sorted keys) was most of the estimate.
    _specs: dict[tuple[object, ...], dict[tuple[object, ...], _StepSpec]] = field(
        default_factory=dict)
    # Runner prices by label, with the assumption each read recorded.
    _prices: dict[str | None, tuple[Price, Assumption]] = field(default_factory=dict)
    # RELEASE found in a step's text, by the text (workflows repeat steps).
    _releases: dict[str, bool] = field(default_factory=dict)
    # Where dependency bumps are reviewed when no installation runs for pull requests.
    _bump_fallback: tuple[Step, AppliesTo, Label] | None = None
    # the chance that a run of the pipeline being priced fails (steps that run after a
    # failure, in a job with no failing step of its own: a Jenkins pipeline's post)
    _pipeline_failure: float = 0.0

    def __post_init__(self) -> None:
        self.currency = self.settings.text("cost.currency")
        self.rate = self.settings.number("cost.human_rate")
        self.report = CostReport(currency=self.currency, human_rate=self.rate)

    # -- prices, durations, history -----------------------------------------------------
    def runner_price(self, runner: str | None) -> Price:
        """Price per minute of a runner label: the user's exact label, else a family
        named in the label, else the default."""
        known = self._prices.get(runner)
        if known is not None:
            price, assumption = known
            self.settings.remember((assumption,))  # as reading the price again would
            return price
        price = self._runner_price(runner)
        self._prices[runner] = price, self.settings.recorded(price[1][0])
        return price

    def _runner_price(self, runner: str | None) -> Price:
        s = self.settings
        if runner and runner in s.table("cost.runner_prices"):
            key = f"cost.runner_prices.{runner}"
            return s.number(key, note=f"per minute, runner {runner!r}"), (key,)
        words = re.split(r"[^a-z0-9]+", (runner or "").lower())
        for word, family in RUNNER_FAMILIES:
            if word in words:
                key = f"cost.runner_prices.{family}"
                return s.number(key), (key,)
        key = "cost.runner_prices.default"
        return s.number(key), (key,)

    def minutes(self, kind: str) -> float:
        return self.settings.number(f"cost.default_minutes.{kind}")

    def per_month_from_history(self, key: str, count: Callable[[History], int]
                               ) -> tuple[float, str]:
        """A monthly figure the user set, else counted in git history, else the default."""
        s = self.settings
        if s.is_set(key):
            return s.number(key), "set"
        history = self.counter.history()
        if history.available:
            return s.derived(key, history.per_month(count(history)), "git history",
                             history.note), "git history"
        return s.number(key), "default"

    def approval_needed(self, job: Job) -> bool:
        """A gate costs a person's time when the job is manual, or deploys to an
        environment whose protection (kept outside the file) is assumed to need one."""
        if job.key not in self.gates:
            return False
        return job.manual or (job.environment is not None
                              and self.settings.flag("cost.environment_approval"))

    def _add(self, bucket: dict, key: object, category: str, target: AppliesTo, label: Label,
             use: str, uses: float, human: float, compute: float, price: float, formula: str,
             keys: Sequence[str], matrix: int = 1) -> None:
        subsystem, kind, confidence = label
        formula = self._strings.setdefault(formula, formula)
        self.report.add(CostLine(category, target, subsystem, kind, confidence, use, uses,
                                 human, compute, price, self.rate, formula, matrix,
                                 self._keys_of(keys, human)), bucket, key)

    def _keys_of(self, keys: Sequence[str], human: float) -> tuple[str, ...]:
        """A line's settings keys, sorted, with cost.human_rate when it has human time."""
        request = (tuple(keys), bool(human))
        line_keys = self._line_keys.get(request)
        if line_keys is None:
            all_keys = set(keys) | ({"cost.human_rate"} if human else set())
            line_keys = self._line_keys[request] = tuple(sorted(all_keys))
        return line_keys

    # -- jobs and steps ---------------------------------------------------------------
    def context(self, pipeline: Pipeline, job: Job, runs: PipelineRuns,
                composite_price: Price | None) -> _JobContext:
        gated = self.approval_needed(job)
        own = self.counter.job(job, runs, gated=gated)
        if job.reusable and composite_price is None:
            # Never scheduled by itself: the pipeline's own runs are not its runs.
            own = JobRuns(())
        events, keys = own.by_event(), own.keys
        if gated:
            keys.add("cost.gates_on_pull_requests")
        measure = self.measurements.jobs.get(job.key) if self.measurements else None
        if measure is not None and not job.reusable:
            # The one place where measured runs replace those of the triggers: the
            # events that really ran the job, per month over the window.
            events, keys = dict(measure.events), {"cost.runs.days"}
            own = JobRuns(tuple(EventRuns(event, runs, "measured in the run history "
                                                       "(cost.runs.days)", ("cost.runs.days",))
                                for event, runs in events.items()))
        note = ""
        if composite_price is None and job.cell_runners:
            price, price_keys, note = self.cell_price(job.cell_runners)
        else:
            price, price_keys = composite_price or self.runner_price(job.runner)
        keys.update(price_keys)
        return _JobContext(pipeline, job, events, price, tuple(sorted(keys)),
                           composite_price is not None, sum(events.values()), own, note)

    def cell_price(self, cells: Sequence[tuple[str, int]]) -> tuple[float, tuple[str, ...], str]:
        """The mean price per minute of a matrix whose cells run on different runners
        (each cell at its own runner's price), its settings, and the basis formulas
        print: the cells by runner and price."""
        total = count = 0.0
        keys: set[str] = set()
        parts = []
        for label, n in cells:
            per_minute, used = self.runner_price(label)
            total += per_minute * n
            count += n
            keys.update(used)
            parts.append(f"{n} × {label} at {_n(per_minute, 4)}")
        return (total / count if count else 0.0, tuple(sorted(keys)),
                f" (mean over the cells' runners: {', '.join(parts)})")

    def _scale(self, ctx: _JobContext, costed: Sequence[Step]) -> tuple[float, tuple[str, ...]]:
        """cost.job_minutes.<job> replaces the assumed step minutes of a job with a
        measured total per matrix cell, shared out in proportion to the defaults."""
        job = ctx.job
        if job.id not in self.settings.table("cost.job_minutes") or not costed:
            return 1.0, ()
        key = f"cost.job_minutes.{job.id}"
        wanted = self.settings.number(key, note=f"measured step minutes per cell of job {job.id!r}")
        assumed = sum(self.minutes(self.labels[step.key].kind) for step in costed)
        return (wanted / assumed if assumed else 0.0), (key,)

    def _is_costed(self, step: Step) -> bool:
        """Whether a step's own work is priced (not a call whose steps are costed where
        they are written, not a container of steps reported as well)."""
        return step.key in self.labels and not step.expanded \
            and callee_of_step(step, self.known_paths) is None

    def job(self, ctx: _JobContext, failure_share: float = 1.0) -> None:
        job, matrix, price, report = ctx.job, ctx.matrix, ctx.price, self.report
        report.job_runs[job.key] = ctx.runs
        report.job_events[job.key] = ctx.job_runs
        report.jobs_by_path.setdefault(ctx.pipeline.path, []).append(job)
        report.job_prices[job.key] = price
        if ctx.price_note:
            report.job_price_notes[job.key] = ctx.price_note.strip(" ()")
        if ctx.carried_by_callers:
            # No lines at all (not even zero ones): nothing here may take a once-per-scan
            # line (release notes, bumps) away from the jobs that really run.
            report.reusable_notes[job.key] = REUSABLE_NOTE
            for step in job.steps:
                if step.key in self.labels:
                    report.step_runs[step.key] = 0.0
                    report.step_notes[step.key] = REUSABLE_NOTE
            return
        costed = []
        for step in job.steps:
            if step.key not in self.labels:
                continue  # left out of the scan (an ignore rule, or PR mode's unchanged)
            report.step_runs[step.key] = ctx.runs
            callee = callee_of_step(step, self.known_paths)
            if callee is not None:
                report.step_notes[step.key] = f"runs {callee}; its steps are costed there"
            elif step.expanded:
                report.step_notes[step.key] = "its steps are reported too and costed there"
            else:
                costed.append(step)
        measure = self.measurements.jobs.get(job.key) if self.measurements else None
        measured = MeasuredJob(self, ctx, measure, costed) if measure and costed else None
        if measured is not None:
            report.measured_jobs[job.key] = measure
            report.measured_jobs_list.append(job)
        scale, scale_keys = self._scale(ctx, costed)
        specs = self._specs.setdefault(
            (_exact(ctx.runs), _exact(price), ctx.keys, matrix, _exact(scale), scale_keys,
             ctx.price_note), {})
        remember = self.settings.remember
        all_lines, step_lines = report.lines, report.step_lines
        cell_minutes = 0.0
        first_test: Step | None = None
        chances = self.failure_chances(ctx)
        triage = {step.key: (rate, reach) for step, rate, reach in chances}
        # The chance that a run has failed before each step: what a step that runs after
        # a failure (failure(), post failure) runs in; a job with no failing step of its
        # own (a pipeline's post) takes the pipeline's.
        failed_before: dict[int, float] = {}
        survive = 1.0
        for step in job.steps:
            failed_before[step.key] = 1.0 - survive if chances else self._pipeline_failure
            if step.key in triage:
                survive *= 1.0 - triage[step.key][0]
        whole_ctx = ctx
        for step in costed:
            label = self.labels[step.key]
            target = AppliesTo(step.file, step.line, job.id, step.name)
            spec_key = (label.subsystem, label.kind, _exact(label.confidence))
            ctx, share = whole_ctx, 1.0
            if step.when and measured is None:
                ctx, share = self._step_context(whole_ctx, step, failed_before[step.key])
                spec = None
            else:
                spec = specs.get(spec_key)
            if measured is not None:
                spec = self._measured_spec(measured, step, label)
            elif ctx is not whole_ctx:
                spec = self._step_spec(ctx, label, scale, scale_keys)
            elif spec is None:
                spec = specs[spec_key] = self._step_spec(ctx, label, scale, scale_keys)
            else:
                remember(spec.assumptions)
            cell_minutes += spec.minutes * share
            if step.key in triage:
                self._triage(ctx, step, target, label, *triage[step.key], failure_share)
            if spec.lines:
                lines = step_lines.setdefault(step.key, [])
                for category, rest in spec.lines:
                    line = CostLine(category, target, *rest)  # type: ignore[arg-type]
                    all_lines.append(line)
                    lines.append(line)
            if label.kind == "test" and first_test is None:
                first_test = step
            # The pipeline's note is placed at most once: asked first, so the release
            # pattern is searched only while it is still missing.
            if label.kind == "publish" and ("release", ctx.pipeline.path) not in self._placed \
                    and self._is_release(step, ctx) and not self._notes_automated(ctx.pipeline):
                self._placed.add(("release", ctx.pipeline.path))
                self._release_notes(ctx, step, target,
                                    (label.subsystem, label.kind, label.confidence))
            if label.kind == "dependencies" and ("bumps", "") not in self._placed \
                    and ctx.runs and not SYSTEM_PACKAGES.search(step.text):
                lab = (label.subsystem, label.kind, label.confidence)
                if any(is_pull_request(e) for e in ctx.events):
                    self._placed.add(("bumps", ""))
                    self._bumps(step, target, lab)
                elif self._bump_fallback is None:
                    # Branch pipelines (GitLab, Bitbucket) test a bump's branch on push.
                    self._bump_fallback = (step, target, lab)
        ctx = whole_ctx
        job_target = AppliesTo(job.file, job.line, job.id, None)
        # A job made only of containers (a Buildkite group) starts no agent of its own.
        if job.steps and not ctx.composite and not all(step.expanded for step in job.steps):
            overhead = self.settings.number("cost.job_overhead_minutes")
            added = measured.overhead() if measured is not None else None
            if added is not None:
                cell_minutes += added[0] / measured.cells  # type: ignore[union-attr]
                if added[0]:
                    self._add(report.job_lines, job.key, "overhead", job_target, OVERHEAD_LABEL,
                              "run", ctx.runs, 0.0, added[0], price, added[1],
                              ("cost.runs.days", *ctx.keys), measured.cells)  # type: ignore[union-attr]
            elif measured is not None:
                pass  # GitLab's job minutes hold the start-up already
            elif overhead:
                cell_minutes += overhead
                self._add(report.job_lines, job.key, "overhead", job_target, OVERHEAD_LABEL,
                          "run", ctx.runs, 0.0, overhead * matrix, price,
                          f"{_n(overhead)} min start-up × {_cells(matrix)} × "
                          f"{_n(price, 4)} {self.currency}/min{ctx.price_note}",
                          ("cost.job_overhead_minutes", *ctx.keys), matrix)
        if measured is not None:
            if costed:
                measured.rerun_line(first_test or costed[0])
        elif first_test is not None:
            self._reruns(ctx, first_test, cell_minutes)
        gate = self.gates.get(job.key)
        if gate is not None and self.approval_needed(job):
            approve = self.settings.number("cost.human_minutes.approve")
            if approve:
                env_key = () if job.manual else ("cost.environment_approval",)
                # Several gates in one pipeline (a dozen optional manual builds) share a
                # person's decisions: at most cost.approvals_per_run per run, spread.
                gated = sum(1 for j in ctx.pipeline.jobs if self.approval_needed(j))
                cap = self.settings.number("cost.approvals_per_run")
                share = min(1.0, cap / gated) if gated else 1.0
                decisions = f"{_n(cap)} decision{'s' if cap != 1 else ''}"
                shared = f" ({decisions} per run shared by {gated} gated jobs)" \
                    if share < 1 else ""
                self._add(report.job_lines, job.key, "gate", job_target,
                          (gate.subsystem, gate.kind, gate.confidence), "approval",
                          ctx.runs * share, approve, 0.0, price,
                          f"{_n(approve)} min to decide whether the run is safe{shared}",
                          ("cost.human_minutes.approve", "cost.approvals_per_run", *ctx.keys,
                           *env_key))

    def _step_spec(self, ctx: _JobContext, label: Classification, scale: float,
                   scale_keys: tuple[str, ...]) -> _StepSpec:
        """A costed step's compute line (minutes of its kind × matrix × price) and, for
        test, lint, build and analysis steps, its triage line (failure rate × minutes
        to triage), reading the settings they rest on."""
        kind, matrix, price, settings = label.kind, ctx.matrix, ctx.price, self.settings
        lab: Label = (label.subsystem, kind, label.confidence)
        lines: list[LineRest] = []
        minutes_key = f"cost.default_minutes.{kind}"
        default = self.minutes(kind)
        assumptions = [settings.recorded(minutes_key)]
        minutes = default * scale
        if minutes:
            scaled = f" × {_n(scale, 3)} (cost.job_minutes)" if scale != 1 else ""
            lines.append(self._rest(
                "compute", lab, "run", ctx.runs, 0.0, minutes * matrix, price,
                f"{_n(default)} min ({kind}){scaled} × {_cells(matrix)} × {_n(price, 4)} "
                f"{self.currency}/min{ctx.price_note}", (minutes_key, *ctx.keys, *scale_keys),
                matrix))
        return _StepSpec(minutes, tuple(lines), tuple(assumptions))

    def _measured_spec(self, measured: MeasuredJob, step: Step, label: Classification
                       ) -> _StepSpec:
        """A measured job's step: its own figures, never shared through the spec memo."""
        self.report.measured_steps[step.key] = measured.measure.steps.get(step.key)
        self.report.step_basis[step.key] = measured.basis(step)
        note = measured.note(step)
        if note is not None:
            self.report.step_notes.setdefault(step.key, note)
        minutes, lines = measured.step_lines(step, label)
        return _StepSpec(minutes, tuple(lines), ())

    def _triage(self, ctx: _JobContext, step: Step, target: AppliesTo, label: Classification,
                rate: float, reach: float, share: float) -> None:
        """The failed runs a step is the first failure of, and a person's triage of each."""
        triage = self.settings.number("cost.human_minutes.triage")
        if not (rate and triage and ctx.runs):
            return
        formula = f"{_n(rate * 100)}% of runs fail"
        if reach < 1:
            formula += f" × {_n(reach * 100, 1)}% that get this far (earlier steps did not fail)"
        if share < 1:
            formula += (f" × {_n(share, 3)} (a run fails once, however many of its jobs "
                        f"fail)")
        self._add(self.report.step_lines, step.key, "triage", target,
                  (label.subsystem, label.kind, label.confidence), "failed run",
                  ctx.runs * rate * reach * share, triage, 0.0, ctx.price,
                  f"{formula} × {_n(triage)} min to triage",
                  (f"cost.failure_rate.{label.kind}", "cost.human_minutes.triage", *ctx.keys),
                  ctx.matrix)

    def _rest(self, category: str, label: Label, use: str, uses: float, human: float,
              compute: float, price: float, formula: str, keys: Sequence[str],
              matrix: int = 1) -> LineRest:
        """A line as _add makes it, but its target (see LineRest)."""
        subsystem, kind, confidence = label
        return category, (subsystem, kind, confidence, use, uses, human, compute, price,
                          self.rate, self._strings.setdefault(formula, formula), matrix,
                          self._keys_of(keys, human))

    def _is_release(self, step: Step, ctx: _JobContext) -> bool:
        if any(e in RELEASE_EVENTS for e in ctx.events):
            return True
        text = " ".join((step.name, step.uses or "", step.text))
        found = self._releases.get(text)
        if found is None:
            found = self._releases[text] = _mentions_release(text)
        return found

    def _notes_automated(self, pipeline: Pipeline) -> bool:
        """Whether the pipeline already drafts its release notes (gh release create
        --generate-notes, release-drafter, generate_release_notes, ...): then nobody
        writes them by hand."""
        return any(AUTOMATED_NOTES.search(" ".join((step.uses or "", step.text)))
                   for step in pipeline.steps)

    def _release_notes(self, ctx: _JobContext, step: Step, target: AppliesTo,
                       label: Label) -> None:
        # Notes are written per release, not per run: a job that publishes on every push
        # is continuous delivery without notes. Releases are counted as tags, and a job
        # cannot release more often than it runs.
        key = "cost.releases_per_month"
        releases, basis = self.per_month_from_history(key, lambda h: h.tags)
        releases = min(releases, ctx.runs)
        notes = self.settings.number("cost.human_minutes.release_notes")
        if releases and notes:
            self._add(self.report.step_lines, step.key, "release-notes", target, label,
                      "release", releases, notes, 0.0, ctx.price,
                      f"{_n(notes)} min to write the notes of each release "
                      f"({_n(releases)}/month, {basis})",
                      (key, "cost.human_minutes.release_notes", *ctx.keys))

    def _reruns(self, ctx: _JobContext, step: Step, cell_minutes: float) -> None:
        flaky = self.settings.number("cost.flaky_rate", maximum=1.0)
        rerun = self.settings.number("cost.human_minutes.rerun")
        if not flaky:
            return
        label = self.labels[step.key]
        # A person re-runs a run once, however many of its cells failed spuriously; the
        # runner runs each failed cell again.
        matrix = ctx.matrix
        flaky_runs = 1.0 - (1.0 - flaky) ** matrix
        cells = matrix * flaky / flaky_runs
        per_run = f"{_n(flaky * 100)}% flaky per cell"
        if matrix > 1:
            per_run += (f": {_n(flaky_runs * 100)}% of runs of {_cells(matrix)} have one, "
                        f"{_n(cells)} cells each")
        self._add(self.report.step_lines, step.key, "rerun",
                  AppliesTo(step.file, step.line, ctx.job.id, step.name),
                  (label.subsystem, label.kind, label.confidence), "flaky re-run",
                  ctx.runs * flaky_runs, rerun, cell_minutes * cells, ctx.price,
                  f"{per_run}; each re-run: {_n(rerun)} min of a person + "
                  f"{_n(cell_minutes * cells)} min of runner",
                  ("cost.flaky_rate", "cost.human_minutes.rerun", *ctx.keys), ctx.matrix)

    def place_bumps_fallback(self) -> None:
        """Bumps reviewed where no job runs for pull requests: on the first dependency
        installation that runs on pushes."""
        if ("bumps", "") not in self._placed and self._bump_fallback is not None:
            self._placed.add(("bumps", ""))
            self._bumps(*self._bump_fallback)

    def _bumps(self, step: Step, target: AppliesTo, label: Label) -> None:
        # Bumps are reviewed once per repository: the line sits on the first dependency
        # installation that runs for pull requests, where a bump is tested.
        key = "cost.dependency_bumps_per_month"
        bumps, basis = self.per_month_from_history(key, lambda h: h.bumps)
        review = self.settings.number("cost.human_minutes.dependency_review")
        if bumps and review:
            self._add(self.report.step_lines, step.key, "dependency-review", target, label,
                      "dependency bump", bumps, review, 0.0, 0.0,
                      f"{_n(review)} min to review each bump ({_n(bumps)}/month, {basis})",
                      (key, "cost.human_minutes.dependency_review"))

    def dispatch(self, pipeline: Pipeline, runs: PipelineRuns) -> None:
        own = {t.event for t in pipeline.triggers}
        for event in runs.events:
            # Only the pipeline's own form (own events come first): a called pipeline's
            # dispatches are its caller's forms.
            if event.event not in DISPATCH_EVENTS or event.event not in own:
                continue
            own.discard(event.event)
            form = self.settings.number("cost.human_minutes.dispatch")
            if form:
                line = next((t.line for t in pipeline.triggers if t.event == event.event), 1)
                self._add(self.report.pipeline_lines, pipeline.path, "dispatch",
                          AppliesTo(pipeline.path, line, None, None), DISPATCH_LABEL,
                          "manual run", event.runs, form, 0.0, 0.0,
                          f"{_n(form)} min to fill the {event.event} form",
                          ("cost.human_minutes.dispatch", *event.keys))


def estimate(result: ScanResult, root: Path, *, now: datetime,
             measurements: Measurements | None = None) -> CostReport:
    """Price every step, job and pipeline of ``result``, then match the catalogue."""
    settings = Settings(result.config)
    history_read: list[History] = []

    def history() -> History:
        days = settings.number("cost.history.days", minimum=1)
        history_read.append(read_history(root, days=days, now=now))
        return history_read[-1]

    pipelines = [f.pipeline for f in result.files if f.pipeline is not None]
    number_steps(pipelines, unless_numbered=True)
    counter = RunCounter(settings, history)
    estimator = Estimator(settings, counter, {r.step.key: r.label for r in result.steps},
                          {g.job.key: g.label for g in result.gates},
                          frozenset(p.path for p in pipelines), measurements)
    if measurements is not None:
        settings.number("cost.runs.days", minimum=1)  # recorded: the window it rests on
        estimator.report.measurements = measurements
    runs, composite_prices = resolve_runs(pipelines, counter, estimator)
    report = estimator.report
    report.runs = runs
    for pipeline in pipelines:
        estimator.dispatch(pipeline, runs[pipeline.path])
        contexts = [estimator.context(pipeline, job, runs[pipeline.path],
                                      composite_prices.get(pipeline.path))
                    for job in pipeline.jobs]
        shares = estimator.failure_shares(contexts)
        estimator._pipeline_failure = estimator.pipeline_failure(contexts)
        for ctx in contexts:
            estimator.job(ctx, shares.get(ctx.job.key, 1.0))
    estimator.place_bumps_fallback()
    report.suggestions = suggest(report.lines, settings, human_rate=estimator.rate,
                                 currency=estimator.currency, pipelines=pipelines,
                                 claimed=report.claimed_lines)
    if history_read:
        report.history_note = history_read[0].note
        report.history_used = history_read[0].available
    report.assumptions = settings.used
    report.unknown_keys = settings.unknown_keys()
    # Said on stderr by the CLI whatever the output format, like other scan warnings.
    result.messages.extend(f"setting {key} is not used by the cost model (a typo?)"
                           for key in report.unknown_keys)
    result.messages.extend(settings.messages)
    return report
