"""Cost lines from the CI provider's run history (``scan --runs``), in place of the
assumed ones for every job that had runs in the window.

What a measurement replaces: the job's runs per month (by the events that really ran
it), its steps' minutes (the median of each matrix cell, summed over the cells), the
start-up line (the steps GitHub adds: set-up, post and clean-up), the failure rate
behind triage (a step's own failures on GitHub, the job's on GitLab), and the flaky
re-run assumption (the runs that were re-run, and the runner minutes of the attempts
they replaced). What it cannot replace stays assumed and says so: a person's minutes,
prices, and steps that could not be matched to the run's steps.
GitLab records job times only: the job's measured minutes are shared over its steps in
proportion to the assumed minutes of their kinds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xops_lens.cost.report import formula_number as _n
from xops_lens.model import Classification, Step

if TYPE_CHECKING:
    from xops_lens.cost.pricing import Estimator, LineRest, _JobContext
    from xops_lens.runhistory.measure import JobMeasure

FAILURE_KINDS = ("test", "lint", "build", "analysis")
KEY = "cost.runs.days"
SPREAD_NOTE = ("{label} measures jobs, not steps: the job's measured minutes are shared "
               "over its steps by the assumed minutes of their kinds")


def _window(estimator: Estimator, measure: JobMeasure) -> str:
    days = estimator.measurements.days if estimator.measurements else 0
    return f"{measure.runs} runs in {_n(days)} days"


class MeasuredJob:
    """The measured lines of one job's steps, as the estimator asks for them."""

    def __init__(self, estimator: Estimator, ctx: _JobContext, measure: JobMeasure,
                 costed: list[Step]) -> None:
        self.estimator = estimator
        self.ctx = ctx
        self.measure = measure
        self.cells = max(1, len(measure.cells))
        self.shares: dict[int, float] = {}
        if not measure.step_level:
            weights = [estimator.minutes(estimator.labels[s.key].kind) for s in costed]
            whole = sum(weights)
            for step, weight in zip(costed, weights):
                self.shares[step.key] = (weight / whole) if whole else 1 / len(costed)
        failing = [s for s in costed if estimator.labels[s.key].kind in FAILURE_KINDS]
        self.failing = len(failing)

    def basis(self, step: Step) -> str:
        if self.measure.step_level and step.key not in self.measure.steps:
            return "assumed"
        return "measured"

    def note(self, step: Step) -> str | None:
        if not self.measure.step_level:
            return SPREAD_NOTE.format(label=self.estimator.measurements.label
                                      if self.estimator.measurements else "the provider")
        if step.key not in self.measure.steps:
            return f"not found in the job's {_window(self.estimator, self.measure)}: " \
                   f"minutes assumed"
        return None

    def step_lines(self, step: Step, label: Classification) -> tuple[float, list[LineRest]]:
        """Per cell minutes (for the re-run arithmetic) and the step's lines."""
        e, ctx, m = self.estimator, self.ctx, self.measure
        lab = (label.subsystem, label.kind, label.confidence)
        kind, price, window = label.kind, ctx.price, _window(e, m)
        lines: list[LineRest] = []
        measured = m.steps.get(step.key)
        keys = (KEY, *ctx.keys)
        if measured is not None:
            per_run = measured.minutes_per_run
            formula = (f"measured: median {_n(measured.median_minutes)} min "
                       f"× {self.cells} cell{'s' if self.cells != 1 else ''} ({window}) "
                       f"× {_n(price, 4)} {e.currency}/min")
        elif step.key in self.shares:
            share = self.shares[step.key]
            per_run = m.minutes_per_run * share
            formula = (f"measured: {_n(share * 100, 1)}% of the job's {_n(m.minutes_per_run)} "
                       f"min per run ({window}) × {_n(price, 4)} {e.currency}/min")
        else:  # a step the runs do not show: its kind's assumed minutes
            default = e.minutes(kind)
            per_run = default * ctx.matrix
            keys = (f"cost.default_minutes.{kind}", *ctx.keys)
            formula = (f"{_n(default)} min ({kind}) × {ctx.matrix} cell"
                       f"{'s' if ctx.matrix != 1 else ''} × {_n(price, 4)} {e.currency}/min")
        if per_run:
            lines.append(e._rest("compute", lab, "run", ctx.runs, 0.0, per_run, price, formula,
                                 keys, self.cells))
        if kind in FAILURE_KINDS:
            triage = e.settings.number("cost.human_minutes.triage")
            if measured is not None:
                rate = measured.failure_rate
                how = f"measured: {_n(rate * 100)}% of runs failed in this step ({window})"
            elif m.step_level:
                rate = e.settings.number(f"cost.failure_rate.{kind}", maximum=1.0)
                how = f"{_n(rate * 100)}% of runs fail (assumed)"
                keys = (f"cost.failure_rate.{kind}", *keys)
            else:
                rate = m.failure_rate / max(1, self.failing)
                how = (f"measured: {_n(m.failure_rate * 100)}% of the job's runs failed "
                       f"({window}), shared by its {self.failing} test, lint, build and "
                       f"analysis steps")
            if rate and triage:
                lines.append(e._rest("triage", lab, "failed run", ctx.runs * rate, triage, 0.0,
                                     price, f"{how} × {_n(triage)} min to triage",
                                     ("cost.human_minutes.triage", *keys), self.cells))
        return per_run / self.cells, lines

    def overhead(self) -> tuple[float, str] | None:
        """Minutes per run (all cells) of the steps GitHub adds, and the formula."""
        m, e = self.measure, self.estimator
        if m.added_minutes is None:
            return None
        return m.added_minutes, (f"measured: set-up, post and clean-up steps "
                                 f"{_n(m.added_minutes)} min per run "
                                 f"({_window(e, m)}) × {_n(self.ctx.price, 4)} {e.currency}/min")

    def rerun_line(self, step: Step) -> None:
        e, ctx, m = self.estimator, self.ctx, self.measure
        if not m.reruns_per_month:
            return
        rerun = e.settings.number("cost.human_minutes.rerun")
        label = e.labels[step.key]
        from xops_lens.model import AppliesTo

        e._add(e.report.step_lines, step.key, "rerun",
               AppliesTo(step.file, step.line, ctx.job.id, step.name),
               (label.subsystem, label.kind, label.confidence), "re-run",
               m.reruns_per_month, rerun, m.rerun_minutes, ctx.price,
               f"measured: {_n(m.rerun_rate * 100)}% of runs re-run ({_window(e, m)}); each: "
               f"{_n(rerun)} min of a person + {_n(m.rerun_minutes)} min of runner replaced",
               ("cost.human_minutes.rerun", KEY, *ctx.keys), self.cells)
