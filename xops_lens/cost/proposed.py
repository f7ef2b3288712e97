"""Replacements a model proposed for the cost lines no catalogue entry claimed (issue 19):
what is sent about those lines, and how an answer is checked and priced.

The model only names lines and states four figures within bounds; the tool checks every
claim (the lines exist, were offered, and no two proposals claim the same one; the
figures are within :data:`BOUNDS`; the proposal is not a catalogue entry again) and
computes every number with the catalogue's own arithmetic (suggest.numbers). What is
accepted is marked with the backend's name and a confidence below any catalogue
entry's, and listed after the catalogue's suggestions.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from xops_lens.cost.catalogue import Entry, builtin
from xops_lens.cost.matching import Matcher
from xops_lens.cost.report import CostLine
from xops_lens.cost.suggest import numbers
from xops_lens.model import Step, Suggestion, SuggestionWording
from xops_lens.redact import redact

# field -> (least, most) the tool accepts; the prompt states the same bounds. A share
# of 0.9 at most: no replacement removes a cost entirely (the catalogue's largest is
# 0.9); 200 hours is over a month of one engineer's work; 1 per use is twenty times
# the catalogue's dearest model call.
BOUNDS: dict[str, tuple[float, float]] = {
    "share": (0.05, 0.9),
    "one_time_hours": (0.5, 200.0),
    "model_per_use": (0.0, 1.0),
}
MAX_PROPOSALS = 5  # per scan: one request
MAX_LINES = 40  # the open lines offered, dearest first
# Below every catalogue entry's own confidence (0.4 to 0.7): the model's proposal has
# no documented basis, only the model's word.
MODEL_CONFIDENCE = 0.3
MAX_TITLE_CHARS, MAX_MECHANISM_CHARS = 80, 420
MAX_FIELD_CHARS, MAX_SCRIPT_CHARS = 120, 300
# Two titles sharing this share of their words name the same practice.
SAME_TITLE = 0.5

_SPACE = re.compile(r"[\s\x00-\x1f\x7f]+")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[a-z]+")
_STOP = frozenset("a an the of in on to for from by with and or instead each every run runs "
                  "job jobs step steps".split())


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + " …[cut]"


def open_lines(lines: Sequence[CostLine], claimed: set[int]) -> list[tuple[str, CostLine]]:
    """The lines no catalogue entry claimed that cost something, dearest first, with the
    ids the model refers to them by."""
    free = [line for line in lines
            if id(line) not in claimed and line.uses_per_month > 0 and line.monthly > 0]
    free.sort(key=lambda line: -line.monthly)
    return [(f"L{n}", line) for n, line in enumerate(free[:MAX_LINES], 1)]


def line_payload(ident: str, line: CostLine,
                 steps: Mapping[tuple[str, int], Step]) -> dict[str, Any]:
    """What the model reads of one line: redacted and clipped, files and lines left out."""
    item: dict[str, Any] = {
        "id": ident, "category": line.category, "subsystem": line.subsystem,
        "kind": line.kind, "job": _clip(redact(line.target.job or ""), MAX_FIELD_CHARS),
        "use": line.use, "uses_per_month": round(line.uses_per_month, 1),
        "monthly_cost": round(line.monthly, 2),
    }
    step = steps.get((line.target.file, line.target.line)) if line.target.step else None
    if step is not None:
        item["step"] = _clip(redact(step.name or ""), MAX_FIELD_CHARS)
        runs = step.uses or step.text
        if runs and runs != step.name:
            item["runs"] = _clip(redact(runs), MAX_SCRIPT_CHARS)
    return item


def catalogue_payload() -> list[dict[str, str]]:
    return [{"id": e.id, "title": e.title} for e in builtin()]


def _plain(value: Any, limit: int) -> str | None:
    """One plain line, or None: not text, empty, or with a digit (numbers are the
    tool's to compute, never the model's to write)."""
    if not isinstance(value, str):
        return None
    text = _SPACE.sub(" ", value).strip()
    if not text or _DIGIT.search(text):
        return None
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _figure(item: Mapping[str, Any], key: str, field: str) -> float | None:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    low, high = BOUNDS[field]
    value = float(value)
    return value if math.isfinite(value) and low <= value <= high else None


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def _same_title(title: str, entries: Sequence[Entry]) -> Entry | None:
    mine = _words(title)
    for entry in entries:
        theirs = _words(entry.title)
        if mine and theirs and len(mine & theirs) / len(mine | theirs) >= SAME_TITLE:
            return entry
    return None


def _id_of(lines: Sequence[CostLine]) -> str:
    places = sorted(f"{l.category}:{l.target.file}:{l.target.line}:{l.target.job}"
                    for l in lines)
    return "model-" + hashlib.sha256("\n".join(places).encode()).hexdigest()[:10]


def accept(items: Sequence[Any], offered: Sequence[tuple[str, CostLine]], *, backend: str,
           human_rate: float, currency: str, matcher: Matcher
           ) -> tuple[list[Suggestion], list[str]]:
    """The proposals that pass every check, priced and sorted by saving, and a reason
    for each one refused."""
    by_id = dict(offered)
    entries = builtin()
    taken: set[str] = set()
    accepted: list[Suggestion] = []
    problems: list[str] = []
    for n, item in enumerate(items[:MAX_PROPOSALS], 1):
        problem, suggestion = _check(item, by_id, taken, entries, matcher, backend=backend,
                                     human_rate=human_rate, currency=currency)
        if suggestion is None:
            problems.append(f"proposal {n}: {problem}")
            continue
        accepted.append(suggestion)
    accepted.sort(key=lambda s: (-s.numbers.monthly_saving, s.id))
    return accepted, problems


def _check(item: Any, by_id: Mapping[str, CostLine], taken: set[str],
           entries: Sequence[Entry], matcher: Matcher, *, backend: str, human_rate: float,
           currency: str) -> tuple[str, Suggestion | None]:
    if not isinstance(item, Mapping):
        return "not an object", None
    removes = item.get("removes")
    if not isinstance(removes, list) or not removes \
            or not all(isinstance(r, str) for r in removes):
        return "names no cost line", None
    if len(set(removes)) != len(removes):
        return "names a cost line twice", None
    unknown = [r for r in removes if r not in by_id]
    if unknown:
        return "names a cost line that was not offered", None
    if taken & set(removes):
        return "claims a cost line another proposal claimed", None
    title = _plain(item.get("title"), MAX_TITLE_CHARS)
    mechanism = _plain(item.get("mechanism"), MAX_MECHANISM_CHARS)
    if title is None or mechanism is None:
        return "no plain title and mechanism (empty, not text, or with digits)", None
    figures = {field: _figure(item, key, field) for key, field in
               (("share", "share"), ("one_time_hours", "one_time_hours"),
                ("model_cost_per_use", "model_per_use"))}
    outside = [field for field, value in figures.items() if value is None]
    if outside:
        return f"{', '.join(outside)} missing or out of bounds", None
    lines = [by_id[r] for r in removes]
    for entry in entries:
        if all(matcher.applies(entry, line) for line in lines):
            return f"the catalogue's {entry.id!r} again", None
    twin = _same_title(title, entries)
    if twin is not None:
        return f"the catalogue's {twin.id!r} again (same title)", None
    ident = _id_of(lines)
    entry = Entry(id=ident, title=title, description=mechanism, categories=(), kinds=(),
                  min_matrix=1, share=figures["share"] or 0.0,
                  one_time_hours=figures["one_time_hours"] or 0.0, one_time_extra=0.0,
                  model_per_use=figures["model_per_use"] or 0.0, confidence=MODEL_CONFIDENCE)
    priced = numbers(entry, lines, human_rate=human_rate, currency=currency)
    if priced.monthly_saving <= 0:
        return "saves nothing once its model cost is paid", None
    taken.update(removes)
    keys = {"cost.human_rate", "cost.currency"}
    keys.update(k for line in lines for k in line.keys)
    label_confidence = sum(line.confidence for line in lines) / len(lines)
    return "", Suggestion(
        id=ident, wording=SuggestionWording(title, mechanism, backend), numbers=priced,
        applies_to=tuple(dict.fromkeys(line.target for line in lines)),
        confidence=round(MODEL_CONFIDENCE * label_confidence, 2),
        assumptions=tuple(sorted(keys)), proposed_by=backend)


