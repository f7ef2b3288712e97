"""The cost parts of the terminal report (issue 5): where the money goes across the
three subsystems, the suggestions sorted by saving with their arithmetic, the runs per
month, and every assumption with its source. Imported by ``terminal.py`` only, so rich
stays out of machine formats."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import Any

from xops_lens.cost.report import CostReport
from xops_lens.cost.runs import PipelineRuns
from xops_lens.cost.settings import Assumption
from xops_lens.model import AppliesTo, Job, Step
from xops_lens.reporters._text import plain

STYLE = {"information": "cyan", "model": "magenta", "action": "yellow"}
BAR_WIDTH = 30
WIDE = 110  # columns from which the suggestion table also names the places
# Settings shown as one row each: tables of many small values.
GROUPS = ("cost.default_minutes.", "cost.failure_rate.", "cost.human_minutes.",
          "cost.runner_prices.", "cost.job_minutes.", "cost.event_runs.")


def money(value: float) -> str:
    """Whole units from 100 up, cents below (a 0.58 step next to a 1,063 gate)."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _number(value: float) -> str:
    return f"{value:,.1f}".removesuffix(".0")


def step_cell(report: CostReport | None, step: Step, job: Job | None = None) -> str:
    """The step's marginal cost per month, for the file table: "—" in a reusable
    definition (costed at its call sites), "→" at a call whose unit is costed elsewhere."""
    if report is None:
        return ""
    if job is not None and job.key in report.reusable_notes:
        return "—"
    # A costed step of a measured job may carry a note too (not matched, spread): it
    # keeps its figure; other notes mean the step is costed elsewhere.
    if step.key in report.step_notes and step.key not in report.step_basis:
        return "→"
    mark = MEASURED_MARK if report.basis_of_step(step) == "measured" else ""
    return money(report.step(step).monthly) + mark


MEASURED_MARK = " *"


def measured_window(report: CostReport | None) -> str | None:
    """"N GitHub runs of the last D days (repo)" when figures are measured, else None."""
    if report is None or report.measurements is None or not report.measured_jobs:
        return None
    return report.measurements.window


def _measured(report: CostReport, jobs: Sequence[Job]) -> list[Any]:
    """The per-job measurements (scan --runs) as a table."""
    from rich.table import Table
    from rich.text import Text

    m = report.measurements
    if m is None or not report.measured_jobs:
        return []
    table = Table(title=f"Measured: {m.window}, {m.requests:,} requests "
                        f"({m.cached:,} runs from the cache)",
                  title_justify="left", box=None, header_style="bold")
    for name, justify in (("job", "left"), ("runs", "right"), ("runs/mo", "right"),
                          ("median min", "right"), ("failed", "right"), ("re-run", "right"),
                          ("queue/wait min", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for job in jobs:
        j = report.measured_jobs.get(job.key)
        if j is None:
            continue
        wait = j.wait_minutes if j.wait_minutes is not None else j.queue_minutes
        cells = f" ×{len(j.cells)}" if len(j.cells) > 1 else ""
        table.add_row(Text(f"{job.id}{cells}"), str(j.runs),
                      _number(j.runs_per_month), f"{j.median_minutes:.1f}",
                      f"{j.failure_rate:.0%}", f"{j.rerun_rate:.0%}",
                      "" if wait is None else (f"{wait:.1f}" + (" (gated)" if j.wait_minutes
                                                                 is not None else "")))
    out: list[Any] = [table]
    for note in m.notes:
        out.append(Text(f"  {note}", style="dim"))
    return out


def reusable_jobs(report: CostReport | None, jobs: Sequence[Job]) -> str:
    """The ids of the jobs shown "—" (no runs of their own), for a note under the table."""
    if report is None:
        return ""
    return ", ".join(job.id for job in jobs if job.key in report.reusable_notes)


def gate_cell(report: CostReport | None, job: Job) -> str:
    """A job-level gate's cost per month (the approvals), for the file table."""
    if report is None:
        return ""
    return money(sum(l.monthly for l in report.job_own(job) if l.category == "gate"))


def column_title(report: CostReport | None) -> str:
    return f"{report.currency}/mo" if report else "/mo"


def _bar(share: float, style: str) -> Any:
    from rich.text import Text

    filled = round(share * BAR_WIDTH)
    bar = Text("█" * filled, style=style)
    bar.append("·" * (BAR_WIDTH - filled), style="dim")
    return bar


def _money_table(report: CostReport) -> Any:
    from rich.table import Table
    from rich.text import Text

    total = report.total()
    table = Table(title=Text(f"Where the money goes ({report.currency} per month)",
                             style="bold"),
                  title_justify="left", show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("subsystem")
    table.add_column("total", justify="right")
    table.add_column("people", justify="right")
    table.add_column("runners", justify="right")
    table.add_column("share", justify="right")
    table.add_column("")
    for name, part in report.by_subsystem().items():
        share = part.monthly / total.monthly if total.monthly else 0.0
        table.add_row(Text(name, style=STYLE[name]), money(part.monthly),
                      money(part.human_monthly), money(part.compute_monthly), f"{share:.0%}",
                      _bar(share, STYLE[name]))
    table.add_row(Text("all", style="bold"), money(total.monthly), money(total.human_monthly),
                  money(total.compute_monthly), "", "")
    return table


def _place(target: AppliesTo, short: bool = False) -> str:
    # The table names the file alone (the arithmetic below gives the path).
    # File and job names come from the scanned files: plain() keeps them on one line.
    where = plain(f"{posixpath.basename(target.file) if short else target.file}:{target.line}")
    return f"{where} {plain(target.job)}" if target.job else where


def _suggestion_table(report: CostReport, width: int) -> Any:
    from rich.table import Table
    from rich.text import Text

    # On a narrow terminal the places are left to the arithmetic below the table, so
    # the suggestion keeps room for its name.
    wide = width >= WIDE
    table = Table(title=Text("Suggestions: marginal costs a model or automation could make "
                             "fixed, by saving", style="bold"),
                  title_justify="left", show_edge=False, pad_edge=False, header_style="bold",
                  expand=True)
    table.add_column("#", justify="right", no_wrap=True, width=2)
    table.add_column("suggestion", overflow="fold", ratio=1)  # wrapped, never cut
    if wide:
        table.add_column("applies to", overflow="fold", width=24)
    table.add_column("now/mo", justify="right", no_wrap=True, width=7)
    table.add_column("saves/mo", justify="right", no_wrap=True, width=8)
    table.add_column("one-time", justify="right", no_wrap=True, width=8)
    table.add_column("pays back", justify="right", no_wrap=True, width=9)
    table.add_column("conf", justify="right", no_wrap=True, width=4)
    table.add_column("by", no_wrap=True, overflow="ellipsis", width=9)
    for number, s in enumerate(report.suggestions, 1):
        n = s.numbers
        places = s.applies_to
        where = _place(places[0], short=True) if len(places) == 1 else f"{len(places)} places"
        months = "never" if n.break_even_months is None else f"{n.break_even_months:.1f} mo"
        cells = [str(number), s.wording.title, *([where] if wide else []),
                 money(n.marginal_monthly), money(n.monthly_saving), money(n.one_time), months,
                 f"{s.confidence:.2f}", s.proposed_by]
        table.add_row(*cells)
    return table


def _arithmetic(report: CostReport) -> Any:
    from rich.table import Table
    from rich.text import Text

    # A grid, so a long formula wraps under itself rather than under its number.
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(justify="right", no_wrap=True, width=3)
    grid.add_column(ratio=1)
    for number, s in enumerate(report.suggestions, 1):
        text = Text(f"{s.id}: ", style="bold")
        if s.proposed_by != "catalogue":
            text.append(f"(proposed by the model, {s.proposed_by}) ", style="italic")
        text.append(s.numbers.arithmetic)
        where = ", ".join(_place(t) for t in s.applies_to[:4])
        if len(s.applies_to) > 4:
            where += f", and {len(s.applies_to) - 4} more"
        text.append(f"\nat {where}", style="dim")
        grid.add_row(f"{number}.", text)
    return grid


def _runs(report: CostReport) -> list[Any]:
    from rich.text import Text

    out = [Text("Runs per month", style="bold")]
    for path, runs in report.runs.items():
        line = Text(f"  {plain(path)}: ")
        if runs.note:
            line.append(plain(runs.note), style="dim")
        else:
            line.append(_number(runs.total))
            parts = " · ".join(f"{plain(e.event)} {_number(e.runs)}" for e in runs.events)
            line.append(f"  ({parts})", style="dim")
            if report.jobs_of(path):
                line.append("  from triggers; measured jobs below", style="dim")
        out.append(line)
        out.extend(_job_runs(report, path, runs))
    if report.history_note:
        used = "" if report.history_used else "; defaults used instead"
        out.append(Text(f"  history: {plain(report.history_note)}{used}", style="dim"))
    return out


MAX_BASIS = 110  # characters of a job's basis on its line


def _job_runs(report: CostReport, path: str, runs: PipelineRuns) -> list[Any]:
    """One line per job whose runs its own triggers narrow: its runs by event and what
    narrows them (the part of each event's basis beyond the pipeline's); the jobs that
    run on every run of the pipeline on one line."""
    from rich.text import Text

    pipeline = {e.event: e for e in runs.events}
    every: list[str] = []
    out = []
    for job in report.jobs_by_path.get(path, ()):
        own = report.job_events.get(job.key)
        if own is None or job.reusable or runs.note:
            continue
        same = len(own.events) == len(runs.events) and all(
            e.event in pipeline and e.basis == pipeline[e.event].basis
            and e.runs == pipeline[e.event].runs for e in own.events)
        if same:
            every.append(job.id)
            continue
        why: list[str] = []
        for e in own.events:
            base = pipeline.get(e.event)
            rest = e.basis[len(base.basis):].lstrip("; ") \
                if base is not None and e.basis.startswith(base.basis) else e.basis
            if rest and rest not in why:
                why.append(rest)
        shown = " / ".join(why)
        if len(shown) > MAX_BASIS:
            shown = shown[:MAX_BASIS - 3] + "..."
        parts = " · ".join(f"{e.event} {_number(e.runs)}" for e in own.events) or "never"
        line = Text(f"    {plain(job.id)}: {_number(own.total)}")
        line.append(f"  ({parts})", style="dim")
        if shown:
            line.append(f"  {plain(shown)}", style="dim")
        out.append(line)
    if every and out:
        names = ", ".join(every[:6]) + (f" and {len(every) - 6} more" if len(every) > 6 else "")
        out.append(Text(f"    on every run: {plain(names)}", style="dim"))
    return out


def _group(key: str) -> str | None:
    for prefix in GROUPS:
        if key.startswith(prefix):
            return prefix
    if key.startswith("cost.suggestions."):
        return key.rsplit(".", 1)[0] + "."
    return None


def _value(value: float | str | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _assumption_rows(assumptions: Sequence[Assumption]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    grouped: dict[str, list[Assumption]] = {}
    for a in assumptions:
        group = _group(a.key)
        if group is None:
            rows.append((a.key, _value(a.value), a.source))
        else:
            if group not in grouped:
                rows.append((group, "", ""))  # placeholder keeps the sorted position
            grouped.setdefault(group, []).append(a)
    out = []
    for key, value, source in rows:
        members = grouped.get(key)
        if members is None:
            out.append((key, value, source))
            continue
        values = " · ".join(f"{a.key.removeprefix(key)} {_value(a.value)}" for a in members)
        sources = list(dict.fromkeys(a.source for a in members))
        if len(sources) > 1:
            # name the keys that do not come from the defaults
            sources = ["default"] + [f"{a.source} ({a.key.removeprefix(key)})"
                                     for a in members if a.source != "default"]
        out.append((key + "*", values, ", ".join(dict.fromkeys(sources))))
    return out


def _assumption_table(report: CostReport) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text("Assumptions used (override in [tool.xops-lens], .xops-lens.toml, "
                             "--config or --set key=value)", style="bold"),
                  title_justify="left", show_edge=False, pad_edge=False, header_style="bold",
                  expand=True)
    table.add_column("setting", no_wrap=True, overflow="fold", max_width=46)
    table.add_column("value", ratio=1, overflow="fold")
    table.add_column("source", overflow="fold", max_width=30)
    for key, value, source in _assumption_rows(report.assumptions):
        # Keys, values and sources may come from the scanned repository's own settings.
        table.add_row(plain(key), plain(value),
                      Text(plain(source), style="dim" if source == "default" else "bold"))
    return table


def render_cost(console: Any, report: CostReport | None, *, quiet: bool) -> None:
    from rich.text import Text

    if report is None or not report.lines:
        return
    console.print()
    console.print(_money_table(report))
    total = report.total()
    human = total.human_monthly / total.monthly if total.monthly else 0.0
    window = measured_window(report)
    basis = ("Durations, rates and minutes are assumptions (listed below)." if window is None
             else f"Figures marked *, and the runs and minutes of the jobs below, are measured "
                  f"from {window}; the rest are assumptions (listed below).")
    console.print(Text(f"{human:.0%} of it is people's time: {_number(total.human_hours_monthly)}"
                       f" h/month at {money(report.human_rate)} {report.currency}/h. {basis}",
                       style="dim"))
    if report.suggestions:
        console.print()
        console.print(_suggestion_table(report, console.width))
    if quiet:
        console.print(Text("Run without -q for the arithmetic, the runs per month and the "
                           "assumptions.", style="dim"))
        return
    if report.suggestions:
        console.print()
        console.print(Text("How each saving is computed: (human rate × hours saved per use + "
                           "compute saved − model cost per use) × uses per month", style="bold"))
        console.print(_arithmetic(report))
    console.print()
    for line in _runs(report):
        console.print(line)
    measured = _measured(report, [j for p in report.runs for j in report.jobs_of(p)])
    if measured:
        console.print()
        for part in measured:
            console.print(part)
    console.print()
    console.print(_assumption_table(report))
