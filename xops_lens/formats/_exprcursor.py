"""The walk over a CI condition's tokens that the formats' expression readers share
(GitHub and Azure ``if:``/``condition:``, GitLab ``rules: if:``, and the Travis,
Buildkite and Cirrus conditions of ``_runconds``): cutting the text into tokens, the
``||`` and ``&&`` loops, parentheses, and one bound on nesting, so that a stranger's
file cannot exhaust the stack whichever format it is written in. Each reader keeps its
own tokens, operands and values (three-valued truths, a tree of conditions, ...)."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar

Token = tuple[str, str]  # (kind: the name of the token pattern's group, text)
T = TypeVar("T")


class ExprError(ValueError):
    """The condition cannot be read; each format then counts it as undecided."""


def tokenize(pattern: re.Pattern[str], text: str) -> list[Token]:
    """``text`` cut by ``pattern``: alternatives that are named groups, each starting
    with ``\\s*``; anything it does not match makes the whole text unreadable."""
    out: list[Token] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        match = pattern.match(text, pos)
        if match is None or match.end() == pos:
            raise ExprError(text[pos:pos + 20])
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class Cursor(ABC):
    """``a || b && (c)`` with ``&&`` binding tighter; ``term`` is the format's own
    operand (a comparison, a negation, a call), ``either``/``both`` its own meaning
    of ``||``/``&&`` over two or more values."""

    OR: tuple[str, ...] = ("||",)
    AND: tuple[str, ...] = ("&&",)
    # Nesting (parentheses, negations, calls) deeper than this is not read: real
    # conditions nest a few levels; a hostile one recursed past the stack, here or
    # later in walking the tree, and lost the whole file.
    MAX_DEPTH = 50

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens, self.pos, self.depth = tokens, 0, 0

    def parse(self) -> Any:
        """The whole condition's value; every token must belong to it."""
        value = self.expr()
        if self.pos != len(self.tokens):
            raise ExprError("trailing tokens")
        return value

    def peek(self, ahead: int = 0) -> Token | None:
        at = self.pos + ahead
        return self.tokens[at] if at < len(self.tokens) else None

    def advance(self) -> Token:
        token = self.peek()
        if token is None:
            raise ExprError("unexpected end")
        self.pos += 1
        return token

    def take(self, *ops: str) -> str | None:
        """The next token if it is one of the operators ``ops`` (consumed), else None."""
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in ops:
            self.pos += 1
            return token[1]
        return None

    def expr(self) -> Any:
        values = [self.conj()]
        while self.take(*self.OR):
            values.append(self.conj())
        return values[0] if len(values) == 1 else self.either(values)

    def conj(self) -> Any:
        values = [self.term()]
        while self.take(*self.AND):
            values.append(self.term())
        return values[0] if len(values) == 1 else self.both(values)

    def nested(self, parse: Callable[[], T]) -> T:
        """``parse`` one level deeper (in parentheses, after a negation, a call's
        argument)."""
        if self.depth >= self.MAX_DEPTH:
            raise ExprError("nested too deeply")
        self.depth += 1
        try:
            return parse()
        finally:
            self.depth -= 1

    def group(self) -> Any:
        """What follows an opening parenthesis, up to its closing one."""
        value = self.nested(self.expr)
        if self.take(")") is None:
            raise ExprError("unclosed parenthesis")
        return value

    @abstractmethod
    def term(self) -> Any:
        """One operand of ``&&``."""

    @abstractmethod
    def either(self, values: list[Any]) -> Any:
        """``||`` over two or more values."""

    @abstractmethod
    def both(self, values: list[Any]) -> Any:
        """``&&`` over two or more values."""
