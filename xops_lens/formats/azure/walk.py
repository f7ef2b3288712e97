"""Walking an Azure Pipelines document: stages, jobs, steps and local templates.

Template expressions are not evaluated: every branch of ``${{ if }}`` / ``${{ else }}``
is read, the body of ``${{ each }}`` once, and ``${{ parameters.x }}`` stays as written in
step texts (a job's id and runner take a literal parameter value when one is known, as
they would otherwise read ``${{ parameters.name }}``).

A template reference is resolved locally (``@self`` is this repository; another
repository alias is noted, not fetched). Step lists, jobs and stages handed to a
template in its ``parameters`` are reported where they are written, since which job of
the template receives them depends on expressions we do not evaluate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from xops_lens.errors import ParseError
from xops_lens.formats._yamlshape import kind_of, text_of
from xops_lens.formats.azure.steps import (
    MAX_PARAM_DEPTH,
    Context,
    StepReader,
    flatten,
    get,
    is_expression,
)
from xops_lens.model import Job, Step
from xops_lens.yamlload import YList, YMap


class Walker(StepReader):
    """Collects jobs (with their steps), included files and notes of one pipeline, and
    the stage and job ``condition:`` of each job (``conditions``, by position)."""

    def __init__(self, source: Any) -> None:
        super().__init__(source)
        self.conditions: list[tuple[tuple[str, str], ...]] = []
        self._stage_condition: tuple[tuple[str, str], ...] = ()
        self._job_condition: tuple[tuple[str, str], ...] = ()

    # -- parameters handed to templates ------------------------------------------------

    def parameters(self, value: Any, ctx: Context, depth: int = 0) -> list[Step]:
        """Stages and jobs written inside a template's ``parameters`` are walked as such;
        the steps of its step lists (``steps``, ``preSteps``, ...) are returned."""
        found: list[Step] = []
        if depth > MAX_PARAM_DEPTH or not isinstance(value, YMap):
            return found
        for key, item in value.items():
            name = key.lower() if isinstance(key, str) else ""
            if isinstance(item, YList) and name == "stages":
                self.stages(item, ctx)
            elif isinstance(item, YList) and name == "jobs":
                self.job_list(item, ctx)
            elif isinstance(item, YList) and name.endswith("steps"):
                found.extend(self.steps(item, ctx, ctx.stage or "steps"))
            elif isinstance(item, YMap):
                found.extend(self.parameters(item, ctx, depth + 1))
            elif isinstance(item, YList):
                for element in item:
                    found.extend(self.parameters(element, ctx, depth + 1))
        return found

    # -- stages and jobs -------------------------------------------------------------------

    def stages(self, items: Any, ctx: Context, at: int | None = None) -> None:
        if not isinstance(items, YList):
            raise ParseError(ctx.file, f"'stages' must be a list, found {kind_of(items)}",
                             getattr(items, "line", at))
        for item, line, _ in flatten(items, ctx.file):
            if not isinstance(item, YMap):
                raise ParseError(ctx.file, f"a stage must be a mapping, found {kind_of(item)}",
                                 line)
            if "template" in item:
                self.template_ref(item, line, ctx, "stages")
                continue
            name = ctx.subst(text_of(item.get("stage")))
            runner = runner_of(get(item, "pool")[0], ctx) or ctx.runner
            inner = Context(ctx.file, name or None, runner, ctx.params, ctx.stack)
            jobs, holder = get(item, "jobs")
            if jobs is not None and holder is not None:
                outer = self._stage_condition
                condition = text_of(get(item, "condition")[0]).strip()
                if condition:
                    self._stage_condition = (*outer, (f"stage {name or '?'}", condition))
                try:
                    self.job_list(jobs, inner, holder.line_of("jobs"))
                finally:
                    self._stage_condition = outer

    def job_list(self, items: Any, ctx: Context, at: int | None = None) -> None:
        if not isinstance(items, YList):
            raise ParseError(ctx.file, f"'jobs' must be a list, found {kind_of(items)}",
                             getattr(items, "line", at))
        for item, line, _ in flatten(items, ctx.file):
            if not isinstance(item, YMap):
                raise ParseError(ctx.file, f"a job must be a mapping, found {kind_of(item)}",
                                 line)
            if "template" in item:
                self.template_ref(item, line, ctx, "jobs")
            else:
                self.job(item, line, ctx)

    def template_ref(self, item: YMap, line: int, ctx: Context, kind: str) -> None:
        if "template" not in item:
            raise ParseError(ctx.file, f"'{kind}' needs a 'template'", line)
        path = self.resolve(item["template"], ctx, line)
        ref_params = item.get("parameters")
        document = self.load(path, ctx, line) if path is not None else None
        if path is not None and document is not None:
            inner = self.template_context(path, document, item, ctx)
            self.body(document, inner, kind)
        owner = text_of(ref_params.get("name")) if isinstance(ref_params, YMap) else ""
        owner = owner or f"template {text_of(item['template']).strip()}"
        steps = self.parameters(ref_params, ctx)
        if steps:
            # Which job of the template runs them depends on expressions we do not evaluate.
            steps = [replace(s, job=owner) for s in steps]
            self.add_job(Job(id=owner, name=owner, file=ctx.file, line=line, steps=tuple(steps),
                             runner=ctx.runner,
                             notes=("steps handed to a template in its parameters",)))

    def body(self, document: YMap, ctx: Context, kind: str) -> None:
        """The part of a (template) document that matters where it is referenced."""
        pool = runner_of(get(document, "pool")[0], ctx)
        if pool is not None:
            ctx = Context(ctx.file, ctx.stage, pool, ctx.params, ctx.stack)
        self.variables(document.get("variables"), ctx)
        stages, stages_at = get(document, "stages")
        jobs, jobs_at = get(document, "jobs")
        steps, holder = get(document, "steps")
        if stages is not None and stages_at is not None:
            self.stages(stages, ctx, stages_at.line_of("stages"))
        if jobs is not None and jobs_at is not None:
            self.job_list(jobs, ctx, jobs_at.line_of("jobs"))
        if steps is not None and holder is not None:
            name = ctx.stage or "steps"
            runner = ctx.runner
            found = self.steps(steps, ctx, name, holder.line_of("steps"))
            self.add_job(Job(id=name, name=name, file=ctx.file, line=holder.line_of("steps"),
                             steps=tuple(found), runner=runner))
        extends = document.get("extends")
        if isinstance(extends, YMap):
            self.template_ref(extends, document.line_of("extends"), ctx, "extends")
        elif extends is not None:
            raise ParseError(ctx.file, f"'extends' must be a mapping, found {kind_of(extends)}",
                             document.line_of("extends"))

    def job(self, item: YMap, line: int, ctx: Context) -> None:
        deployment = "deployment" in item
        raw_id = get(item, "deployment" if deployment else "job")[0]
        job_id = ctx.subst(text_of(raw_id)) or ("deployment" if deployment else "job")
        display = ctx.subst(text_of(get(item, "displayName")[0])) or job_id
        notes: list[str] = []
        size = matrix_size(get(item, "strategy")[0], notes)
        runner = runner_of(get(item, "pool")[0], ctx) or ctx.runner
        full_id = f"{ctx.stage}.{job_id}" if ctx.stage else job_id
        steps: list[Step] = []
        if deployment:
            strategy, _ = get(item, "strategy")
            for hook_steps in _deployment_steps(strategy):
                steps.extend(self.steps(hook_steps, ctx, full_id, line))
        value, holder = get(item, "steps")
        if value is not None and holder is not None:
            steps.extend(self.steps(value, ctx, full_id, holder.line_of("steps")))
        needs = get(item, "dependsOn")[0]
        condition = text_of(get(item, "condition")[0]).strip()
        self._job_condition = (("job", condition),) if condition else ()
        size = cells(get(item, "strategy")[0], size)
        per_cell = cell_runners(get(item, "strategy")[0], runner)
        self.add_job(Job(
            id=full_id, name=display, file=ctx.file, line=line, steps=tuple(steps),
            matrix_size=size, runner=runner, cell_runners=per_cell,
            environment=environment_of(get(item, "environment")[0]) if deployment else None,
            needs=tuple(text_of(n) for n in needs) if isinstance(needs, list)
            else ((text_of(needs),) if needs else ()),
            notes=tuple(notes),
        ))

    def add_job(self, job: Job) -> None:
        # The same template can make jobs of one name several times; keep ids distinct.
        count = self.job_ids.get(job.id, 0)
        self.job_ids[job.id] = count + 1
        if count:
            job = Job(**{**{f: getattr(job, f) for f in job.__dataclass_fields__},
                         "id": f"{job.id}#{count + 1}"})
        self.jobs.append(job)
        self.conditions.append((*self._stage_condition, *self._job_condition))
        self._job_condition = ()


def _deployment_steps(strategy: Any, depth: int = 0) -> Iterator[Any]:
    """The ``steps`` of every lifecycle hook of a deployment strategy."""
    if not isinstance(strategy, YMap) or depth > 4:
        return
    for key, value in strategy.items():
        if key == "steps":
            yield value
        elif isinstance(value, YMap):
            yield from _deployment_steps(value, depth + 1)


def runner_of(pool: Any, ctx: Context) -> str | None:
    if pool is None:
        return None
    if isinstance(pool, YMap):
        for key in ("vmImage", "name", "type"):
            value = pool.get(key)
            if value:
                return ctx.subst(text_of(value))
        return None
    return ctx.subst(text_of(pool)) or None


def environment_of(value: Any) -> str | None:
    if isinstance(value, YMap):
        return text_of(value.get("name")) or None
    return text_of(value) or None


def cells(strategy: Any, size: int) -> int:
    """The cells of a matrix whose entries sit behind template conditions (``${{ if
    eq(parameters.name, 'Linux') }}:``): every cell the file gives is counted, the
    branches not being evaluated; ``size`` when there are none."""
    matrix = strategy.get("matrix") if isinstance(strategy, YMap) else None
    if not isinstance(matrix, YMap):
        return size
    hidden = sum(_cells_behind(value) for key, value in matrix.items() if is_expression(key))
    return size + hidden if hidden else size


_MACRO = re.compile(r"\$\(([A-Za-z0-9_.]+)\)")


def cell_runners(strategy: Any, runner: str | None) -> tuple[tuple[str, int], ...]:
    """The runner of each matrix cell when the pool names a cell's variable (``vmImage:
    $(imageName)``, the documented way to run cells on different images), by label."""
    matrix = strategy.get("matrix") if isinstance(strategy, YMap) else None
    if not runner or "$(" not in runner or not isinstance(matrix, YMap):
        return ()
    counts: dict[str, int] = {}
    for cell in _cell_maps(matrix):
        values = {str(k): text_of(v) for k, v in cell.items()} if isinstance(cell, YMap) else {}
        label = _MACRO.sub(lambda m: values.get(m.group(1), m.group(0)), runner)
        counts[label] = counts.get(label, 0) + 1
    return tuple(counts.items()) if counts else ()


def _cell_maps(matrix: YMap, depth: int = 0) -> list[Any]:
    out: list[Any] = []
    for key, value in matrix.items():
        if is_expression(key):
            if isinstance(value, YMap) and depth < 8:
                out.extend(_cell_maps(value, depth + 1))
        else:
            out.append(value)
    return out


def _cells_behind(value: Any, depth: int = 0) -> int:
    if not isinstance(value, YMap) or depth > 8:
        return 0
    return sum(_cells_behind(v, depth + 1) if is_expression(k) else 1
               for k, v in value.items())


def matrix_size(strategy: Any, notes: list[str]) -> int:
    if not isinstance(strategy, YMap):
        return 1
    matrix = strategy.get("matrix")
    if isinstance(matrix, YMap):
        return max(1, sum(1 for k in matrix if not is_expression(k)))
    if matrix is not None:
        notes.append("matrix computed at run time; width counted as 1")
        return 1
    parallel = text_of(strategy.get("parallel")).strip()
    if parallel.isdigit():
        return max(1, int(parallel))
    if parallel:
        notes.append(f"parallel {parallel!r} computed at run time; width counted as 1")
    return 1
