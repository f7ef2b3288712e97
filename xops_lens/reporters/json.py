"""The JSON contract of DESIGN.md: one object, versioned by ``schema_version``.

Keys and their order are part of the contract; adding a key is a minor change, removing
or renaming one bumps SCHEMA_VERSION. ``xops_lens/schemas/scan.schema.json`` checks it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

from xops_lens import __version__
from xops_lens.hookspecs import hookimpl
from xops_lens.model import SUBSYSTEMS, Classification, Job, Trigger
from xops_lens.reporters import _cost_json as cost
from xops_lens.result import FileReport, ScanResult, StepResult
from xops_lens.sdk import ReportOptions

SCHEMA_VERSION = 1


def _label(label: Classification) -> dict[str, Any]:
    return {
        "subsystem": label.subsystem,
        "kind": label.kind,
        "confidence": round(label.confidence, 3),
        "backend": label.backend,
        "why": label.why,
    }


def _trigger(trigger: Trigger) -> dict[str, Any]:
    return {"event": trigger.event, "line": trigger.line, "cron": trigger.cron}


def _file(report: FileReport) -> dict[str, Any]:
    pipeline = report.pipeline
    return {
        "path": report.path,
        "format": report.format,
        "error": report.error,
        "included_by": report.included_by,
        "jobs": len(pipeline.jobs) if pipeline else 0,
        "steps": len(pipeline.steps) if pipeline else 0,
        "triggers": [_trigger(t) for t in pipeline.triggers] if pipeline else [],
        "includes": list(pipeline.includes) if pipeline else [],
        "notes": list(pipeline.notes) if pipeline else [],
    }


def _job(job: Job, gate: Classification | None) -> dict[str, Any]:
    return {
        "file": job.file,
        "line": job.line,
        "id": job.id,
        "name": job.name,
        "runner": job.runner,
        "matrix_size": job.matrix_size,
        "manual": job.manual,
        "environment": job.environment,
        "needs": list(job.needs),
        "calls": job.calls,
        "steps": len(job.steps),
        "gate": _label(gate) if gate else None,
        "notes": list(job.notes),
        "reusable": job.reusable,
    }


def _llm(result: ScanResult) -> dict[str, Any]:
    """``summary.llm``: present only when the backend calls a service (additive key)."""
    usage = result.backend_usage
    if usage is None:
        return {}
    return {"llm": {
        "backend": usage.backend,
        "model": usage.model,
        "relabel": usage.relabel,
        "steps_selected": usage.steps_selected,
        "distinct_steps": usage.distinct_steps,
        "requests": usage.requests,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "tokens_estimated": usage.tokens_estimated,
        "cache_hits": usage.cache_hits,
        "relabelled": usage.relabelled,
        "fallbacks": usage.fallbacks,
        "suggestions_reworded": usage.suggestions_reworded,
        "proposal_requests": usage.proposal_requests,
        "suggestions_proposed": usage.suggestions_proposed,
        "budget_stop": usage.budget_stop,
        "endpoint": usage.endpoint,
        "timeout": usage.timeout,
        "request_seconds": round(usage.request_seconds, 3),
        "slowest_request": round(usage.slowest_request, 3),
        "reasks": usage.reasks,
        "rejected_entries": usage.rejected_entries,
    }}


def _ignored_and_changes(result: ScanResult) -> dict[str, Any]:
    """``ignored`` (when an ignore rule left something out), ``changes`` (PR mode) and
    ``unclaimed`` (files named like CI configuration that no format read): optional
    keys, so reports of plain scans keep their shape."""
    extra: dict[str, Any] = {}
    if result.ignored:
        extra["ignored"] = [
            {"file": i.file, "line": i.line, "job": i.job, "name": i.name, "what": i.what,
             "kind": i.kind, "rule": i.rule}
            for i in result.ignored
        ]
    if result.changes is not None:
        extra["changes"] = result.changes.to_dict()
    if result.unclaimed:
        extra["unclaimed"] = [{"path": u.path, "format": u.format, "hint": u.hint}
                              for u in result.unclaimed]
    return extra


class _Entry:
    """An entry (a job, a step) whose last key, ``cost``, is JSON text already, as is the
    rest: ``head`` is the JSON of the entry's other keys without the closing brace.
    _dump writes the head, then ``"cost": <text>}``, the same bytes as the whole entry
    encoded at once."""

    __slots__ = ("cost", "head")

    def __init__(self, head: str, cost_text: str) -> None:
        self.head = head
        self.cost = cost_text


def _open(text: str) -> str:
    """The JSON text of a mapping without its closing brace, ready for one more key."""
    return f"{text[:-1]}, " if len(text) > 2 else "{"


class _StepHeads:
    """The JSON of a step entry but its cost, open (see _Entry). Written by hand for the
    usual types (the same bytes as the encoder: its string escaping, int repr, null),
    the label's part encoded once per distinct label (10,000 steps of 1,000 workflows
    have 1,300): the encoder's set-up per call and the dict of each step took longer
    than the text. Anything else goes through the encoder."""

    def __init__(self) -> None:
        self._labels: dict[tuple[Any, ...], str] = {}

    def __call__(self, item: StepResult) -> str:
        step, label = item.step, item.label
        file, line, job, name, uses = step.file, step.line, step.job, step.name, step.uses
        subsystem, kind, backend, why = label.subsystem, label.kind, label.backend, label.why
        if not (file.__class__ is job.__class__ is name.__class__ is str
                and line.__class__ is int and (uses is None or uses.__class__ is str)
                and subsystem.__class__ is kind.__class__ is backend.__class__
                is why.__class__ is str):
            return _open(_encode({"file": file, "line": line, "job": job, "name": name,
                                  "uses": uses, **_label(label)}))
        key = (subsystem, kind, cost._exact(label.confidence), backend, why)
        tail = self._labels.get(key)
        if tail is None:
            tail = self._labels[key] = _open(_encode(_label(label)))[1:]
        return (f'{{"file": {_string(file)}, "line": {line!r}, "job": {_string(job)}, '
                f'"name": {_string(name)}, "uses": {"null" if uses is None else _string(uses)}'
                f', {tail}')


def _entries(result: ScanResult, encoded: bool
             ) -> tuple[Iterable[Any], Iterable[Any]]:
    """The jobs and the steps of the report, one-shot iterators. With ``encoded`` (the
    JSON reporter) each is an _Entry: JSON text, its cost from EncodedCosts."""
    gates = {g.job.key: g.label for g in result.gates}
    if encoded and result.cost is not None:
        costs, heads = cost.EncodedCosts(result.cost, _encode), _StepHeads()
        return (
            (_Entry(_open(_encode(_job(job, gates.get(job.key)))), costs.job(job))
             for report in result.files if report.pipeline
             for job in report.pipeline.jobs),
            (_Entry(heads(s), costs.step(s.step)) for s in result.steps),
        )
    report_cost = result.cost
    jobs = (
        {**_job(job, gates.get(job.key)), "cost": cost.job_cost(report_cost, job)}
        for report in result.files if report.pipeline
        for job in report.pipeline.jobs
    )
    steps = (
        {
            "file": s.step.file,
            "line": s.step.line,
            "job": s.step.job,
            "name": s.step.name,
            "uses": s.step.uses,
            **_label(s.label),
            "cost": cost.step_cost(report_cost, s.step),
        }
        for s in result.steps
    )
    return jobs, steps


def to_dict(result: ScanResult, *, lazy: bool = False, _encoded: bool = False
            ) -> dict[str, Any]:
    """The report as plain data. With ``lazy``, ``files``, ``jobs`` and ``steps`` are
    one-shot iterators: the renderer writes each entry as it is made rather than holding
    them all (118 MB at once for the 5,000-workflow tree of bench/scan_speed.py).
    ``_encoded`` is the JSON reporter's own form (lazy, costs as JSON text, see
    _entries); it is not plain data."""
    jobs, steps = _entries(result, _encoded)
    files: Iterable[dict[str, Any]] = (
        {**_file(f), "cost": cost.file_cost(result.cost, f.path)} for f in result.files
    )
    if not lazy:
        jobs, steps, files = list(jobs), list(steps), list(files)
    job_count = sum(len(f.pipeline.jobs) for f in result.files if f.pipeline)
    counts = result.subsystem_counts()
    total = sum(counts.values())
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "xops-lens", "version": __version__},
        "root": result.root,
        "backend": result.backend,
        "files": files,
        "jobs": jobs,
        "steps": steps,
        "suggestions": cost.suggestions(result.cost),
        "assumptions": cost.assumptions(result.cost),
        "summary": {
            "files": len(result.files),
            "files_failed": len(result.failed_files),
            "jobs": job_count,
            "steps": len(result.steps),
            "gates": len(result.gates),
            "share_basis": "step count (durations unknown)",
            "subsystems": {
                name: {
                    "count": counts[name],
                    "share": round(counts[name] / total, 4) if total else 0.0,
                }
                for name in SUBSYSTEMS
            },
            "kinds": result.kind_counts(),
            **({"ignored": len(result.ignored)} if result.ignored else {}),
            "cost": cost.summary_cost(result.cost),
            **_llm(result),
        },
        "messages": list(result.messages),
        **_ignored_and_changes(result),
    }


class JsonReporter:
    name = "json"

    def render(self, result: ScanResult, stream: TextIO, options: ReportOptions) -> None:
        _dump(to_dict(result, lazy=True, _encoded=True), stream.write)
        stream.write("\n")


def _encoder() -> Callable[[Any], str]:
    """JSONEncoder(ensure_ascii=False).encode, with the C encoder made once rather than
    at every call (its set-up was a third of encoding a step's entry). It skips only the
    check for circular structures, which a report never has."""
    encoder = json.JSONEncoder(ensure_ascii=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    string = json.encoder.encode_basestring
    chunks = make(None, encoder.default, string, None, encoder.key_separator,
                  encoder.item_separator, False, False, True)

    def encode(value: Any) -> str:
        if isinstance(value, str):
            return string(value)  # type: ignore[no-any-return]
        return "".join(chunks(value, 0))

    return encode


_encode = _encoder()
_string: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[assignment]
_SPREAD_DEPTH = 2


def _dump(value: Any, write: Any, depth: int = 0) -> None:
    """Write ``value`` as JSON: the report's object and its lists and mappings one entry
    a line, each entry (a file, a job, a step) compact on its line.

    ``json.dump(indent=2)`` indents with the pure-Python encoder, which took longer than
    parsing on large scans (docs/benchmarks.md); without ``indent`` the
    C encoder does each entry. The document is the same JSON, still readable and
    line-oriented for diffs and grep.
    """
    pad = "  " * (depth + 1)
    if depth < _SPREAD_DEPTH and value and isinstance(value, dict):
        write("{\n")
        last = len(value) - 1
        for i, (key, item) in enumerate(value.items()):
            write(f"{pad}{_encode(str(key))}: ")
            _dump(item, write, depth + 1)
            write(",\n" if i < last else "\n")
        write("  " * depth + "}")
    elif depth < _SPREAD_DEPTH and isinstance(value, (list, Iterator)):
        # An iterator's length is unknown until it ends: separators go before items.
        empty = True
        for item in value:
            write(f"[\n{pad}" if empty else f",\n{pad}")
            empty = False
            _dump(item, write, depth + 1)
        write("[]" if empty else "\n" + "  " * depth + "]")
    elif value.__class__ is _Entry:
        write(f"{value.head}\"cost\": {value.cost}}}")
    else:
        write(_encode(value))


@hookimpl
def register_reporters(register: Any) -> None:
    register(JsonReporter())
