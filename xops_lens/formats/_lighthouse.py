"""Jenkins X Lighthouse's ``image: uses:<source>`` steps in Tekton tasks.

Lighthouse (jenkins-x/lighthouse, docs/pipelines.md) expands a step whose ``image`` is
``uses:<source>`` before Tekton sees it: ``<source>`` is a Task, Pipeline or
PipelineRun file, given as ``owner/repo/path.yaml@ref`` (a git repository, GitHub by
default: ``jenkins-x/jx3-pipeline-catalog/tasks/go/pullrequest.yaml@versionStream``, the
Jenkins X pipeline catalogue), as a URL, or as a path of the repository itself. A
step with no ``name`` takes every step of that file; a step with a ``name`` takes the
step of that name (``build-make-linux``; ``build-container-build:wine`` is a second
copy of ``build-container-build``). A step without an ``image`` inherits the
``stepTemplate``'s, so a task is often written as one ``stepTemplate.image: uses:...``
and a list of step names. A step that also gives a ``script``, ``command`` or ``args``
overrides the borrowed step's command with its own.

The source is never fetched (a scan stays offline and reads only the scanned tree): a
borrowed step is reported as one step that ``uses`` the source, with the step's name
as its ``step`` input, so the backends judge it by the catalogue's path and the name.

Lighthouse starts the pipelines of ``.lighthouse/<name>/`` as that folder's
``triggers.yaml`` says: each ``presubmits`` and ``postsubmits`` entry names its
pipeline file in ``source`` (relative to the folder).
"""

from __future__ import annotations

import posixpath
from functools import lru_cache

from xops_lens.errors import ParseError
from xops_lens.formats._yamlshape import render_inputs
from xops_lens.model import Source, Step, Trigger
from xops_lens.yamlload import YList, YMap, as_bool, load_mapping

PREFIX = "uses:"


def uses_source(image: str) -> str | None:
    """The source an ``image: uses:<source>`` names, None for a container image."""
    if not image.startswith(PREFIX):
        return None
    return image[len(PREFIX):].strip() or None


def borrowed_step(source: str, name: str, *, file: str, line: int, job: str) -> Step:
    """The step ``name`` of ``source`` (every step of it when ``name`` is empty)."""
    inputs: tuple[tuple[str, str], ...] = ()
    if name:
        # `build-container-build:wine` is another copy of `build-container-build`
        inputs = (("step", name.split(":", 1)[0].strip() or name),)
    else:
        name = posixpath.basename(source.split("@", 1)[0]).rsplit(".", 1)[0] or source
    return Step(file=file, line=line, job=job, name=name, text=source + render_inputs(inputs),
                uses=source, inputs=inputs)


TRIGGERS_FILE = "triggers.yaml"


def _triggers_file(path: str) -> tuple[str, str] | None:
    """``(.lighthouse/<name>/triggers.yaml, path relative to .lighthouse/<name>/)`` for a
    file of a Lighthouse folder, None elsewhere."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != ".lighthouse" or parts[-1] == TRIGGERS_FILE:
        return None
    return f".lighthouse/{parts[1]}/{TRIGGERS_FILE}", "/".join(parts[2:])


def lighthouse_triggers(source: Source, line: int, notes: list[str]
                        ) -> tuple[list[Trigger], str | None]:
    """The events that start a pipeline file of ``.lighthouse/<name>/``, as the
    ``triggers.yaml`` beside it says (its ``presubmits`` run on pull requests, or on a
    ``/test`` comment unless ``always_run`` or ``run_if_changed``; its ``postsubmits``
    on pushes), and that file's path when it names this one. ``line``: where the
    triggers are reported in the pipeline file."""
    found = _triggers_file(source.path)
    if found is None or found[0] not in source.local_paths():
        return [], None
    config_path, own = found
    try:
        entries = _entries(config_path, source.read_local(config_path))
    except ParseError as exc:
        notes.append(f"{config_path} not read: {exc.message}")
        return [], None
    triggers: list[Trigger] = []
    for path, event in entries:
        if path == own and event not in {t.event for t in triggers}:
            triggers.append(Trigger(event, line))
    return triggers, config_path if triggers else None


# Every pipeline file of a folder reads the same triggers.yaml: parsed once, not once
# per file (a folder of a thousand files beside a large triggers.yaml stays cheap).
@lru_cache(maxsize=8)
def _entries(config_path: str, text: str) -> tuple[tuple[str, str], ...]:
    """(the pipeline file relative to the folder, its event) of each trigger entry."""
    spec = load_mapping(text, config_path).get("spec")
    found: list[tuple[str, str]] = []
    for key, default_event in (("presubmits", "pull_request"), ("postsubmits", "push")):
        entries = spec.get(key) if isinstance(spec, YMap) else None
        for entry in entries if isinstance(entries, YList) else ():
            path = _source_path(entry.get("source")) if isinstance(entry, YMap) else None
            if path is None:
                continue
            event = default_event
            if key == "presubmits" and not as_bool(entry.get("always_run")) \
                    and not entry.get("run_if_changed"):
                event = "issue_comment"  # runs when someone comments /test <name>
            found.append((path, event))
    return tuple(found)


def _source_path(value: object) -> str | None:
    if not isinstance(value, str) or "://" in value or "@" in value:
        return None  # another repository's file or a URL: not this one
    value = value.strip()
    return posixpath.normpath(value.removeprefix("./")) if value else None
