"""Walking a Jenkinsfile's statements: declarative sections and scripted code alike.

Jobs are stages (declarative ``stage('x') { }`` or scripted ``stage('x') { }``), a
scripted ``node { }`` outside any stage, each helper function (``def build() { }``: its
steps run where it is called, and the call is a step of the caller whose text includes
them), the pipeline's ``post { }``, and the top level for steps outside all of these.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field, replace
from typing import Any

from xops_lens.errors import ParseError
from xops_lens.formats._yamlshape import command_name
from xops_lens.formats.jenkins.declarative import declarative
from xops_lens.formats.jenkins.groovy import Group, Node, Token, statements
from xops_lens.formats.jenkins.parallel import (
    LOOP_CALLS,
    groups_by_start,
    list_literals,
    loop_width,
    parallel_maps,
)
from xops_lens.formats.jenkins.steps import (
    CHAIN,
    EXPRESSION_STEPS,
    KEYWORDS,
    KIND_HINTS,
    NON_STEP_ROOTS,
    SHELL_STEPS,
    STEP_WRAPPERS,
    WRAPPERS,
    Call,
    first_literal,
    group,
    head_of,
    is_token,
    literal,
    named_args,
    parse_call,
    positional_args,
    script_of,
    source_of,
    span,
)
from xops_lens.model import Job, Step

MAX_DEPTH = 150
# A call of a helper function carries the helper's steps in its text; a helper of 10,000
# steps called 10,000 times would otherwise hold a gigabyte of text (hostile input).
MAX_CALL_TEXT = 2_000
CONDITIONS = frozenset({"always", "success", "failure", "unstable", "changed", "fixed",
                        "regression", "aborted", "cleanup", "unsuccessful", "notBuilt"})


@dataclass
class JobBuilder:
    id: str
    line: int
    runner: str | None = None
    manual: bool = False
    matrix: int = 1
    notes: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    reusable: bool = False  # a helper function: runs where called, never by itself
    # `when { }` blocks of the stage and the stages around it: (condition, as written)
    when: list[tuple[Any, str]] = field(default_factory=list)


@dataclass
class Ctx:
    job: JobBuilder | None
    runner: str | None
    kind: str  # top, node, stage, function, branch
    depth: int = 0
    loop: int = 1  # entries of the literal list an enclosing loop walks

    def inner(self, **changes: Any) -> Ctx:
        values: dict[str, Any] = {"job": self.job, "runner": self.runner, "kind": self.kind,
                                  "depth": self.depth + 1, "loop": self.loop}
        values.update(changes)
        return Ctx(**values)


def _assignment(stmt: list[Node]) -> int | None:
    for index, node in enumerate(stmt):
        if isinstance(node, Token) and node.kind == "op" and node.value in (
                "=", "+=", "-=", "*=", "/=", "<<=", "?="):
            return index
    return None


def _function_def(stmt: list[Node]) -> tuple[str, Group, Group] | None:
    """``def name(params) { body }`` (or with a return type) at statement level."""
    if len(stmt) < 4 or _assignment(stmt) is not None:
        return None
    body, params, name = group(stmt[-1], "{"), group(stmt[-2], "("), stmt[-3]
    before = stmt[-4]
    if body is None or params is None or not is_token(name, "id") \
            or not (is_token(before, "id") or is_token(before, "op", ">")):
        return None
    return name.value, params, body  # type: ignore[union-attr]


class Walker:
    def __init__(self, text: str, path: str, tokens: list[Token]) -> None:
        self.text = text
        self.path = path
        self.jobs: list[JobBuilder] = []
        self.functions: dict[str, JobBuilder] = {}
        self.locals = _local_names(tokens)
        self.top = JobBuilder("(top level)", 1)
        self.notes: list[str] = []
        self.declarative = False
        # scripted `parallel NAME` over a map built in a loop (see jenkins.parallel)
        self.parallel_maps = parallel_maps(tokens)
        self._tokens = tokens
        self.lists: dict[str, int] = {}
        self.parallel_jobs: dict[str, JobBuilder] = {}

    def job(self, job_id: str, line: int, runner: str | None) -> JobBuilder:
        builder = JobBuilder(job_id, line, runner)
        self.jobs.append(builder)
        return builder

    # -- the file ------------------------------------------------------------------------

    def run(self, tree: list[Node]) -> list[Job]:
        if self.parallel_maps:
            self.lists = list_literals(self._tokens, groups_by_start(tree))
        stmts = statements(tree)
        rest: list[list[Node]] = []
        for stmt in stmts:
            found = _function_def(stmt)
            if found is None:
                rest.append(stmt)
                continue
            name, params, _ = found
            self.locals.update(t.value for t in params.items
                               if isinstance(t, Token) and t.kind == "id")
            builder = JobBuilder(f"{name}()", stmt[0].line, reusable=True)
            builder.notes.append("helper function: its steps run where it is called")
            self.functions[name] = builder
        for stmt in stmts:
            found = _function_def(stmt)
            if found is not None:
                builder = self.functions[found[0]]
                self.jobs.append(builder)
                self.block(found[2].items, Ctx(builder, None, "function"))
        self.jobs.append(self.top)
        top = Ctx(self.top, None, "top")
        for stmt in rest:
            self.statement(stmt, top)
        return [
            Job(id=b.id, name=b.id, file=self.path, line=b.line, steps=tuple(b.steps),
                matrix_size=b.matrix, runner=b.runner, manual=b.manual, notes=tuple(b.notes),
                reusable=b.reusable)
            for b in _distinct(self.jobs) if b.steps or b.manual
        ]

    # -- scripted code -------------------------------------------------------------------

    def block(self, items: list[Node], ctx: Ctx) -> None:
        if ctx.depth > MAX_DEPTH:
            raise ParseError(self.path, f"code nested deeper than {MAX_DEPTH} levels",
                             items[0].line if items else None)
        for stmt in statements(_without_params(items)):
            self.statement(stmt, ctx)

    def statement(self, stmt: list[Node], ctx: Ctx) -> None:
        stmt = _strip_labels(stmt)
        if not stmt:
            return
        first = stmt[0]
        word = first.value if isinstance(first, Token) and first.kind == "id" else None
        if isinstance(first, Group) and first.kind == "{" and len(stmt) == 1:
            self.block(first.items, ctx.inner())
        elif word in ("if", "while", "for", "switch", "synchronized", "try", "else", "catch",
                      "finally", "do"):
            self.control(stmt, ctx)
        elif word in ("import", "package", "class", "interface", "enum"):
            return
        elif word in ("return", "throw", "assert"):
            self.expression(stmt[1:], ctx)
        elif _function_def(stmt) is not None:
            body = _function_def(stmt)[2]  # type: ignore[index]
            self.block(body.items, ctx.inner(kind="function"))
        elif (at := _assignment(stmt)) is not None:
            if word in self.parallel_maps and at >= 2 and group(stmt[1], "[") is not None:
                ctx = self.parallel_branch(word, first.line, ctx)  # type: ignore[arg-type]
            self.assigned(stmt[at + 1:], ctx)
        elif word is not None and (parsed := parse_call(stmt, 0)) is not None:
            call, after = parsed
            self.call(call, ctx, statement=True)
            self.expression(stmt[after:], ctx)
        else:
            self.expression(stmt, ctx)

    def control(self, stmt: list[Node], ctx: Ctx) -> None:
        """``if``/``for``/``while``/``try``/``switch`` and their branches, braced or not."""
        i = 0
        while i < len(stmt):
            node = stmt[i]
            paren = group(node, "(")
            brace = group(node, "{")
            if paren is not None:
                self.expression(paren.items, ctx)
                i += 1
            elif brace is not None:
                width = loop_width(stmt, i, self.lists) if self.lists else None
                self.block(brace.items, ctx.inner(loop=width or ctx.loop))
                i += 1
            elif is_token(node, "id") and node.value in (  # type: ignore[union-attr]
                    "if", "while", "for", "switch", "synchronized", "try", "else", "catch",
                    "finally", "do"):
                i += 1
            else:
                # A body without braces runs to the next `else` (or the end).
                end = next((k for k in range(i, len(stmt)) if is_token(stmt[k], "id", "else")),
                           len(stmt))
                self.statement(stmt[i:end], ctx.inner())
                i = end

    def assigned(self, value: list[Node], ctx: Ctx) -> None:
        """The value of an assignment. A known step may be called there in command syntax
        (``def pom = readMavenPom file: 'pom.xml'``), which :meth:`expression` cannot tell
        from a variable followed by more words; other values are expressions."""
        head = value[0] if value else None
        nxt = value[1] if len(value) > 1 else None
        if isinstance(head, Token) and head.kind == "id" and head.value in EXPRESSION_STEPS \
                and nxt is not None and not isinstance(nxt, Group) \
                and not (isinstance(nxt, Token) and nxt.value in CHAIN):
            parsed = parse_call(value, 0)
            if parsed is not None:
                call, after = parsed
                self.call(call, ctx, statement=False)
                self.expression(value[after:], ctx)
                return
        self.expression(value, ctx)

    def expression(self, nodes: list[Node] | tuple[Node, ...], ctx: Ctx) -> None:
        """Closures in an expression are code; calls in it count if they are known steps."""
        i = 0
        nodes = list(nodes)
        while i < len(nodes):
            node = nodes[i]
            if isinstance(node, Group):
                if node.kind == "{":
                    width = loop_width(nodes, i, self.lists) if self.lists else None
                    self.block(node.items, ctx.inner(loop=width or ctx.loop))
                else:
                    self.expression(node.items, ctx.inner())
                i += 1
                continue
            after_dot = i > 0 and isinstance(nodes[i - 1], Token) \
                and nodes[i - 1].value in CHAIN  # type: ignore[union-attr]
            if node.kind == "id" and not after_dot and node.value not in KEYWORDS \
                    and i + 1 < len(nodes) and isinstance(nodes[i + 1], Group):
                parsed = parse_call(nodes, i)
                if parsed is not None:
                    call, after = parsed
                    self.call(call, ctx, statement=False)
                    i = after
                    continue
            i += 1

    def call(self, call: Call, ctx: Ctx, *, statement: bool) -> None:
        name = call.name
        if name == "pipeline" and call.closure is not None and ctx.kind == "top":

            self.declarative = True
            declarative(self, call.closure, ctx)
            return
        if name == "node" and call.closure is not None:
            label = first_literal(call) or span(self.text, list(call.args)) or "any"
            if ctx.kind in ("stage", "function"):
                self.block(call.closure.items, ctx.inner(runner=label))
            else:
                node_job = self.job(f"node {label}", call.line, label)
                self.block(call.closure.items, ctx.inner(job=node_job, runner=label,
                                                         kind="node"))
            return
        if name == "stage":
            stage_name = first_literal(call) or span(self.text, list(call.args)) or "stage"
            stage_job = self.job(stage_name, call.line, ctx.runner)
            if call.closure is not None:
                self.block(call.closure.items, ctx.inner(job=stage_job, kind="stage"))
            else:
                ctx.job, ctx.kind = stage_job, "stage"  # old `stage 'x'` form: until the next
            return
        if name == "parallel":
            self.parallel(call, ctx)
            return
        local = call.root in self.locals or call.root in NON_STEP_ROOTS
        closures = [n for n in call.args if group(n, "{") is not None]
        if call.closure is not None or closures or call.short in WRAPPERS:
            if call.closure is not None and call.name in STEP_WRAPPERS \
                    and ctx.kind != "top" and call.root not in NON_STEP_ROOTS:
                self.add_wrapper(call, ctx)
            self.expression(call.args, ctx)
            if call.closure is not None:
                width = self.lists.get(call.root) if call.name.rsplit(".", 1)[-1] \
                    in LOOP_CALLS else None
                self.block(call.closure.items, ctx.inner(loop=width or ctx.loop))
            return
        helper = self.functions.get(name)
        if "." in name and local or not statement and name not in EXPRESSION_STEPS \
                and helper is None or helper is not None and not helper.steps:
            # A local object's method, a value-computing helper: no step of its own.
            self.expression(call.args, ctx)
            return
        if not statement and "." in name:
            return
        self.add_step(call, ctx)
        self.expression(call.args, ctx)

    def parallel(self, call: Call, ctx: Ctx) -> None:
        branches = named_args(call)
        for key, value in branches.items():
            closure = group(value[0], "{") if len(value) == 1 else None
            if closure is None:
                self.expression(value, ctx)
            elif ctx.kind == "top":
                branch = self.job(key, closure.line, ctx.runner)
                self.block(closure.items, ctx.inner(job=branch, kind="branch"))
            else:
                self.block(closure.items, ctx.inner())
        for part in positional_args(call):
            self.expression(part, ctx)
        if call.closure is not None:
            self.block(call.closure.items, ctx.inner())

    def parallel_branch(self, name: str, line: int, ctx: Ctx) -> Ctx:
        """Where the steps of ``NAME[key] = { }`` go when ``parallel NAME`` runs it: in a
        loop over a known list, a job of their own, as wide as the list."""
        if ctx.loop <= 1:
            return ctx
        job = self.parallel_jobs.get(name)
        if job is None:
            job = self.parallel_jobs[name] = self.job(f"parallel {name}", line, ctx.runner)
            job.notes.append(f"parallel over map {name!r}, built in a loop of {ctx.loop} "
                             f"entries: each branch counted")
        job.matrix = max(job.matrix, ctx.loop)
        return ctx.inner(job=job, kind="stage")

    def add_wrapper(self, call: Call, ctx: Ctx) -> None:
        """A block step (``timeout(..) { }``, ``withCredentials([..]) { }``): a step whose
        text is the call without its body, so that it is judged, and priced, by its own
        effect, the steps of the body being steps of their own. Only inside a node, a
        stage, a parallel branch or a helper: a wrapper around a scripted pipeline's
        nodes (``timestamps { node { } }``) is in no body TAXONOMY counts steps in, and
        would make a job of its own that no agent runs."""
        job = ctx.job or self.top
        inputs = tuple((k, v) for k, nodes in named_args(call).items()
                       if (v := literal(nodes)) is not None)
        job.steps.append(Step(file=self.path, line=call.line, job=job.id, name=call.name,
                              text=head_of(self.text, call), uses=call.name, inputs=inputs))

    def add_step(self, call: Call, ctx: Ctx) -> None:
        job = ctx.job or self.top
        hint = KIND_HINTS.get(call.name)
        inputs = tuple((k, v) for k, nodes in named_args(call).items()
                       if (v := literal(nodes)) is not None)
        if call.name in SHELL_STEPS:
            text = textwrap.dedent(script_of(self.text, call) or "").strip("\n") \
                or source_of(self.text, call)
            label = dict(inputs).get("label")
            step = Step(file=self.path, line=call.line, job=job.id,
                        name=label or command_name(text) or call.name, text=text,
                        inputs=inputs, kind_hint=hint)
        else:
            text = source_of(self.text, call)
            helper = self.functions.get(call.name)
            if helper is not None and helper is not job:
                # the helper's work, not the block steps around it: the call is judged by it
                text = "\n".join([text, *(s.text for s in helper.steps
                                          if s.uses not in STEP_WRAPPERS)])[:MAX_CALL_TEXT]
            step = Step(file=self.path, line=call.line, job=job.id, name=call.name, text=text,
                        uses=call.name, inputs=inputs, kind_hint=hint)
        job.steps.append(step)


def _without_params(items: list[Node]) -> list[Node]:
    """A closure's items without its parameter list (``{ a, String b -> ...}``)."""
    for index, node in enumerate(items[:12]):
        if is_token(node, "op", "->"):
            return items[index + 1:]
        if not (isinstance(node, Token) and (node.kind in ("id", "nl") or node.value == ",")):
            break
    return items


def _strip_labels(stmt: list[Node]) -> list[Node]:
    """Drop annotations (``@NonCPS``) and switch labels (``case 'a':``, ``default:``)."""
    while stmt:
        if is_token(stmt[0], "op", "@") and len(stmt) > 1:
            stmt = stmt[2:] if len(stmt) > 2 and group(stmt[2], "(") is None else stmt[3:]
            continue
        if is_token(stmt[0], "id", "case") or (is_token(stmt[0], "id", "default") and len(stmt) > 1
                                          and is_token(stmt[1], "op", ":")):
            colon = next((k for k, n in enumerate(stmt) if is_token(n, "op", ":")), None)
            if colon is None:
                return []
            stmt = stmt[colon + 1:]
            continue
        return stmt
    return stmt


def _local_names(tokens: list[Token]) -> set[str]:
    """Names the file declares (``def x``, ``String x =``, ``for (x in ..)``, ``{ a, b ->``)."""
    found = {"it"}
    for i, token in enumerate(tokens):
        if token.kind != "id":
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if token.value == "def" and nxt is not None and nxt.kind == "id":
            after = tokens[i + 2] if i + 2 < len(tokens) else None
            if after is None or after.value != "(":
                found.add(nxt.value)
        elif token.value == "def" and nxt is not None and nxt.value == "(":
            k = i + 2
            while k < len(tokens) and tokens[k].value != ")":
                if tokens[k].kind == "id":
                    found.add(tokens[k].value)
                k += 1
        elif token.value[:1].isupper() and nxt is not None and nxt.kind == "id" \
                and i + 2 < len(tokens) and tokens[i + 2].value in ("=", "in", ":"):
            found.add(nxt.value)
        elif token.value == "for" and nxt is not None and nxt.value == "(":
            k = i + 2
            while k < len(tokens) and tokens[k].kind == "id" and tokens[k].value != "in":
                k += 1
            if k < len(tokens) and tokens[k].value in ("in", ":") \
                    and tokens[k - 1].kind == "id":
                found.add(tokens[k - 1].value)
        elif nxt is not None and nxt.value == "->":
            k = i
            while k >= 0 and (tokens[k].kind == "id" or tokens[k].value == ","):
                if tokens[k].kind == "id":
                    found.add(tokens[k].value)
                k -= 1
    return found


def _distinct(builders: list[JobBuilder]) -> list[JobBuilder]:
    """Give repeated stage names distinct ids (``test``, ``test#2``) in order."""
    seen: dict[str, int] = {}
    for builder in builders:
        count = seen.get(builder.id, 0)
        seen[builder.id] = count + 1
        if count and (builder.steps or builder.manual):
            builder.id = f"{builder.id}#{count + 1}"
            # every other field kept: a post block's outcome and condition above all
            builder.steps[:] = [replace(step, job=builder.id) for step in builder.steps]
    return builders
