"""AppVeyor: ``appveyor.yml`` / ``.appveyor.yml``.

The rubric's steps are the items of each phase list (``install``, ``build_script``, ...),
written as strings or as ``- cmd:`` / ``- ps:`` / ``- pwsh:`` / ``- sh:`` items; each
``artifacts`` entry and each ``deploy`` provider is a step too. When no ``build_script``
is given and ``build:`` is not ``off``, AppVeyor runs MSBuild: that is reported as one
step at the ``build:`` line. The whole file is one Job whose width is the build matrix
(``environment.matrix`` x ``image`` x ``platform`` x ``configuration``); each ``for:``
entry that replaces phases for some branches or matrix jobs is a Job of its own.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from xops_lens.errors import ParseError
from xops_lens.formats._yamlshape import (
    basename,
    describe,
    in_foreign_dir,
    mapping,
    step_name,
    text_of,
)
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Job, Pipeline, Source, Step, Trigger
from xops_lens.yamlload import YList, YMap, load_documents, load_mapping

FORMAT_NAME = "appveyor"
FILE_NAMES = ("appveyor.yml", ".appveyor.yml")

# In the order AppVeyor runs them.
PHASES = ("init", "clone_script", "install", "before_build", "build_script", "after_build",
          "before_test", "test_script", "after_test", "before_package", "artifacts",
          "before_deploy", "deploy_script", "deploy", "after_deploy", "on_success",
          "on_failure", "on_finish")
SHELLS = ("cmd", "ps", "pwsh", "sh")
PUBLISH_PROVIDERS = frozenset({"github", "nuget", "npm", "webdeploy-package", "pypi"})
MATRIX_AXES = ("image", "os", "platform", "configuration")
MAX_COMBINATIONS = 10_000


def _off(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in {"off", "false"}


def _command(item: Any, file: str, line: int, phase: str) -> tuple[str, str | None]:
    """(command, shell) of one phase item: a string, or a one-shell mapping."""
    if isinstance(item, str):
        return item, None
    if isinstance(item, YMap):
        for shell in SHELLS:
            if shell in item:
                return text_of(item[shell]), shell
        if len(item) == 1:
            # An unquoted `- echo a: b` reads as a mapping; it is a command to its author.
            ((key, value),) = item.items()
            return f"{key}: {text_of(value)}", None
    raise ParseError(file, f"each item of {phase} must be a command or a cmd/ps/sh mapping, "
                     f"found {describe(item)}", line)


def _items(owner: YMap, phase: str) -> list[tuple[Any, int]]:
    value = owner[phase]
    if value is None or _off(value):
        return []
    if isinstance(value, YList):
        return [(item, line) for item, line in value.items_with_lines() if item is not None]
    if isinstance(value, YMap) and phase in ("deploy", "artifacts"):
        return [(value, owner.line_of(phase))]
    if isinstance(value, (YMap, YList)):
        raise ParseError(owner.file, f"{phase} must be a list, found {describe(value)}",
                         owner.line_of(phase))
    return [(value, owner.line_of(phase))]


def _artifact(item: Any, file: str, line: int, job_id: str) -> Step:
    if isinstance(item, YMap):
        path = text_of(item.get("path"))
        name = text_of(item.get("name")) or path
    else:
        path = name = text_of(item)
    return Step(file=file, line=line, job=job_id, name=f"artifact {name}",
                text=f"upload artifact {path}", kind_hint="artifact-upload")


def _provider(item: Any, file: str, line: int, job_id: str) -> Step:
    entry = mapping(item, file, line, "a deploy provider")
    provider = text_of(entry.get("provider")).strip() or "unknown"
    inputs = tuple((str(k), "<secure>" if isinstance(v, YMap) and "secure" in v else text_of(v))
                   for k, v in entry.items() if k != "provider")
    hint = "publish" if provider.lower() in PUBLISH_PROVIDERS else "deploy"
    return Step(file=file, line=line, job=job_id, name=f"deploy to {provider}",
                text=f"deploy {provider}" + "".join(f"\n  {k}: {v}" for k, v in inputs),
                uses=provider, inputs=inputs, kind_hint=hint)


def _phase_steps(owner: YMap, phase: str, job_id: str) -> list[Step]:
    steps = []
    for item, line in _items(owner, phase):
        if phase == "artifacts":
            steps.append(_artifact(item, owner.file, line, job_id))
        elif phase == "deploy":
            steps.append(_provider(item, owner.file, line, job_id))
        else:
            text, shell = _command(item, owner.file, line, phase)
            steps.append(Step(file=owner.file, line=line, job=job_id,
                              name=step_name(None, text, phase), text=text,
                              inputs=(("shell", shell),) if shell else ()))
    return steps


def _msbuild(owner: YMap, job_id: str, notes: list[str]) -> list[Step]:
    """AppVeyor's own MSBuild run, when the file asks for it instead of a build_script."""
    build = owner.get("build")
    if "build_script" in owner or _off(build):
        if _off(build):
            notes.append("build: off (no MSBuild step)")
        return []
    if not isinstance(build, YMap):
        return []
    project = text_of(build.get("project")).strip()
    return [Step(file=owner.file, line=owner.line_of("build"), job=job_id,
                 name=f"MSBuild {project}".strip(), text=f"msbuild {project}".strip(),
                 uses="msbuild", kind_hint="build")]


def _steps(owner: YMap, job_id: str, notes: list[str]) -> tuple[Step, ...]:
    steps: list[Step] = []
    for phase in PHASES:
        if phase == "after_build":
            steps.extend(_msbuild(owner, job_id, notes))
        if phase in owner:
            steps.extend(_phase_steps(owner, phase, job_id))
    if _off(owner.get("test")):
        notes.append("test: off")
    return tuple(steps)


def _combinations(document: YMap) -> list[dict[str, str]]:
    """Every job of the build matrix, as the settings that tell it apart."""
    environment = document.get("environment")
    entries: Any = environment.get("matrix") if isinstance(environment, YMap) else environment
    # A list under `environment` (or `environment.matrix`) is one job per item.
    rows = [{str(k): text_of(v) for k, v in e.items()} if isinstance(e, YMap) else {}
            for e in entries] if isinstance(entries, list) and entries else [{}]
    for axis in MATRIX_AXES:
        value = document.get(axis)
        if isinstance(value, list) and value:
            rows = [{**row, axis: text_of(v)} for row in rows for v in value]
        if len(rows) > MAX_COMBINATIONS:
            break
    return rows


def _matches(row: dict[str, str], condition: Any) -> bool:
    return isinstance(condition, YMap) and all(
        row.get(str(k)) == text_of(v) for k, v in condition.items())


def _width(document: YMap, notes: list[str]) -> int:
    rows = _combinations(document)
    matrix = document.get("matrix")
    if isinstance(matrix, YMap) and len(rows) <= MAX_COMBINATIONS:
        only, exclude = matrix.get("only"), matrix.get("exclude")
        if isinstance(only, list) and only:
            rows = [r for r in rows if any(_matches(r, c) for c in only)]
        if isinstance(exclude, list):
            rows = [r for r in rows if not any(_matches(r, c) for c in exclude)]
    elif len(rows) > MAX_COMBINATIONS:
        notes.append("large matrix: only/exclude not applied")
    return max(1, len(rows))


def _runner(document: YMap) -> str | None:
    return text_of(document.get("image") or document.get("os")) or None


def _for_jobs(document: YMap, source: Source) -> list[Job]:
    """``for:`` entries that replace phases on some branches or some matrix jobs."""
    value = document.get("for")
    if value is None:
        return []
    if not isinstance(value, YList):
        raise ParseError(source.path, f"for must be a list, found {describe(value)}",
                         document.line_of("for"))
    jobs = []
    for n, (entry, line) in enumerate(value.items_with_lines(), 1):
        entry = mapping(entry, source.path, line, "a for entry")
        if not any(phase in entry for phase in PHASES) and "build" not in entry:
            continue
        condition = {k: text_of(entry[k]) for k in ("branches", "matrix") if k in entry}
        label = "; ".join(f"{k} {v}" for k, v in condition.items()) or f"entry {n}"
        job_id = f"for {label}"
        notes = [f"replaces these phases of the main job for {label}"]
        jobs.append(Job(id=job_id, name=job_id, file=source.path, line=line,
                        steps=_steps(entry, job_id, notes),
                        runner=_runner(entry) or _runner(document), notes=tuple(notes)))
    return jobs


DEFAULT_BRANCHES = ("main", "master")  # names a default branch is taken to have


def _branch_matches(pattern: Any, branch: str) -> bool | None:
    """A ``branches`` entry: a name, or a /regular expression/ (AppVeyor's syntax)."""
    text = text_of(pattern).strip()
    if len(text) > 1 and text.startswith("/") and text.endswith("/"):
        try:
            return re.search(text[1:-1], branch) is not None
        except re.error:
            return None
    return text == branch


def _takes_default_branch(branches: Any) -> tuple[bool, str]:
    """Whether a configuration's ``branches:`` filter admits the default branch, and the
    filter in words."""
    if not isinstance(branches, YMap):
        return True, ""
    only, skip = branches.get("only"), branches.get("except")
    if isinstance(only, list) and only:
        shown = ", ".join(text_of(p) for p in only)
        return any(_branch_matches(p, b) for p in only for b in DEFAULT_BRANCHES), \
            f"branches only: {shown}"
    if isinstance(skip, list) and skip:
        shown = ", ".join(text_of(p) for p in skip)
        return not any(_branch_matches(p, b) for p in skip for b in DEFAULT_BRANCHES), \
            f"branches except: {shown}"
    return True, ""


def _configuration(document: YMap, source: Source, prefix: str) -> list[Job]:
    notes: list[str] = []
    steps = _steps(document, f"{prefix}main", notes)
    width = _width(document, notes)
    main = Job(id=f"{prefix}main", name=f"{prefix}main", file=source.path,
               line=document.line if prefix else 1, steps=steps, matrix_size=width,
               runner=_runner(document), notes=tuple(notes))
    extra = [replace(job, id=f"{prefix}{job.id}", name=f"{prefix}{job.name}",
                     steps=tuple(replace(step, job=f"{prefix}{job.id}") for step in job.steps))
             for job in _for_jobs(document, source)] if prefix else _for_jobs(document, source)
    return [main, *extra]


def _runs_of(document: YMap, taken: bool) -> tuple[Trigger, ...] | None:
    """When a configuration's jobs run: AppVeyor builds pushes and pull requests (of the
    default branch) with the first configuration whose ``branches:`` admits the branch;
    a configuration for other branches gets their pushes, counted as changes."""
    admits, filter_text = _takes_default_branch(document.get("branches"))
    line = document.line_of("branches") if "branches" in document else document.line
    if admits and not taken:
        if not filter_text:
            return None
        why = f"{filter_text}: admits the default branch"
        return (Trigger("push", line, condition=why), Trigger("pull_request", line,
                                                              condition=why))
    why = (f"{filter_text or 'no branches filter'}: the default branch is built by an earlier "
           f"configuration" if admits else f"{filter_text}: not the default branch")
    return (Trigger("push", line, condition=f"{why}; pushes to other branches counted as "
                                            f"changes (not decidable from the file)"),)


def parse_appveyor(source: Source) -> Pipeline:
    documents = [doc for doc in load_documents(source.text, source.path) if doc is not None]
    if len(documents) == 1 and isinstance(documents[0], YList):
        return _branch_configurations(documents[0], source)
    document = load_mapping(source.text, source.path)
    jobs = _configuration(document, source, "")
    # AppVeyor builds pushes and pull requests by default; schedules live in its UI.
    line = document.line_of("branches") if "branches" in document else 1
    own = _runs_of(document, False)
    if own is not None and len(own) == 1:  # the file's branches leave out the default
        jobs = [replace(job, triggers=own) for job in jobs]
    return Pipeline(path=source.path, format=FORMAT_NAME, jobs=tuple(jobs),
                    triggers=(Trigger("push", line), Trigger("pull_request", line)))


def _branch_configurations(items: YList, source: Source) -> Pipeline:
    """A list of configurations, each with its ``branches:`` filter (AppVeyor's
    branch-specific configuration): each is read as a pipeline of its own, its jobs
    named ``config N:``; the first that admits a branch builds it."""
    jobs: list[Job] = []
    taken = False
    for n, (item, line) in enumerate(items.items_with_lines(), 1):
        document = mapping(item, source.path, line, "a configuration of the list")
        own = _runs_of(document, taken)
        taken = taken or own is None or len(own) == 2
        jobs.extend(replace(job, triggers=own if own is not None else (
            Trigger("push", line), Trigger("pull_request", line)))
            for job in _configuration(document, source, f"config {n}: "))
    return Pipeline(path=source.path, format=FORMAT_NAME, jobs=tuple(jobs),
                    triggers=(Trigger("push", 1), Trigger("pull_request", 1)),
                    notes=(f"{len(items)} branch-specific configurations: the first whose "
                           f"branches filter admits a branch builds it",))


class AppVeyor:
    name = FORMAT_NAME
    globs = tuple(f"**/{name}" for name in FILE_NAMES)

    def claims(self, path: str) -> bool:
        return basename(path) in FILE_NAMES and not in_foreign_dir(path)

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        return parse_appveyor(source)


@hookimpl
def register_formats(register: Any) -> None:
    register(AppVeyor())
