"""Declarative ``pipeline { }``: agents, stages (sequential, parallel, matrix), the
``input`` directive, ``steps`` and ``post`` blocks.

A stage with steps (or post steps, or an ``input`` gate) is a job; a stage that only
groups others (``stages``, ``parallel``, ``matrix``) passes its agent and matrix width
down to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xops_lens.formats._groovy import Group, Node, Token, statements
from xops_lens.formats._jenkins_steps import Call, literal, named_args, positional_args, span

if TYPE_CHECKING:
    from xops_lens.formats._jenkins_walk import Ctx, JobBuilder, Walker

POST_JOB = "post"


def _calls(walker: Walker, closure: Group) -> list[Call]:
    from xops_lens.formats._jenkins_walk import parse_call

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
    from xops_lens.formats._jenkins_walk import _first_literal

    name = _first_literal(call) or span(walker.text, list(call.args)) or "stage"
    if call.closure is None:
        return
    sections = _calls(walker, call.closure)
    runner = ctx.runner
    for section in sections:
        if section.name == "agent":
            runner = agent_of(walker, section) or runner
    job: JobBuilder = walker.job(name, call.line, runner)
    job.matrix = matrix
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
        elif section.name == "when":
            job.notes.append("runs only when its `when` conditions hold")


def post(walker: Walker, closure: Group, ctx: Ctx) -> None:
    for condition in _calls(walker, closure):
        if condition.closure is not None:
            walker.block(condition.closure.items, ctx.inner())


def matrix_stage(walker: Walker, closure: Group, ctx: Ctx, outer: int) -> None:
    sections = _calls(walker, closure)
    size = 1
    for section in sections:
        if section.name == "axes" and section.closure is not None:
            for axis in _calls(walker, section.closure):
                if axis.name == "axis" and axis.closure is not None:
                    size *= max(1, _values(walker, axis.closure))
    excluded = 0
    for section in sections:
        if section.name == "excludes" and section.closure is not None:
            for exclude in _calls(walker, section.closure):
                if exclude.closure is None:
                    continue
                combos = 1
                for axis in _calls(walker, exclude.closure):
                    if axis.name == "axis" and axis.closure is not None:
                        combos *= _values(walker, axis.closure)
                excluded += combos
    width = max(1, size - excluded) * outer
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


def _values(walker: Walker, axis: Group) -> int:
    """How many values an ``axis { name 'X'; values 'a', 'b' }`` has (0 for notValues)."""
    for call in _calls(walker, axis):
        if call.name == "values":
            return len(positional_args(call))
    return 0
