"""Buildkite: ``.buildkite/pipeline.yml`` and the other pipeline files beside it.

Every item of ``steps`` is a step of the rubric: command, block, input, wait, trigger,
and a group together with its inner steps. Each command step is scheduled on an agent
of its own, so each item becomes a Job holding that one Step; the Job carries the
item's width (``parallelism`` x ``matrix``), agents, ``depends_on`` and, for a trigger,
the pipeline it calls. A ``block`` or ``input`` is a human gate written as a step (the
rubric reports those on the step, with kind_hint "approve"); a ``wait`` waits for the
steps before it, which the rubric files under information/metadata.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from xops_lens.errors import Declined, ParseError
from xops_lens.formats._buildkite_if import conditions, step_triggers
from xops_lens.formats._yamlshape import (
    YAML_SUFFIXES,
    basename,
    describe,
    first_line,
    in_foreign_dir,
    positive_int,
    render_inputs,
    sequence,
    short,
    text_of,
)
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Job, Pipeline, Source, Step, Trigger
from xops_lens.yamlload import YList, YMap, load_documents

FORMAT_NAME = "buildkite"
FOLDER = ".buildkite/"
ROOT_FILES = ("buildkite.yml", "buildkite.yaml")
MAIN_FILES = ("pipeline.yml", "pipeline.yaml")
GATES = ("block", "input", "manual")  # `manual` is the old name of `block`
WAITS = ("wait", "waiter")
MAX_ENUMERATED = 10_000
# Buildkite's default pipeline settings build pushes and pull requests.
BASE = (Trigger("push", 1), Trigger("pull_request", 1))


def _label(item: YMap) -> str:
    for key in ("label", "name", "key", "identifier", "id"):
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _plugins(value: Any, file: str, line: int) -> list[tuple[str, Any]]:
    """``plugins`` as (name, config) pairs, from the list or the older map form."""
    if value is None:
        return []
    if isinstance(value, YMap):
        return list(value.items())
    if not isinstance(value, YList):
        raise ParseError(file, f"plugins must be a list, found {describe(value)}", line)
    found: list[tuple[str, Any]] = []
    for item, item_line in value.items_with_lines():
        if isinstance(item, str):
            found.append((item, None))
        elif isinstance(item, YMap):
            found.extend(item.items())
        elif item is not None:
            raise ParseError(file, f"a plugin must be a name or a mapping, found "
                             f"{describe(item)}", item_line)
    return found


def _commands(item: YMap) -> str:
    for key in ("commands", "command", "script"):
        value = item.get(key)
        if isinstance(value, YList):
            return "\n".join(text_of(v) for v in value if v is not None)
        if isinstance(value, YMap):
            raise ParseError(item.file, f"{key} must be a command or a list of commands, "
                             "found a mapping", item.line_of(key))
        if value is not None:
            return text_of(value)
    return ""


def _setup_combinations(setup: Any) -> list[dict[str, str]] | int:
    """Combinations of a matrix ``setup``; a count when they are too many to list."""
    if isinstance(setup, YList):
        return [{"": text_of(v)} for v in setup]
    if not isinstance(setup, YMap):
        return 1
    axes = {k: [text_of(v) for v in vs] if isinstance(vs, list) else [text_of(vs)]
            for k, vs in setup.items()}
    count = 1
    for values in axes.values():
        count *= max(1, len(values))
    if count > MAX_ENUMERATED:
        return count
    return [dict(zip(axes, combo)) for combo in itertools.product(*axes.values())]


def matrix_width(value: Any) -> int:
    """How many jobs a ``matrix`` makes: setup combinations, minus skipped adjustments,
    plus adjustments that add a combination the setup does not have."""
    if isinstance(value, YList):
        return max(1, len(value))
    if not isinstance(value, YMap):
        return 1
    combos = _setup_combinations(value.get("setup"))
    if isinstance(combos, int):
        return combos
    keys = [tuple(sorted(c.items())) for c in combos]
    width = len(keys)
    adjustments = value.get("adjustments")
    for adjustment in adjustments if isinstance(adjustments, list) else ():
        if not isinstance(adjustment, YMap):
            continue
        with_ = adjustment.get("with")
        combo = tuple(sorted((str(k), text_of(v)) for k, v in with_.items())) \
            if isinstance(with_, YMap) else (("", text_of(with_)),)
        skipped = adjustment.get("skip") not in (None, "false", False)
        if combo in keys:
            width -= 1 if skipped else 0
        elif not skipped:
            width += 1
    return max(1, width)


def _agents(value: Any) -> str | None:
    if isinstance(value, YMap):
        return " ".join(f"{k}={text_of(v)}" for k, v in value.items()) or None
    if isinstance(value, YList):
        return " ".join(text_of(v) for v in value) or None
    return text_of(value) or None


def _needs(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if isinstance(item, YMap):
            item = item.get("step")
        if item is not None and not isinstance(item, (dict, list)):
            found.append(text_of(item))
    return tuple(found)


class _Builder:
    def __init__(self, file: str, default_agents: str | None,
                 base: tuple[Trigger, ...] | None = None) -> None:
        self.file = file
        self.base = base  # the pipeline's runs, when known: steps' conditions narrow them
        self.outer: list[tuple[str, Any, Any]] = []  # if:/branches: of the groups around
        self.default_agents = default_agents
        self.jobs: list[Job] = []
        self.ids: set[str] = set()

    def _unique(self, job_id: str) -> str:
        candidate, n = job_id, 2
        while candidate in self.ids:
            candidate, n = f"{job_id} ({n})", n + 1
        self.ids.add(candidate)
        return candidate

    def steps(self, items: Any, line: int, prefix: str = "") -> list[Step]:
        items = sequence(items, self.file, line, "steps")
        return [self.item(item, item_line, prefix) for item, item_line in
                items.items_with_lines() if item is not None]

    def item(self, item: Any, line: int, prefix: str) -> Step:
        if isinstance(item, str) and item.strip() in (*WAITS, *GATES):
            spec = YMap(line, self.file)
            spec[item.strip()] = None
            item = spec
        if not isinstance(item, YMap):
            raise ParseError(self.file, "a step must be a mapping (or wait, block, input), "
                             f"found {describe(item)}", line)
        kind = text_of(item.get("type")).strip()
        if "group" in item:
            return self.group(item, line, prefix)
        if any(k in item for k in WAITS) or kind == "waiter":
            return self.add(item, line, prefix, "wait", Step(
                file=self.file, line=line, job="", name="wait", text="wait",
                kind_hint="metadata"))
        gate = next((k for k in GATES if k in item), "block" if kind == "manual" else None)
        if gate is not None:
            return self.add(item, line, prefix, gate, self.gate(item, line, gate))
        if "trigger" in item:
            return self.trigger(item, line, prefix)
        return self.command(item, line, prefix)

    def add(self, item: YMap, line: int, prefix: str, default: str, step: Step,
            calls: str | None = None, notes: tuple[str, ...] = (),
            at: int | None = None) -> Step:
        title = _label(item) or step.name or default
        job_id = self._unique(prefix + (text_of(item.get("key")).strip() or title))
        size = matrix_width(item.get("matrix")) * (positive_int(item.get("parallelism")) or 1)
        # Waits, gates, triggers and groups take no agent of their own.
        runner = None if step.kind_hint in ("metadata", "approve") or calls or at is not None \
            else _agents(item.get("agents")) or self.default_agents
        step = replace(step, job=job_id)
        written = self.outer + conditions(item)
        triggers = step_triggers(self.base, written, line) \
            if self.base is not None and written else None
        job = Job(id=job_id, name=title, file=self.file, line=line, steps=(step,),
                  matrix_size=size, runner=runner, needs=_needs(item.get("depends_on")),
                  calls=calls, notes=notes, triggers=triggers)
        self.jobs.insert(len(self.jobs) if at is None else at, job)
        return step

    def gate(self, item: YMap, line: int, gate: str) -> Step:
        label = text_of(item.get(gate)).strip() or _label(item) or gate
        prompt = text_of(item.get("prompt")).strip()
        fields = item.get("fields")
        inputs = tuple((text_of(f.get("key")), text_of(f.get("text") or f.get("select")))
                       for f in fields if isinstance(f, YMap)) if isinstance(fields, list) else ()
        text = f"{gate}: {label}" + (f"\n{prompt}" if prompt else "")
        return Step(file=self.file, line=line, job="", name=label, text=text, inputs=inputs,
                    kind_hint="approve")

    def trigger(self, item: YMap, line: int, prefix: str) -> Step:
        target = text_of(item.get("trigger")).strip()
        build = item.get("build")
        message = text_of(build.get("message")) if isinstance(build, YMap) else ""
        text = f"trigger pipeline {target}" + (f"\n{message}" if message else "")
        name = _label(item) or f"trigger {target}"
        step = Step(file=self.file, line=line, job="", name=name, text=text)
        return self.add(item, line, prefix, name, step, calls=target or None,
                        notes=(f"triggers pipeline {target}",))

    def command(self, item: YMap, line: int, prefix: str) -> Step:
        text = _commands(item)
        plugins = _plugins(item.get("plugins"), self.file, item.line_of("plugins"))
        uses = None
        inputs: tuple[tuple[str, str], ...] = ()
        if plugins:
            inputs = (("plugins", ", ".join(name for name, _ in plugins)),)
        if not text and plugins:
            # Without a command the first plugin is the work (docker-compose#v4 build...).
            uses = plugins[0][0]
            config = plugins[0][1]
            inputs = tuple((str(k), text_of(v)) for k, v in config.items()) \
                if isinstance(config, YMap) else ()
            text = uses + render_inputs(inputs) + "".join(f"\n{n}" for n, _ in plugins[1:])
        name = _label(item) or short(first_line(text)) or "command"
        return self.add(item, line, prefix, name, Step(
            file=self.file, line=line, job="", name=name, text=text, uses=uses, inputs=inputs))

    def group(self, item: YMap, line: int, prefix: str) -> Step:
        label = text_of(item.get("group")).strip() or _label(item) or "group"
        at = len(self.jobs)
        outer = self.outer
        self.outer = outer + conditions(item, f"group {label}")
        try:
            inner = self.steps(item.get("steps"), item.line_of("steps"), f"{prefix}{label} > ")
        finally:
            self.outer = outer
        # The group's own step reads as what its steps do, so it can be classified.
        text = "\n".join(s.text for s in inner if s.text)
        # Its work is its steps' (each a job below): marked so it is not priced twice.
        step = Step(file=self.file, line=line, job="", name=label, text=text, expanded=True)
        return self.add(item, line, prefix, label, step,
                        notes=(f"group of {len(inner)} steps, each also listed as a job",),
                        at=at)


def _document(source: Source) -> YMap | YList:
    documents = [d for d in load_documents(source.text, source.path) if d is not None]
    document = documents[0] if len(documents) == 1 else None
    if isinstance(document, YList):
        return document  # a bare list of steps is a pipeline too
    if not isinstance(document, YMap) or "steps" not in document:
        # docker-compose files, hooks settings and the like live in .buildkite/ too; the
        # main pipeline file is a pipeline, so there it is an error (hostile input).
        if not _main_file(source.path):
            raise Declined(source.path)
        if not documents:
            raise ParseError(source.path, "the file is empty (no YAML document)")
        raise ParseError(source.path, "a pipeline needs a 'steps' list at the top level, found "
                         f"{'several documents' if document is None else describe(document)}", 1)
    return document


def parse_pipeline(source: Source) -> Pipeline:
    document = _document(source)
    base = BASE if _main_file(source.path) else None
    if isinstance(document, YList):
        builder = _Builder(source.path, None, base)
        builder.steps(document, document.line)
    else:
        builder = _Builder(source.path, _agents(document.get("agents")), base)
        builder.steps(document["steps"], document.line_of("steps"))
    # Which events start a build is set in the pipeline's settings on buildkite.com, not
    # here. The pipeline a repository's builds start from is assumed to run on Buildkite's
    # default settings (build pushes and pull requests); other files are usually
    # uploaded by a step or run as pipelines of their own, started we cannot tell how.
    if _main_file(source.path):
        return Pipeline(path=source.path, format=FORMAT_NAME, jobs=tuple(builder.jobs),
                        triggers=BASE,
                        notes=(("triggers assumed from Buildkite's default pipeline settings "
                               "(build pushes and pull requests)"),))
    return Pipeline(path=source.path, format=FORMAT_NAME, jobs=tuple(builder.jobs),
                    notes=(("builds are started by the pipeline's settings in Buildkite or by "
                           "an upload step; the file does not say which events"),))


def _main_file(path: str) -> bool:
    """The file Buildkite's default first step uploads (pipeline.yml in .buildkite/)."""
    name = basename(path)
    return name in ROOT_FILES or path.endswith(tuple(f"{FOLDER}{n}" for n in MAIN_FILES))


class Buildkite:
    name = FORMAT_NAME
    globs = ("**/.buildkite/**/*.yml", "**/.buildkite/**/*.yaml", "**/buildkite.yml",
             "**/buildkite.yaml")

    def claims(self, path: str) -> bool:
        if not path.endswith(YAML_SUFFIXES):
            return False
        if f"/{FOLDER}" in f"/{path}":
            return True
        return basename(path) in ROOT_FILES and not in_foreign_dir(path)

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        return parse_pipeline(source)


@hookimpl
def register_formats(register: Any) -> None:
    register(Buildkite())

