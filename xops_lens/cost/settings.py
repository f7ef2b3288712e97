"""Typed access to the cost settings, recording every value the model used.

The cost model never reads :class:`~xops_lens.config.UserSettings` directly: it asks
:class:`Settings`, which applies the documented default, checks the type and range,
and remembers the value and its source so the report can print the assumptions it
rested on (TAXONOMY.md: "every assumption shown and overridable").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from xops_lens.config import UserSettings, is_repo_source
from xops_lens.cost.defaults import DEFAULTS, OPEN_TABLES
from xops_lens.errors import ConfigError, visible

DEFAULT_SOURCE = "default"
# Letters of any script, digits, the common currency signs, a dot or a dash.
_WORD_RE = re.compile(r"[\w$€£¥₹₩₽¢₺₴₦₱฿.\-]{1,12}")


@dataclass(frozen=True, slots=True)
class Assumption:
    """One value the estimate used: its key, value, where it came from, and meaning."""

    key: str
    value: float | str | bool
    source: str
    note: str


def _is_number(value: Any) -> bool:
    # TOML and --set give bool for true/false; a bool is not a price.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Settings:
    """The cost model's view of the configuration."""

    def __init__(self, config: UserSettings | None = None) -> None:
        self.config = config or UserSettings()
        self._used: dict[str, Assumption] = {}
        self._known: set[str] = set(DEFAULTS)
        # Lookups resolved once per key: the model asks for the same few dozen settings
        # for every step and job (about 22 lookups a workflow), and the configuration
        # does not change while an estimate runs.
        self._user_values: dict[str, tuple[Any, str] | None] = {}
        self._numbers: dict[tuple[Any, ...], Assumption] = {}
        self._tables: dict[str, dict[str, Any]] = {}
        self.messages: list[str] = []

    # -- reading -------------------------------------------------------------------
    def _user_value(self, key: str) -> tuple[Any, str] | None:
        """The value the user set for ``key`` and its source, or None."""
        try:
            return self._user_values[key]
        except KeyError:
            pass
        parent, _, leaf = key.rpartition(".")
        # Look leaves up in their parent table so that keys containing dots (a runner
        # label such as ubuntu-22.04, a job id) still resolve.
        table = self.config.get(parent) if parent else self.config.values
        found = None
        if isinstance(table, dict) and leaf in table and not isinstance(table[leaf], dict):
            found = table[leaf], self.config.source_of(key)
        self._user_values[key] = found
        return found

    def is_set(self, key: str) -> bool:
        return self._user_value(key) is not None

    def _resolve(self, key: str, default: Any, note: str | None) -> tuple[Any, str, str]:
        if default is None and note is None and key in DEFAULTS:
            default, note = DEFAULTS[key]
        elif note is None:
            note = DEFAULTS.get(key, (None, ""))[1]
        self._known.add(key)
        user = self._user_value(key)
        if user is not None:
            return user[0], user[1], note or ""
        return default, DEFAULT_SOURCE, note or ""

    def number(self, key: str, default: float | None = None, note: str | None = None, *,
               minimum: float = 0.0, maximum: float | None = None) -> float:
        """A non-negative number (or within [minimum, maximum]), recorded as used."""
        request = (key, default, note, minimum, maximum)
        known = self._numbers.get(request)
        if known is not None:  # the same read again: the same answer, recorded again
            self._used[key] = known
            return known.value  # type: ignore[return-value]
        value, source, note = self._resolve(key, default, note)
        if not _is_number(value):
            value, source = self._invalid(key, "expected a number", value, source, default)
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum:g} and {maximum:g}" if maximum is not None \
                else f"at least {minimum:g}"
            value, source = self._invalid(key, f"must be {bound}", value, source, default)
        result = self._record(key, float(value), source, note)
        self._numbers[request] = self._used[key]
        return result

    def optional_number(self, key: str, *, minimum: float = 0.0) -> float | None:
        """A number the user may set; unset means the model computes it (not recorded)."""
        self._known.add(key)
        if not self.is_set(key):
            return None
        return self.number(key, minimum=minimum)

    def text(self, key: str, default: str | None = None, note: str | None = None) -> str:
        """A short word (a currency, a label): printed in every report, so it is held to
        letters, digits and currency signs, never markup, controls or line breaks."""
        value, source, note = self._resolve(key, default, note)
        if not isinstance(value, str) or not _WORD_RE.fullmatch(value):
            value, source = self._invalid(
                key, "expected a word of at most 12 letters, digits or currency signs",
                value, source, default)
        return str(self._record(key, value, source, note))

    def flag(self, key: str, default: bool | None = None, note: str | None = None) -> bool:
        value, source, note = self._resolve(key, default, note)
        if not isinstance(value, bool):
            value, source = self._invalid(key, "expected true or false", value, source, default)
        return bool(self._record(key, value, source, note))

    def _invalid(self, key: str, expected: str, value: Any, source: str,
                 default: Any) -> tuple[Any, str]:
        """A value that does not fit: a usage error when the person running the scan
        wrote it; from the scanned repository's own files, one warning and the default
        (a pull request must not stop the scan by writing a bad value)."""
        shown = visible(repr(value))[:80]
        if default is None:
            default = DEFAULTS.get(key, (None, ""))[0]
        if not is_repo_source(source) or default is None:
            raise ConfigError(f"{key}: {expected}, got {shown} (from {source})")
        self.messages.append(f"{source}: {key} = {shown}: {expected}; using {default!r}")
        return default, DEFAULT_SOURCE

    def derived(self, key: str, value: float, source: str, note: str) -> float:
        """A figure the model measured (git history, cron); a user setting still wins."""
        if self.is_set(key):
            return self.number(key)
        self._known.add(key)
        return self._record(key, float(value), source, note)

    def table(self, key: str) -> dict[str, Any]:
        """The user's table under ``key`` (runner labels, job ids), possibly empty."""
        table = self._tables.get(key)
        if table is None:
            found = self.config.get(key)
            table = self._tables[key] = found if isinstance(found, dict) else {}
        return table

    def recorded(self, key: str) -> Assumption:
        """The assumption last recorded for ``key`` (by number, text, flag or derived)."""
        return self._used[key]

    def remember(self, assumptions: Iterable[Assumption]) -> None:
        """Record ``assumptions`` again, in order, as re-reading their keys would: for a
        caller that keeps what it computed from some settings and skips the reads."""
        used = self._used
        for assumption in assumptions:
            used[assumption.key] = assumption

    def _record(self, key: str, value: Any, source: str, note: str) -> Any:
        self._used[key] = Assumption(key, value, source, note)
        return value

    def declare(self, keys: Iterable[str]) -> None:
        """Mark keys as known settings without reading them (for unknown_keys)."""
        self._known.update(keys)

    # -- reporting -----------------------------------------------------------------
    @property
    def used(self) -> tuple[Assumption, ...]:
        return tuple(self._used[key] for key in sorted(self._used))

    def unknown_keys(self) -> list[str]:
        """``cost.*`` keys the user set that no part of the model reads (typos)."""
        unknown = []
        for key in sorted(self.config.origin):
            if not key.startswith("cost."):
                continue
            if key in self._known or key.startswith(OPEN_TABLES):
                continue
            unknown.append(key)
        return unknown
