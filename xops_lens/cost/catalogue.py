"""The suggestion catalogue: data shipped in ``catalogue.toml``, read once, with the
user's overrides (``cost.suggestions.<id>.<field>``) applied through Settings so each
overridden number is reported with its source."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from xops_lens.cost.settings import Settings
from xops_lens.model import KINDS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CATEGORIES = ("compute", "overhead", "gate", "dispatch", "triage", "rerun", "release-notes",
              "dependency-review")
NUMBER_FIELDS: dict[str, tuple[float, float | None]] = {
    # field -> (minimum, maximum)
    "share": (0.0, 1.0),
    "one_time_hours": (0.0, None),
    "one_time_extra": (0.0, None),
    "model_per_use": (0.0, None),
    "confidence": (0.0, 1.0),
}
ALL_KINDS = frozenset(kind for kinds in KINDS.values() for kind in kinds)


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    description: str
    categories: tuple[str, ...]
    kinds: tuple[str, ...]
    min_matrix: int
    share: float
    one_time_hours: float
    one_time_extra: float
    model_per_use: float
    confidence: float
    # Rules that read the pipeline (xops_lens/cost/matching.py), from the data file.
    requires: re.Pattern[str] | None = None
    requires_in: str = "step"
    already: re.Pattern[str] | None = None
    already_in: str = "job"
    with_kinds: tuple[str, ...] = ()
    with_kinds_in: str = "job"
    repeated: bool = False
    monorepo: bool = False


SCOPES = ("step", "job", "pipeline")


def _pattern(raw: dict[str, Any], name: str) -> re.Pattern[str] | None:
    text = raw.get(name)
    return None if text is None else re.compile(str(text), re.IGNORECASE)


def _entry(raw: dict[str, Any]) -> Entry:
    ident = raw.get("id", "?")
    try:
        entry = Entry(
            id=str(raw["id"]), title=str(raw["title"]), description=str(raw["description"]),
            categories=tuple(raw["categories"]), kinds=tuple(raw.get("kinds", ())),
            min_matrix=int(raw.get("min_matrix", 1)),
            **{name: float(raw[name]) for name in NUMBER_FIELDS},
            requires=_pattern(raw, "requires"), requires_in=str(raw.get("requires_in", "step")),
            already=_pattern(raw, "already"), already_in=str(raw.get("already_in", "job")),
            with_kinds=tuple(raw.get("with_kinds", ())),
            with_kinds_in=str(raw.get("with_kinds_in", "job")),
            repeated=bool(raw.get("repeated", False)), monorepo=bool(raw.get("monorepo", False)),
        )
    except (KeyError, TypeError, ValueError, re.error) as exc:
        raise ValueError(f"catalogue entry {ident!r}: missing or bad field {exc}") from None
    unknown = set(entry.categories) - set(CATEGORIES)
    unknown |= (set(entry.kinds) | set(entry.with_kinds)) - ALL_KINDS
    unknown |= {entry.requires_in, entry.already_in, entry.with_kinds_in} - set(SCOPES)
    if unknown:
        raise ValueError(f"catalogue entry {ident!r}: unknown {sorted(unknown)}")
    return entry


@lru_cache(maxsize=1)
def builtin() -> tuple[Entry, ...]:
    """The shipped catalogue (data errors are bugs of the package, hence ValueError)."""
    text = resources.files("xops_lens.cost").joinpath("catalogue.toml").read_text("utf-8")
    entries = tuple(_entry(raw) for raw in tomllib.loads(text)["suggestion"])
    ids = [e.id for e in entries]
    if len(ids) != len(set(ids)):
        raise ValueError("catalogue: duplicate ids")
    return entries


def declare_keys(settings: Settings, entries: tuple[Entry, ...]) -> None:
    """Every override key of every entry is a known setting, matched or not."""
    settings.declare(f"cost.suggestions.{e.id}.{name}"
                     for e in entries for name in ("enabled", *NUMBER_FIELDS))


def configured(settings: Settings, entry: Entry) -> Entry | None:
    """``entry`` with the user's overrides applied, or None when switched off. Only
    called for entries that match something, so only their numbers are reported."""
    prefix = f"cost.suggestions.{entry.id}"
    if settings.is_set(f"{prefix}.enabled") and not settings.flag(f"{prefix}.enabled"):
        return None
    values = {
        name: settings.number(f"{prefix}.{name}", getattr(entry, name),
                              f"{entry.id}: {name.replace('_', ' ')}", minimum=low, maximum=high)
        for name, (low, high) in NUMBER_FIELDS.items()
    }
    return replace(entry, **values)
