"""Ignores, as users of linters expect them.

Two sources, both honoured in every output (the scan drops what they match before any
reporter sees it) and counted in the summary:

* an inline comment ``# xops-lens: ignore`` (everything) or
  ``# xops-lens: ignore[test, lint]`` (those kinds or subsystems) on the first line of a
  step or a job, or alone on the line directly above it (``//`` works too, for
  Jenkinsfiles). An ignore on a job covers its steps and its job-level gate.
* the settings ``ignore.paths`` (globs over scan-root-relative posix paths: ``*`` and
  ``?`` stay within a folder, ``**`` crosses folders, a trailing ``/`` means the whole
  folder, a pattern without ``/`` matches the file name at any depth; ``[ab]``,
  ``[!ab]`` and ``{a,b}`` as in gitignore and bash; a pattern starting with ``!``
  takes back what an earlier pattern ignored, the last matching pattern deciding, as in
  .gitignore) and
  ``ignore.kinds`` (kind or subsystem names), e.g. in pyproject.toml::

      [tool.xops-lens]
      ignore = { paths = ["ci/legacy/**"], kinds = ["metadata"] }

Steps ignored by path or by a bare inline ``ignore`` are dropped *before* the backend
classifies anything, so an LLM backend never receives them; kind-based ignores need a
label and are applied after classification.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xops_lens.config import UserSettings
from xops_lens.errors import ConfigError, XopsLensError
from xops_lens.globmatch import Glob, compile_glob
from xops_lens.model import KINDS, SUBSYSTEM_OF_KIND, Job, Step
from xops_lens.result import Ignored, ScanResult

# The comment marker; the bracket list is optional. Anchored on a comment opener so
# that the words in a step's name do not count.
INLINE_RE = re.compile(r"(?:#|//)\s*xops-lens\s*:\s*ignore\b(?:\[([^\]\n]*)\])?", re.IGNORECASE)
_COMMENT_ONLY_RE = re.compile(r"^\s*(?:#|//)")
KNOWN_NAMES = frozenset(SUBSYSTEM_OF_KIND) | frozenset(KINDS)


@dataclass(frozen=True, slots=True)
class Rule:
    """What one ignore says: ``names`` None means everything."""

    names: frozenset[str] | None
    origin: str

    def covers(self, kind: str | None, subsystem: str | None) -> bool:
        if self.names is None:
            return True
        return kind in self.names or subsystem in self.names


def _normal(pattern: str) -> str:
    pattern = pattern.strip().lstrip("/")
    pattern = pattern.removeprefix("./")
    if pattern.endswith("/"):
        pattern += "**"
    return pattern


def path_glob(pattern: str) -> Glob:
    """A path glob over the whole posix path (see the module docstring), matched in
    time linear in the path (xops_lens.globmatch): the repository's own config writes
    these, and as a regex ``*a*a*a...*b`` backtracked for minutes."""
    pattern = _normal(pattern)
    return compile_glob(pattern, double_star_crosses=True, anywhere="/" not in pattern)


WCMATCH_SYNTAX = ("[", "{")
BRACE_LIMIT = 1000  # expansions of one pattern's {a,b} groups (wcmatch's own default)


@dataclass(frozen=True)
class PathPattern:
    """One ``ignore.paths`` entry. Plain globs run on xops_lens.globmatch (linear on
    every Python); those with ``[...]`` or ``{...}`` on wcmatch, whose atomic stars keep
    a hostile pattern linear too (tests/hostile, TestGlobsAreLinear)."""

    text: str
    negate: bool
    fullmatch: Any  # Callable[[str], bool]

    @classmethod
    def parse(cls, text: str) -> PathPattern:
        body = text.strip()
        negate = body.startswith("!")
        body = _normal(body[1:] if negate else body)
        if not any(mark in body for mark in WCMATCH_SYNTAX):
            glob = compile_glob(body, double_star_crosses=True, anywhere="/" not in body)
            return cls(text, negate, glob.fullmatch)
        try:
            from wcmatch import glob as wglob
        except ImportError:  # Python 3.10: wcmatch 12 needs 3.11 (atomic groups)
            raise ConfigError(f"ignore.paths {text!r}: [..] and {{..}} need Python 3.11 or "
                              "newer; use * and ? instead") from None
        if "/" not in body:
            body = "**/" + body
        flags = wglob.GLOBSTAR | wglob.BRACE | wglob.DOTGLOB
        try:
            matcher = wglob.compile(body, flags=flags, limit=BRACE_LIMIT)
        except Exception as exc:  # a bad class, or wcmatch's PatternLimitException
            raise ConfigError(f"ignore.paths {text!r}: {exc}") from None
        return cls(text, negate, matcher.match)


def _as_list(value: Any, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise ConfigError(f"setting {key} must be a list of strings")


def marked_text(text: str) -> str:
    """``text`` if it holds an inline ignore comment, else "": what :class:`Ignores`
    needs to keep of a file the scan has read (see ``Ignores(texts=...)``)."""
    return text if INLINE_RE.search(text) else ""


class Ignores:
    """The ignore rules of one scan; reads each CI file's text at most once.

    ``texts`` maps the files the scan has already read to :func:`marked_text` of their
    text, so that they are not read a second time (a file not in it is read here)."""

    def __init__(self, root: Path, config: UserSettings, texts: Mapping[str, str] | None = None
                 ) -> None:
        self.root = root
        self.paths = [PathPattern.parse(p) for p in _as_list(config.get("ignore.paths"), "ignore.paths")]
        kinds = _as_list(config.get("ignore.kinds"), "ignore.kinds")
        self.kinds = frozenset(k.strip().lower() for k in kinds if k.strip())
        self._texts: Mapping[str, str] = texts if texts is not None else {}
        self._lines: dict[str, list[str]] = {}
        self._path_rules: dict[str, Rule | None] = {}  # by file: matched once per file
        self._quiet_files: dict[str, bool] = {}  # by file: see _quiet
        self._kind_rule = Rule(self.kinds, "ignore.kinds")
        self.warnings: list[str] = []
        for name in sorted(self.kinds - KNOWN_NAMES):
            self.warnings.append(f"ignore.kinds: {name!r} is not a kind or subsystem; it matches nothing")

    # -- reading inline comments -------------------------------------------------------
    def _file_lines(self, file: str) -> list[str]:
        lines = self._lines.get(file)
        if lines is None:
            text = self._texts.get(file)
            if text is None:
                from xops_lens.discover import read_text

                try:
                    text = marked_text(read_text(self.root, file))
                except XopsLensError:
                    text = ""  # the format already reported an unreadable file
            # A file without any ignore comment (nearly all) keeps no lines: a line can
            # match only where the whole text does. Keeping every line of every file
            # cost memory and time on large trees (docs/benchmarks.md).
            lines = text.splitlines() if text else []
            self._lines[file] = lines
        return lines

    def inline(self, file: str, line: int) -> Rule | None:
        """The inline rule for the unit starting at ``line`` of ``file``, if any."""
        lines = self._file_lines(file)
        if not lines:  # no ignore comment in the file (nearly always)
            return None
        candidates = []
        if 1 <= line <= len(lines):
            candidates.append((line, lines[line - 1]))
        # The line above counts only when it holds nothing but the comment, so a
        # trailing ignore on the last line of one step does not leak to the next.
        if 2 <= line <= len(lines) + 1 and _COMMENT_ONLY_RE.match(lines[line - 2]):
            candidates.append((line - 1, lines[line - 2]))
        for where, text in candidates:
            match = INLINE_RE.search(text)
            if match is None:
                continue
            origin = f"inline ignore at {file}:{where}"
            if match.group(1) is None:
                return Rule(None, origin)
            names = frozenset(n.strip().lower() for n in match.group(1).split(",") if n.strip())
            for unknown in sorted(names - KNOWN_NAMES):
                warning = f"{file}:{where}: ignore[{unknown}] names no kind or subsystem"
                if warning not in self.warnings:
                    self.warnings.append(warning)
            return Rule(names or None, origin)
        return None

    def path_rule(self, file: str) -> Rule | None:
        try:
            return self._path_rules[file]
        except KeyError:
            pass
        rule = None
        if self.paths:
            normal = posixpath.normpath(file)
            # Every pattern, in order: the last that matches decides (a later "!" one
            # takes the file back), as in .gitignore.
            for pattern in self.paths:
                if pattern.fullmatch(normal):
                    rule = None if pattern.negate else Rule(None, f"ignore.paths {pattern.text!r}")
        self._path_rules[file] = rule
        return rule

    def _quiet(self, file: str) -> bool:
        """No path rule and no inline ignore comment in ``file`` (nearly every file):
        only ignore.kinds can leave out a step or gate written there."""
        try:
            return self._quiet_files[file]
        except KeyError:
            pass
        quiet = self._quiet_files[file] = (self.path_rule(file) is None
                                           and not self._file_lines(file))
        return quiet

    def _rules(self, file: str, line: int, job: Job | None) -> list[Rule]:
        rules = [r for r in (self.path_rule(file), self.inline(file, line)) if r is not None]
        if job is not None:
            rules.extend(r for r in (self.path_rule(job.file), self.inline(job.file, job.line))
                         if r is not None)
        if self.kinds:
            rules.append(self._kind_rule)
        return rules

    # -- applying ----------------------------------------------------------------------
    def drop_unlabelled(self, result: ScanResult, steps: Sequence[Step]) -> list[Step]:
        """Steps to classify: those no path rule or bare inline ignore removes."""
        jobs = _job_of_steps(result)
        kept: list[Step] = []
        quiet = self._quiet
        for step in steps:
            job = jobs.get(step.key)
            if quiet(step.file) and (job is None or quiet(job.file)):
                kept.append(step)  # only ignore.kinds could apply, and it needs a label
                continue
            rule = next((r for r in self._rules(step.file, step.line, job)
                         if r.names is None), None)
            if rule is None:
                kept.append(step)
            else:
                result.ignored.append(Ignored(step.file, step.line, step.job, step.name,
                                              "step", None, rule.origin))
        return kept

    def apply(self, result: ScanResult) -> None:
        """Drop labelled steps and job gates that a kind rule (or any rule) covers."""
        jobs = _job_of_steps(result)
        kept_steps = []
        kinds, kind_rule, quiet = self.kinds, self._kind_rule, self._quiet
        for item in result.steps:
            step, label = item.step, item.label
            job = jobs.get(step.key)
            if quiet(step.file) and (job is None or quiet(job.file)):
                # The rules would be ignore.kinds alone (or none): asked directly.
                if kinds and kind_rule.covers(label.kind, label.subsystem):
                    result.ignored.append(Ignored(step.file, step.line, step.job, step.name,
                                                  "step", label.kind, kind_rule.origin))
                else:
                    kept_steps.append(item)
                continue
            rule = next((r for r in self._rules(step.file, step.line, job)
                         if r.covers(label.kind, label.subsystem)), None)
            if rule is None:
                kept_steps.append(item)
            else:
                result.ignored.append(Ignored(step.file, step.line, step.job, step.name,
                                              "step", label.kind, rule.origin))
        result.steps = kept_steps
        kept_gates = []
        for gate in result.gates:
            job, label = gate.job, gate.label
            rule = next((r for r in self._rules(job.file, job.line, None)
                         if r.covers(label.kind, label.subsystem)), None)
            if rule is None:
                kept_gates.append(gate)
            else:
                result.ignored.append(Ignored(job.file, job.line, job.id, job.name,
                                              "gate", label.kind, rule.origin))
        result.gates = kept_gates
        for warning in self.warnings:
            if warning not in result.messages:
                result.messages.append(warning)


def _job_of_steps(result: ScanResult) -> dict[int, Job]:
    return {
        step.key: job
        for report in result.files if report.pipeline
        for job in report.pipeline.jobs
        for step in job.steps
    }
