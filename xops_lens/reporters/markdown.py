"""``--format markdown``: the pull-request comment body and the job summary.

Compact tables, long lists folded in ``<details>``, and a link from each step to its file
and line on the PR's head commit when the GitHub Actions environment names them
(GITHUB_SERVER_URL, GITHUB_REPOSITORY, the event's head SHA or GITHUB_SHA). When
GITHUB_STEP_SUMMARY is set the same text is appended to it, as GitHub expects of every
step that writes a job summary (``XOPS_LENS_STEP_SUMMARY=0`` turns that off).

Every piece of text taken from CI files goes through :mod:`xops_lens.reporters._text`.
The hidden marker that finds the comment again is added by ``xops-lens comment``, not
here, and nothing from the scanned files can produce one (``<`` is always an entity).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from xops_lens import __version__
from xops_lens.hookspecs import hookimpl
from xops_lens.model import SUBSYSTEMS, Suggestion
from xops_lens.reporters._text import figure, md, repo_prefix
from xops_lens.result import ScanResult
from xops_lens.sdk import ReportOptions

if TYPE_CHECKING:  # imported when rendering: urllib and ssl are slow to import
    from xops_lens.github.api import ActionsContext

# A comment body may hold 65,536 characters; the job summary 1 MiB. Tables stop at
# MAX_ROWS and the whole report falls back to its summary past MAX_CHARS.
MAX_ROWS = 100
MAX_CHARS = 60_000
NAME_WIDTH = 60


class _Links:
    def __init__(self, result: ScanResult, ctx: ActionsContext) -> None:
        self.ctx = ctx
        self.prefix = repo_prefix(result.root, ctx.workspace)

    def where(self, file: str, line: int) -> str:
        """``file:line`` as a link to the head commit when known, else as text."""
        text = md(f"{file}:{line}")
        url = self.ctx.blob_url(self.prefix + file, line)
        return f"[{text}]({url})" if url else text


def _pct(part: int, total: int) -> str:
    return f"{part / total:.0%}" if total else "0%"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> list[str]:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(":--" if a == "l" else "--:" for a in align) + "|"]
    shown = rows[:MAX_ROWS]
    lines += ["| " + " | ".join(row) + " |" for row in shown]
    if len(rows) > len(shown):
        lines.append(f"\n_…and {len(rows) - len(shown)} more: see the JSON report "
                     "(`--format json`) for every row._")
    return lines


def _details(summary: str, body: list[str], open_: bool = False) -> list[str]:
    return [f"<details{' open' if open_ else ''}><summary>{summary}</summary>", "", *body, "",
            "</details>", ""]


def _money(value: float | None, currency: str | None) -> str:
    if value is None:
        return "–"
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency or "", "")
    amount = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    return f"{symbol}{amount}" if symbol else f"{amount} {md(currency or '')}".rstrip()


def _suggestion_rows(items: Iterable[Suggestion], links: _Links) -> list[list[str]]:
    rows = []
    for item in items:
        n = item.numbers
        months = n.break_even_months
        where = ", ".join(links.where(a.file, a.line) for a in item.applies_to[:3])
        if len(item.applies_to) > 3:
            where += f" +{len(item.applies_to) - 3}"
        rows.append([
            md(item.wording.title or item.id, NAME_WIDTH), md(item.proposed_by, 40), where,
            _money(figure(n.monthly_saving), n.currency or None),
            "never" if months is None else f"{figure(months):.1f} mo",
        ])
    return rows


def _shares_table(result: ScanResult) -> list[str]:
    counts = result.subsystem_counts()
    total = sum(counts.values())
    rows = [[name, str(counts[name]), _pct(counts[name], total)] for name in SUBSYSTEMS]
    return _table(["subsystem", "steps", "share"], rows, "lrr")


def _step_rows(result: ScanResult, links: _Links) -> list[list[str]]:
    keyed: list[tuple[tuple[str, int], list[str]]] = []
    for gate in result.gates:
        job = gate.job
        keyed.append(((job.file, job.line), [
            links.where(job.file, job.line), md(job.id, 30),
            "_(job gate)_ " + md(gate.label.why, NAME_WIDTH), gate.label.subsystem,
            gate.label.kind]))
    for item in result.steps:
        step, label = item.step, item.label
        keyed.append(((step.file, step.line), [
            links.where(step.file, step.line), md(step.job, 30), md(step.name, NAME_WIDTH),
            label.subsystem, label.kind]))
    keyed.sort(key=lambda pair: pair[0])
    return [row for _, row in keyed]


def _full(result: ScanResult, links: _Links, quiet: bool) -> list[str]:
    counts = result.subsystem_counts()
    total = sum(counts.values())
    parsed = sum(1 for f in result.files if f.pipeline is not None)
    if not total:
        return [f"No CI steps found ({parsed} CI file(s) read).", ""]
    shares = " · ".join(f"{name} {_pct(counts[name], total)}" for name in SUBSYSTEMS)
    out = [(f"**{len(result.steps)} step(s)** and {len(result.gates)} job-level gate(s) in "
           f"{parsed} CI file(s): {shares}."), ""]
    out += _shares_table(result) + [""]
    gates = [row for row in _step_rows(result, links) if row[4] == "approve"]
    if gates:
        out += [f"**Human gates ({len(gates)})**: a person acts on every run here.", ""]
        out += _table(["where", "job", "step", "subsystem", "kind"], gates, "lllll") + [""]
    if not quiet:
        rows = _step_rows(result, links)
        out += _details(f"All steps ({len(rows)})",
                        _table(["where", "job", "step", "subsystem", "kind"], rows, "lllll"))
    return out


def _measured(result: ScanResult) -> list[str]:
    """What the run history measured (scan --runs), job by job; nothing without it."""
    report = result.cost
    m = report.measurements if report is not None else None
    if report is None or m is None or not report.measured_jobs:
        return []
    rows = []
    for job in report.measured_jobs_list[:MAX_ROWS]:
        j = report.measured_jobs[job.key]
        wait = j.wait_minutes if j.wait_minutes is not None else j.queue_minutes
        rows.append([md(f"{job.file}:{job.line}"), md(job.id, NAME_WIDTH), str(j.runs),
                     f"{j.runs_per_month:,.1f}", f"{j.median_minutes:.1f}",
                     str(len(j.cells)), f"{j.failure_rate:.0%}", f"{j.rerun_rate:.0%}",
                     "" if wait is None else f"{wait:.1f}" + (" (gated)" if j.wait_minutes
                                                              is not None else "")])
    out = [f"**Measured** from {md(m.window)}: the runs, minutes, failures and re-runs of "
           f"these {len(report.measured_jobs)} job(s) come from their runs; every other "
           "figure is an assumption.", ""]
    out += _table(["where", "job", "runs", "runs/month", "median min", "cells", "failed",
                   "re-run", "queue/wait min"], rows, "llrrrrrrr") + [""]
    return out


def _pr(result: ScanResult, links: _Links, quiet: bool) -> list[str]:
    changes = result.changes
    assert changes is not None
    base = md(changes.base_ref, 40)
    sha = changes.base_sha[:7]
    if not changes.touches_ci:
        out = [f"This pull request changes no CI step (compared with {base} at {sha}).", ""]
    else:
        out = [(f"**This pull request changes CI**: {changes.count('added')} added, "
               f"{changes.count('changed')} changed, {changes.count('removed')} removed "
               f"(steps and job-level gates) in {len(changes.files)} file(s), compared with "
               f"{base} at {sha}."), ""]
    before, after = changes.before, changes.after
    tb, ta = sum(before.counts.values()), sum(after.counts.values())
    rows = []
    for name in SUBSYSTEMS:
        b, a = before.counts.get(name, 0), after.counts.get(name, 0)
        rows.append([name, f"{b} · {_pct(b, tb)}", f"{a} · {_pct(a, ta)}", f"{a - b:+d}"])
    if before.monthly_cost is not None and after.monthly_cost is not None:
        currency = after.currency or before.currency
        delta = after.monthly_cost - before.monthly_cost
        sign = "+" if delta >= 0 else "−"
        rows.append(["**monthly cost**", _money(before.monthly_cost, currency),
                     _money(after.monthly_cost, currency),
                     sign + _money(abs(delta), currency)])
    out += ["Whole pipeline, before → after:", ""]
    out += _table(["subsystem", "before", "after", "change"], rows, "lrrr") + [""]
    if quiet or not changes.touches_ci:
        return out
    shown = [c for c in changes.steps if c.status != "removed"]
    if shown:
        rows = [[c.status, links.where(c.file, c.line), md(c.job, 30), md(c.name, NAME_WIDTH),
                 c.subsystem, c.kind] for c in shown]
        out += _details(f"Added and changed ({len(rows)})",
                        _table(["change", "where", "job", "step", "subsystem", "kind"], rows,
                               "llllll"), open_=True)
    removed = [c for c in changes.steps if c.status == "removed"] + changes.removed_gates
    if removed:
        rows = [[md(f"{c.file}:{c.line}"), md(c.job, 30), md(c.name, NAME_WIDTH), c.subsystem,
                 c.kind] for c in removed]
        out += _details(f"Removed ({len(rows)}), at their base location",
                        _table(["where (base)", "job", "step", "subsystem", "kind"], rows,
                               "lllll"))
    return out


def render_markdown(result: ScanResult, options: ReportOptions | None = None,
                    ctx: ActionsContext | None = None) -> str:
    from xops_lens.github.api import ActionsContext

    options = options or ReportOptions()
    ctx = ctx or ActionsContext.from_env()
    text = _render(result, options.quiet, ctx)
    if len(text) > MAX_CHARS and not options.quiet:
        text = _render(result, True, ctx)
    return text


def _render(result: ScanResult, quiet: bool, ctx: ActionsContext) -> str:
    links = _Links(result, ctx)
    out = ["### xops-lens: CI steps by subsystem", ""]
    out += _pr(result, links, quiet) if result.changes is not None else _full(result, links, quiet)

    out += _measured(result)
    suggestions = result.suggestions
    if suggestions:
        rows = _suggestion_rows(suggestions, links)
        out += [(f"**Suggestions ({len(rows)})**: marginal costs a fixed-cost model or "
                "automation could replace."), ""]
        out += _table(["suggestion", "proposed by", "applies to", "saving / month",
                       "break-even"], rows, "lllrr") + [""]
        # What to set up, in the catalogue's words or the LLM backend's (then about this
        # pipeline): model text too, so escaped like every text taken from CI files.
        meanings = [] if quiet else [
            f"- **{md(item.wording.title, NAME_WIDTH)}**: {md(item.wording.description, 600)}"
            for item in suggestions[:MAX_ROWS]
            if item.wording.title and item.wording.description]
        if meanings:
            out += _details("What each suggestion means", meanings)
    failed = result.failed_files
    if failed:
        out += [f"**{len(failed)} file(s) could not be read**; the rest is reported:", ""]
        out += [f"- {md(f.error or f.path, 200)}" for f in failed[:MAX_ROWS]] + [""]
    if result.ignored:
        rows = [[md(f"{i.file}:{i.line}"), i.what, md(i.name, NAME_WIDTH), md(i.rule, 60)]
                for i in result.ignored]
        out += _details(f"Ignored by rule ({len(rows)})",
                        _table(["where", "what", "name", "rule"], rows, "llll"))
    out.append(f"<sub>xops-lens {__version__} · backend {md(result.backend)} · shares count "
               "steps and job-level gates, not minutes.</sub>")
    return "\n".join(out).rstrip() + "\n"


def append_step_summary(text: str, ctx: ActionsContext,
                        env: Mapping[str, str] | None = None) -> None:
    env = os.environ if env is None else env
    if not ctx.step_summary or env.get("XOPS_LENS_STEP_SUMMARY", "1") == "0":
        return
    try:
        with open(ctx.step_summary, "a", encoding="utf-8") as stream:
            stream.write(text + "\n")
    except OSError:
        pass  # a summary that cannot be written must not fail the scan


class MarkdownReporter:
    name = "markdown"

    def render(self, result: ScanResult, stream: TextIO, options: ReportOptions) -> None:
        from xops_lens.github.api import ActionsContext

        ctx = ActionsContext.from_env()
        text = render_markdown(result, options, ctx)
        stream.write(text)
        append_step_summary(text, ctx)


@hookimpl
def register_reporters(register: Any) -> None:
    register(MarkdownReporter())
