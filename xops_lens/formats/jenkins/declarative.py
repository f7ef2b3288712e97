"""Declarative ``pipeline { }``: agents, stages (sequential, parallel, matrix), the
``input`` directive, ``steps`` and ``post`` blocks.

A stage with steps (or post steps, or an ``input`` gate) is a job; a stage that only
groups others (``stages``, ``parallel``, ``matrix``) passes its agent and matrix width
down to them.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import TYPE_CHECKING

from xops_lens.formats.jenkins.groovy import Group, Node, Token, statements
from xops_lens.formats.jenkins.steps import (
    Call,
    first_literal,
    literal,
    named_args,
    parse_call,
    positional_args,
    span,
)
from xops_lens.formats.jenkins.when import read as read_when

if TYPE_CHECKING:
    from xops_lens.formats.jenkins.walk import Ctx, JobBuilder, Walker

POST_JOB = "post"


def _calls(walker: Walker, closure: Group) -> list[Call]:
    found: list[Call] = []
    for stmt in statements(closure.items):
        parsed = parse_call(stmt, 0)
        if parsed is not None:
            found.append(parsed[0])
    return found


def _strings(nodes: list[Node], limit: int = 10_000) -> list[Token]:
    """String literals anywhere inside ``nodes``, in order (iteratively)."""
    out: list[Token] = []
    stack: list[list[Node]] = [nodes]
    while stack and len(out) < limit:
        current = stack.pop()
        for node in reversed(current):
            if isinstance(node, Group):
                stack.append(node.items)
        out.extend(n for n in current if isinstance(n, Token) and n.kind == "str")
    return out


def agent_of(walker: Walker, call: Call) -> str | None:
    named = named_args(call)
    if "label" in named:
        return literal(named["label"])
    positional = positional_args(call)
    if positional and not call.closure:
        word = span(walker.text, positional[0])
        return None if word == "none" else word
    if call.closure is None:
        return None
    inner = {c.name for c in _calls(walker, call.closure)}
    for special in ("kubernetes", "dockerfile"):
        if special in inner:
            return special
    strings = _strings(call.closure.items, 1)
    return strings[0].value if strings else span(walker.text, call.closure.items) or None


def declarative(walker: Walker, closure: Group, ctx: Ctx) -> None:
    sections = _calls(walker, closure)
    runner = ctx.runner
    for section in sections:
        if section.name == "agent":
            runner = agent_of(walker, section)
    for section in sections:
        if section.closure is None:
            continue
        if section.name == "stages":
            stages(walker, section.closure, ctx.inner(runner=runner, kind="stage"), 1)
        elif section.name == "post":
            job = walker.job(POST_JOB, section.line, runner)
            post(walker, section.closure, ctx.inner(job=job, runner=runner, kind="stage"))


def stages(walker: Walker, closure: Group, ctx: Ctx, matrix: int) -> None:
    for call in _calls(walker, closure):
        if call.name == "stage":
            stage(walker, call, ctx, matrix)


def stage(walker: Walker, call: Call, ctx: Ctx, matrix: int) -> None:
    name = first_literal(call) or span(walker.text, list(call.args)) or "stage"
    if call.closure is None:
        return
    sections = _calls(walker, call.closure)
    runner = ctx.runner
    for section in sections:
        if section.name == "agent":
            runner = agent_of(walker, section) or runner
    job: JobBuilder = walker.job(name, call.line, runner)
    job.matrix = matrix
    if ctx.kind == "stage" and ctx.job is not None:
        job.when = list(ctx.job.when)  # a parent stage's when decides its stages too
    for section in sections:
        if section.name == "when" and section.closure is not None:
            job.when.append(read_when(walker, section.closure))
    inner = ctx.inner(job=job, runner=runner, kind="stage")
    for section in sections:
        body = section.closure
        if section.name == "input" and (body is not None or section.args):
            job.manual = True
            job.notes.append("waits for a person to answer its input")
        elif body is None:
            continue
        elif section.name == "steps":
            walker.block(body.items, inner)
        elif section.name == "post":
            post(walker, body, inner)
        elif section.name in ("stages", "parallel"):
            stages(walker, body, inner, matrix)
        elif section.name == "matrix":
            matrix_stage(walker, body, inner, matrix)


# When a post condition's block runs (Jenkins' documented post conditions): after a
# failure (failure, unstable: failed tests, unsuccessful, and the build-status changes
# that follow or precede one), after a success, in no counted run (aborted), or always.
POST_OUTCOMES = {"failure": "failure", "unstable": "failure", "unsuccessful": "failure",
                 "changed": "failure", "fixed": "failure", "regression": "failure",
                 "success": "success", "aborted": "never", "notBuilt": "never"}


def post(walker: Walker, closure: Group, ctx: Ctx) -> None:
    for condition in _calls(walker, closure):
        if condition.closure is not None:
            job = ctx.job or walker.top
            start = len(job.steps)
            walker.block(condition.closure.items, ctx.inner())
            outcome = POST_OUTCOMES.get(condition.name)
            if outcome is not None:
                job.steps[start:] = [replace(step, outcome=outcome,
                                             when=f"post {condition.name}")
                                     for step in job.steps[start:]]


# Past this many combinations the matrix is counted without listing them.
MAX_LISTED_COMBINATIONS = 10_000


def matrix_stage(walker: Walker, closure: Group, ctx: Ctx, outer: int) -> None:
    sections = _calls(walker, closure)
    width = _matrix_width(walker, sections) * outer
    runner = ctx.runner
    for section in sections:
        if section.name == "agent":
            runner = agent_of(walker, section) or runner
    inner = ctx.inner(runner=runner)
    for section in sections:
        if section.name == "stages" and section.closure is not None:
            stages(walker, section.closure, inner, width)
        elif section.name == "post" and section.closure is not None:
            post(walker, section.closure, inner)


def _axis(walker: Walker, axis: Group) -> tuple[str, str, list[str]]:
    """``axis { name 'X'; values 'a', 'b' }`` as ("X", "values", ["a", "b"]) (or
    "notValues" in an exclude); a value that is not a literal keeps its source text."""
    name, keyword, values = "", "values", []
    for call in _calls(walker, axis):
        if call.name == "name":
            name = next((literal(arg) or span(walker.text, arg)
                         for arg in positional_args(call)), "")
        elif call.name in ("values", "notValues"):
            keyword = call.name
            values = [literal(arg) or span(walker.text, arg) for arg in positional_args(call)]
    return name, keyword, values


def _matrix_width(walker: Walker, sections: list[Call]) -> int:
    """The combinations of a matrix's axes that its excludes leave.

    An exclude removes the combinations matching all of its axes (``values`` or
    ``notValues``); an axis it does not name matches any value, and a combination that
    several excludes match is removed once, as Jenkins does."""
    axes: list[tuple[str, list[str]]] = []
    for section in sections:
        if section.name == "axes" and section.closure is not None:
            for call in _calls(walker, section.closure):
                if call.name == "axis" and call.closure is not None:
                    name, _, values = _axis(walker, call.closure)
                    axes.append((name, values or [""]))
    excludes: list[dict[str, tuple[bool, set[str]]]] = []
    for section in sections:
        if section.name == "excludes" and section.closure is not None:
            for exclude in _calls(walker, section.closure):
                if exclude.name != "exclude" or exclude.closure is None:
                    continue
                rule: dict[str, tuple[bool, set[str]]] = {}
                for call in _calls(walker, exclude.closure):
                    if call.name == "axis" and call.closure is not None:
                        name, keyword, values = _axis(walker, call.closure)
                        rule[name] = (keyword == "values", set(values))
                if rule:
                    excludes.append(rule)
    size = 1
    for _, values in axes:
        size *= len(values)
    if not excludes or size > MAX_LISTED_COMBINATIONS:
        return max(1, size)
    names = [name for name, _ in axes]
    kept = 0
    for combination in itertools.product(*(values for _, values in axes)):
        chosen = dict(zip(names, combination, strict=True))
        if not any(all(name in chosen and (chosen[name] in values) == matching
                       for name, (matching, values) in rule.items())
                   for rule in excludes):
            kept += 1
    return max(1, kept)
