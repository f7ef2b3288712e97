"""The cost parts of the JSON report (issue 5), kept apart from ``json.py`` so that the
contract's cost fields live in one place. Money is in ``summary.cost.currency``, per
month unless the name says ``per_run``; numbers are rounded to 4 decimals."""

from __future__ import annotations

import struct
from collections.abc import Callable
from itertools import compress, repeat
from operator import add, attrgetter, mul, truediv
from typing import Any

from xops_lens.cost.report import Amounts, CostLine, CostReport, Figures
from xops_lens.cost.runs import EventRuns
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


def _opt(value: float | None) -> float | None:
    return None if value is None else _r(value)


def _measured_job(report: CostReport, job: Job) -> dict[str, Any] | None:
    """What the run history measured of the job (scan --runs), or None."""
    m = report.measured_jobs.get(job.key)
    if m is None:
        return None
    return {
        "runs": m.runs,
        "runs_per_month": _r(m.runs_per_month),
        "median_minutes": _r(m.median_minutes),
        "minutes_per_run": _r(m.minutes_per_run),
        "failure_rate": _r(m.failure_rate),
        "rerun_rate": _r(m.rerun_rate),
        "reruns_per_month": _r(m.reruns_per_month),
        "rerun_minutes": _r(m.rerun_minutes),
        "queue_minutes": _opt(m.queue_minutes),
        "wait_minutes": _opt(m.wait_minutes),
        "cells": [{"name": c.name, "runs": c.runs, "median_minutes": _r(c.median_minutes)}
                  for c in m.cells],
        "notes": list(m.notes),
    }


def _measured_step(report: CostReport, step: Step) -> dict[str, Any] | None:
    m = report.measured_steps.get(step.key)
    if m is None:
        return None
    return {"runs": m.runs, "median_minutes": _r(m.median_minutes),
            "minutes_per_run": _r(m.minutes_per_run), "failure_rate": _r(m.failure_rate)}


def runs_summary(report: CostReport | None) -> dict[str, Any] | None:
    """The run history behind the measured figures (scan --runs), or None."""
    m = report.measurements if report is not None else None
    if m is None:
        return None
    return {"provider": m.provider, "repository": m.repository, "days": _r(m.days),
            "runs": m.runs, "jobs_measured": len(report.measured_jobs),  # type: ignore[union-attr]
            "requests": m.requests, "cached_runs": m.cached, "notes": list(m.notes)}


def step_cost(report: CostReport | None, step: Step) -> dict[str, Any] | None:
    if report is None:
        return None
    figures = report.step(step)
    return {**_figures(figures),
            "lines": [_line(l, a) for l, a in zip(figures.lines, figures.line_amounts)],
            "note": report.step_notes.get(step.key),
            "basis": report.basis_of_step(step),
            "measured": _measured_step(report, step)}


def _events(events: tuple[EventRuns, ...]) -> list[dict[str, Any]]:
    return [{"event": e.event, "runs_per_month": _r(e.runs), "basis": e.basis,
             "manual": e.manual} for e in events]


def job_cost(report: CostReport | None, job: Job) -> dict[str, Any] | None:
    """Totals include the job's steps; ``lines`` are the job's own (gate, start-up).
    ``events`` are the job's runs by event, each with its basis (its own triggers,
    filters and conditions). ``price_basis`` says how the price of a matrix whose cells
    run on different runners was reached (None: one runner). ``note`` says why a reusable job's figures are zero (its
    call sites carry them)."""
    if report is None:
        return None
    runs = report.job_events.get(job.key)
    return {**_figures(report.job(job)),
            "price_per_minute": _r(report.job_prices.get(job.key, 0.0)),
            "price_basis": report.job_price_notes.get(job.key),
            "events": _events(runs.events) if runs else [],
            "lines": [_line(l) for l in report.job_own(job)],
            "note": report.reusable_notes.get(job.key),
            "basis": report.job_basis(job),
            "measured": _measured_job(report, job)}


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
    report. The key holds every value the object prints (see :func:`_line_key`), each
    line's part as a small number: a line's key is made once, when its job is written
    (jobs come before steps), and hashed once."""

    def __init__(self, report: CostReport, encode: Callable[[Any], str]) -> None:
        self.report = report
        self.encode = encode
        self._steps: dict[tuple[Any, ...], str] = {}
        self._jobs: dict[tuple[Any, ...], str] = {}
        self._numbers: dict[tuple[Any, ...], int] = {}  # by line key, from 1
        self._line_numbers: dict[int, int] = {}  # by id() of a line of the report
        self._seen: list[CostLine] = []  # keeps the lines in _line_numbers alive

    def _number(self, line: CostLine) -> int:
        """The number of the line's key (never 0, so ``get(...) or`` can ask)."""
        numbers = self._numbers
        number = numbers.setdefault(_line_key(line), len(numbers) + 1)
        self._line_numbers[id(line)] = number
        self._seen.append(line)
        return number

    def step(self, step: Step) -> str:
        report, key = self.report, step.key
        known, number = self._line_numbers.get, self._number
        cache_key = (_exact(report.step_runs.get(key, 0.0)), report.step_notes.get(key),
                     report.step_basis.get(key), id(report.measured_steps.get(key)),
                     *[known(id(line)) or number(line)
                       for line in report.step_lines.get(key, ())])
        text = self._steps.get(cache_key)
        if text is None:
            text = self._steps[cache_key] = self.encode(step_cost(report, step))
        return text

    def job(self, job: Job) -> str:
        report, key = self.report, job.key
        known, number = self._line_numbers.get, self._number
        step_lines = report.step_lines
        cache_key = (
            _exact(report.job_runs.get(key, 0.0)), _exact(report.job_prices.get(key, 0.0)),
            report.reusable_notes.get(key), id(report.measured_jobs.get(key)),
            report.job_events.get(key),
            tuple([known(id(line)) or number(line) for line in report.job_lines.get(key, ())]),
            *[known(id(line)) or number(line)
              for step in job.steps for line in step_lines.get(step.key, ())])
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
        "events": _events(runs.events),
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
        "proposed_by": s.proposed_by,
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


def _sums(report: CostReport) -> tuple[Sums, dict[str, Sums]]:
    """The totals of all lines and of each subsystem's lines, as Figures sums them: sum()
    over the lines' figures (CostLine.amounts) in their order. Each figure is worked out
    a column at a time, with the same operations in the same order as amounts(), by
    map() over the lines: no Amounts tuple and no Python loop step per line (15,000
    lines for 1,000 workflows)."""
    lines = report.lines
    uses = list(map(attrgetter("uses_per_month"), lines))
    hours = list(map(truediv, map(mul, uses, map(attrgetter("human_minutes_per_use"), lines)),
                     repeat(60)))
    human = list(map(mul, hours, map(attrgetter("human_rate"), lines)))
    compute = list(map(mul, map(mul, uses, map(attrgetter("compute_minutes_per_use"), lines)),
                       map(attrgetter("price_per_minute"), lines)))
    del uses
    monthly = list(map(add, human, compute))
    columns = (monthly, compute, human, hours)
    subsystems = list(map(attrgetter("subsystem"), lines))

    def sums(of: list[bool] | None) -> Sums:
        if of is None:
            return sum(monthly), sum(compute), sum(human), sum(hours)
        a, b, c, d = (sum(compress(column, of)) for column in columns)
        return a, b, c, d

    return sums(None), {name: sums([s == name for s in subsystems]) for name in SUBSYSTEMS}


def summary_cost(report: CostReport | None) -> dict[str, Any] | None:
    if report is None:
        return None
    total, by_subsystem = _sums(report)
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
        "runs": runs_summary(report),
    }


def assumptions(report: CostReport | None) -> list[dict[str, Any]]:
    if report is None:
        return []
    return [{"key": a.key, "value": a.value, "source": a.source, "note": a.note}
            for a in report.assumptions]
