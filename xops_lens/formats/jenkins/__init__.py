"""Jenkins pipelines: ``Jenkinsfile`` (and any name holding it: ``Jenkinsfile.*``,
``Jenkinsfile_*``, ``*.Jenkinsfile``, ``Jmh_Jenkinsfile``), and Groovy files under a ``jenkins/`` or ``.jenkins/`` folder that hold
a ``pipeline { }`` or a ``node``.

Parser choice. A step's line is the line of its call, so the parser must know Groovy's
strings, comments and brackets. Two candidates were measured on the 34 Jenkinsfiles of
the shared corpus. dev.tsv has no Jenkins labels, so the reference is 52 step lines
checked by hand in 5 files (pinned in tests/test_jenkins.py); both sides used the same
step rules (wrappers, known steps, local receivers):

* tree-sitter-groovy 0.1.2 with tree-sitter 0.26 (PyPI; abi3 wheels for x86_64 and
  aarch64, Python 3.10-3.12; 3.2 MB installed): ERROR nodes in 10 of the 34 files, on
  ordinary Jenkins code (``"${tool "jdk"}"``, ``def (a, b) = it``, command calls with
  named arguments such as ``buildDiscarder logRotator(...)``, in one file the whole
  ``pipeline {``); 46 of 52 reference lines found, 10 lines reported that are not
  steps; 6 ms for the 5 files. (The dekobon fork fails on 32 of 34 files and needs
  Python >= 3.11.)
* the hand-written lexer and bracket tree of :mod:`.groovy` (every Groovy string kind,
  both comment kinds, iterative so hostile nesting cannot overflow the stack): 52 of
  52 found, none extra, 27 ms for the 5 files with the whole walk, 0.1 s for the whole
  corpus; no dependency. Its rules were written with these files in view, which flatters
  it; the tree-sitter misses are mostly calls swallowed by ERROR nodes.

So the hand-written parser is used, and nothing is added to the dependencies. (Measured
when block steps such as ``timeout { }`` and ``withCredentials { }`` were not yet steps;
the pinned reference now holds them too: 66 lines in the same 5 files.)
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace
from typing import Any

from xops_lens.errors import Declined, ParseError
from xops_lens.formats.jenkins.groovy import build_tree, tokenize
from xops_lens.formats.jenkins.walk import Walker
from xops_lens.formats.jenkins.when import stage_triggers
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Pipeline, Source, Trigger

FORMAT_NAME = "jenkins"
FOLDERS = frozenset({"jenkins", ".jenkins"})
NOT_GROOVY = (".md", ".txt", ".rst", ".json", ".yml", ".yaml", ".xml", ".png", ".svg", ".html",
              ".properties", ".sh", ".py", ".bat", ".ps1", ".cfg", ".ini", ".toml", ".lock")
_SNIFF = re.compile(r"\bpipeline\s*\{|\bnode\b")


# Jenkins' own cron words and the hash ``H`` (a fixed value Jenkins picks per job): the
# count of firings is what matters, so H takes the field's first value.
_JENKINS_ALIASES = {"@midnight": "@daily"}
_FIRST = ("0", "0", "1", "1", "0")
_HASH_RANGE = re.compile(r"H\((\d+)-\d+\)")


def jenkins_crons(spec: str) -> list[str]:
    """The cron expressions of a Jenkins ``cron``/``pollSCM`` spec (one per line, ``#``
    comments, ``TZ=`` lines), in standard cron: ``H`` as the field's first value."""
    found = []
    for raw in spec.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.upper().startswith("TZ="):
            continue
        line = _JENKINS_ALIASES.get(line, line)
        if line.startswith("@"):
            found.append(line)
            continue
        fields = line.split()
        fields = [_HASH_RANGE.sub(r"\1", f).replace("H/", "*/").replace(
            "H", _FIRST[i] if i < len(_FIRST) else "0") for i, f in enumerate(fields)]
        found.append(" ".join(fields))
    return found


def _triggers(tokens: list[Any]) -> tuple[Trigger, ...]:
    """``cron`` and ``pollSCM`` wherever written (``triggers { }`` or ``properties([...])``).
    A push (a webhook or branch indexing) starts a Jenkinsfile's build unless the file
    polls instead: a poll builds when it finds changes, at most once per firing."""
    found: list[Trigger] = []
    polls: list[Trigger] = []
    for i, token in enumerate(tokens):
        if token.kind != "id" or token.value not in ("cron", "pollSCM", "upstream"):
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        called = nxt is not None and nxt.value == "("
        if called:
            nxt = tokens[i + 2] if i + 2 < len(tokens) else None
        if nxt is None or nxt.kind not in ("str", "id"):
            continue
        if token.value in ("cron", "pollSCM") and nxt.kind == "str":
            event = "schedule" if token.value == "cron" else "poll"
            into = found if event == "schedule" else polls
            crons = jenkins_crons(nxt.value) or [nxt.value.strip()]
            into.extend(Trigger(event, token.line, cron=c or None) for c in crons)
        elif token.value in ("cron", "pollSCM") and called:
            # An expression from a variable or a condition: a schedule whose times the
            # file does not spell out, priced as a schedule kept elsewhere.
            if token.value == "cron":
                found.append(Trigger("schedule", token.line))
            else:
                polls.append(Trigger("poll", token.line))
        elif token.value == "upstream":
            found.append(Trigger("upstream", token.line))
    if polls:
        return (*polls, *found)
    return (Trigger("push", 1), *found)


def parse_jenkinsfile(source: Source) -> Pipeline:
    if source.path.lower().endswith(".groovy") and not _SNIFF.search(source.text):
        raise Declined(source.path)
    tokens = tokenize(source.text, source.path)
    if all(token.kind == "nl" for token in tokens):
        raise ParseError(source.path, "the file is empty (no Groovy code)")
    tree = build_tree(tokens, source.path)
    walker = Walker(source.text, source.path, tokens)
    jobs = walker.run(tree)
    notes = list(walker.notes)
    if not walker.declarative:
        notes.append("scripted pipeline: steps found by reading the Groovy code, best effort")
    loads = sorted({t.value for i, t in enumerate(tokens[2:], 2)
                    if t.kind == "str" and tokens[i - 2].value == "load"})
    notes.extend(f"loads {path}: not read" for path in loads)
    triggers = _triggers(tokens)
    whens = {b.id: b.when for b in walker.jobs if b.when}
    jobs = [replace(job, triggers=stage_triggers(triggers, whens[job.id], job.line))
            if job.id in whens else job for job in jobs]
    return Pipeline(path=source.path, format=FORMAT_NAME, jobs=tuple(jobs),
                    triggers=triggers, notes=tuple(notes))


class Jenkins:
    name = FORMAT_NAME
    globs = ("**/Jenkinsfile", "**/Jenkinsfile.*", "**/Jenkinsfile_*", "**/*.Jenkinsfile",
             "**/*.jenkinsfile", "**/*Jenkinsfile*", "**/jenkins/**/*.groovy", "**/.jenkins/**/*.groovy")

    def claims(self, path: str) -> bool:
        name = posixpath.basename(path)
        lower = name.lower()
        if "jenkinsfile" in lower:
            # Jenkinsfile, Jenkinsfile.release, nightly.Jenkinsfile, Jmh_Jenkinsfile
            return not lower.endswith(NOT_GROOVY)
        if lower.endswith(".groovy"):
            return any(part.lower() in FOLDERS for part in path.split("/")[:-1])
        return False

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        return parse_jenkinsfile(source)


@hookimpl
def register_formats(register: Any) -> None:
    register(Jenkins())
