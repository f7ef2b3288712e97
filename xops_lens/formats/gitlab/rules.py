"""Whether a GitLab job's ``rules:`` can make it wait for a person.

Large configurations share one long ``rules:`` list among all jobs and pick branches with
job variables (``- if: $RUN_MANUALLY == "true"`` / ``when: manual``). Calling every job
that shares such a list manual would invent a human gate per job, so rule conditions are
evaluated with three-valued logic: a variable the YAML gives this job is known, a job
variable that only other jobs set is unset, and anything else (predefined CI variables,
project or pipeline variables) is unknown, which may match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from xops_lens.formats._exprcursor import Cursor, ExprError, Token, tokenize
from xops_lens.formats._re2 import compile_pattern
from xops_lens.yamlload import YMap

UNKNOWN: Any = object()  # a value, or a truth, that only the running pipeline knows


class Present:
    """A variable known to be set, to a value only the running pipeline knows (a tag's
    name, a merge request's id); ``names``, when given, are the values it is taken to
    have (the default branch: main or master)."""

    def __init__(self, names: tuple[str, ...] = ()) -> None:
        self.names = names


PRESENT = Present()
DEFAULT_BRANCH = Present(("main", "master"))


def _equal(left: Any, right: Any) -> Any:
    if isinstance(right, Present) and not isinstance(left, Present):
        left, right = right, left
    if isinstance(left, Present):
        if right is None:
            return False
        if left is right and left.names:
            return True
        if left.names and isinstance(right, str):
            return right in left.names
        return UNKNOWN
    return left == right

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<var>\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)
    | (?P<str>"[^"]*"|'[^']*')
    | (?P<regex>/(?:\\.|[^/\\])*/[a-z]*)
    | (?P<null>null\b)
    | (?P<op>==|!=|=~|!~|&&|\|\||\(|\))
    )""", re.VERBOSE)


def _and(values: Iterable[Any]) -> Any:
    result: Any = True
    for value in values:
        if value is False:
            return False
        if value is UNKNOWN:
            result = UNKNOWN
    return result


def _or(values: Iterable[Any]) -> Any:
    result: Any = False
    for value in values:
        if value is True:
            return True
        if value is UNKNOWN:
            result = UNKNOWN
    return result


def _regex_match(value: Any, literal: str) -> Any:
    if value is UNKNOWN:
        return UNKNOWN
    if value is None:
        return False
    if isinstance(value, Present) and not value.names:
        return UNKNOWN
    body, _, flags = literal[1:].rpartition("/")
    pattern = compile_pattern(body, ignore_case="i" in flags)
    if pattern is None:
        return UNKNOWN
    if isinstance(value, Present):
        return any(pattern.search(name) is not None for name in value.names)
    return pattern.search(value) is not None


class _Parser(Cursor):
    """``a || b && (c == "x")`` over the tokens, GitLab's precedence (&& before ||)."""

    def __init__(self, tokens: list[Token], variables: Mapping[str, Any]) -> None:
        super().__init__(tokens)
        self.variables = variables

    either = staticmethod(_or)
    both = staticmethod(_and)

    def term(self) -> Any:
        if self.take("("):
            return self.group()
        kind, left = self._operand()
        op = self.take("==", "!=", "=~", "!~")
        if op is None:
            if kind != "var":
                raise ExprError("a bare literal")
            if isinstance(left, Present):
                return True
            return UNKNOWN if left is UNKNOWN else bool(left)
        right_kind, right = self._operand()
        if op in ("=~", "!~"):
            if right_kind != "regex":
                raise ExprError("=~ needs a /regex/")
            matched = _regex_match(left, right)
            if op == "=~" or matched is UNKNOWN:
                return matched
            return not matched
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        equal = _equal(left, right)
        if equal is UNKNOWN:
            return UNKNOWN
        return equal is (op == "==")

    def _operand(self) -> tuple[str, Any]:
        kind, text = self.advance()
        if kind == "var":
            return kind, self.variables.get(text.strip("${}"), UNKNOWN)
        if kind == "str":
            return kind, text[1:-1]
        if kind == "null":
            return kind, None
        if kind == "regex":
            return kind, text
        raise ExprError(f"unexpected {text}")


def evaluate(condition: str, variables: Mapping[str, Any]) -> Any:
    """True, False or UNKNOWN for a rule's ``if:`` expression."""
    try:
        return _Parser(tokenize(_TOKEN, condition), variables).parse()
    except ExprError:
        return UNKNOWN


def _literal(value: Any) -> Any:
    if isinstance(value, YMap):  # {value: ..., description: ...}
        value = value.get("value")
    if not isinstance(value, str):
        return None if value is None else UNKNOWN
    return UNKNOWN if "$" in value else value


def job_variables(job_id: str, job: YMap, top: YMap, job_only: frozenset[str]) -> dict[str, Any]:
    """What the rules of one job can know about its variables (see the module doc)."""
    known: dict[str, Any] = dict.fromkeys(job_only)  # set by some other job: unset here
    for scope in (top.get("variables"), job.get("variables")):
        if isinstance(scope, YMap):
            known.update((name, _literal(value)) for name, value in scope.items())
    known["CI_JOB_NAME"] = job_id
    stage = job.get("stage")
    known["CI_JOB_STAGE"] = stage if isinstance(stage, str) and "$" not in stage else "test"
    return known


def job_only_variables(top: YMap) -> frozenset[str]:
    """Variables that jobs or templates set and the top level does not."""
    names: set[str] = set()
    for key, value in top.items():
        if key != "variables" and isinstance(value, YMap) and isinstance(value.get("variables"),
                                                                         YMap):
            names.update(value["variables"])
    globals_ = top.get("variables")
    if isinstance(globals_, YMap):
        names.difference_update(globals_)
    return frozenset(names)


def may_be_manual(rules: Iterable[Any], variables: Mapping[str, Any]) -> bool:
    """GitLab uses the first rule that matches: a manual rule counts unless it can never
    match or a rule before it always matches."""
    for rule in rules:
        if not isinstance(rule, YMap):
            continue
        condition = rule.get("if")
        matches: Any = True if condition is None else UNKNOWN
        if isinstance(condition, str):
            matches = evaluate(condition, variables)
        if matches is not False and ("changes" in rule or "exists" in rule):
            matches = UNKNOWN
        if matches is False:
            continue
        when = rule.get("when")
        if isinstance(when, str) and when.strip() == "manual":
            return True
        if matches is True:
            return False
    return False
