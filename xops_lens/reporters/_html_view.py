"""What the HTML report shows, worked out from the ScanResult before any markup.

Figures come from the JSON reporter's ``to_dict`` of the same result (in process, not
re-read from a file), so every number on the page is the number of the JSON report.
Text from CI files stays plain text here (invisible characters dropped, long names cut);
the template escapes it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xops_lens import __version__
from xops_lens.model import KINDS, SUBSYSTEMS
from xops_lens.reporters import _html_svg as svg
from xops_lens.reporters._text import plain
from xops_lens.reporters.json import to_dict
from xops_lens.result import ScanResult

NAME_WIDTH = 160
BOX_CHARS = 30  # step names inside a job box of the pipeline drawings
PLACES_SHOWN = 40  # places listed under one suggestion; the rest are counted
UNSURE = 0.8  # "show me the unsure ones": below the confident line (docs/taxonomy.md)
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
LETTER = {"information": "I", "model": "M", "action": "A"}


def money(value: Any, currency: str | None) -> str:
    if not isinstance(value, (int, float)):
        return "–"
    symbol = SYMBOLS.get(currency or "")
    amount = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    return f"{symbol}{amount}" if symbol else f"{amount} {currency or ''}".rstrip()


def basis_of(entry: Mapping[str, Any]) -> str:
    """``measured`` or ``assumed``: a job's or step's ``basis`` in the JSON (the entry's
    or its cost's), when run history measured it; everything else is assumed."""
    cost = entry.get("cost")
    found = entry.get("basis")
    if found is None and isinstance(cost, Mapping):
        found = cost.get("basis")
    return "measured" if found == "measured" else "assumed"


@dataclass(slots=True)
class StepRow:
    anchor: str
    file: str
    line: int
    job: str
    job_anchor: str | None
    name: str
    subsystem: str
    kind: str
    confidence: float
    why: str
    basis: str
    monthly: float | None
    per_run: float | None
    gate: bool = False
    suggestions: list[int] = field(default_factory=list)


@dataclass(slots=True)
class StepMark:
    """A step inside a job box: its row, or None for one the scan did not report
    (ignored by a rule, unchanged in PR mode)."""

    name: str
    full_name: str
    row: StepRow | None


@dataclass(slots=True)
class JobView:
    anchor: str
    id: str
    name: str
    monthly: float | None
    per_run: float | None
    runs: float | None
    basis: str
    note: str | None
    gate: StepRow | None
    steps: list[StepMark]
    box: svg.Box


@dataclass(slots=True)
class FileView:
    anchor: str
    path: str
    format: str
    monthly: float | None
    runs: float | None
    jobs: list[JobView]
    width: float = 0.0
    height: float = 0.0
    edges: list[svg.Edge] = field(default_factory=list)


@dataclass(slots=True)
class Place:
    text: str
    anchor: str | None


@dataclass(slots=True)
class SuggestionView:
    anchor: str
    data: Mapping[str, Any]
    title: str
    description: str
    places: list[Place]
    more_places: int


@dataclass(slots=True)
class Page:
    title: str
    version: str
    backend: str
    currency: str | None
    data: dict[str, Any]
    step_bar: list[svg.Segment]
    money_bar: list[svg.Segment] | None
    flow: svg.Sankey | None
    flow_note: str
    files: list[FileView]
    rows: list[StepRow]
    suggestions: list[SuggestionView]
    kinds: list[str]
    pr_base: str | None = None
    unsure: float = UNSURE
    letters: Mapping[str, str] = field(default_factory=lambda: LETTER)
    subsystems: tuple[str, ...] = SUBSYSTEMS


def _cost(entry: Mapping[str, Any], key: str) -> float | None:
    cost = entry.get("cost")
    value = cost.get(key) if isinstance(cost, Mapping) else None
    return value if isinstance(value, (int, float)) else None


def _rows(result: ScanResult, data: Mapping[str, Any]) -> tuple[list[StepRow], dict[Any, int]]:
    rows: list[StepRow] = []
    by_place: dict[Any, int] = {}
    for index, (item, entry) in enumerate(zip(result.steps, data["steps"])):
        step, label = item.step, item.label
        rows.append(StepRow(f"step-{index}", step.file, step.line, plain(step.job, 80), None,
                            plain(step.name, NAME_WIDTH), label.subsystem, label.kind,
                            label.confidence, plain(label.why, 200), basis_of(entry),
                            _cost(entry, "monthly"), _cost(entry, "per_run")))
        by_place.setdefault((step.file, step.line, step.job, step.name), index)
    for index, gate in enumerate(result.gates):
        job, label = gate.job, gate.label
        rows.append(StepRow(f"gate-{index}", job.file, job.line, plain(job.id, 80), None,
                            "(job gate) " + plain(label.why, NAME_WIDTH), label.subsystem,
                            label.kind, label.confidence, plain(label.why, 200), "assumed",
                            None, None, gate=True))
    return rows, by_place


def _files(result: ScanResult, data: Mapping[str, Any], rows: list[StepRow],
           by_place: Mapping[Any, int]) -> tuple[list[FileView], dict[Any, str]]:
    """The pipeline drawings; and each job's anchor by (file, job id) and (file, line)."""
    gates = {g.job.key: rows[len(result.steps) + i] for i, g in enumerate(result.gates)}
    file_costs = {f["path"]: f.get("cost") for f in data["files"]}
    entries = iter(data["jobs"])
    files: list[FileView] = []
    anchors: dict[Any, str] = {}
    job_number = 0
    for report in result.files:
        if report.pipeline is None:
            continue
        cost = file_costs.get(report.path)
        view = FileView(f"file-{len(files)}", report.path, report.format,
                        None, cost.get("runs_per_month") if isinstance(cost, Mapping) else None,
                        [])
        ids = {job.id: n for n, job in enumerate(report.pipeline.jobs)}
        for n, job in enumerate(report.pipeline.jobs):
            entry = next(entries)
            anchor = f"job-{job_number}"
            job_number += 1
            anchors.setdefault((job.file, job.id), anchor)
            anchors.setdefault((job.file, job.line), anchor)
            marks = []
            for step in job.steps:
                found = by_place.get((step.file, step.line, step.job, step.name))
                row = rows[found] if found is not None else None
                if row is not None:
                    row.job_anchor = anchor
                marks.append(StepMark(plain(step.name, BOX_CHARS), plain(step.name, NAME_WIDTH),
                                      row))
            gate = gates.get(job.key)
            if gate is not None:
                gate.job_anchor = anchor
            note = entry["cost"].get("note") if isinstance(entry.get("cost"), Mapping) else None
            box = svg.Box(n, tuple(ids[x] for x in job.needs if x in ids), len(marks))
            view.jobs.append(JobView(anchor, plain(job.id, 80), plain(job.name, BOX_CHARS),
                                     _cost(entry, "monthly"), _cost(entry, "per_run"),
                                     _cost(entry, "runs_per_month"), basis_of(entry),
                                     plain(note, 200) if note else None, gate, marks, box))
        view.monthly = sum(j.monthly or 0.0 for j in view.jobs) if result.cost else None
        view.width, view.height, view.edges = svg.layout_pipeline([j.box for j in view.jobs])
        files.append(view)
    for view in files:
        anchors.setdefault(view.path, view.anchor)
    return files, anchors


def _suggestions(data: Mapping[str, Any], rows: list[StepRow], by_place: Mapping[Any, int],
                 anchors: Mapping[Any, str]) -> list[SuggestionView]:
    out = []
    for number, item in enumerate(data["suggestions"]):
        places = []
        for target in item["applies_to"]:
            file, line, job, step = (target["file"], target["line"], target["job"],
                                     target["step"])
            if step is not None:
                found = by_place.get((file, line, job, step))
                if found is not None and number not in rows[found].suggestions:
                    rows[found].suggestions.append(number)
                anchor = rows[found].anchor if found is not None else None
                text = f"{file}:{line} · {job} › {step}"
            elif job is not None:
                anchor = anchors.get((file, job)) or anchors.get((file, line))
                text = f"{file}:{line} · job {job}"
            else:
                anchor = anchors.get(file)
                text = f"{file}:{line} · the pipeline's triggers"
            places.append(Place(plain(text, NAME_WIDTH + 60), anchor))
        out.append(SuggestionView(f"suggestion-{number}", item, plain(item["title"], 200),
                                  plain(item["description"], 1200), places[:PLACES_SHOWN],
                                  max(len(places) - PLACES_SHOWN, 0)))
    return out


def _flow(result: ScanResult, data: Mapping[str, Any],
          suggestions: list[SuggestionView]) -> svg.Sankey | None:
    """Money from subsystems to kinds to the suggestions that address it. A cost line two
    suggestions both address is drawn to the first (they are sorted by saving)."""
    from xops_lens.cost.catalogue import builtin
    from xops_lens.cost.suggest import matches

    report = result.cost
    if report is None or not report.lines:
        return None
    entries = {entry.id: entry for entry in builtin()}
    owner: dict[int, str] = {}
    for view, found in zip(suggestions, report.suggestions):
        entry = entries.get(found.id)
        targets = set(found.applies_to)
        lines = matches(entry, report.lines) if entry is not None else report.lines
        for line in lines:
            if line.target in targets:
                owner.setdefault(id(line), view.anchor)
    by_kind: dict[tuple[str, str], float] = defaultdict(float)
    to_suggestion: dict[tuple[str, str], float] = defaultdict(float)
    for line in report.lines:
        amount = line.monthly
        by_kind[(line.subsystem, line.kind)] += amount
        to_suggestion[(line.kind, owner.get(id(line), "none"))] += amount
    currency = report.currency
    cost = data["summary"]["cost"]
    nodes = [svg.Node(f"s:{name}", 0, name, cost["subsystems"][name]["monthly"], name)
             for name in SUBSYSTEMS]
    links = []
    for name in SUBSYSTEMS:
        for kind in KINDS[name]:
            value = by_kind.get((name, kind), 0.0)
            nodes.append(svg.Node(f"k:{kind}", 1, kind, value, name))
            links.append(svg.Link(f"s:{name}", f"k:{kind}", value, name))
            for key in [*(s.anchor for s in suggestions), "none"]:
                links.append(svg.Link(f"k:{kind}", f"g:{key}",
                                      to_suggestion.get((kind, key), 0.0), name))
    for view in suggestions:
        value = sum(v for (_, key), v in to_suggestion.items() if key == view.anchor)
        nodes.append(svg.Node(f"g:{view.anchor}", 2, view.title, value, anchor=view.anchor))
    rest = sum(v for (_, key), v in to_suggestion.items() if key == "none")
    nodes.append(svg.Node("g:none", 2, "no suggestion", rest))
    for node in nodes:
        node.label = f"{plain(node.label, 40)} · {money(node.value, currency)}"
    return svg.sankey(nodes, links)


def build(result: ScanResult) -> Page:
    data = to_dict(result)
    rows, by_place = _rows(result, data)
    files, anchors = _files(result, data, rows, by_place)
    suggestions = _suggestions(data, rows, by_place, anchors)
    summary = data["summary"]
    cost = summary["cost"]
    counts = {name: float(summary["subsystems"][name]["count"]) for name in SUBSYSTEMS}
    money_bar = None
    if cost is not None:
        money_bar = svg.bar({name: cost["subsystems"][name]["monthly"] for name in SUBSYSTEMS})
    kinds = [kind for name in SUBSYSTEMS for kind in KINDS[name]
             if any(r.kind == kind for r in rows)]
    return Page(
        title=f"xops-lens report: {plain(result.root, 120)}",
        version=__version__, backend=plain(result.backend, 60),
        currency=cost["currency"] if cost else None, data=data,
        step_bar=svg.bar(counts), money_bar=money_bar,
        flow=_flow(result, data, suggestions),
        flow_note=("A cost line that two suggestions both address is drawn to the one with "
                   "the larger saving; each suggestion's own figures below count all of its "
                   "lines."),
        files=files, rows=sorted(rows, key=lambda r: (r.file, r.line)),
        suggestions=suggestions, kinds=kinds,
        pr_base=(f"{plain(result.changes.base_ref, 60)} at {result.changes.base_sha[:7]}"
                 if result.changes is not None else None),
    )
