"""GitHub Actions: workflows under ``.github/workflows`` and composite actions anywhere."""

from __future__ import annotations

import itertools
import posixpath
import re
from dataclasses import replace
from typing import Any

from xops_lens.errors import Declined, ParseError
from xops_lens.formats._github_if import job_triggers, narrow_by_needs, scenarios, step_fields
from xops_lens.formats._yamlshape import describe, first_line, text_of
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Job, Pipeline, Source, Step, Trigger
from xops_lens.yamlload import YList, YMap, load_mapping

FORMAT_NAME = "github-actions"
WORKFLOW_DIR = ".github/workflows/"
ACTION_FILES = ("action.yml", "action.yaml")
# Enumerating a huge matrix to apply include/exclude would cost more than it tells.
MAX_ENUMERATED_COMBINATIONS = 10_000
# Combinations times include/exclude entries compared: 100 x 100 values with 5,000
# entries that match nothing took two minutes (hostile input); GitHub runs at most 256.
MAX_MATRIX_WORK = 1_000_000


def _types(config: Any) -> tuple[str, ...]:
    types = config.get("types") if isinstance(config, YMap) else None
    if isinstance(types, str):
        return (types.strip(),)
    if isinstance(types, YList):
        return tuple(text_of(t).strip() for t in types if text_of(t).strip())
    return ()


def _push_triggers(config: Any, line: int) -> tuple[list[Trigger], bool]:
    """A push trigger by its filters (GitHub: branches and tags filters apply apart; with
    only tag filters the workflow runs for tags only, with only branch filters for
    branches only, with none for both). Also whether it has no filter at all."""
    if not isinstance(config, YMap):
        return [Trigger("push", line)], True
    branches = "branches" in config or "branches-ignore" in config
    tags = "tags" in config or "tags-ignore" in config
    if tags and not branches:
        return [Trigger("tag", line)], False
    if tags:
        return [Trigger("push", line), Trigger("tag", line)], False
    return [Trigger("push", line)], not branches


def _triggers(document: YMap) -> tuple[tuple[Trigger, ...], bool]:
    """The workflow's triggers, and whether it has a push trigger without filters."""
    on = document.get("on")
    line = document.line_of("on")
    if on is None:
        return (), False
    if isinstance(on, str):
        return (Trigger(on, line),), on == "push"
    if isinstance(on, YList):
        events = [(str(event), ln) for event, ln in on.items_with_lines()]
        return tuple(Trigger(e, ln) for e, ln in events), any(e == "push" for e, _ in events)
    if not isinstance(on, YMap):
        return (), False
    triggers: list[Trigger] = []
    unfiltered = False
    for event, config in on.items():
        event_line = on.line_of(event)
        if event == "schedule" and isinstance(config, YList):
            for entry, entry_line in config.items_with_lines():
                cron = entry.get("cron") if isinstance(entry, YMap) else None
                triggers.append(Trigger("schedule", entry_line, cron=text_of(cron) or None))
        elif event == "push":
            found, bare = _push_triggers(config, event_line)
            triggers.extend(found)
            unfiltered = unfiltered or bare
        else:
            triggers.append(Trigger(event, event_line, types=_types(config)))
    return tuple(triggers), unfiltered


def _values_equal(a: Any, b: Any) -> bool:
    return text_of(a) == text_of(b)


def matrix_size(strategy: Any) -> tuple[int, tuple[str, ...]]:
    """How many jobs a ``strategy.matrix`` expands to, with GitHub's include/exclude rules."""
    size, notes, _ = _expand(strategy)
    return size, notes


def _expand(strategy: Any) -> tuple[int, tuple[str, ...], list[dict[str, str]] | None]:
    """The matrix's width, notes, and its cells (each cell's values by key, as text)
    when they could be enumerated; None when the width is a count or an estimate."""
    if not isinstance(strategy, YMap):
        return 1, (), None
    matrix = strategy.get("matrix")
    if matrix is None:
        return 1, (), None
    if not isinstance(matrix, YMap):
        return 1, ("matrix computed at run time; width counted as 1",), None
    axes: dict[str, list[Any]] = {}
    for key, values in matrix.items():
        if key in ("include", "exclude"):
            continue
        if not isinstance(values, list):
            return 1, (f"matrix axis {key!r} computed at run time; width counted as 1",), None
        axes[key] = list(values)
    includes = matrix.get("include")
    excludes = matrix.get("exclude")
    if not isinstance(includes, list):
        includes = []
    if not isinstance(excludes, list):
        excludes = []
    product = 1
    for values in axes.values():
        product *= len(values)
    if axes and product == 0:
        cells = [{str(k): text_of(v) for k, v in inc.items()} for inc in includes
                 if isinstance(inc, dict)]
        return max(1, len(includes)), (), cells if len(cells) == len(includes) else None
    if product > MAX_ENUMERATED_COMBINATIONS or \
            product * (len(includes) + len(excludes)) > MAX_MATRIX_WORK:
        return (product - len(excludes) + len(includes),
                ("large matrix: include/exclude estimated",), None)

    combos: list[dict[str, Any]] = (
        [dict(zip(axes, values)) for values in itertools.product(*axes.values())] if axes else []
    )
    for exclude in excludes:
        if isinstance(exclude, dict):
            combos = [
                c for c in combos
                if not all(k in c and _values_equal(c[k], v) for k, v in exclude.items())
            ]
    cells = [{str(k): text_of(v) for k, v in c.items()} for c in combos]
    for include in includes:
        if not isinstance(include, dict):
            continue
        # An include extends every combination whose original axis values it does not
        # contradict (adding its other keys, never overwriting an axis value); when it
        # extends none, it becomes a combination of its own.
        extended = False
        for combo, cell in zip(combos, cells):
            if all(not (k in axes and k in combo) or _values_equal(combo[k], v)
                   for k, v in include.items()):
                extended = True
                for k, v in include.items():
                    if k not in axes:
                        cell[str(k)] = text_of(v)
        if not extended:
            cells.append({str(k): text_of(v) for k, v in include.items()})
    return max(1, len(cells)), (), cells or None


_MATRIX_REF = re.compile(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}")


def cell_runners(runner: str | None, cells: list[dict[str, str]] | None
                 ) -> tuple[tuple[str, int], ...]:
    """The runner of each cell when ``runs-on`` names a matrix value (``${{ matrix.os
    }}``), counted by label in the order they first appear; empty when all cells share
    one label or the cells are not known. A cell without the value keeps the expression
    (priced at the default)."""
    if not runner or not cells or "matrix." not in runner:
        return ()
    counts: dict[str, int] = {}
    for cell in cells:
        label = _MATRIX_REF.sub(lambda m: cell.get(m.group(1), m.group(0)), runner).strip()
        counts[label] = counts.get(label, 0) + 1
    return tuple(counts.items())


def _step(item: Any, line: int, file: str, job_id: str, index: int) -> Step:
    if not isinstance(item, YMap):
        raise ParseError(file, "a step must be a mapping with 'uses' or 'run'", line)
    uses = item.get("uses")
    run = item.get("run")
    name = item.get("name")
    inputs: tuple[tuple[str, str], ...] = ()
    with_ = item.get("with")
    if isinstance(with_, YMap):
        inputs = tuple((str(k), text_of(v)) for k, v in with_.items())
    if uses is not None:
        uses = text_of(uses).strip()
        text = uses + "".join(f"\n  {k}: {v}" for k, v in inputs)
    elif run is not None:
        text = text_of(run)
    else:
        text = ""
    display = text_of(name).strip() if name else (uses or first_line(text) or f"step {index + 1}")
    return Step(file=file, line=line, job=job_id, name=display, text=text, uses=uses, inputs=inputs)


def _steps(items: Any, file: str, job_id: str, line: int | None = None) -> tuple[Step, ...]:
    if items is None:
        return ()
    if not isinstance(items, YList):  # a number or a mapping would silently lose the steps
        raise ParseError(file, f"'steps' of {job_id!r} must be a list, found {describe(items)}",
                         line)
    return tuple(
        _step(item, line, file, job_id, i) for i, (item, line) in enumerate(items.items_with_lines())
    )


def _runner(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, YMap):
        labels = value.get("labels", value.get("group"))
        return text_of(labels) or None
    return text_of(value) or None


def _environment(value: Any) -> str | None:
    if isinstance(value, YMap):
        return text_of(value.get("name")) or None
    return text_of(value) or None


def _local_workflow(uses: str) -> str | None:
    """The repository path of a local reusable workflow call, else None."""
    if not uses.startswith("./"):
        return None
    return posixpath.normpath(uses[2:].split("@", 1)[0])


def _needs(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(text_of(v) for v in value)
    if value:
        return (text_of(value),)
    return ()


def _job_triggers(jobs: YMap, triggers: tuple[Trigger, ...], unfiltered_push: bool
                  ) -> dict[str, tuple[Trigger, ...] | None]:
    """Each job's own triggers: its ``if:`` over the kinds of run, then its needs."""
    cases = scenarios(triggers, unfiltered_push)
    called = any(t.event == "workflow_call" for t in triggers)
    own: dict[str, tuple[Trigger, ...] | None] = {}
    needs: dict[str, tuple[str, ...]] = {}
    conditions: dict[str, str | None] = {}
    for job_id, spec in jobs.items():
        condition = spec.get("if") if isinstance(spec, YMap) else None
        text = None if condition is None or isinstance(condition, bool) \
            else text_of(condition)
        if condition is False:
            text = "false"
        conditions[job_id] = text
        own[job_id] = job_triggers(text, cases, called)
        needs[job_id] = _needs(spec.get("needs")) if isinstance(spec, YMap) else ()
    return narrow_by_needs(own, needs, conditions)


def _job(job_id: str, spec: Any, line: int, file: str) -> Job:
    if not isinstance(spec, YMap):
        raise ParseError(file, f"job {job_id!r} must be a mapping", line)
    notes: list[str] = []
    size, matrix_notes, cells = _expand(spec.get("strategy"))
    notes.extend(matrix_notes)
    runner = _runner(spec.get("runs-on"))
    calls = None
    uses = spec.get("uses")
    if uses is not None:
        uses = text_of(uses)
        calls = _local_workflow(uses)
        if calls is None:
            calls = uses
            notes.append(f"calls reusable workflow {uses}, not fetched")
    return Job(
        id=job_id,
        name=text_of(spec.get("name")) or job_id,
        file=file,
        line=line,
        steps=_steps(spec.get("steps"), file, job_id, spec.line_of("steps")),
        matrix_size=size,
        runner=runner,
        cell_runners=cell_runners(runner, cells),
        environment=_environment(spec.get("environment")),
        needs=_needs(spec.get("needs")),
        calls=calls,
        notes=tuple(notes),
    )


def _conditional_steps(job: Job, spec: Any, cases: list[Any]) -> Job:
    """Steps with an ``if:`` run in the kinds of run it holds in (after a failure, for
    ``failure()``): the cost model prices them in that share of the job's runs."""
    items = spec.get("steps") if isinstance(spec, YMap) else None
    if not isinstance(items, YList) or len(items) != len(job.steps):
        return job
    steps = list(job.steps)
    changed = False
    for index, item in enumerate(items):
        condition = item.get("if") if isinstance(item, YMap) else None
        if condition is None or isinstance(condition, bool):
            continue
        fields = step_fields(text_of(condition), cases)
        if fields:
            steps[index] = replace(steps[index], **fields)
            changed = True
    return replace(job, steps=tuple(steps)) if changed else job


def parse_workflow(source: Source) -> Pipeline:
    document = load_mapping(source.text, source.path)
    jobs = document.get("jobs")
    if not isinstance(jobs, YMap):
        found = "" if jobs is None else f", found {describe(jobs)}"
        raise ParseError(source.path, f"a workflow needs a 'jobs' mapping{found}",
                         document.line_of("jobs"))
    triggers, unfiltered_push = _triggers(document)
    own = _job_triggers(jobs, triggers, unfiltered_push)
    cases = scenarios(triggers, unfiltered_push)
    return Pipeline(
        path=source.path,
        format=FORMAT_NAME,
        jobs=tuple(replace(_conditional_steps(_job(jid, spec, jobs.line_of(jid), source.path),
                                              spec, cases), triggers=own[jid])
                   for jid, spec in jobs.items()),
        triggers=triggers,
    )


def parse_action(source: Source) -> Pipeline:
    document = load_mapping(source.text, source.path)
    runs = document.get("runs")
    if not isinstance(runs, YMap):
        # Other tools use the name action.yml too; without `runs:` it is not an action.
        raise Declined(source.path)
    using = text_of(runs.get("using")).strip().lower()
    name = text_of(document.get("name")) or posixpath.dirname(source.path) or "action"
    if using != "composite":
        return Pipeline(
            path=source.path,
            format=FORMAT_NAME,
            notes=(f"{using or 'unknown'} action: its code runs as one unit, no steps to list",),
        )
    job = Job(
        id=name,
        name=name,
        file=source.path,
        line=document.line_of("runs"),
        steps=_steps(runs.get("steps"), source.path, name),
        # Runs only as a step of the workflows that use it: its runs are theirs.
        reusable=True,
    )
    return Pipeline(path=source.path, format=FORMAT_NAME, jobs=(job,))


class GitHubActions:
    name = FORMAT_NAME
    globs = (".github/workflows/*.yml", ".github/workflows/*.yaml", "**/action.yml", "**/action.yaml")

    def claims(self, path: str) -> bool:
        if path.startswith(WORKFLOW_DIR):
            rest = path[len(WORKFLOW_DIR):]
            return "/" not in rest and rest.endswith((".yml", ".yaml"))
        return posixpath.basename(path) in ACTION_FILES

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        if source.path.startswith(WORKFLOW_DIR):
            return parse_workflow(source)
        return parse_action(source)


@hookimpl
def register_formats(register: Any) -> None:
    register(GitHubActions())
