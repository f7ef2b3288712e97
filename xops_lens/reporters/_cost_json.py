"""The cost parts of the JSON report (issue 5), kept apart from ``json.py`` so that the
contract's cost fields live in one place. Money is in ``summary.cost.currency``, per
month unless the name says ``per_run``; numbers are rounded to 4 decimals."""

from __future__ import annotations

from typing import Any

from xops_lens.cost.report import Amounts, CostLine, CostReport, Figures
from xops_lens.model import SUBSYSTEMS, AppliesTo, Job, Step, Suggestion


def _r(value: float) -> float:
    return round(value, 4)


def _line(line: CostLine, amounts: Amounts | None = None) -> dict[str, Any]:
    """``amounts``: the line's figures when the caller has them already."""
    if amounts is None:
        amounts = line.amounts()
    return {
        "category": line.category,
        "use": line.use,
        "uses_per_month": _r(line.uses_per_month),
        "human_minutes_per_use": _r(line.human_minutes_per_use),
        "compute_minutes_per_use": _r(line.compute_minutes_per_use),
        "price_per_minute": _r(line.price_per_minute),
        "human_monthly": _r(amounts.human_monthly),
        "compute_monthly": _r(amounts.compute_monthly),
        "monthly": _r(amounts.monthly),
        "formula": line.formula,
        "assumptions": list(line.keys),
    }


def _figures(figures: Figures) -> dict[str, Any]:
    return {
        "runs_per_month": _r(figures.runs_per_month),
        "compute_minutes_per_run": _r(figures.compute_minutes_per_run),
        "human_minutes_per_run": _r(figures.human_minutes_per_run),
        "per_run": _r(figures.per_run),
        "monthly": _r(figures.monthly),
        "compute_monthly": _r(figures.compute_monthly),
        "human_monthly": _r(figures.human_monthly),
    }


def step_cost(report: CostReport | None, step: Step) -> dict[str, Any] | None:
    if report is None:
        return None
    figures = report.step(step)
    return {**_figures(figures),
            "lines": [_line(l, a) for l, a in zip(figures.lines, figures.line_amounts)],
            "note": report.step_notes.get(id(step))}


def job_cost(report: CostReport | None, job: Job) -> dict[str, Any] | None:
    """Totals include the job's steps; ``lines`` are the job's own (gate, start-up).
    ``note`` says why a reusable job's figures are zero (its call sites carry them)."""
    if report is None:
        return None
    return {**_figures(report.job(job)),
            "price_per_minute": _r(report.job_prices.get(id(job), 0.0)),
            "lines": [_line(l) for l in report.job_own(job)],
            "note": report.reusable_notes.get(id(job))}


def file_cost(report: CostReport | None, path: str) -> dict[str, Any] | None:
    if report is None or path not in report.runs:
        return None
    runs = report.runs[path]
    return {
        "runs_per_month": _r(runs.total),
        "events": [{"event": e.event, "runs_per_month": _r(e.runs), "basis": e.basis}
                   for e in runs.events],
        "note": runs.note,
        "lines": [_line(l) for l in report.pipeline_own(path)],
    }


def _target(target: AppliesTo) -> dict[str, Any]:
    return {"file": target.file, "line": target.line, "job": target.job, "step": target.step}


def _suggestion(s: Suggestion) -> dict[str, Any]:
    n = s.numbers
    return {
        "id": s.id,
        "title": s.wording.title,
        "description": s.wording.description,
        "wording_by": s.wording.author,
        "applies_to": [_target(t) for t in s.applies_to],
        "currency": n.currency,
        "marginal_monthly": _r(n.marginal_monthly),
        "one_time": _r(n.one_time),
        "model_per_run": _r(n.model_per_run),
        "use": n.use,
        "uses_per_month": _r(n.uses_per_month),
        "human_hours_saved_monthly": _r(n.human_hours_saved_monthly),
        "compute_saved_monthly": _r(n.compute_saved_monthly),
        "model_monthly": _r(n.model_monthly),
        "monthly_saving": _r(n.monthly_saving),
        "break_even_months": None if n.break_even_months is None else _r(n.break_even_months),
        "confidence": s.confidence,
        "arithmetic": n.arithmetic,
        "assumptions": list(s.assumptions),
    }


def suggestions(report: CostReport | None) -> list[dict[str, Any]]:
    return [_suggestion(s) for s in report.suggestions] if report else []


def summary_cost(report: CostReport | None) -> dict[str, Any] | None:
    if report is None:
        return None
    total = report.total()
    # The subsystems' totals from the lines' figures already computed for the total
    # (report.by_subsystem() would compute them again), summed in the same order.
    amounts: dict[str, list[Amounts]] = {name: [] for name in SUBSYSTEMS}
    for line, figures in zip(total.lines, total.line_amounts):
        if line.subsystem in amounts:
            amounts[line.subsystem].append(figures)
    paying = [s for s in report.suggestions if s.numbers.monthly_saving > 0]
    monthly = total.monthly
    subsystems = {}
    for name in SUBSYSTEMS:
        part = amounts[name]
        part_monthly = sum(a.monthly for a in part)
        subsystems[name] = {
            "monthly": _r(part_monthly),
            "compute_monthly": _r(sum(a.compute_monthly for a in part)),
            "human_monthly": _r(sum(a.human_monthly for a in part)),
            "share": _r(part_monthly / monthly) if monthly else 0.0,
        }
    return {
        "currency": report.currency,
        "human_rate": _r(report.human_rate),
        "monthly": _r(monthly),
        "compute_monthly": _r(total.compute_monthly),
        "human_monthly": _r(total.human_monthly),
        "human_hours_monthly": _r(total.human_hours_monthly),
        "subsystems": subsystems,
        "suggestions": len(report.suggestions),
        "monthly_saving": _r(sum(s.numbers.monthly_saving for s in paying)),
        "one_time": _r(sum(s.numbers.one_time for s in paying)),
        "history": {"used": report.history_used, "note": report.history_note or None},
    }


def assumptions(report: CostReport | None) -> list[dict[str, Any]]:
    if report is None:
        return []
    return [{"key": a.key, "value": a.value, "source": a.source, "note": a.note}
            for a in report.assumptions]
