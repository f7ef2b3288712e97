"""Reading Azure Pipelines steps and the local templates they reference.

Template expressions are not evaluated: every branch of ``${{ if }}`` / ``${{ else }}``
is read, the body of ``${{ each }}`` once, and ``${{ parameters.x }}`` stays as written in
step texts. A template path is resolved locally (``@self`` is this repository; another
repository alias is noted, not fetched). The walk over stages and jobs builds on this in
:mod:`xops_lens.formats.azure.walk`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from xops_lens.errors import ParseError
from xops_lens.formats._yamlshape import check_step_budget, command_name, kind_of, text_of
from xops_lens.formats.azure.cond import step_fields
from xops_lens.model import Job, Source, Step
from xops_lens.yamlload import YList, YMap, load_mapping

MAX_TEMPLATE_DEPTH = 20
# Diamond-shaped template trees can multiply; stop expanding past this many references.
MAX_TEMPLATE_EXPANSIONS = 5000
MAX_PARAM_DEPTH = 12

SCRIPT_KEYS = ("script", "bash", "pwsh", "powershell")
STEP_HINTS: dict[str, str | None] = {
    "checkout": "checkout",
    "download": "artifact-download",
    "downloadBuild": "artifact-download",
    "getPackage": "dependencies",
    "publish": "artifact-upload",
    "reviewApp": None,
}
# Built-in tasks whose name alone states the kind (the task is the syntax here).
TASK_HINTS: dict[str, str] = {
    "manualvalidation": "approve",
    "manualintervention": "approve",
    "publishbuildartifacts": "artifact-upload",
    "publishpipelineartifact": "artifact-upload",
    "downloadbuildartifacts": "artifact-download",
    "downloadpipelineartifact": "artifact-download",
    "cache": "cache-restore",
    "publishtestresults": "report",
    "publishcodecoverageresults": "report",
}
# Tasks that run an inline script: the script is the step's text.
SCRIPT_TASKS = frozenset({"bash", "powershell", "cmdline", "azurecli", "azurepowershell",
                          "pythonscript", "shellscript", "batchscript"})
SCRIPT_INPUTS = ("script", "inlineScript", "Inline", "inline", "scriptPath", "filePath")
_EXPR = re.compile(r"^\s*\$\{\{.*\}\}\s*$", re.DOTALL)
_PARAM_REF = re.compile(r"\$\{\{\s*parameters\.([A-Za-z0-9_]+)\s*\}\}")


def is_expression(key: Any) -> bool:
    return isinstance(key, str) and key.lstrip().startswith("${{")


def get(node: YMap, key: str) -> tuple[Any, YMap | None]:
    """``node[key]``, also looking inside ``${{ if }}:`` branches; and the map holding it."""
    if key in node:
        return node[key], node
    for k, v in node.items():
        if is_expression(k) and isinstance(v, YMap):
            found, owner = get(v, key)
            if owner is not None:
                return found, owner
    return None, None


def flatten(items: YList, file: str, depth: int = 0) -> Iterator[tuple[Any, int, bool]]:
    """List items, with the items of ``- ${{ if }}:`` / ``- ${{ each }}:`` spliced in, each
    with whether it came from such a branch."""
    for item, line in items.items_with_lines():
        if isinstance(item, YMap) and item and all(is_expression(k) for k in item):
            if depth > MAX_PARAM_DEPTH:
                raise ParseError(file, "template expressions nested too deep", line)
            for value in item.values():
                if isinstance(value, YList):
                    for inner, inner_line, _ in flatten(value, file, depth + 1):
                        yield inner, inner_line, True
                elif isinstance(value, YMap):
                    yield value, value.line, True
            continue
        if isinstance(item, str) and _EXPR.match(item):
            continue  # `- ${{ step }}`: inserted at run time from a parameter
        yield item, line, depth > 0


@dataclass
class Context:
    """Where the walk is: the file, the stage, the runner and parameters in force."""

    file: str
    stage: str | None = None
    runner: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    stack: tuple[str, ...] = ()

    def subst(self, text: str) -> str:
        if "${{" not in text:
            return text
        return _PARAM_REF.sub(lambda m: self.params.get(m.group(1), m.group(0)), text)


def literal_params(declared: Any, given: Any) -> dict[str, str]:
    """Parameter values that are plain strings: a template's defaults, then the caller's."""
    found: dict[str, str] = {}
    if isinstance(declared, YList):
        for item in declared:
            if isinstance(item, YMap) and isinstance(item.get("name"), str) \
                    and isinstance(item.get("default"), str) and item["default"].strip():
                found[item["name"]] = item["default"]
    elif isinstance(declared, YMap):
        found.update((k, v) for k, v in declared.items() if isinstance(v, str) and v.strip())
    if isinstance(given, YMap):
        found.update((k, v) for k, v in given.items() if isinstance(v, str) and "${{" not in v)
    return found



class StepReader:
    """Steps and template files; :class:`~xops_lens.formats.azure.walk.Walker` adds jobs."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.jobs: list[Job] = []
        self.includes: dict[str, None] = {}
        self.notes: dict[str, None] = {}
        self.loaded: dict[str, YMap | None] = {}
        self.expansions = 0
        self.step_count = 0
        self.job_ids: dict[str, int] = {}

    # -- templates ---------------------------------------------------------------------

    def resolve(self, ref: Any, ctx: Context, line: int) -> str | None:
        """The repository path of a template reference, or None (noted) when not local."""
        if not isinstance(ref, str):
            raise ParseError(ctx.file, f"'template' must be a path, found {kind_of(ref)}", line)
        path = ref.strip()
        if "@" in path:
            path, repo = path.rsplit("@", 1)
            if repo != "self":
                self.notes[f"template {ref} is in repository {repo!r}: not fetched"] = None
                return None
        if "$(" in path or "${{" in path:
            self.notes[f"{ctx.file}:{line}: template path {ref!r} is computed at run time"] = None
            return None
        if path.startswith("/"):
            resolved = posixpath.normpath(path.lstrip("/"))
        else:
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(ctx.file), path))
        if resolved.startswith("../") or resolved == "..":
            self.notes[f"{ctx.file}:{line}: template {ref} is outside the repository"] = None
            return None
        return resolved

    def load(self, path: str, ctx: Context, line: int) -> YMap | None:
        if path in ctx.stack or path == ctx.file:
            chain = " -> ".join((*ctx.stack, ctx.file, path))
            raise ParseError(ctx.file, f"template cycle: {chain}", line)
        if len(ctx.stack) >= MAX_TEMPLATE_DEPTH:
            raise ParseError(ctx.file, f"templates nested more than {MAX_TEMPLATE_DEPTH} deep",
                             line)
        self.expansions += 1
        if self.expansions > MAX_TEMPLATE_EXPANSIONS:
            self.notes[f"more than {MAX_TEMPLATE_EXPANSIONS} template references: "
                       "the rest were not expanded"] = None
            return None
        if path not in self.loaded:
            try:
                text = self.source.read_local(path)
            except ParseError as exc:
                self.loaded[path] = None
                self.notes[f"{ctx.file}:{line}: template {path} not read ({exc.message})"] = None
                return None
            document = load_mapping(text, path)
            self.loaded[path] = document
            self.includes[path] = None
        return self.loaded[path]

    def template_context(self, path: str, document: YMap, ref: YMap, ctx: Context) -> Context:
        params = literal_params(document.get("parameters"), ref.get("parameters"))
        return Context(path, ctx.stage, ctx.runner, params, (*ctx.stack, ctx.file))

    def variables(self, value: Any, ctx: Context) -> None:
        """Variable templates hold no steps; they are read only to list them as included."""
        if not isinstance(value, YList):
            return
        for item, line, _ in flatten(value, ctx.file):
            if isinstance(item, YMap) and "template" in item:
                path = self.resolve(item["template"], ctx, line)
                if path is not None:
                    self.load(path, ctx, line)

    # -- steps ---------------------------------------------------------------------------

    def steps(self, items: Any, ctx: Context, job: str, line: int | None = None) -> list[Step]:
        """Each item of the list is one step (TAXONOMY); a template reference is followed
        by the steps its template writes, reported where they are written."""
        if not isinstance(items, YList):
            raise ParseError(ctx.file, f"'steps' must be a list, found {kind_of(items)}",
                             getattr(items, "line", line))
        return self.collect(items, ctx, job)[1]

    def collect(self, items: YList, ctx: Context, job: str) -> tuple[list[Step], list[Step]]:
        """The steps of the list's own items, and all steps (with what templates bring)."""
        heads: list[Step] = []
        found: list[Step] = []
        for item, line in items.items_with_lines():
            head, extra = self.item(item, line, ctx, job, 0)
            if head is not None:
                heads.append(head)
                found.append(head)
            found.extend(extra)
        return heads, found

    def item(self, item: Any, line: int, ctx: Context, job: str,
             depth: int) -> tuple[Step | None, list[Step]]:
        if isinstance(item, str) and _EXPR.match(item):
            return None, []  # `- ${{ step }}`: inserted from a parameter at run time
        if not (isinstance(item, YMap) and item and all(is_expression(k) for k in item)):
            steps = self.step(item, line, ctx, job, depth > 0)
            return (steps[0], steps[1:]) if steps else (None, [])
        # `- ${{ if ... }}:` is one item of the list: one step standing for what it inserts.
        if depth > MAX_PARAM_DEPTH:
            raise ParseError(ctx.file, "template expressions nested too deep", line)
        heads: list[Step] = []
        extra: list[Step] = []
        for value in item.values():
            inner = value.items_with_lines() if isinstance(value, YList) else \
                ([(value, value.line)] if isinstance(value, YMap) else [])
            for element, element_line in inner:
                head, more = self.item(element, element_line, ctx, job, depth + 1)
                if head is not None:
                    heads.append(head)
                extra.extend(more)
        if not heads:
            return None, extra
        if len(heads) == 1:
            only = heads[0]
            return Step(file=ctx.file, line=line, job=job, name=only.name, text=only.text,
                        uses=only.uses, inputs=only.inputs, kind_hint=only.kind_hint,
                        expanded=only.expanded), extra
        hints = {h.kind_hint for h in heads}
        # Expanded only when every branch is a template whose steps follow: a branch with
        # work of its own (a script) has no other step to carry its cost.
        return Step(file=ctx.file, line=line, job=job, name=command_name(str(next(iter(item)))),
                    text="\n".join(h.text for h in heads),
                    kind_hint=hints.pop() if len(hints) == 1 else None,
                    expanded=all(h.expanded for h in heads)), extra

    def step(self, item: Any, line: int, ctx: Context, job: str,
             conditional: bool = False) -> list[Step]:
        if not isinstance(item, YMap):
            raise ParseError(ctx.file, f"a step must be a mapping, found {kind_of(item)}", line)
        # Every reference to one long template copies its steps.
        self.step_count += 1
        check_step_budget(self.step_count, ctx.file, line)
        display = text_of(item.get("displayName") or item.get("name")).strip()

        def make(text: str, *, uses: str | None = None, hint: str | None = None,
                 inputs: tuple[tuple[str, str], ...] = ()) -> Step:
            return Step(file=ctx.file, line=line, job=job, name=display or command_name(text) or uses
                        or "step", text=text, uses=uses, inputs=inputs, kind_hint=hint,
                        **step_fields(text_of(item.get("condition"))))

        for key in SCRIPT_KEYS:
            if key in item:
                script = item[key]
                if not isinstance(script, str):
                    raise ParseError(ctx.file, f"'{key}' must be a script, found "
                                               f"{kind_of(script)}", line)
                return [make(script)]
        if "task" in item:
            return [self.task(item, line, ctx, make)]
        if "template" in item:
            return self.step_template(item, line, ctx, job, make)
        for key, hint in STEP_HINTS.items():
            if key in item:
                rest = {k: v for k, v in item.items() if k != key and k != "displayName"}
                text = f"{key}: {text_of(item[key])}" + "".join(
                    f"\n  {k}: {text_of(v)}" for k, v in rest.items())
                return [make(text, hint=hint)]
        if conditional:
            # Templates use `- 'message': error` in an ${{ if }} branch to stop a bad run.
            self.notes[f"{ctx.file}:{line}: conditional item that is not a step, skipped"] = None
            return []
        raise ParseError(ctx.file, "a step needs one of script, bash, pwsh, powershell, task, "
                                   "template, checkout, download or publish", line)

    def task(self, item: YMap, line: int, ctx: Context, make: Any) -> Step:
        task = item["task"]
        if not isinstance(task, str):
            raise ParseError(ctx.file, f"'task' must be a name, found {kind_of(task)}", line)
        task = task.strip()
        raw_inputs = item.get("inputs")
        inputs: tuple[tuple[str, str], ...] = ()
        if isinstance(raw_inputs, YMap):
            inputs = tuple((str(k), text_of(v)) for k, v in raw_inputs.items())
        elif raw_inputs is not None and not (isinstance(raw_inputs, str)
                                             and _EXPR.match(raw_inputs)):
            raise ParseError(ctx.file, f"'inputs' must be a mapping, found "
                                       f"{kind_of(raw_inputs)}", item.line_of("inputs"))
        base = task.split("@", 1)[0].lower()
        text = task + "".join(f"\n  {k}: {v}" for k, v in inputs)
        if base in SCRIPT_TASKS:
            script = next((v for k, v in inputs if k in SCRIPT_INPUTS and v.strip()), None)
            if script is not None:
                text = script
        return make(text, uses=task, hint=TASK_HINTS.get(base), inputs=inputs)

    def step_template(self, item: YMap, line: int, ctx: Context, job: str,
                      make: Any) -> list[Step]:
        """The reference is a step (TAXONOMY); the template's steps follow, where written."""
        ref = item["template"]
        path = self.resolve(ref, ctx, line)
        document = self.load(path, ctx, line) if path is not None else None
        inner: list[Step] = []
        heads: list[Step] = []
        if path is not None and document is not None:
            steps, holder = get(document, "steps")
            tctx = self.template_context(path, document, item, ctx)
            if steps is not None and holder is not None:
                if not isinstance(steps, YList):
                    raise ParseError(path, f"'steps' must be a list, found {kind_of(steps)}",
                                     holder.line_of("steps"))
                heads, inner = self.collect(steps, tctx, job)
            self.variables(document.get("variables"), tctx)
        params = item.get("parameters")
        for key, value in params.items() if isinstance(params, YMap) else ():
            if isinstance(key, str) and key.lower().endswith("steps") and isinstance(value, YList):
                more_heads, more = self.collect(value, ctx, job)
                heads.extend(more_heads)
                inner.extend(more)
        if path is not None and document is None:
            text = f"template: {text_of(ref)} (not found)"
        elif heads:
            text = "\n".join(s.text for s in heads)
        else:
            text = f"template: {text_of(ref)}"
        if isinstance(params, YMap) and not inner:
            text += "".join(f"\n  {k}: {text_of(v)}" for k, v in params.items())
        hints = {s.kind_hint for s in heads}
        hint = hints.pop() if len(hints) == 1 else None
        inputs = tuple((str(k), text_of(v)) for k, v in params.items()) \
            if isinstance(params, YMap) else ()
        reference = make(text, uses=text_of(ref).strip(), hint=hint, inputs=inputs)
        if not item.get("displayName"):
            reference = replace(reference, name=f"template {text_of(ref).strip()}")
        if inner and document is not None:
            # The template's steps follow in this job: they carry the work (and its cost),
            # the reference only stands for them. A template not read keeps its work on
            # the reference, whatever steps its parameters hand it.
            reference = replace(reference, expanded=True)
        return [reference, *inner]
