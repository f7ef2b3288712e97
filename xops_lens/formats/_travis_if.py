"""Travis CI conditions (``if:`` on the build, a stage or a job; ``branches:``
only/except) evaluated per kind of run, as Travis documents them: ``branch`` is the
branch pushed, or a pull request's target, or a tag's name; ``tag`` is set on tag
builds only; ``type`` is push (tags too), pull_request, cron or api. Other attributes
(``repo``, ``env(...)``, ``commit_message``) are not known from the file."""

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
from xops_lens.formats._yamlshape import names
from xops_lens.model import Trigger
from xops_lens.yamlload import YMap

TYPES = {"push": "push", "pull_request": "pull_request", "tag": "push", "schedule": "cron",
         "api": "api"}
_MENTIONS = (("tag", re.compile(r"\btag\b", re.I)), ("schedule", re.compile(r"\bcron\b", re.I)),
             ("api", re.compile(r"\bapi\b", re.I)))


def _branch(op: str | None, right: Any) -> bool | None:
    """A comparison of the default branch (main or master) with ``right``."""
    if op in ("IS present", None):
        return True
    if op == "IS blank":
        return False
    if op in ("=~", "!~"):
        found = regex_default(str(right).strip("/"))
        return None if found is None else found == (op == "=~")
    if op in ("IN", "NOT IN"):
        found = any(is_default(name) for name in right or ())
        return found if op == "IN" else not found
    if op in ("==", "!="):
        return is_default(str(right)) == (op == "==")
    return None


def _atom(atom: object, event: str) -> bool | None:
    assert isinstance(atom, Compare)
    left = atom.left.lower()
    if left == "branch":
        return None if event == "tag" else _branch(atom.op, atom.right)
    if left == "tag":
        if event != "tag":  # unset
            if atom.op in ("IS present", None):
                return False
            return True if atom.op == "IS blank" else compare_text(None, atom.op, atom.right)
        # a tag build: any release tag taken to match a tag pattern
        return {"IS blank": False, "!=": None, "!~": None, "NOT IN": None}.get(
            atom.op or "", True)
    if left == "type" and atom.op is not None:
        return compare_text(TYPES.get(event), atom.op, atom.right)
    return None


def _branches(value: Any) -> tuple[Cond | None, str]:
    """The top-level ``branches:`` filter as a condition on ``branch``."""
    if isinstance(value, YMap):
        only, except_ = value.get("only"), value.get("except")
    else:
        only, except_ = value, None
    parts: list[Cond] = []
    shown: list[str] = []
    for key, patterns, negate in (("only", only, False), ("except", except_, True)):
        listed = names(patterns)
        if not listed:
            continue
        shown.append(f"{key} {', '.join(listed)}")
        alternatives = tuple(Cond("atom", atom=Compare(
            "branch", "=~" if p.startswith("/") and p.endswith("/") and len(p) > 1 else "==", p))
            for p in listed)
        either = Cond("or", alternatives)
        parts.append(Cond("not", (either,)) if negate else either)
    if not parts:
        return None, ""
    return Cond("and", tuple(parts)), f"branches: {'; '.join(shown)}"


def job_triggers(base: tuple[Trigger, ...], conditions: list[tuple[str, str]],
                 branches: Any, line: int) -> tuple[Trigger, ...] | None:
    """A job's own triggers under ``conditions`` ((where, text) of each ``if:`` that
    applies) and the build's ``branches:`` filter; None when nothing narrows it."""
    parsed: list[Cond] = []
    shown: list[str] = []
    unread: list[str] = []
    for where, text in conditions:
        cond = parse_expression(text)
        shown.append(f"{where} if: {text}")
        if cond is None:
            unread.append(text)
        else:
            parsed.append(cond)
    filter_, filter_shown = _branches(branches)
    if filter_ is not None:
        parsed.append(filter_)
        shown.append(filter_shown)
    if not shown:
        return None
    holds = judge(parsed, _atom, bool(unread))

    said = "; ".join(shown)
    text = " ".join(t for _, t in conditions)
    extras = [Trigger(event, line) for event, pattern in _MENTIONS if pattern.search(text)]
    return narrowed(base, extras, holds, said)
