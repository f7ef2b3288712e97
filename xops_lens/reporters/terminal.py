"""The rich terminal report: per file, its jobs and steps; then the subsystem shares.

Only this module imports rich, so machine formats start without paying for it.
"""

from __future__ import annotations

from typing import Any, TextIO

from xops_lens.claims import MAX_LISTED
from xops_lens.hookspecs import hookimpl
from xops_lens.model import SUBSYSTEMS, Classification, Step
from xops_lens.result import ChangeSet, FileReport, GateResult, ScanResult
from xops_lens.cost.report import CostReport
from xops_lens.reporters import _cost_terminal as cost
from xops_lens.reporters._text import plain
from xops_lens.sdk import BackendUsage, ReportOptions

SUBSYSTEM_STYLE = {"information": "cyan", "model": "magenta", "action": "yellow"}
BAR_WIDTH = 30
PIPED_WIDTH = 120  # a pipe or a file has no width; rich would assume 80 and cut
MIN_STEP_WIDTH = 30  # below this the step column moves to a layout that gives it more
JOB_MAX_WIDTH = 24
# line, subsystem, kind, conf and cost columns, and 3 characters between columns.
_FIXED = 5 + 11 + 17 + 4 + 8
_GAP = 3


def _console(stream: TextIO, color: bool | None = None) -> Any:
    import os

    from rich.console import Console

    # Width follows the terminal, or COLUMNS; a pipe gets PIPED_WIDTH rather than
    # rich's 80. Colour: --color / --no-color, else rich's own rules (a terminal, and
    # NO_COLOR / FORCE_COLOR in the environment). Markup and emoji are off because
    # step names are untrusted text and must print exactly as written.
    width = None
    try:
        is_tty = stream.isatty()
    except (AttributeError, ValueError):
        is_tty = False
    if not is_tty and not os.environ.get("COLUMNS", "").isdigit():
        width = PIPED_WIDTH

    class PipeAwareConsole(Console):
        def on_broken_pipe(self) -> None:
            # rich would exit 1 here; let the error reach the command line, which
            # treats a reader that went away (| head) as a quiet success.
            self.quiet = True
            raise BrokenPipeError

    return PipeAwareConsole(file=stream, markup=False, emoji=False, highlight=False,
                            soft_wrap=False, width=width, force_terminal=color,
                            no_color=None if color is None else not color)


def _step_text(step: Step, shown_file: str) -> Any:
    from rich.text import Text

    # A step written in another file (an include, a template) names that file first,
    # so the line number beside it stays meaningful.
    text = Text()
    if step.file != shown_file:
        text.append(f"{plain(step.file)}: ", style="dim")
    text.append(plain(step.name))
    return text


def _job_label(job: Any) -> str:
    label = plain(job.id)
    extras = []
    if job.matrix_size > 1:
        extras.append(f"×{job.matrix_size}")
    if job.calls:
        extras.append(f"→ {plain(job.calls)}")
    return f"{label} {' '.join(extras)}" if extras else label


def _file_table(report: FileReport, labels: dict[int, Classification],
                gate_by_job: dict[int, GateResult], cost_report: CostReport | None = None,
                width: int = PIPED_WIDTH) -> Any:
    """One file's steps. Wide: a job column beside the step. Narrow (the step column
    would get fewer than MIN_STEP_WIDTH characters, e.g. at 80 columns): each job is a
    row of its own above its steps and the confidence column is left out, so the step
    keeps the width. Job ids and step names wrap, never end in "…": two long names that
    share a beginning must not print alike."""
    from rich.table import Table
    from rich.text import Text

    pipeline = report.pipeline
    assert pipeline is not None
    # Every name below comes from the scanned files: plain() keeps each on one line, so
    # a name holding "\n::error::" cannot start a line of a CI log (hostile input).
    title = Text(plain(report.path), style="bold")
    title.append(f"  {report.format}", style="dim")
    if pipeline.triggers:
        events = sorted({t.event for t in pipeline.triggers})
        title.append(f"  on: {plain(', '.join(events))}", style="dim")
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False,
                  header_style="bold", expand=True)
    job_width = min(JOB_MAX_WIDTH, max([len(_job_label(j)) for j in pipeline.jobs] + [3]))
    wide = width - _FIXED - job_width - 6 * _GAP >= MIN_STEP_WIDTH
    table.add_column("line", justify="right", style="dim", no_wrap=True, width=5)
    if wide:
        table.add_column("job", overflow="fold", width=job_width)
    table.add_column("step", overflow="fold", ratio=1)
    table.add_column("subsystem", no_wrap=True, width=11)
    table.add_column("kind", no_wrap=True, width=17)
    if wide:
        table.add_column("conf", justify="right", no_wrap=True, width=4)
    table.add_column(cost.column_title(cost_report), justify="right", no_wrap=True, width=8)

    def row(line: str, job: str, step: Any, label: Classification | None, money: str) -> None:
        subsystem = Text(label.subsystem, style=SUBSYSTEM_STYLE[label.subsystem]) if label else ""
        kind = label.kind if label else ""
        if wide:
            conf = f"{label.confidence:.2f}" if label else ""
            table.add_row(line, job, step, subsystem, kind, conf, money)
        else:
            table.add_row(line, step, subsystem, kind, money)

    for job in pipeline.jobs:
        job_label = _job_label(job)
        gate = gate_by_job.get(job.key)
        shown = [s for s in job.steps if s.key in labels]
        if not wide and (gate is not None or shown or not job.steps):
            # The job's own row: its full id, and its gate when it has one.
            head = Text(f"job {job_label}", style="bold")
            if gate is not None:
                gate_text = "manual gate" if job.manual else f"environment {plain(str(job.environment))}"
                head.append(f"  (job) {gate_text}", style="italic")
                row(str(job.line), "", head, gate.label, cost.gate_cell(cost_report, job))
            else:
                if not job.steps:
                    head.append("  (no steps)", style="dim")
                row(str(job.line), "", head, None, "")
        elif gate is not None:
            gate_text = "manual gate" if job.manual else f"environment {plain(str(job.environment))}"
            row(str(job.line), job_label, Text(f"(job) {gate_text}", style="italic"),
                gate.label, cost.gate_cell(cost_report, job))
            job_label = ""
        elif not job.steps:
            row(str(job.line), job_label, Text("(no steps)", style="dim"), None, "")
        for step in job.steps:
            label = labels.get(step.key)
            if label is None:  # left out by an ignore rule, or unchanged in PR mode
                continue
            text = _step_text(step, report.path)
            if not wide:
                text = Text("  ").append_text(text)
            row(str(step.line), job_label, text, label, cost.step_cell(cost_report, step, job))
            job_label = ""
    return table


def _bar(share: float, style: str) -> Any:
    from rich.text import Text

    filled = round(share * BAR_WIDTH)
    bar = Text("█" * filled, style=style)
    bar.append("·" * (BAR_WIDTH - filled), style="dim")
    return bar


def _summary(result: ScanResult) -> Any:
    from rich.table import Table
    from rich.text import Text

    counts = result.subsystem_counts()
    total = sum(counts.values())
    table = Table(title=Text("Subsystems", style="bold"), title_justify="left", show_edge=False,
                  pad_edge=False, header_style="bold")
    table.add_column("subsystem")
    table.add_column("steps + gates" if result.gates else "steps", justify="right")
    table.add_column("share", justify="right")
    table.add_column("")
    for name in SUBSYSTEMS:
        share = counts[name] / total if total else 0.0
        table.add_row(Text(name, style=SUBSYSTEM_STYLE[name]), str(counts[name]),
                      f"{share:.0%}", _bar(share, SUBSYSTEM_STYLE[name]))
    return table


def _usage_line(usage: BackendUsage) -> Any:
    """What an LLM backend spent: requests, tokens, cache hits, steps left to the rules."""
    from rich.text import Text

    approx = "~" if usage.tokens_estimated else ""
    text = (f"{usage.backend} {plain(usage.model)}: {usage.relabelled}/{usage.steps_selected} "
            f"steps relabelled ({usage.relabel}); {usage.requests} requests, "
            f"{approx}{usage.prompt_tokens:,} prompt + {approx}{usage.completion_tokens:,} "
            f"completion tokens; {usage.cache_hits} cache hits; {usage.fallbacks} kept the "
            "rule label")
    if usage.requests and usage.request_seconds:
        text += (f"; {usage.request_seconds:.1f} s waiting for answers "
                 f"({usage.request_seconds / usage.requests:.1f} s per request)")
    if usage.budget_stop:
        text += f"; stopped by {usage.budget_stop}"
    return Text(text, style="dim")


def _pr_lines(changes: ChangeSet) -> list[str]:
    """PR mode's summary: what the diff changed, and the whole pipeline before and after."""
    short = changes.base_sha[:12]
    lines = [
        (f"PR mode: compared with {changes.base_ref} ({short}"
        f"{', merge base' if changes.merge_base else ''}): "
        f"{changes.count('added')} added, {changes.count('changed')} changed, "
        f"{changes.count('removed')} removed step(s) or gate(s) in {len(changes.files)} CI "
        "file(s)")
    ]
    shares = ", ".join(
        f"{name} {changes.before.share(name):.0%} → {changes.after.share(name):.0%}"
        for name in SUBSYSTEMS
    )
    lines.append(f"shares of the whole pipeline, before → after: {shares}")
    if changes.before.monthly_cost is not None and changes.after.monthly_cost is not None:
        currency = changes.after.currency or ""
        lines.append(f"monthly cost, before → after: {changes.before.monthly_cost:,.2f} → "
                     f"{changes.after.monthly_cost:,.2f} {currency}".rstrip())
    return lines


def render(result: ScanResult, stream: TextIO, options: ReportOptions) -> None:
    from rich.text import Text

    console = _console(stream, options.color)
    labels = {r.step.key: r.label for r in result.steps}
    gate_by_job = {g.job.key: g for g in result.gates}

    if not options.quiet:
        for report in result.files:
            if report.pipeline is None:
                continue
            if result.changes is not None and not any(
                    s.key in labels for s in report.pipeline.steps) and not any(
                    j.key in gate_by_job for j in report.pipeline.jobs):
                continue  # PR mode: nothing of this file changed
            console.print(_file_table(report, labels, gate_by_job, result.cost, console.width))
            for note in report.pipeline.notes:
                console.print(Text(f"  note: {plain(note)}", style="dim"))
            reusable = cost.reusable_jobs(result.cost, report.pipeline.jobs)
            if reusable:
                console.print(Text(f"  note: — {plain(reusable)}: reusable (runs only where "
                                   "called), costed at the calling steps", style="dim"))
            console.print()

    parsed = sum(1 for f in result.files if f.pipeline is not None)
    included = sum(1 for f in result.files if f.included_by is not None)
    failed = len(result.failed_files)
    line = Text(f"{parsed} CI file(s) analysed", style="bold")
    if included:
        line.append(f", {included} included by them")
    if failed:
        line.append(f", {failed} could not be read (listed on stderr)", style="red")
    line.append(f"; {len(result.steps)} steps, {len(result.gates)} job-level gates")
    line.append(f"; backend: {result.backend}", style="dim")
    console.print(line)
    if result.ignored:
        console.print(Text(f"{len(result.ignored)} step(s) or gate(s) left out by ignore rules",
                           style="dim"))
    if result.changes is not None:
        for text in _pr_lines(result.changes):
            console.print(Text(text, style="bold"))
    if result.backend_usage is not None:
        console.print(_usage_line(result.backend_usage))
    if result.steps or result.gates:
        console.print(_summary(result))
        window = cost.measured_window(result.cost)
        console.print(Text("Shares are by step count; the money below rests on assumed step "
                           "durations." if window is None else
                           "Shares are by step count; the money below is measured where marked "
                           f"* ({window}), else assumed.", style="dim"))
        cost.render_cost(console, result.cost, quiet=options.quiet)
    else:
        console.print(Text("No CI steps found under this path.", style="dim"))
    _unclaimed(console, result)


def _unclaimed(console: Any, result: ScanResult) -> None:
    """Files that look like CI configuration but that no format read, and how to read
    them (formats.<name>.paths)."""
    from rich.text import Text

    found = result.unclaimed
    if not found:
        return
    shown = [f"{u.path} ({u.format})" if u.format else u.path for u in found[:MAX_LISTED]]
    more = f" and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
    console.print(Text(f"Not read, but named like CI configuration: {', '.join(shown)}{more}. "
                       f"To read one, name its format in formats.<name>.paths, e.g. "
                       f"{found[0].hint} (or [formats.<name>] paths = [...] in "
                       f".xops-lens.toml).", style="dim"))


class TerminalReporter:
    name = "terminal"

    def render(self, result: ScanResult, stream: TextIO, options: ReportOptions) -> None:
        render(result, stream, options)


@hookimpl
def register_reporters(register: Any) -> None:
    register(TerminalReporter())
