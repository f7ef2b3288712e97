"""When a GitHub Actions job runs: the workflow's ``on:`` events, narrowed by the job's
``if:`` (and the jobs it needs), as GitHub documents them.

An ``if:`` is evaluated once per kind of run the workflow has (a push to the default
branch, a tag push, a pull request, each schedule, a manual run), with what GitHub sets
for that kind of run (``github.event_name``, ``github.ref``, ``github.ref_type``,
``github.base_ref``). Three-valued: what only the running workflow knows (inputs,
variables, the event's payload, a branch name the file does not give) is UNKNOWN, and a
job whose condition is UNKNOWN is counted as running, said so in its basis.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from xops_lens.formats._exprcursor import Cursor, ExprError, Token, tokenize
from xops_lens.model import Trigger

UNKNOWN: Any = object()
PR_EVENTS = frozenset({"pull_request", "pull_request_target"})
DEFAULT_BRANCHES = ("main", "master")  # names a default branch is taken to have
ALWAYS = re.compile(r"\b(always|failure|cancelled)\s*\(")  # runs although a need was skipped


@dataclass(frozen=True)
class Partial:
    """A string known to start with ``prefix``, equal to one of ``equal`` if any is
    compared, else of unknown rest (a ref whose branch or tag name the file cannot tell)."""

    prefix: str
    equal: frozenset[str] = frozenset()


_TOKEN = re.compile(r"""\s*(?:
      (?P<str>'(?:[^']|'')*')
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<op>==|!=|<=|>=|&&|\|\||[!<>(),])
    | (?P<name>[A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_\-*]+|\[[^\]]*\])*)
    )""", re.VERBOSE)


def _truth(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, Partial):
        return True
    return bool(value)


def _not(value: Any) -> Any:
    truth = _truth(value)
    return UNKNOWN if truth is UNKNOWN else not truth


def _equal(left: Any, right: Any) -> Any:
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    if isinstance(right, Partial):
        left, right = right, left
    if isinstance(left, Partial):
        if not isinstance(right, str):
            return False
        text = right.casefold()
        if not text.startswith(left.prefix.casefold()):
            return False
        return True if text in {e.casefold() for e in left.equal} else UNKNOWN
    if left is None or right is None:
        return UNKNOWN if (left is None) != (right is None) else True
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    return left == right


def _starts(value: Any, text: Any) -> Any:
    if value is UNKNOWN or text is UNKNOWN or not isinstance(text, str):
        return UNKNOWN
    text = text.casefold()
    if isinstance(value, Partial):
        prefix = value.prefix.casefold()
        if prefix.startswith(text):
            return True
        return UNKNOWN if text.startswith(prefix) else False
    if isinstance(value, str):
        return value.casefold().startswith(text)
    return UNKNOWN


def _contains(value: Any, text: Any) -> Any:
    if value is UNKNOWN or text is UNKNOWN or not isinstance(text, str):
        return UNKNOWN
    if isinstance(value, Partial):
        return True if text.casefold() in value.prefix.casefold() else UNKNOWN
    if isinstance(value, str):
        return text.casefold() in value.casefold()
    return UNKNOWN


def _either(values: list[Any]) -> Any:
    truths = [_truth(v) for v in values]
    return True if True in truths else UNKNOWN if UNKNOWN in truths else False


def _both(values: list[Any]) -> Any:
    truths = [_truth(v) for v in values]
    return False if False in truths else UNKNOWN if UNKNOWN in truths else True


class _Parser(Cursor):
    """GitHub's expression syntax, evaluated as it is read against ``context``."""

    def __init__(self, tokens: list[Token], context: dict[str, Any]) -> None:
        super().__init__(tokens)
        self.context = context

    either = staticmethod(_either)
    both = staticmethod(_both)

    def term(self) -> Any:
        left = self._unary()
        op = self.take("==", "!=", "<", ">", "<=", ">=")
        if op is None:
            return left
        right = self._unary()
        if op == "==":
            return _equal(left, right)
        if op == "!=":
            return _not(_equal(left, right))
        return UNKNOWN

    def _unary(self) -> Any:
        if self.take("!"):
            return _not(self.nested(self._unary))
        if self.take("("):
            return self.group()
        kind, text = self.advance()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if kind != "name":
            raise ExprError(f"unexpected {text}")
        if self.take("("):
            return self._call(text)
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "null":
            return None
        return self.context.get(lowered, UNKNOWN)

    def _call(self, name: str) -> Any:
        args: list[Any] = []
        if self.peek() != ("op", ")"):
            args.append(self.nested(self.expr))
            while self.take(","):
                args.append(self.nested(self.expr))
        if self.advance() != ("op", ")"):
            raise ExprError("unclosed call")
        return self._function(name.lower(), args)

    def _function(self, function: str, args: list[Any]) -> Any:
        """The value of a call of ``function`` (lower case) with ``args``."""
        if function in ("success", "always"):
            return True
        if function in ("failure", "cancelled"):
            return False  # only after a failure or a cancellation: not a run of its own
        if function == "startswith" and len(args) == 2:
            return _starts(args[0], args[1])
        if function == "contains" and len(args) == 2:
            return _contains(args[0], args[1])
        return UNKNOWN


def evaluate(condition: str, context: dict[str, Any]) -> Any:
    """True, False or UNKNOWN for an ``if:`` expression (with or without ``${{ }}``)."""
    text = condition.strip()
    if text.startswith("${{") and text.endswith("}}") and text.count("${{") == 1:
        text = text[3:-2]
    elif "${{" in text:
        return UNKNOWN
    try:
        return _truth(_Parser(tokenize(_TOKEN, text), context).parse())
    except ExprError:
        return UNKNOWN


@dataclass(frozen=True)
class Scenario:
    """One kind of run of the workflow, and what GitHub sets for it."""

    trigger: Trigger
    context: dict[str, Any]
    implied: bool = False  # tag pushes of an unfiltered push trigger


def _context(event: str, ref: Any, ref_type: Any, ref_name: Any,
             pull_request: bool) -> dict[str, Any]:
    return {
        "github.event_name": event,
        "github.ref": ref,
        "github.ref_type": ref_type,
        "github.ref_name": ref_name,
        "github.base_ref": Partial("") if pull_request else "",
        "github.head_ref": Partial("") if pull_request else "",
        # present in pull request runs only; null (false) in the others
        "github.event.pull_request": UNKNOWN if pull_request else None,
    }


_BRANCH_REF = Partial("refs/heads/", frozenset(f"refs/heads/{b}" for b in DEFAULT_BRANCHES))
_BRANCH_NAME = Partial("", frozenset(DEFAULT_BRANCHES))
_TAG_REF = Partial("refs/tags/")


def scenarios(triggers: Sequence[Trigger], unfiltered_push: bool) -> list[Scenario]:
    """The kinds of run of a workflow with these triggers (workflow_call excluded: the
    caller's event is not known here)."""
    out: list[Scenario] = []
    seen: set[str] = set()
    for trigger in triggers:
        event = trigger.event
        if event != "schedule" and event in seen:
            continue
        seen.add(event)
        if event == "push":
            out.append(Scenario(trigger, _context("push", _BRANCH_REF, "branch", _BRANCH_NAME,
                                                  False)))
            if unfiltered_push:
                # GitHub runs an unfiltered push workflow for tag pushes too.
                out.append(Scenario(Trigger("tag", trigger.line), _context(
                    "push", _TAG_REF, "tag", Partial(""), False), implied=True))
        elif event == "tag":
            out.append(Scenario(trigger, _context("push", _TAG_REF, "tag", Partial(""), False)))
        elif event in PR_EVENTS:
            out.append(Scenario(trigger, _context(event, Partial("refs/pull/"), "branch",
                                                  Partial(""), True)))
        elif event == "schedule":
            out.append(Scenario(trigger, _context("schedule", _BRANCH_REF, "branch",
                                                  _BRANCH_NAME, False)))
        elif event == "workflow_call":
            continue
        else:
            out.append(Scenario(trigger, _context(event, UNKNOWN, UNKNOWN, UNKNOWN, False)))
    return out


def _condition_text(condition: str) -> str:
    text = " ".join(condition.split())
    return text if len(text) <= 120 else text[:117] + "..."


def job_triggers(condition: str | None, cases: Sequence[Scenario], called: bool
                 ) -> tuple[Trigger, ...] | None:
    """A job's own triggers under its ``if:``; None when it has none (every trigger of
    the workflow)."""
    if condition is None or not condition.strip():
        return None
    shown = _condition_text(condition)
    results = [(case, evaluate(condition, case.context)) for case in cases]
    pushes = any(r is not False for case, r in results
                 if case.trigger.event == "push" and not case.implied)
    found: list[Trigger] = []
    for case, result in results:
        if result is False or (case.implied and pushes):
            continue
        why = f"job if: {shown}"
        if result is UNKNOWN:
            why += " (not decidable from the file: counted as running)"
        if case.implied:
            why += "; tag pushes of the unfiltered push trigger"
        t = case.trigger
        found.append(Trigger(t.event, t.line, t.cron, t.types, why))
    if called:
        found.append(Trigger("workflow_call", 1, condition=f"job if: {shown}"))
    return tuple(found)


def narrow_by_needs(own: dict[str, tuple[Trigger, ...] | None],
                    needs: dict[str, tuple[str, ...]], conditions: dict[str, str | None]
                    ) -> dict[str, tuple[Trigger, ...] | None]:
    """A job is skipped when a job it needs was skipped (unless its condition says
    always(), failure() or cancelled()): its runs are within those of its needs."""
    result = dict(own)
    for _ in range(len(result) + 1):
        changed = False
        for job, needed in needs.items():
            if ALWAYS.search(conditions.get(job) or ""):
                continue
            mine = result.get(job)
            for need in needed:
                theirs = result.get(need)
                if theirs is None or need == job:
                    continue
                if mine is None:
                    mine = tuple(Trigger(t.event, t.line, t.cron, t.types,
                                         f"runs after job {need}"
                                         + (f" ({t.condition})" if t.condition else ""),
                                         t.times) for t in theirs)
                    changed = True
                    continue
                allowed = {(t.event, t.cron) for t in theirs}
                narrowed = tuple(t for t in mine if (t.event, t.cron) in allowed)
                if len(narrowed) != len(mine):
                    mine, changed = narrowed, True
            result[job] = mine
        if not changed:
            break
    return result


_FAILURE = re.compile(r"\bfailure\s*\(\s*\)")


def step_fields(condition: str, cases: Sequence[Scenario]) -> dict[str, Any]:
    """A step's ``if:`` as the cost model reads it (``Step.events``, ``outcome``,
    ``when``): the kinds of run it holds in, and ``failure()`` as running after a
    failure only; empty when it holds in every run."""
    text = condition.strip()
    if not text or not cases:
        return {}
    outcome = None
    if _FAILURE.search(text):
        outcome, text = "failure", _FAILURE.sub("true", text)
    results = [(case, evaluate(text, case.context)) for case in cases]
    events = tuple(dict.fromkeys(case.trigger.event for case, result in results
                                 if result is not False))
    every = tuple(dict.fromkeys(case.trigger.event for case in cases))
    undecided = any(result is UNKNOWN for _, result in results)
    if outcome is None and events == every and not undecided:
        return {}
    when = f"step if: {_condition_text(condition)}"
    if undecided:
        when += " (not decidable from the file: counted as running)"
    return {"events": None if events == every else events, "outcome": outcome,
            "when": when}
