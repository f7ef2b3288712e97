"""User settings: the user's own ``~/.config/xops-lens/config.toml``, ``[tool.xops-lens]``
in pyproject.toml or ``.xops-lens.toml`` of the scanned folder, an explicit ``--config``
file, then ``--set key=value`` on the command line (later sources win).

The repository's file is looked up as ruff and pytest do: in the scanned folder, then in
each parent up to the repository root (the folder holding ``.git``); the closest folder
with either file wins. Outside a git repository only the scanned folder is looked at, so
a stray file in /tmp or the home folder is never picked up. When one folder has both
files, ``.xops-lens.toml`` is used and a message says so.

This module only loads and merges; each consumer (cost model, backends, ignores) owns
its keys and defaults and reads them with :meth:`UserSettings.get`, which also remembers
where every value came from so reports can print the assumptions they used.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xops_lens.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

REPO_CONFIG_FILE = ".xops-lens.toml"
PYPROJECT_TABLE = ("tool", "xops-lens")
MAX_CONFIG_BYTES = 1024 * 1024


@dataclass
class UserSettings:
    """Merged settings; ``origin`` maps each dotted key to the source that set it;
    ``messages`` are one-line warnings about sources that were not used."""

    values: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    def get(self, key: str, default: Any = None) -> Any:
        node: Any = self.values
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def source_of(self, key: str) -> str:
        """Where the value of ``key`` came from: a file, ``--set``, or ``default``."""
        return self.origin.get(key, "default")

    def merge(self, data: Mapping[str, Any], source: str, prefix: str = "") -> None:
        target: dict[str, Any] = self.values
        for part in filter(None, prefix.split(".")):
            target = target.setdefault(part, {})
        for key, value in data.items():
            dotted = f"{prefix}.{key}" if prefix else key
            if isinstance(value, Mapping) and isinstance(target.get(key), dict):
                self.merge(value, source, dotted)
            elif isinstance(value, Mapping):
                target[key] = {}
                self.merge(value, source, dotted)
            else:
                target[key] = value
                self.origin[dotted] = source


_REPO_SOURCE_RE = re.compile(r"(\.\./)*(\.xops-lens\.toml|pyproject\.toml \[tool\.xops-lens\])")


def is_repo_source(source: str) -> bool:
    """True when a setting came from the scanned repository's own file (in the scanned
    folder, or a parent up to the repository root: ``../.xops-lens.toml``)."""
    return _REPO_SOURCE_RE.fullmatch(source) is not None


def withhold_repo_settings(config: UserSettings, tables: Iterable[str]) -> list[str]:
    """Drop what the scanned repository's own files set under ``tables``; return the
    dotted keys dropped. For settings a stranger's pull request must not choose."""
    wanted = tuple(tables)
    dropped = sorted(key for key, source in config.origin.items()
                     if is_repo_source(source) and key.split(".", 1)[0] in wanted)
    for key in dropped:
        *parents, leaf = key.split(".")
        node: Any = config.values
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(leaf, None)
        del config.origin[key]
    return dropped


def _parse_toml(text: str, shown: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: invalid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per nested table or array
        raise ConfigError(f"{shown}: invalid TOML: nested too deeply") from None


def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{shown}: configuration file larger than 1 MiB")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{shown}: cannot be read: {exc}") from None
    return _parse_toml(text, shown)


def user_config_path() -> Path:
    """The configuration of the person running xops-lens, trusted like ``--config``:
    ``$XDG_CONFIG_HOME/xops-lens/config.toml`` (``~/.config/...``), or ``%APPDATA%``."""
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(base) / "xops-lens" / "config.toml"
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base_dir = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".config"
    return base_dir / "xops-lens" / "config.toml"


def _read_repo_toml(root: Path, name: str, shown: str | None = None) -> dict[str, Any] | None:
    """A configuration file of the scanned repository, read like its CI files: it is
    untrusted input too, so a symlink out of the root, a FIFO or a device is refused."""
    from xops_lens.discover import read_text
    from xops_lens.errors import ParseError

    if not (root / name).is_file() and not (root / name).is_symlink():
        return None
    try:
        text = read_text(root, name, max_bytes=MAX_CONFIG_BYTES)
    except ParseError as exc:
        raise ConfigError(exc.one_line()) from None
    return _parse_toml(text, shown or name)


def _pyproject_table(folder: Path, shown: str) -> dict[str, Any] | None:
    table: Any = _read_repo_toml(folder, "pyproject.toml", shown.split(" [")[0])
    if table is None:
        return None
    for part in PYPROJECT_TABLE:
        table = table.get(part) if isinstance(table, dict) else None
    return table if isinstance(table, dict) else None


def config_folders(root: Path) -> list[tuple[Path, str]]:
    """The scanned folder, then its parents up to the repository root, each with the
    prefix that names files there relative to the scanned folder (``../``)."""
    start = root.resolve()
    chain = [start, *start.parents]
    top = next((i for i, folder in enumerate(chain) if (folder / ".git").exists()), None)
    if top is None:
        return [(root, "")]
    return [(root if i == 0 else chain[i], "../" * i) for i in range(top + 1)]


def _repo_config(root: Path, messages: list[str]) -> tuple[dict[str, Any], str] | None:
    for folder, prefix in config_folders(root):
        dedicated = _read_repo_toml(folder, REPO_CONFIG_FILE, f"{prefix}{REPO_CONFIG_FILE}")
        shown_table = f"{prefix}pyproject.toml [tool.xops-lens]"
        if dedicated is not None:
            try:
                shadowed = _pyproject_table(folder, shown_table) is not None
            except ConfigError:
                shadowed = False
            if shadowed:
                messages.append(f"{prefix}{REPO_CONFIG_FILE} is used; {shown_table} beside it "
                                "is not (merge the two to use both)")
            return dedicated, f"{prefix}{REPO_CONFIG_FILE}"
        table = _pyproject_table(folder, shown_table)
        if table is not None:
            return table, shown_table
    return None


def unknown_top_level(config: UserSettings, known: Iterable[str]) -> list[str]:
    """One warning per top-level key no part of xops-lens reads, with the nearest known
    key: a misspelt table is otherwise ignored without a word."""
    names = sorted(set(known))
    warnings = []
    for key in config.values:
        if key in names:
            continue
        source = next((src for dotted, src in config.origin.items()
                       if dotted == key or dotted.startswith(key + ".")), "settings")
        close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(names)})"
        where = "--set" if source == "--set" else source
        warnings.append(f"{where}: unknown setting {key!r} is ignored{hint}")
    return warnings


def parse_assignment(assignment: str) -> tuple[str, Any]:
    """``key=value`` with the value read as TOML when it parses, else as a string."""
    key, sep, raw = assignment.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(f"--set {assignment!r}: expected key=value (for example cost.human_rate=90)")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        value = raw.strip()
    return key, value


def load_config(root: Path | None, config_file: Path | None = None,
                assignments: Iterable[str] = ()) -> UserSettings:
    config = UserSettings()
    user_file = user_config_path()
    if user_file.is_file():
        config.merge(_read_toml(user_file, str(user_file)), str(user_file))
    if root is not None:
        # The scanned repository's file is input, like its CI files: a broken one is
        # reported and the scan goes on with the other settings (a pull request must not
        # be able to stop the scan, and with it the comment, by breaking it).
        try:
            found = _repo_config(root, config.messages)
        except ConfigError as exc:
            config.messages.append(f"{exc}; its settings are not used")
            found = None
        if found is not None:
            config.merge(found[0], found[1])
    if config_file is not None:
        config.merge(_read_toml(config_file, str(config_file)), str(config_file))
    for assignment in assignments:
        key, value = parse_assignment(assignment)
        nested: dict[str, Any] = {}
        node = nested
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
        config.merge(nested, "--set")
    return config
