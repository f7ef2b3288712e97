"""Conditions that decide in which kinds of run a job runs (Travis ``if:``, Buildkite
``if:``/``branches:``, Cirrus ``only_if:``/``skip:``, Jenkins ``when { }``), read as a
small boolean tree and evaluated per kind of run, three-valued: True, False, or None
when the file cannot tell (counted as running, and said in the basis).

Kinds of run: ``push`` (to the default branch, taken to be main or master),
``pull_request`` (targeting it), ``tag``, ``schedule`` and ``api`` (started by hand).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from xops_lens.formats._exprcursor import Cursor, ExprError, Token, tokenize
from xops_lens.formats._re2 import compile_pattern
from xops_lens.globmatch import compile_glob
from xops_lens.model import Trigger

DEFAULT_BRANCHES = ("main", "master")
UNDECIDED = "cannot be decided from the file: counted as running"
MAX_TEXT = 2000  # longer conditions are not read (counted as running)


@dataclass(frozen=True, slots=True)
class Cond:
    """``op`` is and/or/not (over ``parts``) or atom (``atom``: the format's own)."""

    op: str
    parts: tuple[Cond, ...] = ()
    atom: object = None


Atom = Callable[[object, str], "bool | None"]


def evaluate(cond: Cond, event: str, atom: Atom) -> bool | None:
    if cond.op == "atom":
        return atom(cond.atom, event)
    values = [evaluate(part, event, atom) for part in cond.parts]
    if cond.op == "not":
        return None if values[0] is None else not values[0]
    if cond.op == "and":
        return False if False in values else (None if None in values else True)
    return True if True in values else (None if None in values else False)


def judge(parts: Sequence[Cond], atom: Atom, unread: bool) -> Callable[[str], bool | None]:
    """Per kind of run, whether all of ``parts`` hold; a part the file does not let us
    read (``unread``) leaves every run it does not rule out undecided."""
    whole = Cond("and", tuple(parts))

    def holds(event: str) -> bool | None:
        verdict = evaluate(whole, event, atom)
        return None if unread and verdict is not False else verdict

    return holds


def is_default(pattern: str, glob: bool = False) -> bool:
    """Whether a branch name (or glob) names the default branch."""
    if glob:
        return any(compile_glob(pattern, double_star_crosses=True).fullmatch(b)
                   for b in DEFAULT_BRANCHES)
    return pattern in DEFAULT_BRANCHES


def regex_search(pattern: str, value: str) -> bool | None:
    """A regular expression written in the file, searched with RE2 (linear time,
    whatever a stranger wrote); None when it cannot be evaluated here."""
    compiled = compile_pattern(pattern)
    return None if compiled is None else compiled.search(value) is not None


def regex_default(pattern: str) -> bool | None:
    """Whether a regular expression matches the default branch (None: not readable)."""
    found = [regex_search(pattern, b) for b in DEFAULT_BRANCHES]
    return None if None in found else any(found)


# Expressions: quoted strings, /regex/, operators, words (a call such as env(X) or
# changesInclude('a') kept whole). No nested quantifiers: linear on untrusted text.
_TOKEN = re.compile(r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
                    r"""|(?P<op>&&|\|\||==|!=|=~|!~|=|!|\(|\)|,)"""
                    r"""|(?P<re>/(?:[^/\\\s]|\\.)*/[a-z]*)"""
                    r"""|(?P<word>[^\s()!=,&|~'"]+(?:\([^()]*\))?))""")


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right`` as written (op None: a bare operand); strings unquoted,
    ``/re/`` kept with its slashes; ``right`` a tuple for ``IN (...)``."""

    left: str
    op: str | None = None
    right: str | tuple[str, ...] | None = None


def _tokens(text: str) -> list[Token]:
    out: list[Token] = []
    for kind, value in tokenize(_TOKEN, text):
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif kind == "word" and value.upper() in ("AND", "OR", "NOT", "IS", "IN"):
            kind, value = "op", value.upper()
        out.append((kind, value))
    return out


class _Parser(Cursor):
    OR = ("||", "OR")
    AND = ("&&", "AND")

    def either(self, values: list[Any]) -> Cond:
        return Cond("or", tuple(values))

    def both(self, values: list[Any]) -> Cond:
        return Cond("and", tuple(values))

    def term(self) -> Cond:
        if self.take("!", "NOT"):
            return Cond("not", (self.nested(self.term),))
        if self.take("("):
            return self.group()
        return Cond("atom", atom=self.compare())

    def operand(self) -> str:
        token = self.peek()
        if token is None or token[0] == "op":
            raise ExprError(f"expected a value, found {token}")
        self.pos += 1
        return token[1]

    def compare(self) -> Compare:
        left = self.operand()
        if self.take("IS"):
            negated = self.take("NOT") is not None
            word = self.operand().lower()
            return Compare(left, f"IS {'NOT ' if negated else ''}{word}")
        negated = False
        if self.peek() == ("op", "NOT") and self.peek(1) == ("op", "IN"):
            self.pos += 1
            negated = True
        if self.take("IN"):
            if not self.take("("):
                raise ExprError("IN without a list")
            items: list[str] = []
            while not self.take(")"):
                items.append(self.operand())
                self.take(",")
            return Compare(left, "NOT IN" if negated else "IN", tuple(items))
        op = self.take("==", "!=", "=~", "!~", "=")
        if op:
            return Compare(left, "==" if op == "=" else op, self.operand())
        return Compare(left)


def parse_expression(text: str) -> Cond | None:
    """The condition's tree; None when it is not readable (counted as running)."""
    if len(text) > MAX_TEXT:
        return None
    try:
        return _Parser(_tokens(text)).parse()
    except ExprError:
        return None


def compare_text(value: str | None, op: str, right: str | tuple[str, ...] | None) -> bool | None:
    """A comparison of a known value (None: unset) with ``right``; /re/ or ~ ops as
    regular expressions. None when a regular expression cannot be read."""
    if op in ("IN", "NOT IN"):
        found = value in (right or ())
        return found if op == "IN" else not found
    if op in ("=~", "!~"):
        pattern = str(right or "")
        if len(pattern) >= 2 and pattern.startswith("/"):
            pattern = pattern[1:pattern.rfind("/")] or pattern
        found = False if value is None else regex_search(pattern, value)
        if found is None:
            return None
        return found if op == "=~" else not found
    equal = (value or "") == (right or "")
    return equal if op == "==" else not equal


def narrowed(base: Sequence[Trigger], extras: Sequence[Trigger],
             holds: Callable[[str], bool | None], shown: str) -> tuple[Trigger, ...]:
    """A job's own triggers: the pipeline's (``base``) whose kind of run its condition
    does not rule out, then ``extras`` (kinds of run the pipeline's triggers do not
    count, such as tag builds) where the condition asks for them and holds."""
    out: list[Trigger] = []
    seen: set[str] = set()
    for trigger in base:
        verdict = holds(trigger.event)
        if verdict is False:
            continue
        said = shown if verdict else f"{shown}: {UNDECIDED}"
        out.append(replace(trigger, condition=said))
        seen.add(trigger.event)
    for trigger in extras:
        if trigger.event not in seen and holds(trigger.event) is True:
            out.append(replace(trigger, condition=shown))
            seen.add(trigger.event)
    return tuple(out)
