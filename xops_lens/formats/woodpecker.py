"""Woodpecker CI: ``.woodpecker.yml`` / ``.woodpecker.yaml`` or each file of ``.woodpecker/``.

Each file is one workflow, run on one agent: a Job named after the file. The rubric's
steps are the items of ``steps`` (legacy ``pipeline:``), in the list form or the map
form (``steps: {build: {...}}``, each value a step). The workflow's top-level ``when``
gives its triggers; a ``matrix`` multiplies it.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from xops_lens.errors import ParseError
from xops_lens.formats._containers import (
    container_steps,
    event_names,
    human_deploy_only,
    matrix_width,
    own_triggers,
    runner_of,
    triggers_for,
)
from xops_lens.formats._yamlshape import YAML_SUFFIXES, basename, describe, names, text_of
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Job, Pipeline, Source, Trigger
from xops_lens.yamlload import YList, YMap, load_mapping

FORMAT_NAME = "woodpecker"
SINGLE_FILES = (".woodpecker.yml", ".woodpecker.yaml")
FOLDER = ".woodpecker/"
# Without a top-level `when`, Woodpecker runs a workflow on every event. A ``cron`` event
# needs a schedule set up on the server, which a file without `when` gives no sign of:
# counting one would price 30 scheduled runs a month into every such workflow (as Drone,
# whose default events have no cron either). An explicit `event: cron` still counts.
DEFAULT_EVENTS = ("push", "pull_request", "tag", "release", "deployment", "manual")


# Woodpecker's YAML library splices a sequence into a sequence with `- <<: *anchor`
# (standard YAML merges only mappings). Rewriting that item to `- *anchor` keeps every
# line where it was; the anchored list then sits nested, where we do not read it.
_SEQUENCE_MERGE = re.compile(r"^(\s*-\s+)<<:\s*(\*[^\s#]+)[ \t]*(#.*)?$", re.MULTILINE)


def load_workflow(text: str, path: str) -> YMap:
    try:
        return load_mapping(text, path)
    except ParseError as first:
        if not _SEQUENCE_MERGE.search(text):
            raise
        try:
            return load_mapping(_SEQUENCE_MERGE.sub(r"\1\2", text), path)
        except ParseError:
            raise first from None


def _conditions(when: Any, file: str, line: int) -> list[YMap]:
    if when is None:
        return []
    if isinstance(when, YMap):
        return [when]
    if isinstance(when, YList):
        return [c for c in when if isinstance(c, YMap)]
    raise ParseError(file, f"when must be a mapping or a list, found {describe(when)}", line)


def _events(conditions: list[YMap]) -> tuple[str, ...]:
    """Events the workflow runs on; a condition without ``event`` admits every event."""
    if not conditions:
        return DEFAULT_EVENTS
    found: list[str] = []
    for condition in conditions:
        events = event_names(condition)
        if not events:
            return DEFAULT_EVENTS
        found.extend(events)
    return tuple(dict.fromkeys(found))


def _job_id(path: str) -> str:
    name = basename(path)
    if name in SINGLE_FILES:
        return "woodpecker"
    stem, _ = posixpath.splitext(name)
    return stem


def parse_workflow(source: Source) -> Pipeline:
    document = load_workflow(source.text, source.path)
    key = "steps" if "steps" in document else "pipeline"
    if key not in document:
        raise ParseError(source.path, "a Woodpecker workflow needs 'steps'", document.line)
    job_id = _job_id(source.path)
    line = document.line_of("when") if "when" in document else document.line_of(key)
    conditions = _conditions(document.get("when"), source.path, line)
    events = _events(conditions)
    triggers: list[Trigger] = []
    for trigger in triggers_for(events, line):
        if trigger.event not in {t.event for t in triggers}:
            triggers.append(trigger)
    notes = []
    services = document.get("services")
    if isinstance(services, (YMap, YList)) and services:
        notes.append(f"{len(services)} service container(s) beside the steps")
    if not conditions:
        notes.append("no top-level when: runs on every event (on a cron event too, if a "
                     "schedule is set up on the server; not counted)")
    manual = human_deploy_only(events)
    environment = ", ".join(text_of(c["environment"]) for c in conditions
                            if c.get("environment")) if manual else ""
    job = Job(
        id=job_id, name=job_id, file=source.path, line=document.line_of(key),
        steps=container_steps(document[key], source.path, document.line_of(key), job_id),
        matrix_size=matrix_width(document.get("matrix")), runner=runner_of(document),
        manual=manual, environment=environment or None,
        needs=names(document.get("depends_on")), notes=tuple(notes),
        # Each `when` condition is an alternative: its events, narrowed by its branch.
        triggers=own_triggers(conditions, lambda c: _events([c]), line, "when")
        if any("branch" in c for c in conditions) else None,
    )
    return Pipeline(path=source.path, format=FORMAT_NAME, jobs=(job,), triggers=tuple(triggers))


class Woodpecker:
    name = FORMAT_NAME
    globs = (*SINGLE_FILES, ".woodpecker/*.yml", ".woodpecker/*.yaml")

    def claims(self, path: str) -> bool:
        if path in SINGLE_FILES:
            return True
        # Woodpecker reads only the files directly in .woodpecker/ at the repository root.
        if path.startswith(FOLDER):
            rest = path[len(FOLDER):]
            return "/" not in rest and rest.endswith(YAML_SUFFIXES)
        return False

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        return parse_workflow(source)


@hookimpl
def register_formats(register: Any) -> None:
    register(Woodpecker())
