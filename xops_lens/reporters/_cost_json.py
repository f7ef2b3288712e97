"""The cost parts of the JSON report (issue 5), kept apart from ``json.py`` so that the
contract's cost fields live in one place. Money is in ``summary.cost.currency``, per
month unless the name says ``per_run``; numbers are rounded to 4 decimals."""

from __future__ import annotations

import struct
from array import array
from collections.abc import Callable
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


def _exact(value: Any) -> Any:
    """``value`` as a cache key that tells apart what prints apart: a non-zero float is
    its own key; 0.0, -0.0, 0 and anything else are keyed by type and repr."""
    return value if value.__class__ is float and value else (value.__class__, repr(value))


_pack_numbers = struct.Struct("5d").pack


def _line_key(line: CostLine) -> tuple[Any, ...]:
    """Everything of a line that :func:`_line` prints (not where it applies); its five
    numbers by their bits when all are floats (as the cost model makes them)."""
    u, h, c = line.uses_per_month, line.human_minutes_per_use, line.compute_minutes_per_use
    p, r = line.price_per_minute, line.human_rate
    if u.__class__ is h.__class__ is c.__class__ is p.__class__ is r.__class__ is float:
        numbers: Any = _pack_numbers(u, h, c, p, r)
    else:
        numbers = tuple(map(_exact, (u, h, c, p, r)))
    return (line.category, line.use, line.formula, line.keys, numbers)


class EncodedCosts:
    """Step and job ``cost`` objects as JSON text, for the JSON reporter: each distinct
    object is computed and encoded once. Distinct ones are few (the 3,946 steps of the
    corpus have 356; a step's cost depends on its kind, its job's runs, price and
    matrix, not on where it is), and building and encoding them was most of writing a
    report. The key holds every value the object prints (see :func:`_line_key`)."""

    def __init__(self, report: CostReport, encode: Callable[[Any], str]) -> None:
        self.report = report
        self.encode = encode
        self._steps: dict[tuple[Any, ...], str] = {}
        self._jobs: dict[tuple[Any, ...], str] = {}

    def step(self, step: Step) -> str:
        report, key = self.report, id(step)
        lines = report.step_lines.get(key, ())
        cache_key = (_exact(report.step_runs.get(key, 0.0)), report.step_notes.get(key),
                     *map(_line_key, lines))
        text = self._steps.get(cache_key)
        if text is None:
            text = self._steps[cache_key] = self.encode(step_cost(report, step))
        return text

    def job(self, job: Job) -> str:
        report, key = self.report, id(job)
        step_lines = report.step_lines
        cache_key = (
            _exact(report.job_runs.get(key, 0.0)), _exact(report.job_prices.get(key, 0.0)),
            report.reusable_notes.get(key), tuple(map(_line_key, report.job_lines.get(key, ()))),
            *(_line_key(line) for step in job.steps for line in step_lines.get(id(step), ())))
        text = self._jobs.get(cache_key)
        if text is None:
            text = self._jobs[cache_key] = self.encode(job_cost(report, job))
        return text


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


Sums = tuple[float, float, float, float]  # monthly, compute, human, human hours


def _packed_sums(report: CostReport) -> tuple[Sums, dict[str, Sums]] | None:
    """The totals of all lines and of each subsystem's lines, from one pass over the
    lines: each is sum() over the lines' figures in their order, as Figures sums them,
    with the figures kept as packed doubles (8 bytes each, not a float object and a
    tuple per line: Figures over the 75,000 lines of 5,000 workflows held 17 MB). None
    when a line's figure is not a float (the cost model's figures are floats): then
    Figures does the sums."""
    columns = [array("d") for _ in range(4)]
    parts = {name: [array("d") for _ in range(4)] for name in SUBSYSTEMS}
    for line in report.lines:
        figures = line.amounts()
        values = (figures.monthly, figures.compute_monthly, figures.human_monthly,
                  figures.human_hours_monthly)
        if not (values[0].__class__ is values[1].__class__ is values[2].__class__
                is values[3].__class__ is float):
            return None
        for column, value in zip(columns, values):
            column.append(value)
        part = parts.get(line.subsystem)
        if part is not None:
            for column, value in zip(part, values):
                column.append(value)

    def sums(of: list[array[float]]) -> Sums:
        return sum(of[0]), sum(of[1]), sum(of[2]), sum(of[3])

    return sums(columns), {name: sums(part) for name, part in parts.items()}


def _figure_sums(figures: Figures) -> Sums:
    return (figures.monthly, figures.compute_monthly, figures.human_monthly,
            figures.human_hours_monthly)


def summary_cost(report: CostReport | None) -> dict[str, Any] | None:
    if report is None:
        return None
    packed = _packed_sums(report)
    if packed is None:
        parts = report.by_subsystem()
        total, by_subsystem = _figure_sums(report.total()), {
            name: _figure_sums(parts[name]) for name in SUBSYSTEMS}
    else:
        total, by_subsystem = packed
    paying = [s for s in report.suggestions if s.numbers.monthly_saving > 0]
    monthly = total[0]
    subsystems = {}
    for name in SUBSYSTEMS:
        part_monthly, part_compute, part_human, _ = by_subsystem[name]
        subsystems[name] = {
            "monthly": _r(part_monthly),
            "compute_monthly": _r(part_compute),
            "human_monthly": _r(part_human),
            "share": _r(part_monthly / monthly) if monthly else 0.0,
        }
    return {
        "currency": report.currency,
        "human_rate": _r(report.human_rate),
        "monthly": _r(monthly),
        "compute_monthly": _r(total[1]),
        "human_monthly": _r(total[2]),
        "human_hours_monthly": _r(total[3]),
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
