"""Cirrus CI: ``.cirrus.yml``.

Each ``*_task`` (or ``task``) and each ``docker_builder`` (a task in a VM with Docker)
is a Job, and a key written several times is a task each time, as Cirrus reads it. The
instructions are the steps, written as keys in the order they run: ``*_script`` (or a
bare ``script``) and ``*_background_script`` are commands, ``*_cache`` restores a
folder before and saves it after (information, by the rubric's cache rule),
``*_artifacts`` uploads files. Instructions under ``always:``, ``on_success:``,
``on_failure:`` and ``on_timeout:`` run at the end. A step's line is its key's line. A
task whose ``matrix:`` entries hold instructions of their own is one Job per entry, the
entry's instructions where its ``matrix:`` is written. ``.cirrus.star`` is a Starlark
program: reported as found, not analysed.
"""

from __future__ import annotations

from typing import Any

from xops_lens.errors import ParseError
from xops_lens.formats._yamlshape import (
    basename,
    flatten,
    in_foreign_dir,
    mapping,
    names,
    step_name,
    text_of,
)
from xops_lens.formats._runconds import (
    Compare,
    Cond,
    compare_text,
    is_default,
    judge,
    narrowed,
    parse_expression,
    regex_default,
)
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Job, Pipeline, Source, Step, Trigger
from xops_lens.yamlload import YList, YMap, load_mapping_pairs

FORMAT_NAME = "cirrus"
YAML_FILES = (".cirrus.yml", ".cirrus.yaml")
STARLARK_FILE = ".cirrus.star"
LATER_BLOCKS = ("always", "on_success", "on_failure", "on_timeout")
INSTRUCTION_SUFFIXES = ("script", "_cache", "_artifacts")
DOCKER_BUILDER = "docker_builder"
RUNNERS = ("container", "arm_container", "windows_container", "macos_instance",
           "freebsd_instance", "gce_instance", "ec2_instance", "compute_engine_instance",
           "persistent_worker", "aks_container", "gke_container", "eks_container")


def _script(key: str, value: Any, owner: YMap) -> str:
    if isinstance(value, YMap):
        # The long form: `build_script: {script: ..., shell: ...}`-like settings.
        value = value.get("script", value.get("command"))
    if isinstance(value, YList):
        return "\n".join(text for text, _ in flatten(value, key))
    if isinstance(value, dict):
        raise ParseError(owner.file, f"{key} must be a command or a list of commands",
                         owner.line_of(key))
    return text_of(value)


def _instruction(key: str, value: Any, owner: YMap, job_id: str) -> list[Step] | None:
    line = owner.line_of(key)
    file = owner.file
    # A bare `script:` is an instruction too (Cirrus names it `main`).
    if key.endswith(("_background_script", "_script")) or key in ("script", "background_script"):
        if key.startswith("fingerprint"):
            return None
        stem = key.rsplit("_script", 1)[0].removesuffix("_background")
        items = value.get("script", value.get("command")) if isinstance(value, YMap) else value
        if isinstance(items, YList) and not key.endswith("background_script"):
            # a list of commands: each item is a step, as in GitLab's `script:` (the
            # rubric's unit; a label names the item's line)
            return [Step(file=file, line=item_line, job=job_id,
                         name=step_name(None, stem, key) or key, text=text)
                    for text, item_line in flatten(items, key)] or None
        text = _script(key, value, owner)
        return [Step(file=file, line=line, job=job_id, name=step_name(None, stem, key) or key,
                     text=text or stem)]
    if key.endswith("_cache"):
        folder = text_of(value.get("folder") or value.get("folders")) \
            if isinstance(value, YMap) else text_of(value)
        populate = _script("populate_script", value.get("populate_script"), value) \
            if isinstance(value, YMap) and "populate_script" in value else ""
        text = f"cache {folder}" + (f"\n{populate}" if populate else "")
        return [Step(file=file, line=line, job=job_id, name=key, text=text,
                     kind_hint="cache-restore")]
    if key.endswith("_artifacts"):
        path = text_of(value.get("path")) if isinstance(value, YMap) else text_of(value)
        return [Step(file=file, line=line, job=job_id, name=key,
                     text=f"upload artifacts {path}", kind_hint="artifact-upload")]
    return None


def _steps(task: YMap, job_id: str, variant: YMap | None = None) -> list[Step]:
    steps: list[Step] = []
    later: list[Step] = []

    def add(owner: YMap) -> None:
        for key, value in owner.items():
            if key in LATER_BLOCKS:
                block = mapping(value, owner.file, owner.line_of(key), key)
                later.extend(s for k, v in block.items()
                             for s in _instruction(k, v, block, job_id) or ())
            elif key == "matrix" and variant is not None and owner is task:
                add(variant)
            elif (found := _instruction(str(key), value, owner, job_id)) is not None:
                steps.extend(found)

    add(task)
    return steps + later


def _has_instructions(entry: YMap) -> bool:
    return any(str(key).endswith(INSTRUCTION_SUFFIXES) or key in LATER_BLOCKS for key in entry)


def _width(value: Any, depth: int = 0) -> int:
    """Product of every ``matrix:`` list in a task (settings may hold their own)."""
    if depth > 5 or not isinstance(value, YMap):
        return 1
    width = 1
    for key, item in value.items():
        if key == "matrix" and isinstance(item, list):
            width *= max(1, len(item))
        elif isinstance(item, YMap) and not str(key).endswith(("_script", "_cache")):
            width *= _width(item, depth + 1)
    return width


def _runner(task: YMap, document: YMap) -> str | None:
    for source in (task, document):
        for key in RUNNERS:
            value = source.get(key)
            if value is not None:
                detail = value.get("image") or value.get("image_family") or value.get("image_name") \
                    if isinstance(value, YMap) else value
                return f"{key} {text_of(detail)}".strip()
    return None


def _is_task(key: str) -> bool:
    return key in ("task", DOCKER_BUILDER) or key.endswith(("_task", f"_{DOCKER_BUILDER}"))


def _jobs(key: str, task: Any, line: int, document: YMap, taken: set[str]) -> list[Job]:
    task = mapping(task, document.file, line, f"task {key!r}")
    matrix = task.get("matrix")
    variants = [entry for entry in matrix if isinstance(entry, YMap)] \
        if isinstance(matrix, YList) else []
    # Cirrus makes one task of each entry merged into the task: entries that only set
    # variables or a machine widen the matrix; entries with instructions of their own are
    # tasks that run different steps, so each is reported with the steps it runs.
    if not any(_has_instructions(entry) for entry in variants):
        return [_job(key, task, line, document, taken)]
    width = _width(task) // max(1, len(matrix))
    return [_job(key, task, line, document, taken, variant, width) for variant in variants]


BASE = (Trigger("push", 1), Trigger("pull_request", 1))
_MENTIONS = (("tag", "CIRRUS_TAG"), ("schedule", "CIRRUS_CRON"))
DEFAULT = "$CIRRUS_DEFAULT_BRANCH"
PR_BRANCH = "pull/?"  # Cirrus sets CIRRUS_BRANCH to pull/<number> in a pull request


def _value(name: str, event: str) -> tuple[bool, str | None]:
    """(known, value) of a Cirrus variable in a kind of run; "?" a set value the file
    cannot name (a tag's or a cron's name, a pull request's number)."""
    name = name.strip().removeprefix("$").strip("{}")
    on_branch = event in ("push", "schedule", "api")
    values = {
        "CIRRUS_BRANCH": DEFAULT if on_branch else (PR_BRANCH if event == "pull_request" else None),
        "CIRRUS_BASE_BRANCH": DEFAULT if event == "pull_request" else None,
        "CIRRUS_TAG": "?" if event == "tag" else None,
        "CIRRUS_PR": "?" if event == "pull_request" else None,
        "CIRRUS_CRON": "?" if event == "schedule" else None,
        "CIRRUS_DEFAULT_BRANCH": DEFAULT,
    }
    return (name in values, values.get(name))


def _atom(atom: object, event: str) -> bool | None:
    assert isinstance(atom, Compare)
    known, value = _value(atom.left, event)
    if not known:
        return None
    if atom.op is None:  # a bare variable: set and not empty
        return value is not None
    right = atom.right if isinstance(atom.right, str) else ""
    if right.startswith("$"):
        right_known, right_value = _value(right, event)
        if not right_known:
            return None
        right = right_value or ""
    if value == DEFAULT and atom.op in ("==", "!=") and right != DEFAULT:
        return is_default(right) == (atom.op == "==")
    if value == DEFAULT and atom.op in ("=~", "!~"):
        found = regex_default(right)
        return None if found is None else found == (atom.op == "=~")
    if value == PR_BRANCH and atom.op in ("==", "!=") and not right.startswith("pull/"):
        return atom.op == "!="
    if value in ("?", PR_BRANCH):  # set to a name the file cannot tell
        if atom.op in ("==", "!=") and right == "":
            return atom.op == "!="
        return True if atom.op in ("==", "=~") else None
    return compare_text(value, atom.op, right)


def _own(task: YMap, line: int) -> tuple[Trigger, ...] | None:
    """The task's runs under ``only_if:`` (it runs when it holds) and ``skip:`` (it is
    skipped when it holds), per kind of run; None without either."""
    parts: list[Cond] = []
    shown: list[str] = []
    unread = False
    for key in ("only_if", "skip"):
        text = task.get(key)
        if text is None or isinstance(text, bool):
            if text is True:
                parts.append(Cond("atom", atom=Compare("", None)) if key == "skip" else
                             Cond("and", ()))
            continue
        written = text_of(text).strip()
        shown.append(f"{key}: {written}")
        cond = parse_expression(written)
        if cond is None:
            unread = True
        else:
            parts.append(cond if key == "only_if" else Cond("not", (cond,)))
    if not shown:
        return None
    holds = judge(parts, _atom, unread)

    written = " ".join(shown)
    extras = [Trigger(event, line) for event, name in _MENTIONS if name in written]
    return narrowed(BASE, extras, holds, "; ".join(shown))


def _job(key: str, task: YMap, line: int, document: YMap, taken: set[str],
         variant: YMap | None = None, width: int = 1) -> Job:
    if key in ("task", DOCKER_BUILDER):
        default = "main" if key == "task" else key
    else:
        default = key.removesuffix("_task").removesuffix(f"_{DOCKER_BUILDER}")
    named = variant if variant is not None and (variant.get("name") or variant.get("alias")) \
        else task
    job_id = text_of(named.get("name") or named.get("alias")).strip() or default
    base, n = job_id, 2
    while job_id in taken:
        job_id, n = f"{base} ({n})", n + 1
    taken.add(job_id)
    steps = _steps(task, job_id, variant)
    settings = variant if variant is not None and "trigger_type" in variant else task
    manual = text_of(settings.get("trigger_type")).strip() == "manual"
    runner = (_runner(variant, YMap(line, document.file)) if variant is not None else None) \
        or _runner(task, document)
    if runner is None and key.endswith(DOCKER_BUILDER):
        runner = DOCKER_BUILDER
    matrix_size = _width(task) if variant is None else width * _width(variant)
    return Job(id=job_id, name=job_id, file=document.file, line=line, steps=tuple(steps),
               matrix_size=matrix_size, runner=runner, manual=manual,
               needs=names(task.get("depends_on")),
               notes=() if steps else ("no instructions",),
               triggers=_own(variant if variant is not None and (
                   "only_if" in variant or "skip" in variant) else task, line))


def parse_cirrus(source: Source) -> Pipeline:
    if basename(source.path) == STARLARK_FILE:
        return Pipeline(path=source.path, format=FORMAT_NAME, notes=(
            ("Starlark config (.cirrus.star) is not analysed: it is a program that "
            "generates the tasks, so its steps are only known when it runs"),))
    document, entries = load_mapping_pairs(source.text, source.path)
    jobs: list[Job] = []
    notes: list[str] = []
    taken: set[str] = set()
    for key, value, line in entries:
        if _is_task(key):
            jobs.extend(_jobs(key, value, line, document, taken))
        elif key == "pipe" or key.endswith("_pipe"):
            notes.append(f"{key} (a Docker pipe) is not analysed")
    # Cirrus builds every push and pull request; cron builds are set in its settings.
    return Pipeline(path=source.path, format=FORMAT_NAME, jobs=tuple(jobs),
                    triggers=BASE,
                    notes=tuple(notes))


class Cirrus:
    name = FORMAT_NAME
    globs = tuple(f"**/{name}" for name in (*YAML_FILES, STARLARK_FILE))

    def claims(self, path: str) -> bool:
        name = basename(path)
        return (name in YAML_FILES or name == STARLARK_FILE) and not in_foreign_dir(path)

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        return parse_cirrus(source)


@hookimpl
def register_formats(register: Any) -> None:
    register(Cirrus())
