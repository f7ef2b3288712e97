"""Drone: ``.drone.yml``, one YAML document per pipeline.

Each ``kind: pipeline`` document is a Job (it runs on one runner) and the rubric's
steps are the items of its ``steps``. Drone 0.8 files (a ``pipeline:`` map of steps)
are read the same way. ``.drone.star`` and ``.drone.jsonnet`` are programs that *print*
the pipeline: they are reported as found, with a note, and not analysed.
"""

from __future__ import annotations

from typing import Any

from xops_lens.errors import ParseError
from xops_lens.formats._containers import (
    container_steps,
    event_names,
    human_deploy_only,
    own_triggers,
    runner_of,
    triggers_for,
)
from xops_lens.formats._yamlshape import basename, describe, in_foreign_dir, names, text_of
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Job, Pipeline, Source, Trigger
from xops_lens.yamlload import YMap, load_documents

FORMAT_NAME = "drone"
YAML_FILES = (".drone.yml", ".drone.yaml")
PROGRAM_FILES = {".drone.star": "Starlark", ".drone.jsonnet": "Jsonnet"}

# Drone runs a pipeline on every event unless `trigger` narrows it; these are the
# events a repository sees without anyone pressing a button.
DEFAULT_EVENTS = ("push", "pull_request", "tag")
REF_EVENTS = (("refs/heads/", "push"), ("refs/tags/", "tag"), ("refs/pull/", "pull_request"),
              ("refs/pull-requests/", "pull_request"), ("refs/merge-requests/", "pull_request"))


def _events(trigger: Any) -> tuple[str, ...]:
    """Events a pipeline runs on: written ones, else those its ``ref`` filter implies."""
    events = event_names(trigger)
    if events:
        return events
    if isinstance(trigger, YMap):
        if trigger.get("cron") is not None:
            return ("cron",)
        refs = trigger.get("ref")
        if isinstance(refs, YMap):
            refs = refs.get("include")
        found = [event for ref in names(refs) for prefix, event in REF_EVENTS
                 if ref.startswith(prefix)]
        if found:
            return tuple(dict.fromkeys(found))
    return DEFAULT_EVENTS


def _job(document: YMap, job_id: str, file: str) -> tuple[Job, list[Trigger]]:
    trigger = document.get("trigger")
    if trigger is not None and not isinstance(trigger, YMap):
        raise ParseError(file, f"trigger must be a mapping, found {describe(trigger)}",
                         document.line_of("trigger"))
    events = _events(trigger)
    line = document.line_of("trigger") if trigger is not None else document.line
    notes = []
    services = document.get("services")
    if isinstance(services, list) and services:
        notes.append(f"{len(services)} service container(s) beside the steps")
    manual = human_deploy_only(events)
    environment = None
    if manual and isinstance(trigger, YMap):
        environment = ", ".join(names(trigger.get("target"))) or None
    key = "steps" if "steps" in document else "pipeline"
    steps = container_steps(document.get(key), file, document.line_of(key), job_id)
    if not steps:
        notes.append("no steps")
    # Each pipeline of the file runs on its own trigger (events, branch filter).
    own = own_triggers([trigger], lambda _: events, line, "trigger", tags_have_no_branch=True)
    job = Job(
        id=job_id, name=job_id, file=file, line=document.line, steps=steps,
        runner=runner_of(document), manual=manual, environment=environment,
        needs=names(document.get("depends_on")), notes=tuple(notes), triggers=own,
    )
    return job, triggers_for(events, line)


def parse_drone(source: Source) -> Pipeline:
    program = PROGRAM_FILES.get(basename(source.path))
    if program is not None:
        return Pipeline(path=source.path, format=FORMAT_NAME, notes=(
            (f"{program} config ({basename(source.path)}) is not analysed: it is a program "
            "that generates the pipeline, so its steps are only known when it runs"),))
    jobs: list[Job] = []
    triggers: list[Trigger] = []
    seen: set[str] = set()
    documents = load_documents(source.text, source.path)
    if not any(document is not None for document in documents):
        raise ParseError(source.path, "the file is empty (no YAML document)")
    for document in documents:
        if document is None:
            continue
        if not isinstance(document, YMap):
            raise ParseError(source.path, f"each document must be a mapping, found "
                             f"{describe(document)}", getattr(document, "line", None))
        kind = text_of(document.get("kind")).strip()
        if kind and kind != "pipeline":
            continue  # secret, signature, template: settings, not work
        if not kind and "pipeline" not in document and "steps" not in document:
            continue
        job_id = text_of(document.get("name")).strip() or f"pipeline {len(jobs) + 1}"
        while job_id in seen:
            job_id += "'"
        seen.add(job_id)
        job, job_triggers = _job(document, job_id, source.path)
        jobs.append(job)
        # One trigger per event: each says what starts the file's pipelines at all.
        triggers.extend(t for t in job_triggers if t.event not in {u.event for u in triggers})
    notes = () if jobs else ("no pipeline documents",)
    return Pipeline(path=source.path, format=FORMAT_NAME, jobs=tuple(jobs),
                    triggers=tuple(triggers), notes=notes)


class Drone:
    name = FORMAT_NAME
    globs = tuple(f"**/{name}" for name in (*YAML_FILES, *PROGRAM_FILES))

    def claims(self, path: str) -> bool:
        name = basename(path)
        return (name in YAML_FILES or name in PROGRAM_FILES) and not in_foreign_dir(path)

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        return parse_drone(source)


@hookimpl
def register_formats(register: Any) -> None:
    register(Drone())

