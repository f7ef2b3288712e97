"""Buildkite step conditions (``if:`` and ``branches:``, on a step or on the group
around it) evaluated per kind of run, as Buildkite documents them: ``build.branch`` is
the branch built (a pull request's head branch, a tag build's tag), ``build.tag`` is set
on tag builds only, ``build.pull_request.id`` in pull request builds only, and
``build.source`` is webhook, schedule, ui or api. Other attributes (``build.message``,
``build.env(...)``, ``build.creator``) are not known from the file."""

from __future__ import annotations

import re
from typing import Any

from xops_lens.formats._runconds import (
    Compare,
    Cond,
    compare_text,
    is_default,
    judge,
    narrowed,
    parse_expression,
    regex_default,
)
from xops_lens.formats._yamlshape import text_of
from xops_lens.model import Trigger

DEFAULT = "<default branch>"
UNNAMED = "?"  # set to a name the file cannot tell (a head branch, a tag, a PR number)
GLOB = "branches"
SOURCES = {"push": ("webhook",), "pull_request": ("webhook",), "tag": ("webhook",),
           "schedule": ("schedule",), "api": ("ui", "api")}
_MENTIONS = (("tag", re.compile(r"\bbuild\.tag\b")),
             ("schedule", re.compile(r"""build\.source\s*==\s*["']schedule["']""")),
             ("api", re.compile(r"""build\.source\s*==\s*["'](?:ui|api)["']""")))


def _value(name: str, event: str) -> tuple[bool, str | None]:
    """(known, value) of a build attribute in a kind of run; None: unset (null)."""
    values: dict[str, str | None] = {
        "build.branch": UNNAMED if event in ("pull_request", "tag") else DEFAULT,
        "build.tag": UNNAMED if event == "tag" else None,
        "build.pull_request.id": UNNAMED if event == "pull_request" else None,
        "build.pull_request.base_branch": DEFAULT if event == "pull_request" else None,
        "pipeline.default_branch": DEFAULT,
    }
    return (name in values, values.get(name))


def _glob(pattern: str, value: str | None) -> bool | None:
    if value == DEFAULT:
        return is_default(pattern, glob=True)
    if pattern.strip("*") == "":
        return True
    # a head branch or a tag, unnamed: not the default branch itself, else unknown
    return False if is_default(pattern) else None


def _atom(atom: object, event: str) -> bool | None:
    assert isinstance(atom, Compare)
    left = atom.left
    if left == "build.source" and atom.op in ("==", "!="):
        sources = SOURCES[event]
        if atom.right not in sources:
            return atom.op == "!="
        return atom.op == "=="
    known, value = _value(left, event)
    if not known:
        return None
    if atom.op == GLOB:
        return _glob(str(atom.right), value)
    if atom.op is None:  # a bare attribute: set and not empty
        return value is not None
    right = atom.right if isinstance(atom.right, str) else ""
    if right == "null":
        return (value is None) == (atom.op == "==") if atom.op in ("==", "!=") else None
    if right in ("pipeline.default_branch", "build.pull_request.base_branch"):
        right = _value(right, event)[1] or ""
    if value is None:
        return compare_text(None, atom.op, right)
    if value == DEFAULT and atom.op in ("==", "!="):
        return (right == DEFAULT or is_default(right)) == (atom.op == "==")
    if value == DEFAULT and atom.op in ("=~", "!~"):
        pattern = right[1:right.rfind("/")] if right.startswith("/") else right
        found = regex_default(pattern)
        return None if found is None else found == (atom.op == "=~")
    # an unnamed value: not empty, not the default branch; any tag taken to match
    if atom.op in ("==", "!=") and (right == "" or right == DEFAULT or
                                    (left == "build.branch" and is_default(right))):
        return atom.op == "!="
    if left == "build.tag" and atom.op == "=~":
        return True
    return None


def _branches(value: Any) -> tuple[Cond | None, str]:
    """``branches:`` (space-separated patterns, ``*`` wildcards, ``!`` excludes)."""
    if isinstance(value, list):
        patterns = [text_of(v).strip() for v in value if v is not None]
    else:
        patterns = text_of(value).split()
    patterns = [p for p in patterns if p and p != "!"]
    if not patterns:
        return None, ""
    include = [Cond("atom", atom=Compare("build.branch", GLOB, p))
               for p in patterns if not p.startswith("!")]
    exclude = [Cond("atom", atom=Compare("build.branch", GLOB, p[1:]))
               for p in patterns if p.startswith("!")]
    parts: list[Cond] = []
    if include:
        parts.append(Cond("or", tuple(include)))
    if exclude:
        parts.append(Cond("not", (Cond("or", tuple(exclude)),)))
    return Cond("and", tuple(parts)), f"branches: {' '.join(patterns)}"


def conditions(item: Any, where: str = "") -> list[tuple[str, Any, Any]]:
    """The ``if:`` and ``branches:`` of one step or group, as (where, if, branches)."""
    cond, branches = item.get("if"), item.get("branches")
    if cond is None and branches is None:
        return []
    return [(where, cond, branches)]


def step_triggers(base: tuple[Trigger, ...], written: list[tuple[str, Any, Any]],
                  line: int) -> tuple[Trigger, ...] | None:
    """A step's own triggers under its and its groups' conditions; None when none."""
    parsed: list[Cond] = []
    shown: list[str] = []
    texts: list[str] = []
    unread = False
    for where, cond, branches in written:
        prefix = f"{where} " if where else ""
        if cond is not None:
            text = text_of(cond).strip()
            shown.append(f"{prefix}if: {text}")
            texts.append(text)
            tree = parse_expression(text)
            if tree is None:
                unread = True
            else:
                parsed.append(tree)
        tree, said = _branches(branches)
        if tree is not None:
            parsed.append(tree)
            shown.append(prefix + said)
    if not shown:
        return None
    holds = judge(parsed, _atom, unread)

    text = " ".join(texts)
    extras = [Trigger(event, line) for event, pattern in _MENTIONS if pattern.search(text)]
    return narrowed(base, extras, holds, "; ".join(shown))
