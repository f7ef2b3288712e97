"""Declarative ``when { }`` on a stage (and on the stages around it) evaluated per kind
of run, as Jenkins documents it for multibranch pipelines: ``BRANCH_NAME`` is the branch
built, ``PR-<n>`` for a change request and the tag's name for a tag build; ``branch``
compares it (GLOB by default, EQUALS, REGEXP), ``tag``/``buildingTag`` hold in tag
builds, ``changeRequest`` in change request builds, ``triggeredBy`` by the build's cause.
Conditions on the build's state (``environment``, ``expression``, ``equals``,
``changelog``, ``changeset``) are not known from the file: counted as running, and said.
Several conditions in one ``when`` must all hold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xops_lens.formats.jenkins.groovy import Group
from xops_lens.formats._runconds import (
    Cond,
    evaluate,
    is_default,
    narrowed,
    regex_default,
    regex_search,
)
from xops_lens.formats.jenkins.steps import literal, named_args, positional_args, span
from xops_lens.globmatch import compile_glob
from xops_lens.model import Trigger

if TYPE_CHECKING:
    from xops_lens.formats.jenkins.walk import Walker

# Options of the `when` block itself, not conditions.
OPTIONS = frozenset({"beforeAgent", "beforeInput", "beforeOptions"})
SHOWN = 200  # characters of a when block shown in the basis
PR_NAMES = ("PR-1", "PR-99999")  # a change request's BRANCH_NAME, its number unknown
CAUSES = (("TimerTrigger", "schedule"), ("cron", "schedule"), ("UserIdCause", "api"),
          ("SCMTrigger", "poll"))
ON_BRANCH = frozenset({"push", "schedule", "poll", "upstream", "api"})
DEPTH = 30


def read(walker: Walker, closure: Group) -> tuple[Cond, str]:
    """The ``when`` block as one condition (all its conditions), and its text."""
    text = " ".join(span(walker.text, closure.items).split())
    if len(text) > SHOWN:
        text = text[:SHOWN - 3] + "..."
    return Cond("and", tuple(_conds(walker, closure, 0))), f"when {{ {text} }}"


def _conds(walker: Walker, closure: Group, depth: int) -> list[Cond]:
    from xops_lens.formats.jenkins.declarative import _calls

    out: list[Cond] = []
    for call in _calls(walker, closure):
        if call.name in OPTIONS:
            continue
        if call.name in ("not", "allOf", "anyOf"):
            if call.closure is None or depth > DEPTH:
                out.append(Cond("atom", atom=("unknown", call.name)))
                continue
            inner = tuple(_conds(walker, call.closure, depth + 1))
            op = {"not": "not", "allOf": "and", "anyOf": "or"}[call.name]
            if op == "not":
                inner = (Cond("and", inner),)
            out.append(Cond(op, inner))
            continue
        named = {k: literal(v) for k, v in named_args(call).items()}
        first = next((literal(a) for a in positional_args(call)), None)
        if call.name in ("branch", "tag"):
            pattern = named.get("pattern", first)
            comparator = (named.get("comparator") or "GLOB").upper()
            out.append(Cond("atom", atom=(call.name, pattern, comparator)))
        elif call.name == "buildingTag":
            out.append(Cond("atom", atom=("tag", None, "GLOB")))
        elif call.name == "changeRequest":
            target = named.pop("target", None)
            out.append(Cond("atom", atom=("changeRequest", target, bool(named))))
        elif call.name == "triggeredBy":
            cause = named.get("cause", first) or ""
            event = next((e for name, e in CAUSES if name in cause), None)
            out.append(Cond("atom", atom=("triggeredBy", event)))
        else:
            out.append(Cond("atom", atom=("unknown", call.name)))
    return out


def _matches(pattern: str, comparator: str, name: str) -> bool | None:
    if comparator == "REGEXP":
        return regex_search(f"^(?:{pattern})$", name)
    if comparator == "EQUALS":
        return pattern == name
    return compile_glob(pattern, double_star_crosses=True).fullmatch(name) is not None


def _branch(pattern: str | None, comparator: str, event: str) -> bool | None:
    if pattern is None:
        return None
    if event in ON_BRANCH:
        if comparator == "REGEXP":
            return regex_default(f"^(?:{pattern})$")
        return is_default(pattern, glob=comparator == "GLOB")
    if event == "pull_request":
        found = [_matches(pattern, comparator, name) for name in PR_NAMES]
        return None if None in found or len(set(found)) > 1 else found[0]
    # a tag build: BRANCH_NAME is the tag's name, which the file does not give
    if pattern.strip("*") == "" and comparator == "GLOB":
        return True
    return False if is_default(pattern) else None


def _atom(atom: object, event: str) -> bool | None:
    assert isinstance(atom, tuple)
    kind = atom[0]
    if kind == "branch":
        return _branch(atom[1], atom[2], event)
    if kind == "tag":  # any release tag taken to match the pattern
        return event == "tag"
    if kind == "changeRequest":
        if event != "pull_request":
            return False
        target, other = atom[1], atom[2]
        if other or (target is not None and not is_default(target)):
            return None
        return True
    if kind == "triggeredBy":
        return None if atom[1] is None else event == atom[1]
    return None


def _kinds(cond: Cond) -> set[str]:
    if cond.op == "atom":
        atom = cond.atom
        assert isinstance(atom, tuple)
        if atom[0] == "triggeredBy":
            return {atom[1]} if atom[1] else set()
        return {atom[0]}
    return set().union(*(_kinds(part) for part in cond.parts)) if cond.parts else set()


_EXTRAS = {"tag": "tag", "changeRequest": "pull_request", "schedule": "schedule", "api": "api"}


def stage_triggers(base: tuple[Trigger, ...], whens: list[tuple[Cond, str]],
                   line: int) -> tuple[Trigger, ...]:
    """A stage's own triggers under its and its enclosing stages' ``when`` blocks."""
    whole = Cond("and", tuple(cond for cond, _ in whens))
    kinds = _kinds(whole)
    extras = [Trigger(event, line) for kind, event in _EXTRAS.items() if kind in kinds]
    return narrowed(base, extras, lambda event: evaluate(whole, event, _atom),
                    "; ".join(text for _, text in whens))

