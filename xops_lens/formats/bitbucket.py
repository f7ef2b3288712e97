"""Bitbucket Pipelines: ``bitbucket-pipelines.yml``.

A Bitbucket ``step`` runs in a container of its own, so each step is a Job; the rubric's
steps are the items of its ``script`` and ``after-script``. ``parallel`` groups and
``stage`` blocks are unfolded into their steps. Anchored steps (``definitions: steps``)
are resolved by the YAML loader and keep the lines where their scripts are written.
"""

from __future__ import annotations

from dataclasses import replace
from fnmatch import fnmatchcase
from typing import Any

from xops_lens.errors import ParseError
from xops_lens.formats._yamlshape import (
    MANUAL_EVENT,
    basename,
    describe,
    flatten,
    in_foreign_dir,
    inputs_of,
    item_text,
    mapping,
    render_inputs,
    script_items,
    sequence,
    step_name,
    text_of,
)
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Job, Pipeline, Source, Step, Trigger
from xops_lens.yamlload import YList, YMap, load_mapping

FORMAT_NAME = "bitbucket-pipelines"
FILE_NAME = "bitbucket-pipelines.yml"

# What starts each section's pipelines; `custom` ones are run by hand (or on a schedule
# set in the UI, which the file does not show).
SECTION_EVENTS: dict[str, str] = {
    "default": "push", "branches": "push", "bookmarks": "push", "tags": "tag",
    "pull-requests": "pull_request", "custom": MANUAL_EVENT,
}
SCRIPT_KEYS = ("script", "after-script")


class _Stage:
    """Settings a ``stage`` passes to its steps. Its manual trigger and deployment are one
    gate for the whole stage, so only the stage's first step carries them."""

    def __init__(self, spec: YMap | None) -> None:
        self.manual = spec is not None and text_of(spec.get("trigger")).strip() == "manual"
        self.environment = text_of(spec.get("deployment")) or None if spec is not None else None
        self.name = text_of(spec.get("name")) if spec is not None else ""
        self.first = True


class _Builder:
    def __init__(self, source: Source, document: YMap) -> None:
        self.file = source.path
        self.document = document
        self.jobs: list[Job] = []
        self.notes: list[str] = []
        self.ids: set[str] = set()
        self.counts: dict[str, int] = {}  # steps seen per pipeline, for unnamed steps
        self.default_image = _image(document.get("image"))

    # -- pipelines and their items --------------------------------------------------

    def section(self, prefix: str, items: Any, line: int) -> None:
        if isinstance(items, YMap) and "import" in items:
            self.notes.append(f"pipeline {prefix!r} imports {text_of(items['import'])}, "
                              "a shared pipeline from another repository; not fetched")
            return
        items = sequence(items, self.file, line, f"pipeline {prefix!r}")
        for item, item_line in items.items_with_lines():
            self.item(prefix, item, item_line, None)

    def item(self, prefix: str, item: Any, line: int, stage: _Stage | None) -> None:
        item = mapping(item, self.file, line, f"an item of pipeline {prefix!r}")
        if "step" in item:
            self.step(prefix, item["step"], line, stage)
        elif "parallel" in item:
            self.parallel(prefix, item["parallel"], item.line_of("parallel"), stage)
        elif "stage" in item:
            spec = mapping(item["stage"], self.file, item.line_of("stage"), "a stage")
            steps = spec.get("steps")
            inner = _Stage(spec)
            name = f"{prefix} > {inner.name}" if inner.name else prefix
            for sub, sub_line in sequence(steps, self.file, spec.line_of("steps"),
                                          "a stage's steps").items_with_lines():
                self.item(name, sub, sub_line, inner)
        elif "variables" in item:
            pass  # the form a custom pipeline asks for when run by hand; not work
        else:
            keys = ", ".join(map(str, item)) or "nothing"
            raise ParseError(self.file, f"an item of pipeline {prefix!r} must be a step, "
                             f"parallel or stage, found {keys}", line)

    def parallel(self, prefix: str, value: Any, line: int, stage: _Stage | None) -> None:
        # Two spellings: `parallel: [- step: ...]` and `parallel: {steps: [...], fail-fast}`.
        if isinstance(value, YMap):
            value = value.get("steps")
        items = sequence(value, self.file, line, "a parallel group")
        for item, item_line in items.items_with_lines():
            self.item(prefix, item, item_line, stage)

    # -- one Bitbucket step: a Job --------------------------------------------------

    def step(self, prefix: str, spec: Any, line: int, stage: _Stage | None) -> None:
        spec = mapping(spec, self.file, line, "a step")
        section = prefix.split(" > ", 1)[0]
        self.counts[section] = self.counts.get(section, 0) + 1
        title = text_of(spec.get("name")).strip() or f"step {self.counts[section]}"
        job_id = self._unique(f"{prefix} > {title}")
        steps = tuple(s for key in SCRIPT_KEYS for s in self.commands(spec, key, job_id))
        notes: list[str] = []
        manual = text_of(spec.get("trigger")).strip() == "manual"
        environment = text_of(spec.get("deployment")) or None
        if stage is not None:
            if stage.first:
                manual = manual or stage.manual
                environment = environment or stage.environment
            elif stage.manual or stage.environment:
                notes.append("runs after the stage's first step, which holds its gate")
            stage.first = False
        if not steps:
            notes.append("no script")
        size = text_of(spec.get("size")).strip()
        if size:
            notes.append(f"size {size}")
        self.jobs.append(Job(
            id=job_id, name=title, file=self.file, line=line, steps=steps,
            runner=self._runner(spec), manual=manual, environment=environment,
            notes=tuple(notes),
        ))

    def commands(self, spec: YMap, key: str, job_id: str) -> list[Step]:
        value = spec.get(key)
        if not isinstance(value, YList):
            return [self._script_step(text, ln, job_id, spec.file)
                    for text, ln in script_items(spec, key, f"a step's {key}")]
        found: list[Step] = []
        for item, line in value.items_with_lines():
            if item is None:
                continue
            if isinstance(item, YMap) and "pipe" in item:
                found.append(self.pipe(item, line, job_id, value.file))
            elif isinstance(item, YList):
                found.extend(self._script_step(text, ln, job_id, value.file)
                             for text, ln in flatten(item, f"a step's {key}"))
            else:
                text = item_text(item, value.file, line, f"a step's {key}")
                found.append(self._script_step(text, line, job_id, value.file))
        return found

    def pipe(self, item: YMap, line: int, job_id: str, file: str) -> Step:
        uses = text_of(item["pipe"]).strip()
        if not uses:
            raise ParseError(file, "a pipe needs a name", line)
        variables = item.get("variables")
        if variables is not None and not isinstance(variables, YMap):
            raise ParseError(file, f"a pipe's variables must be a mapping, found "
                             f"{describe(variables)}", item.line_of("variables"))
        inputs = inputs_of(variables)
        return Step(file=file, line=line, job=job_id, name=uses,
                    text=uses + render_inputs(inputs), uses=uses, inputs=inputs)

    def _script_step(self, text: str, line: int, job_id: str, file: str) -> Step:
        return Step(file=file, line=line, job=job_id, name=step_name(None, text, "command"),
                    text=text)

    def _runner(self, spec: YMap) -> str | None:
        runs_on = spec.get("runs-on")
        if runs_on is not None:
            return text_of(runs_on) or None
        return _image(spec.get("image")) or self.default_image

    def runs_on(self, start: int, trigger: Trigger) -> None:
        """The jobs added since ``start`` run on ``trigger`` alone (their section's)."""
        self.jobs[start:] = [replace(job, triggers=(trigger,)) for job in self.jobs[start:]]

    def _unique(self, job_id: str) -> str:
        candidate, n = job_id, 2
        while candidate in self.ids:
            candidate, n = f"{job_id} ({n})", n + 1
        self.ids.add(candidate)
        return candidate


def _section_condition(section: str, pattern: str) -> str:
    if section == "custom":
        return (f"custom pipeline {pattern!r}: run by hand (or by a schedule set in "
                "Bitbucket, which the file does not show)")
    if section in ("branches", "bookmarks") and not any(
            fnmatchcase(name, pattern) for name in ("main", "master")):
        return (f"{section}: {pattern} (not the default branch: its pushes are counted as "
                "changes, the file cannot tell how often that branch moves)")
    return f"{section}: {pattern}"


def _image(value: Any) -> str | None:
    if isinstance(value, YMap):
        return text_of(value.get("name")) or None
    return text_of(value) or None


def parse_pipelines(source: Source) -> Pipeline:
    document = load_mapping(source.text, source.path)
    pipelines = document.get("pipelines")
    if not isinstance(pipelines, YMap):
        raise ParseError(source.path, "bitbucket-pipelines.yml needs a 'pipelines' mapping, "
                         f"found {describe(pipelines)}", document.line_of("pipelines"))
    builder = _Builder(source, document)
    triggers: list[Trigger] = []
    for section, value in pipelines.items():
        line = pipelines.line_of(section)
        event = SECTION_EVENTS.get(section)
        if event is None:
            builder.notes.append(f"unknown pipelines section {section!r} ignored")
            continue
        triggers.append(Trigger(event, line))
        if section == "default":
            start = len(builder.jobs)
            builder.section("default", value, line)
            builder.runs_on(start, Trigger(event, line, condition=(
                "default pipeline: pushes to branches without a pipeline of their own")))
            continue
        named = mapping(value, source.path, line, f"pipelines.{section}")
        for pattern, items in named.items():
            start = len(builder.jobs)
            builder.section(f"{section} {pattern}", items, named.line_of(pattern))
            builder.runs_on(start, Trigger(event, named.line_of(pattern),
                                           condition=_section_condition(section, str(pattern))))
    definitions = document.get("definitions")
    shared = definitions.get("pipelines") if isinstance(definitions, YMap) else None
    if isinstance(shared, YMap):
        # Pipelines shared with other repositories run when those import them.
        for name, items in shared.items():
            builder.section(f"shared {name}", items, shared.line_of(name))
    return Pipeline(path=source.path, format=FORMAT_NAME, jobs=tuple(builder.jobs),
                    triggers=tuple(triggers), notes=tuple(dict.fromkeys(builder.notes)))


class BitbucketPipelines:
    name = FORMAT_NAME
    globs = (f"**/{FILE_NAME}",)

    def claims(self, path: str) -> bool:
        return basename(path) == FILE_NAME and not in_foreign_dir(path)

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        return parse_pipelines(source)


@hookimpl
def register_formats(register: Any) -> None:
    register(BitbucketPipelines())
