"""CircleCI: ``.circleci/config.yml`` (and other configs in ``.circleci/``, e.g. the
continuation config of a dynamic ``setup: true`` pipeline).

What is reported (TAXONOMY: each item of ``jobs.<id>.steps`` and of ``commands.<id>.steps``
is a step):

* every item of a job's ``steps`` at the line of its ``-``; an item that calls a reusable
  command, wraps steps (``when``/``unless``) or inserts a ``steps`` parameter is one step
  of the job, and its text is the text of the steps it runs, so a backend sees what the
  call does;
* every item of ``commands.<id>.steps`` once, as a step of a pseudo job ``commands.<id>``
  (the command's text is written there, whichever jobs call it), marked ``reusable``: it
  is never scheduled by itself, its work runs (and is costed) at the calling steps;
* a workflow job with ``type: approval`` as a manual Job without steps, at its entry.

``<< parameters.x >>`` and ``<< pipeline.parameters.x >>`` are replaced where the default
(or the caller's argument) is a literal; anything else is left as written.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import yaml

from xops_lens.errors import Declined, ParseError
from xops_lens.formats._yamlshape import kind_of, text_of
from xops_lens.formats.circleci.steps import (
    CircleCIDocument,
    Scope,
    literal_params,
    steps_params,
)
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Job, Pipeline, Source, Step, Trigger
from xops_lens.yamlload import YList, YMap, as_bool, load_documents

FORMAT_NAME = "circleci"
CONFIG_DIR = ".circleci/"
TOP_KEYS = frozenset({"jobs", "workflows", "commands", "executors", "orbs"})
MAX_MATRIX = 10_000
# Combinations times exclude entries compared (10,000 x 3,000 took 35 s: hostile input).
MAX_MATRIX_WORK = 1_000_000


def _matrix_size(matrix: Any) -> int:
    if not isinstance(matrix, YMap):
        return 1
    params = matrix.get("parameters")
    if not isinstance(params, YMap):
        return 1
    axes = [list(v) if isinstance(v, list) else [v] for v in params.values()]
    size = 1
    for axis in axes:
        size *= max(1, len(axis))
    excludes = matrix.get("exclude")
    if isinstance(excludes, list) and size <= MAX_MATRIX \
            and size * len(excludes) > MAX_MATRIX_WORK:
        size -= len(excludes)  # too many to compare: each exclude names one combination
    elif isinstance(excludes, list) and size <= MAX_MATRIX:
        names = list(params)
        combos = [dict(zip(names, combo)) for combo in itertools.product(*axes)]
        for exclude in excludes:
            if isinstance(exclude, dict):
                combos = [c for c in combos if not all(
                    k in c and text_of(c[k]) == text_of(v) for k, v in exclude.items())]
        size = len(combos)
    return max(1, size)


@dataclass
class _Invocation:
    name: str
    line: int
    args: YMap | None
    workflow: str


def _workflow_entries(config: CircleCIDocument) -> Iterator[tuple[str, Any, int, str]]:
    """(job reference, its arguments, line, workflow) of every workflow job entry."""
    workflows = config.doc.get("workflows")
    if workflows is None:
        return
    if not isinstance(workflows, YMap):
        raise ParseError(config.file, f"'workflows' must be a mapping, found {kind_of(workflows)}",
                         config.doc.line_of("workflows"))
    for wf_name, workflow in workflows.items():
        if wf_name == "version" or not isinstance(workflow, YMap):
            continue
        entries = workflow.get("jobs")
        if entries is None:
            continue
        if not isinstance(entries, YList):
            raise ParseError(config.file, f"'jobs' of workflow {wf_name!r} must be a list, "
                                          f"found {kind_of(entries)}", workflow.line_of("jobs"))
        for entry, line in entries.items_with_lines():
            if isinstance(entry, str):
                yield entry, None, line, wf_name
            elif isinstance(entry, YMap) and len(entry) == 1:
                ref, args = next(iter(entry.items()))
                if args is not None and not isinstance(args, YMap):
                    raise ParseError(config.file, f"workflow job {ref!r} takes a mapping of "
                                                  f"settings, found {kind_of(args)}", line)
                yield ref, args, line, wf_name
            else:
                raise ParseError(config.file, "a workflow job must be a name or a mapping with "
                                              f"one key, found {kind_of(entry)}", line)


def _triggers(config: CircleCIDocument) -> tuple[Trigger, ...]:
    workflows = config.doc.get("workflows")
    triggers: list[Trigger] = []
    pushed = False
    if isinstance(workflows, YMap):
        for wf_name, workflow in workflows.items():
            if wf_name == "version" or not isinstance(workflow, YMap):
                continue
            scheduled = False
            items = workflow.get("triggers")
            if isinstance(items, YList):
                for item, line in items.items_with_lines():
                    schedule = item.get("schedule") if isinstance(item, YMap) else None
                    if isinstance(schedule, YMap):
                        scheduled = True
                        triggers.append(Trigger("schedule", line,
                                                cron=text_of(schedule.get("cron")) or None))
            if not scheduled and not pushed:
                pushed = True
                triggers.append(Trigger("push", workflows.line_of(wf_name)))
    if not pushed and not triggers:
        # Without workflows (config version 2.0) a push runs the job named "build".
        triggers.append(Trigger("push", config.doc.line_of("jobs")))
    return tuple(triggers)


def _workflow_triggers(config: CircleCIDocument) -> dict[str, list[Trigger]]:
    """Each workflow's own schedules (legacy ``triggers: - schedule:``); a workflow
    without one runs on pushes (not listed here)."""
    workflows = config.doc.get("workflows")
    found: dict[str, list[Trigger]] = {}
    if not isinstance(workflows, YMap):
        return found
    for wf_name, workflow in workflows.items():
        items = workflow.get("triggers") if isinstance(workflow, YMap) else None
        if isinstance(items, YList):
            for item, line in items.items_with_lines():
                schedule = item.get("schedule") if isinstance(item, YMap) else None
                if isinstance(schedule, YMap):
                    found.setdefault(wf_name, []).append(
                        Trigger("schedule", line, cron=text_of(schedule.get("cron")) or None))
    return found


def _filter(filters: Any, key: str) -> tuple[list[str], list[str]] | None:
    """The ``only`` and ``ignore`` patterns of a ``filters.branches`` or ``.tags``."""
    spec = filters.get(key) if isinstance(filters, YMap) else None
    if not isinstance(spec, YMap):
        return None

    def listed(value: Any) -> list[str]:
        if isinstance(value, (list, tuple)):
            return [text_of(v) for v in value]
        return [text_of(value)] if value is not None else []

    return listed(spec.get("only")), listed(spec.get("ignore"))


def _matches(pattern: str, name: str) -> bool:
    """A CircleCI filter pattern: a /regex/ matched whole, else an exact name."""
    pattern = pattern.strip()
    if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
        try:
            return re.fullmatch(pattern[1:-1], name) is not None
        except re.error:
            return True
    return pattern == name


def _invocation_triggers(inv: _Invocation, schedules: dict[str, list[Trigger]]
                         ) -> list[Trigger]:
    """When one workflow entry runs its job (CircleCI: its workflow's trigger, then the
    entry's filters: every branch and no tag unless a tag filter says so)."""
    where = f"workflow {inv.workflow}"
    if inv.workflow in schedules:
        return [replace(t, condition=f"{where} runs on its schedule")
                for t in schedules[inv.workflow]]
    filters = inv.args.get("filters") if isinstance(inv.args, YMap) else None
    found: list[Trigger] = []
    branches = _filter(filters, "branches")
    if branches is None:
        found.append(Trigger("push", inv.line, condition=where))
    else:
        only, ignore = branches
        default = [b for b in ("main", "master")
                   if (not only or any(_matches(p, b) for p in only))
                   and not any(_matches(p, b) for p in ignore)]
        if default:
            found.append(Trigger("push", inv.line, condition=f"{where}, filters: branches"))
        elif only and not any(_matches(p, "main") or _matches(p, "master") for p in ignore):
            found.append(Trigger("push", inv.line, condition=(
                f"{where}, filters: branches only {', '.join(only)} (not the default branch: "
                "its pushes are counted as changes, the file cannot tell how often it moves)")))
    tags = _filter(filters, "tags")
    if tags is not None and tags[0]:
        found.append(Trigger("tag", inv.line, condition=f"{where}, filters: tags only "
                                                        f"{', '.join(tags[0])}"))
    return found


def _job_triggers(invocations: list[_Invocation], schedules: dict[str, list[Trigger]]
                  ) -> tuple[Trigger, ...]:
    """A job's triggers over all its workflow entries: a job entered N times in a
    workflow runs N times per run of it."""
    counted: dict[tuple[str, str | None, str | None], tuple[Trigger, int]] = {}
    for inv in invocations:
        for trigger in _invocation_triggers(inv, schedules):
            key = (trigger.event, trigger.cron, trigger.condition)
            first, times = counted.get(key, (trigger, 0))
            counted[key] = (first, times + 1)
    return tuple(replace(t, times=n) for t, n in counted.values())


def parse_config(source: Source, document: YMap) -> Pipeline:
    config = CircleCIDocument(document, source.path)
    invocations: dict[str, list[_Invocation]] = {}
    gates: list[Job] = []
    schedules = _workflow_triggers(config)
    has_workflows = isinstance(document.get("workflows"), YMap)
    for ref, args, line, workflow in _workflow_entries(config):
        if isinstance(args, YMap) and text_of(args.get("type")) == "approval":
            name = text_of(args.get("name")) or ref
            gate_triggers = _job_triggers([_Invocation(ref, line, args, workflow)], schedules)
            gates.append(Job(id=name, name=name, file=source.path, line=line, manual=True,
                             needs=_requires(args), notes=(f"approval in workflow {workflow!r}",),
                             triggers=gate_triggers))
            continue
        invocations.setdefault(ref, []).append(_Invocation(ref, line, args, workflow))
        if isinstance(args, YMap):
            for key, value in args.items():
                if isinstance(value, YList):
                    config.step_args.setdefault((ref, key), []).append((value, line))

    jobs: list[Job] = []
    for cmd_id, command in config.commands.items():
        if not isinstance(command, YMap):
            raise ParseError(source.path, f"command {cmd_id!r} must be a mapping, found "
                                          f"{kind_of(command)}", config.commands.line_of(cmd_id))
        scope = Scope(literal_params(command.get("parameters")), config.pipeline_params)
        job_id = f"commands.{cmd_id}"
        steps = config.steps(command.get("steps"), command.line_of("steps"), job_id, scope,
                             f"command {cmd_id!r}", steps_params(command.get("parameters")))
        jobs.append(Job(id=job_id, name=f"command {cmd_id}", file=source.path,
                        line=config.commands.line_of(cmd_id), steps=tuple(steps),
                        notes=("reusable command: its steps run in the jobs that call it",),
                        reusable=True))
    for job_id, spec in config.jobs.items():
        job = _job(config, job_id, spec, invocations.get(job_id, []))
        if has_workflows:
            # A job that no workflow runs never runs (CircleCI 2.1 runs workflows only).
            job = replace(job, triggers=_job_triggers(invocations.get(job_id, []), schedules),
                          notes=job.notes if job_id in invocations
                          else (*job.notes, "in no workflow: never runs"))
        jobs.append(job)
    notes: list[str] = []
    if as_bool(document.get("setup")):
        notes.append("dynamic configuration (setup: true): the pipeline continues with a "
                     "configuration generated at run time")
    for orb_name, orb in config.orbs.items():
        if isinstance(orb, str):
            notes.append(f"orb {orb_name} ({orb}) not fetched: its commands are reported as "
                         "called")
    triggers = _triggers(config)
    tags = next((t for job in jobs + gates for t in job.triggers or () if t.event == "tag"),
                None)
    if tags is not None:
        triggers += (Trigger("tag", tags.line),)
    return Pipeline(path=source.path, format=FORMAT_NAME, jobs=tuple(jobs + gates),
                    triggers=triggers, notes=tuple(notes))


def _requires(args: YMap | None) -> tuple[str, ...]:
    if not isinstance(args, YMap):
        return ()
    value = args.get("requires")
    if isinstance(value, list):
        return tuple(text_of(v) for v in value)
    return (text_of(value),) if value else ()


def _job(config: CircleCIDocument, job_id: str, spec: Any, invocations: list[_Invocation]) -> Job:
    line = config.jobs.line_of(job_id)
    if not isinstance(spec, YMap):
        raise ParseError(config.file, f"job {job_id!r} must be a mapping, found {kind_of(spec)}",
                         line)
    params = literal_params(spec.get("parameters"))
    scope = Scope(params, config.pipeline_params)
    notes: list[str] = []
    steps: list[Step] = []
    job_type = text_of(spec.get("type"))
    if job_type in ("no-op", "approval", "release", "lock", "unlock"):
        notes.append(f"job of type {job_type}: no steps")
    else:
        steps = config.steps(spec.get("steps"), spec.line_of("steps"), job_id, scope,
                             f"job {job_id!r}", steps_params(spec.get("parameters")))
    parallelism = text_of(spec.get("parallelism")).strip()
    width = int(parallelism) if parallelism.isdigit() else 1
    matrix = max((_matrix_size(inv.args.get("matrix")) for inv in invocations
                  if isinstance(inv.args, YMap)), default=1)
    if len(invocations) > 1:
        notes.append(f"invoked {len(invocations)} times in workflows")
    needs = tuple(dict.fromkeys(r for inv in invocations for r in _requires(inv.args)))
    return Job(
        id=job_id, name=job_id, file=config.file, line=line, steps=tuple(steps),
        matrix_size=max(1, width) * matrix, runner=config.runner(spec, scope),
        manual=job_type == "approval", needs=needs, notes=tuple(notes),
    )


def _rename_duplicate_anchors(text: str) -> str:
    """The text with each redefined anchor (and the aliases after it) renamed.

    YAML lets an anchor be defined again, an alias naming the latest definition, and
    CircleCI accepts such files; PyYAML refuses them. Renaming keeps every line in place.
    """
    seen: dict[str, int] = {}
    current: dict[str, str] = {}
    edits: list[tuple[int, int, str]] = []
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.AnchorToken):
                count = seen.get(token.value, 0)
                seen[token.value] = count + 1
                current[token.value] = token.value if count == 0 else f"{token.value}__{count}"
                if count:
                    edits.append((token.start_mark.index, token.end_mark.index,
                                  "&" + current[token.value]))
            elif isinstance(token, yaml.AliasToken) and current.get(token.value, token.value) \
                    != token.value:
                edits.append((token.start_mark.index, token.end_mark.index,
                              "*" + current[token.value]))
    except yaml.YAMLError:
        return text
    for start, end, new in reversed(edits):
        text = text[:start] + new + text[end:]
    return text


def _documents(source: Source) -> list[Any]:
    try:
        return load_documents(source.text, source.path)
    except ParseError as exc:
        if "occurrence" not in exc.message:
            raise
        return load_documents(_rename_duplicate_anchors(source.text), source.path)


class CircleCI:
    name = FORMAT_NAME
    globs = (".circleci/*.yml", ".circleci/*.yaml")

    def claims(self, path: str) -> bool:
        if not path.startswith(CONFIG_DIR):
            return False
        rest = path[len(CONFIG_DIR):]
        return "/" not in rest and rest.endswith((".yml", ".yaml"))

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        main = source.path in (".circleci/config.yml", ".circleci/config.yaml")
        documents = [d for d in _documents(source) if d is not None]
        # Other files in .circleci/ are often scripts' data (test suites, orb sources):
        # only a file shaped like a config is one.
        if not main and (len(documents) != 1 or not isinstance(documents[0], YMap)
                         or not (TOP_KEYS & set(documents[0]))):
            raise Declined(source.path)
        if not documents:
            raise ParseError(source.path, "the file is empty (no YAML document)")
        if len(documents) > 1:
            raise ParseError(source.path, "expected one YAML document, found several")
        document = documents[0]
        if not isinstance(document, YMap):
            raise ParseError(source.path, "expected a mapping at the top level, found "
                                          f"{kind_of(document)}", 1)
        if not (TOP_KEYS & set(document)):
            raise ParseError(source.path, "a CircleCI config needs 'jobs' or 'workflows'",
                             document.line)
        return parse_config(source, document)


@hookimpl
def register_formats(register: Any) -> None:
    register(CircleCI())
