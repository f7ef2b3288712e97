"""Tekton: Task, Pipeline, PipelineRun, TaskRun and StepAction documents.

Tekton files have no fixed name, so the format claims YAML under ``tekton/`` or
``.tekton/`` folders, files whose path mentions tekton, and the catalog layout
(``task/<name>/<version>/<name>.yaml``); ``parse`` then sniffs ``apiVersion:
tekton.dev/...`` and declines anything else. Any other YAML file is claimed by its
content (Jenkins X keeps PipelineRuns in ``.lighthouse/jenkins-x/``, other repositories
Tasks in ``ci/`` or ``build/``): every document a Kubernetes resource (``apiVersion``
and ``kind``) and one of them a Task, ClusterTask, Pipeline, PipelineRun, TaskRun or
StepAction of ``tekton.dev/`` (also inside a List or a TriggerTemplate); not in another
CI system's folder, nor in a folder of examples, samples, tests or docs, where Tekton
resources are the product's fixtures rather than its CI.

The rubric's steps are the items of a ``steps`` list in a Task or an inline
``taskSpec``. A Task (or TaskRun) is one Job: its steps share one pod. A Pipeline's
``tasks`` and ``finally`` items are Jobs; one that names a Task defined in the same
file, or in a local file listed by Pipelines-as-Code's ``pipelinesascode.tekton.dev/task``
annotation, gets that Task's steps (kept at the lines where they are written, and the
file reported as included); a Task from a bundle, hub or git resolver is noted as called.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from xops_lens.errors import Declined, ParseError, XopsLensError
from xops_lens.formats._lighthouse import lighthouse_triggers
from xops_lens.formats._tekton_steps import ref_name, task_steps
from xops_lens.formats._yamlshape import (
    SAMPLE_DIRS,
    YAML_SUFFIXES,
    check_step_budget,
    describe,
    in_foreign_dir,
    mapping,
    names,
    sequence,
    text_of,
)
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Job, Pipeline, Source, Step, Trigger
from xops_lens.yamlload import YMap, load_documents

FORMAT_NAME = "tekton"
TASK_KINDS = ("Task", "ClusterTask")
RUNNABLE_KINDS = frozenset({"Task", "ClusterTask", "Pipeline", "PipelineRun", "TaskRun",
                            "StepAction"})
# The cheap look before any parse: a tekton.dev/ apiVersion line and a line naming a
# runnable kind, at any indentation (a List's items, a TriggerTemplate's templates).
_API_LINE = re.compile(r"^[ \t-]*[\"']?apiVersion[\"']?[ \t]*:[ \t]*[\"']?tekton\.dev/",
                       re.MULTILINE)
_KIND_LINE = re.compile(r"^[ \t-]*[\"']?kind[\"']?[ \t]*:[ \t]*[\"']?(?:Cluster)?"
                        r"(?:Task|Pipeline|StepAction)(?:Run)?[\"']?[ \t]*(?:#.*)?\r?$",
                        re.MULTILINE)
PAC = "pipelinesascode.tekton.dev/"
# The Tekton catalog layout: task/<name>/<version>/<name>.yaml (also pipeline/, stepaction/).
CATALOG = re.compile(r"(^|/)(tasks?|pipelines?|stepactions?)/[^/]+/\d+(\.\d+)*/[^/]+\.ya?ml$")
APPROVAL_KINDS = ("ApprovalTask",)


def _tekton_documents(documents: list[Any]) -> list[YMap]:
    """Tekton resources, including those inside a List or a TriggerTemplate."""
    found: list[YMap] = []
    for document in documents:
        if not isinstance(document, YMap):
            continue
        api = text_of(document.get("apiVersion"))
        kind = text_of(document.get("kind"))
        spec = document.get("spec")
        if api.startswith("tekton.dev/"):
            found.append(document)
        elif kind == "List" and isinstance(document.get("items"), list):
            found.extend(_tekton_documents(document["items"]))
        elif api.startswith("triggers.tekton.dev/") and isinstance(spec, YMap):
            templates = spec.get("resourcetemplates")
            if isinstance(templates, list):
                found.extend(_tekton_documents(templates))
    return found


def _is_resource(document: Any) -> bool:
    return isinstance(document, YMap) and isinstance(document.get("apiVersion"), str) \
        and isinstance(document.get("kind"), str)


def claims_by_content(path: str, text: str) -> bool:
    """Whether a YAML file no format claims by path holds Tekton resources (see the
    module's docstring)."""
    if "tekton.dev/" not in text or not path.lower().endswith(YAML_SUFFIXES) \
            or in_foreign_dir(path) or not SAMPLE_DIRS.isdisjoint(path.lower().split("/")[:-1]):
        return False
    if _API_LINE.search(text) is None or _KIND_LINE.search(text) is None:
        return False
    try:
        documents = [d for d in load_documents(text, path) if d is not None]
    except XopsLensError:  # not YAML (a Helm template): not a resource file
        return False
    if not documents or not all(_is_resource(d) for d in documents):
        return False
    return any(text_of(d.get("kind")) in RUNNABLE_KINDS for d in _tekton_documents(documents))


def _name(document: YMap) -> str:
    metadata = document.get("metadata")
    if isinstance(metadata, YMap):
        name = metadata.get("name") or metadata.get("generateName")
        if name:
            return text_of(name).strip().rstrip("-")
    return text_of(document.get("kind")) or "tekton"


def _annotations(document: YMap) -> YMap:
    metadata = document.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, YMap) else None
    return annotations if isinstance(annotations, YMap) else YMap(document.line, document.file)


def _spec(document: YMap) -> YMap:
    return mapping(document.get("spec"), document.file, document.line_of("spec"),
                   f"{text_of(document.get('kind'))} spec")


def _annotation_list(value: Any) -> list[str]:
    """``"[a.yaml, b.yaml]"`` or ``"a.yaml"`` (PaC writes lists as strings)."""
    text = text_of(value).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [part.strip().strip("'\"") for part in text.split(",") if part.strip()]


class _Resolver:
    """Tasks and Pipelines this file can see: its own, and local files named by PaC."""

    def __init__(self, source: Source, documents: list[YMap], notes: list[str]) -> None:
        self.source = source
        self.notes = notes
        self.includes: list[str] = []
        self.tasks: dict[str, YMap] = {}
        self.used: set[int] = set()  # Task documents some pipeline task took steps from
        self.pipelines: dict[str, YMap] = {}
        self._loaded: set[str] = set()
        self.step_count = 0
        self._add(documents)

    def _add(self, documents: list[YMap]) -> None:
        for document in documents:
            kind = text_of(document.get("kind"))
            table = self.tasks if kind in TASK_KINDS else \
                self.pipelines if kind == "Pipeline" else None
            if table is not None:
                table.setdefault(_name(document), document)

    def use(self, document: YMap) -> None:
        """Record that a job took its steps from ``document``. Only files something
        used count as included: a named but unused Task file is still analysed alone."""
        self.used.add(id(document))
        if document.file != self.source.path and document.file not in self.includes:
            self.includes.append(document.file)

    def load_annotated(self, document: YMap) -> None:
        annotations = _annotations(document)
        for key in (f"{PAC}task", f"{PAC}pipeline"):
            for target in _annotation_list(annotations.get(key)):
                if "://" in target or not target.endswith(YAML_SUFFIXES):
                    continue  # hub task names and URLs are fetched by PaC, not read here
                path = posixpath.normpath(target.lstrip("./") if target.startswith("./")
                                          else target.lstrip("/"))
                if path in self._loaded or path == self.source.path:
                    continue
                self._loaded.add(path)
                try:
                    text = self.source.read_local(path)
                    documents = _tekton_documents(load_documents(text, path))
                except ParseError as exc:
                    self.notes.append(f"{path} (named by {key}) not read: {exc.message}")
                    continue
                self._add(documents)


def _matrix_width(matrix: Any) -> int:
    if not isinstance(matrix, YMap):
        return 1
    width = 0
    params = matrix.get("params")
    if isinstance(params, list) and params:
        width = 1
        for param in params:
            value = param.get("value") if isinstance(param, YMap) else None
            width *= max(1, len(value)) if isinstance(value, list) else 1
    include = matrix.get("include")
    if isinstance(include, list):
        width += len(include)
    return max(1, width)


def _pipeline_task(item: Any, line: int, file: str, resolver: _Resolver,
                   prefix: str) -> Job:
    task = mapping(item, file, line, "a pipeline task")
    job_id = prefix + (text_of(task.get("name")).strip() or f"task at line {line}")
    notes: list[str] = []
    steps: tuple[Step, ...] = ()
    calls = None
    manual = False
    spec = task.get("taskSpec")
    ref = task.get("taskRef")
    if spec is not None:
        spec = mapping(spec, file, task.line_of("taskSpec"), "a taskSpec")
        steps = task_steps(spec, job_id)
    elif isinstance(ref, YMap):
        kind = text_of(ref.get("kind"))
        label = ref_name(ref)
        local = resolver.tasks.get(label) if not ref.get("resolver") else None
        if kind in APPROVAL_KINDS:
            manual = True
            notes.append("approval task: waits for a person to approve")
        elif local is not None:
            steps = task_steps(_spec(local), job_id)
            # Every pipeline task that names one long Task copies its steps.
            resolver.step_count += len(steps)
            check_step_budget(resolver.step_count, file, line)
            resolver.use(local)
            calls = label
        else:
            calls = label
            resolver_name = text_of(ref.get("resolver")) or ("bundles" if ref.get("bundle")
                                                             else "")
            notes.append(f"task {label} comes from the {resolver_name} resolver; not fetched"
                         if resolver_name else
                         f"task {label} is not defined in the files read; not fetched")
    elif ref is not None:
        raise ParseError(file, f"taskRef must be a mapping, found {describe(ref)}",
                         task.line_of("taskRef"))
    elif "pipelineRef" in task or "pipelineSpec" in task:
        notes.append("runs a pipeline in pipeline; not expanded")
    return Job(id=job_id, name=job_id, file=file, line=line, steps=steps,
               matrix_size=_matrix_width(task.get("matrix")), manual=manual,
               needs=tuple(prefix + n for n in names(task.get("runAfter"))), calls=calls,
               notes=tuple(notes))


def _pipeline_jobs(spec: YMap, resolver: _Resolver, prefix: str) -> list[Job]:
    jobs = []
    for key in ("tasks", "finally"):
        if key not in spec:
            continue
        items = sequence(spec[key], spec.file, spec.line_of(key), f"pipeline {key}")
        for item, line in items.items_with_lines():
            jobs.append(_pipeline_task(item, line, spec.file, resolver, prefix))
    return jobs


def _jobs(document: YMap, resolver: _Resolver) -> list[Job]:
    kind = text_of(document.get("kind"))
    name = _name(document)
    file = document.file
    if kind in TASK_KINDS or kind == "StepAction":
        spec = _spec(document)
        steps = task_steps(spec, name) if kind != "StepAction" else \
            task_steps(spec, name, single=spec.line)
        return [Job(id=name, name=name, file=file, line=document.line, steps=steps)]
    if kind == "TaskRun":
        spec = _spec(document)
        if isinstance(spec.get("taskSpec"), YMap):
            return [Job(id=name, name=name, file=file, line=document.line,
                        steps=task_steps(spec["taskSpec"], name))]
        ref = spec.get("taskRef")
        label = ref_name(ref) if isinstance(ref, YMap) else "task"
        local = resolver.tasks.get(label)
        if local is not None:
            resolver.use(local)
        return [Job(id=name, name=name, file=file, line=document.line, calls=label,
                    steps=task_steps(_spec(local), name) if local is not None else ())]
    if kind == "Pipeline":
        return _pipeline_jobs(_spec(document), resolver, "")
    if kind == "PipelineRun":
        spec = _spec(document)
        if isinstance(spec.get("pipelineSpec"), YMap):
            return _pipeline_jobs(spec["pipelineSpec"], resolver, "")
        ref = spec.get("pipelineRef")
        label = ref_name(ref) if isinstance(ref, YMap) else "pipeline"
        local = resolver.pipelines.get(label)
        if local is not None and local.file != file:
            resolver.use(local)
            return _pipeline_jobs(_spec(local), resolver, f"{label} > ")
        if local is None:
            return [Job(id=name, name=name, file=file, line=document.line, calls=label,
                        notes=(f"pipeline {label} is not defined in the files read",))]
        return []  # the Pipeline is in this file and reported as itself
    return []


def _triggers(document: YMap) -> list[Trigger]:
    """Pipelines-as-Code events: ``on-event`` lists, or events a CEL expression tests."""
    annotations = _annotations(document)
    found: list[Trigger] = []
    for key, value in annotations.items():
        if not str(key).startswith(PAC + "on-"):
            continue
        line = annotations.line_of(key)
        option = str(key)[len(PAC):]
        if option == "on-event":
            found.extend(Trigger(e, line) for e in _annotation_list(value))
        elif option == "on-cel-expression":
            for event in re.findall(r"event\s*==\s*['\"]([\w-]+)['\"]", text_of(value)):
                found.append(Trigger(event, line))
        elif option == "on-comment":
            found.append(Trigger("issue_comment", line))
    return found


def parse_tekton(source: Source) -> Pipeline:
    if "tekton.dev/" not in source.text:
        raise Declined(source.path)
    try:
        documents = _tekton_documents(load_documents(source.text, source.path))
    except ParseError:
        if "{{" in source.text and "}}" in source.text:
            raise Declined(source.path) from None  # a Helm or other template, not YAML yet
        raise
    if not documents:
        raise Declined(source.path)
    notes: list[str] = []
    resolver = _Resolver(source, documents, notes)
    jobs: list[Job] = []
    triggers: list[Trigger] = []
    for document in documents:
        resolver.load_annotated(document)
    # Pipelines first: a Task of this file that a pipeline task runs is reported there,
    # with the pipeline's order and needs, and not a second time on its own.
    ordered = sorted(documents, key=lambda d: text_of(d.get("kind")) in TASK_KINDS)
    built: dict[int, list[Job]] = {}
    for document in ordered:
        if id(document) in resolver.used:
            continue
        built[id(document)] = _jobs(document, resolver)
    for document in documents:
        jobs.extend(built.get(id(document), ()))
        for trigger in _triggers(document):
            if trigger.event not in {t.event for t in triggers}:
                triggers.append(trigger)
    includes = resolver.includes
    if not triggers:
        triggers, config = lighthouse_triggers(source, documents[0].line, notes)
        includes += [config] if config else []
    if not triggers:
        notes.append("runs are started by Tekton Triggers, Pipelines-as-Code or by hand; "
                     "the file does not say which events")
    return Pipeline(path=source.path, format=FORMAT_NAME, jobs=tuple(jobs),
                    triggers=tuple(triggers), includes=tuple(includes),
                    notes=tuple(dict.fromkeys(notes)))


class Tekton:
    name = FORMAT_NAME
    globs = ("**/.tekton/**/*.yaml", "**/tekton/**/*.yaml", "**/*tekton*.yaml",
             "**/task/*/*/*.yaml", "**/pipeline/*/*/*.yaml")

    def claims(self, path: str) -> bool:
        if not path.endswith(YAML_SUFFIXES) or in_foreign_dir(path, own=".tekton/"):
            return False
        return "tekton" in path.lower() or CATALOG.search(path) is not None

    content_claims = ("YAML files of other names holding Tekton resources (not in "
                      "examples, samples, tests or docs)")

    def claims_content(self, path: str, text: str) -> bool:
        return claims_by_content(path, text)

    def entry(self, path: str) -> bool:
        # Pipelines-as-Code runs the files directly in .tekton/; anything else (a Task
        # file) is analysed alone only when no PipelineRun pulls it in.
        parent = posixpath.dirname(path)
        return posixpath.basename(parent) == ".tekton"

    def parse(self, source: Source) -> Pipeline:
        return parse_tekton(source)


@hookimpl
def register_formats(register: Any) -> None:
    register(Tekton())

