"""Parsing ``git diff --unified=0``: the files and the changed line numbers on each side."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class FileDiff:
    old_path: str | None
    new_path: str | None
    removed: set[int] = field(default_factory=set)  # base-side line numbers
    added: set[int] = field(default_factory=set)  # work-tree-side line numbers
    whole: bool = False  # an untracked file: every line is new
    # (base lines, work-tree lines) of each hunk: a hunk with both sides replaced text
    hunks: list[tuple[range, range]] = field(default_factory=list)


def _unquote(path: str) -> str:
    """Git's C-style quoting of unusual file names."""
    if len(path) >= 2 and path[0] == '"' and path[-1] == '"':
        raw = codecs.escape_decode(path[1:-1].encode("utf-8"))[0]
        return raw.decode("utf-8", errors="replace")
    return path


def _strip_side(path: str, prefix: str) -> str | None:
    path = _unquote(path.rstrip("\t"))
    if path == "/dev/null":
        return None
    return path.removeprefix(prefix)


def parse_diff(text: str) -> list[FileDiff]:
    """Files and changed line numbers of ``git diff --unified=0`` output."""
    files: list[FileDiff] = []
    current: FileDiff | None = None
    for raw in text.splitlines():
        if raw.startswith("diff --git "):
            current = FileDiff(None, None)
            files.append(current)
            continue
        if current is None:
            continue
        if raw.startswith("rename from "):
            current.old_path = _unquote(raw[len("rename from "):])
        elif raw.startswith("rename to "):
            current.new_path = _unquote(raw[len("rename to "):])
        elif raw.startswith("--- "):
            current.old_path = _strip_side(raw[4:], "a/")
        elif raw.startswith("+++ "):
            current.new_path = _strip_side(raw[4:], "b/")
        elif raw.startswith("new file mode"):
            current.old_path = None
        elif raw.startswith("@@"):
            match = HUNK_RE.match(raw)
            if match is None:
                continue
            old_start, old_len, new_start, new_len = match.groups()
            old_n = 1 if old_len is None else int(old_len)
            new_n = 1 if new_len is None else int(new_len)
            old_range = range(int(old_start), int(old_start) + old_n)
            new_range = range(int(new_start), int(new_start) + new_n)
            current.removed.update(old_range)
            current.added.update(new_range)
            current.hunks.append((old_range, new_range))
    return files
