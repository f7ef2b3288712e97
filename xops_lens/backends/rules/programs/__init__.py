"""The programs the rules know, one module per family, merged here.

Each family module declares ``PROGRAMS`` (a tuple of :class:`~..program.Program`) and
may declare ``DIRECTIVES`` (how a :class:`~..program.Via` table entry is read). This
module merges them into the lookups the reader uses and refuses, at import, a program
or directive that two declarations claim: what the tool believes about one program is
in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import ModuleType

from xops_lens.backends.rules.data.azure import AZURE_FILE_TASKS, AZURE_TASKS
from xops_lens.backends.rules.program import Directive, Fallback, Program, Table, Via
from xops_lens.backends.rules.programs import (
    checkers,
    ci_tools,
    cloud,
    containers,
    docs,
    dotnet,
    forges,
    go,
    http,
    javascript,
    jvm,
    languages,
    native,
    packages,
    packaging,
    powershell,
    python,
    release,
    remote,
    rust,
    shells,
    system,
    targets,
    utilities,
    wrappers,
)

__all__ = ["AZURE_FILE_TASKS", "AZURE_TASKS", "COMMANDS", "DIRECTIVES", "FALLBACKS", "FAMILIES",
           "OPTIONS", "PROGRAMS", "TASK_RUNNERS", "UTILITIES", "DuplicateProgram", "RegistryError",
           "merge"]

FAMILIES: tuple[ModuleType, ...] = (
    python, javascript, rust, go, jvm, dotnet, native, languages, docs, containers, cloud,
    forges, release, ci_tools, http, remote, packaging, checkers, packages, system,
    powershell, shells, wrappers, utilities, targets,
)

# What reads a program no family declares, in order, before its words are read:
# a tool named for moving files given a bucket, then a PowerShell `Verb-Noun`.
FALLBACKS: tuple[Fallback, ...] = (cloud.storage_tool, powershell.cmdlet)


class RegistryError(Exception):
    """The families' declarations do not merge into one set of rules."""


class DuplicateProgram(RegistryError):
    """Two declarations claim one program name (or one directive)."""


def merge(families: Iterable[tuple[str, Iterable[Program], Mapping[Via, Directive]]]
          ) -> tuple[dict[str, Program], dict[Via, Directive]]:
    """The programs and directives of ``families`` (name, programs, directives) by key;
    a key declared twice raises :class:`DuplicateProgram` naming both declarers."""
    programs: dict[str, Program] = {}
    owners: dict[str, str] = {}
    directives: dict[Via, Directive] = {}
    directive_owners: dict[Via, str] = {}
    for family, declared, ways in families:
        for program in declared:
            if program.name in programs:
                raise DuplicateProgram(f"program {program.name!r} is declared by both "
                                       f"{owners[program.name]} and {family}")
            programs[program.name] = program
            owners[program.name] = family
        for via, directive in ways.items():
            if via in directives:
                raise DuplicateProgram(f"directive {via.name} is declared by both "
                                       f"{directive_owners[via]} and {family}")
            directives[via] = directive
            directive_owners[via] = family
    return programs, directives


PROGRAMS, DIRECTIVES = merge(
    (family.__name__.rsplit(".", 1)[-1], family.PROGRAMS, getattr(family, "DIRECTIVES", {}))
    for family in FAMILIES)

# The lookups the reader needs, derived once.
COMMANDS: dict[str, Table] = {n: p.table for n, p in PROGRAMS.items() if p.table is not None}
UTILITIES: dict[str, str] = {n: p.utility for n, p in PROGRAMS.items() if p.utility is not None}
TASK_RUNNERS: frozenset[str] = frozenset(n for n, p in PROGRAMS.items() if p.task_runner)
OPTIONS: dict[str, frozenset[str]] = {}
for _name, _program in PROGRAMS.items():
    if _program.options:
        OPTIONS[_name] = _program.options
    for _sub, _valued in _program.sub_options.items():
        OPTIONS[f"{_name} {_sub}"] = _valued

_unread = [via for via in Via if via not in DIRECTIVES]
if _unread:  # a table entry no family knows how to read
    raise RegistryError(f"no family reads {', '.join(v.name for v in _unread)}")
