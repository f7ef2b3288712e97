"""Which cost lines a catalogue entry applies to: its categories, kinds and matrix width,
and the rules that look at the pipeline itself (what it already does, what it repeats).

Lines are claimed in catalogue order: a line goes to the first entry that matches it and
never to a second, so that the savings of the suggestions add up.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from xops_lens.cost.catalogue import Entry
from xops_lens.cost.report import CostLine
from xops_lens.model import Job, Pipeline, Step

# A step that works in a directory of the repository: GitHub/Azure working-directory
# inputs, a script that starts with `cd dir`, tools pointed at a directory.
_WORKDIR_INPUT = ("working-directory", "workingDirectory", "working_directory")
_CD = re.compile(r"(?:^|&&|;|\n)\s*(?:cd|pushd)\s+['\"]?([\w.\-]+)", re.MULTILINE)
_TOOL_DIR = re.compile(r"(?:\s-C|--prefix|--cwd|--project|--manifest-path)[ =]['\"]?([\w.\-]+)")
_NOT_A_PART = frozenset({".", "..", "~", "src", "build", "dist", "out", "tmp", "target",
                         "docs", "scripts", "test", "tests"})


def _top(path: str) -> str | None:
    part = path.strip("./").split("/", 1)[0]
    if not part or part in _NOT_A_PART or part.startswith(("$", "-")):
        return None
    return part


def step_text(step: Step) -> str:
    """What the rules read of a step: its name, the unit it calls, its inputs, its text."""
    inputs = "\n".join(f"{k}: {v}" for k, v in step.inputs)
    return "\n".join(part for part in (step.name, step.uses or "", inputs, step.text) if part)


def step_directories(step: Step) -> set[str]:
    """The top-level directories a step works in."""
    found = {_top(v) for k, v in step.inputs if k in _WORKDIR_INPUT}
    found.update(_top(m) for m in _CD.findall(step.text))
    found.update(_top(m) for m in _TOOL_DIR.findall(step.text))
    return {d for d in found if d}


@dataclass
class Scopes:
    """The steps, jobs and pipelines behind cost lines, found by a line's target, and
    their texts (built once: every entry's rules read them)."""

    pipelines: Sequence[Pipeline] = ()
    _steps: dict[tuple[str, int, str | None], Step] = field(default_factory=dict)
    _jobs: dict[tuple[str, str | None], tuple[Job, Pipeline]] = field(default_factory=dict)
    _texts: dict[tuple[str, int], str] = field(default_factory=dict)
    _monorepo: dict[int, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for pipeline in self.pipelines:
            for job in pipeline.jobs:
                self._jobs.setdefault((job.file, job.id), (job, pipeline))
                for step in job.steps:
                    self._steps.setdefault((step.file, step.line, job.id), step)
                    self._jobs.setdefault((step.file, job.id), (job, pipeline))

    def step(self, line: CostLine) -> Step | None:
        t = line.target
        return self._steps.get((t.file, t.line, t.job)) if t.step is not None else None

    def job(self, line: CostLine) -> tuple[Job, Pipeline] | None:
        return self._jobs.get((line.target.file, line.target.job))

    def _cached(self, scope: str, obj: object, build: Iterable[str]) -> str:
        key = (scope, id(obj))
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = "\n".join(build)
        return text

    def text(self, line: CostLine, scope: str) -> str | None:
        """The text of the line's step, job or pipeline; None when the scan did not
        give the steps behind the line (a unit test's bare lines)."""
        found = self.job(line)
        if scope == "step":
            step = self.step(line)
            if step is not None:
                return self._cached("step", step, (step_text(step),))
            scope = "job"  # a job's own line (a gate, start-up): its steps
        if found is None:
            return None
        job, pipeline = found
        if scope == "job":
            # A generator: the text is built on the first call only, not on every one.
            return self._cached("job", job, itertools.chain(
                (step_text(s) for s in job.steps), (f"runner: {job.runner or ''}",)))
        return self._cached("pipeline", pipeline,
                            (step_text(s) for s in pipeline.steps))

    def monorepo(self, line: CostLine) -> bool:
        """Whether the line's pipeline works in two or more top-level directories."""
        found = self.job(line)
        if found is None:
            return False
        pipeline = found[1]
        known = self._monorepo.get(id(pipeline))
        if known is None:
            dirs: set[str] = set()
            for step in pipeline.steps:
                dirs |= step_directories(step)
            known = self._monorepo[id(pipeline)] = len(dirs) >= 2
        return known


def _same_job(a: CostLine, b: CostLine) -> bool:
    return a.target.file == b.target.file and a.target.job == b.target.job


class Matcher:
    """The rules of every entry over one scan's cost lines."""

    def __init__(self, lines: Sequence[CostLine], pipelines: Sequence[Pipeline] = ()) -> None:
        self.lines = lines
        self.scopes = Scopes(pipelines)
        self._kinds_by_job: dict[tuple[str, str | None], set[str]] = {}
        self._kinds_by_pipeline: dict[int, set[str]] = {}
        self._first_job: dict[tuple[int, str, str], tuple[str, str | None]] = {}
        self._searched: dict[tuple[int, int], bool] = {}
        for line in lines:
            self._kinds_by_job.setdefault((line.target.file, line.target.job),
                                          set()).add(line.kind)
            found = self.scopes.job(line)
            if found is not None:
                job, pipeline = found
                self._kinds_by_pipeline.setdefault(id(pipeline), set()).add(line.kind)
                self._first_job.setdefault((id(pipeline), line.category, line.kind),
                                           (job.file, job.id))

    def _search(self, pattern: re.Pattern[str], text: str) -> bool:
        """One search per pattern and job or pipeline text: every line of a job asks the
        same question of the same text, and a job of 10,000 steps would otherwise search
        its whole text 10,000 times (the texts are built once and kept, so their id is
        stable for the scan)."""
        key = (id(pattern), id(text))
        found = self._searched.get(key)
        if found is None:
            found = self._searched[key] = pattern.search(text) is not None
        return found

    def _kinds(self, line: CostLine, scope: str) -> set[str]:
        if scope == "pipeline":
            found = self.scopes.job(line)
            if found is not None:
                return self._kinds_by_pipeline.get(id(found[1]), set())
        return self._kinds_by_job.get((line.target.file, line.target.job), set())

    def _repeated(self, line: CostLine) -> bool:
        found = self.scopes.job(line)
        if found is None:
            return False
        job, pipeline = found
        first = self._first_job.get((id(pipeline), line.category, line.kind))
        return first is not None and first != (job.file, job.id)

    def applies(self, entry: Entry, line: CostLine) -> bool:
        """Whether ``entry`` applies to ``line``: its categories, kinds and matrix width,
        something that recurs, then the rules that read the pipeline."""
        if line.category not in entry.categories or line.uses_per_month <= 0:
            return False
        if entry.kinds and line.kind not in entry.kinds:
            return False
        return line.matrix_size >= entry.min_matrix and self.pipeline_rules(entry, line)

    def pipeline_rules(self, entry: Entry, line: CostLine) -> bool:
        """What the entry needs of the pipeline, and whether it already does it. Lines
        without the scan's steps behind them (bare lines) meet no requirement and
        are taken not to do anything already."""
        if entry.requires is not None:
            text = self.scopes.text(line, entry.requires_in)
            if text is None or not self._search(entry.requires, text):
                return False
        if entry.already is not None:
            text = self.scopes.text(line, entry.already_in)
            if text is not None and self._search(entry.already, text):
                return False
        if entry.with_kinds and not set(entry.with_kinds) & self._kinds(line, entry.with_kinds_in):
            return False
        if entry.repeated and not self._repeated(line):
            return False
        return not entry.monorepo or self.scopes.monorepo(line)
