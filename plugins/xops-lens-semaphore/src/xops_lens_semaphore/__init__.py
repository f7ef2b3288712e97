"""Semaphore CI (``.semaphore/*.yml``) as an xops-lens format plugin.

Everything a plugin needs comes from ``xops_lens.sdk`` and ``xops_lens.yamlload``;
it touches no private part of xops-lens.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from xops_lens.sdk import Job, ParseError, Pipeline, Source, Step, hookimpl
from xops_lens.yamlload import YList, YMap, load_mapping

__version__ = "0.1.0"

FORMAT_NAME = "semaphore"
FOLDER = ".semaphore/"

# Semaphore's toolbox commands say what they do; backends need not guess.
TOOLBOX_HINTS: tuple[tuple[str, str], ...] = (
    ("checkout", "checkout"),
    ("cache restore", "cache-restore"),
    ("cache store", "cache-save"),
    ("artifact pull", "artifact-download"),
    ("artifact push", "artifact-upload"),
    ("sem-version", "toolchain"),
    ("sem-service start", "toolchain"),
    ("test-results publish", "report"),
)


def _hint(command: str) -> str | None:
    words = command.split()
    for prefix, kind in TOOLBOX_HINTS:
        parts = prefix.split()
        if words[: len(parts)] == parts:
            return kind
    return None


def _mapping(value: Any, path: str, line: int, what: str) -> YMap:
    if not isinstance(value, YMap):
        raise ParseError(path, f"{what} must be a mapping", line)
    return value


def _commands(holder: Any, path: str, job_id: str) -> Iterator[Step]:
    if not isinstance(holder, YMap):
        return
    commands = holder.get("commands")
    if commands is None:
        return
    if not isinstance(commands, YList):
        raise ParseError(path, "'commands' must be a list", holder.line_of("commands"))
    for command, line in commands.items_with_lines():
        if not isinstance(command, str) or not command.strip():
            continue
        yield Step(file=path, line=line, job=job_id, name=command.strip().splitlines()[0],
                   text=command, kind_hint=_hint(command))


def _width(job: YMap) -> int:
    parallelism = job.get("parallelism")
    if isinstance(parallelism, str) and parallelism.isdigit():
        return max(1, int(parallelism))
    matrix = job.get("matrix")
    if isinstance(matrix, YList):
        sizes = [len(e["values"]) for e in matrix
                 if isinstance(e, YMap) and isinstance(e.get("values"), YList)]
        return max(1, math.prod(sizes)) if sizes else 1
    return 1


def _runner(document: YMap) -> str | None:
    agent = document.get("agent")
    machine = agent.get("machine") if isinstance(agent, YMap) else None
    if isinstance(machine, YMap) and isinstance(machine.get("type"), str):
        return machine["type"]
    return None


def _block_jobs(block: YMap, path: str, runner: str | None) -> Iterator[Job]:
    name = block.get("name") if isinstance(block.get("name"), str) else f"block@{block.line}"
    task = _mapping(block.get("task"), path, block.line_of("task"), f"block {name!r}: 'task'")
    jobs = task.get("jobs")
    if not isinstance(jobs, YList):
        raise ParseError(path, f"block {name!r}: 'jobs' must be a list", task.line_of("jobs"))
    epilogue = task.get("epilogue")
    for spec, line in jobs.items_with_lines():
        spec = _mapping(spec, path, line, "a job")
        job_id = f"{name} / {spec.get('name') or line}"
        steps = list(_commands(task.get("prologue"), path, job_id))
        steps += _commands(spec, path, job_id)
        if isinstance(epilogue, YMap):
            for phase in ("always", "on_pass", "on_fail"):
                steps += _commands(epilogue.get(phase), path, job_id)
        deps = block.get("dependencies")
        yield Job(id=job_id, name=job_id, file=path, line=line, steps=tuple(steps),
                  matrix_size=_width(spec), runner=runner,
                  needs=tuple(d for d in deps if isinstance(d, str)) if isinstance(deps, YList) else ())


def _promotions(document: YMap, path: str) -> Iterator[Job]:
    promotions = document.get("promotions")
    if not isinstance(promotions, YList):
        return
    for spec, line in promotions.items_with_lines():
        spec = _mapping(spec, path, line, "a promotion")
        target = spec.get("pipeline_file")
        automatic = "auto_promote" in spec or "auto_promote_on" in spec
        yield Job(id=f"promote: {spec.get('name') or line}", name=str(spec.get("name") or line),
                  file=path, line=line, manual=not automatic,
                  calls=f"{FOLDER}{target}" if isinstance(target, str) else None)


def parse(source: Source) -> Pipeline:
    document = load_mapping(source.text, source.path)
    blocks = document.get("blocks")
    if not isinstance(blocks, YList):
        raise ParseError(source.path, "a Semaphore pipeline needs a 'blocks' list", document.line)
    runner = _runner(document)
    jobs: list[Job] = []
    for block, line in blocks.items_with_lines():
        jobs.extend(_block_jobs(_mapping(block, source.path, line, "a block"), source.path, runner))
    jobs.extend(_promotions(document, source.path))
    return Pipeline(path=source.path, format=FORMAT_NAME, jobs=tuple(jobs))


class SemaphoreFormat:
    name = FORMAT_NAME
    globs = (".semaphore/*.yml", ".semaphore/*.yaml")

    def claims(self, path: str) -> bool:
        return path.startswith(FOLDER) and "/" not in path[len(FOLDER):] and path.endswith(
            (".yml", ".yaml"))

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        return parse(source)


@hookimpl
def register_formats(register: Callable[[Any], None]) -> None:
    register(SemaphoreFormat())
