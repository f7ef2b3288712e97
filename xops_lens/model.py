"""The common model every CI format maps onto; nothing else crosses the plugin boundary.

All paths are posix paths relative to the scan root; all lines are 1-based.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

SUBSYSTEMS: tuple[str, ...] = ("information", "model", "action")

# The most steps one CI file may yield, once its templates, references, reusable commands
# and anchors are expanded. Real pipelines stay in the hundreds (the largest file of the
# sample corpus yields 724); a few kilobytes that reuse one long list a thousand times
# would otherwise make a million steps, minutes of work and gigabytes (hostile input).
# The bound also bounds time: labelling, costing and reporting a file at the limit takes
# about a second and a half, where 100,000 steps took sixteen. Formats check it where they
# expand; the scan checks every file's total.
MAX_STEPS_PER_FILE = 10_000
# The most steps, and characters of the text that comes with them (each step's file,
# job, name, action and command, which the backends read and the reports repeat), that
# one scan holds over all its files. Each file is bounded above, their number is not:
# a few hundred small workflows that reuse one alias list make millions of steps, and
# a workflow whose thousand steps share one long name a JSON report hundreds of times
# its size (figures in docs/benchmarks.md, with the largest tree measured there, well
# inside both bounds). The scan skips, with an error, the file that would pass either
# bound and every file after it (xops_lens/budget.py).
MAX_STEPS_PER_SCAN = 100_000
MAX_STEP_TEXT_PER_SCAN = 64 * 1024 * 1024

KINDS: dict[str, tuple[str, ...]] = {
    "information": (
        "checkout",
        "toolchain",
        "dependencies",
        "cache-restore",
        "artifact-download",
        "credentials",
        "metadata",
    ),
    "model": ("build", "test", "lint", "analysis", "generate", "decide"),
    "action": (
        "deploy",
        "publish",
        "artifact-upload",
        "cache-save",
        "report",
        "notify",
        "approve",
    ),
}

SUBSYSTEM_OF_KIND: dict[str, str] = {
    kind: subsystem for subsystem, kinds in KINDS.items() for kind in kinds
}


@dataclass(frozen=True, slots=True)
class Trigger:
    """What starts a pipeline or a job: an event name, and a cron expression for schedules.

    ``types`` are the activity types an event is narrowed to (GitHub ``types:``), empty
    when the event's defaults apply. On a job's own triggers (``Job.triggers``),
    ``condition`` says in words which filter or condition of the file narrows the job to
    this event (the cost model prints it in the job's basis), and ``times`` is how many
    times one such event runs the job (a CircleCI job invoked several times in a workflow).
    """

    event: str
    line: int
    cron: str | None = None
    types: tuple[str, ...] = ()
    condition: str | None = None
    times: int = 1


@dataclass(frozen=True, slots=True)
class Step:
    """One unit of work as TAXONOMY.md defines it for the step's format.

    ``text`` is the command text (a ``run:`` script, a script line) or, for a step that
    calls a reusable unit (an action, a task, an orb command), a readable rendering of
    that call. ``uses`` names the reusable unit, ``inputs`` its literal arguments.
    ``kind_hint`` lets a format state what the syntax itself says (a ``checkout`` keyword,
    an ``input`` gate), which a backend may trust over guessing from text.
    ``end_line`` is the step's last line when the format knows it (PR mode maps changed
    lines to steps by it); None lets PR mode find it from the YAML node at ``line``.
    ``expanded`` marks a call or a container whose steps the format reports as well (an
    Azure step template, its steps right after it in the same job; a Buildkite group,
    its steps as jobs of their own): both are steps (TAXONOMY), but the work is the
    inner steps', so the cost model prices those and not the call as well.

    A step that runs in some of its job's runs only (GitHub step ``if:``, Azure step
    ``condition:``, a Jenkins ``post { failure { } }`` block) says so: ``events``, the
    job's events it runs on (None: all of them); ``outcome``, ``"failure"`` when it runs
    only after a failure, ``"success"`` only after none, ``"never"`` when it runs in no
    counted run (an aborted build); ``when``, the condition in words, for the basis.
    """

    file: str
    line: int
    job: str
    name: str
    text: str
    uses: str | None = None
    inputs: tuple[tuple[str, str], ...] = ()
    kind_hint: str | None = None
    end_line: int | None = None
    expanded: bool = False
    # Which step of its scan this is (see number_steps): the cost model and the reporters
    # key steps by it. Not compared, so equal steps stay equal.
    key: int = field(default=-1, compare=False, repr=False)
    events: tuple[str, ...] | None = None
    outcome: str | None = None
    when: str | None = None

    def input(self, key: str) -> str | None:
        for name, value in self.inputs:
            if name == key:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Job:
    """A unit scheduled on one runner; ``manual`` marks a human gate on the job itself.

    ``reusable`` marks a definition that runs only where it is called, never scheduled by
    itself: a CircleCI command, a Jenkins helper function, a composite action, an Azure
    template read alone. Its steps are steps (TAXONOMY counts them where written), but
    its runs are its callers': the cost model gives it none of its own.

    ``triggers`` are the events that run this job, after its own filters and conditions
    (GitHub ``if:``, GitLab ``rules:``, a Bitbucket section, CircleCI workflow filters),
    as its format documents them; None when the format does not narrow it, so that the
    job runs on every trigger of its pipeline. An empty tuple: it never runs by itself.
    ``run_notes`` says what the format could not tell about when the job runs.

    ``cell_runners`` is the runner of each matrix cell, as (label, cells) pairs summing to
    ``matrix_size``, when the cells run on different runners (GitHub ``runs-on: ${{
    matrix.os }}``): the cost model prices each cell on its own runner. Empty when every
    cell runs on ``runner``.
    """

    id: str
    name: str
    file: str
    line: int
    steps: tuple[Step, ...] = ()
    matrix_size: int = 1
    runner: str | None = None
    manual: bool = False
    environment: str | None = None
    needs: tuple[str, ...] = ()
    calls: str | None = None
    notes: tuple[str, ...] = ()
    reusable: bool = False
    triggers: tuple[Trigger, ...] | None = None
    run_notes: tuple[str, ...] = ()
    cell_runners: tuple[tuple[str, int], ...] = ()
    # Which job of its scan this is (see number_steps); not compared.
    key: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Pipeline:
    """Everything one CI entry file defines, with the local files it pulled in."""

    path: str
    format: str
    jobs: tuple[Job, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    includes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(step for job in self.jobs for step in job.steps)


def number_steps(pipelines: Iterable[Pipeline], *, unless_numbered: bool = False) -> None:
    """Give every job and step of one scan its ``key``: its place in the scan's order,
    one count for both, so no job has a step's number.

    Costs, measurements and labels are keyed by it rather than by the objects: neither
    the location (a steps template included twice in one job gives two steps of one
    file, line and job) nor equality (their text may be the same) tells two steps apart,
    and unlike ``id()`` the number is the same from run to run. The scan numbers its
    pipelines once parsed; with ``unless_numbered``, pipelines built by other code (a
    test, a caller of the cost model) are numbered only if something is not numbered.
    The objects are frozen for everything else: the number is set once, here.
    """
    pipelines = list(pipelines)
    if unless_numbered and all(job.key >= 0 and all(step.key >= 0 for step in job.steps)
                               for pipeline in pipelines for job in pipeline.jobs):
        return
    # One count for jobs and steps: a map may hold both (SARIF's callers of each).
    number = 0
    for pipeline in pipelines:
        for job in pipeline.jobs:
            object.__setattr__(job, "key", number)
            number += 1
            for step in job.steps:
                object.__setattr__(step, "key", number)
                number += 1


@dataclass(frozen=True, slots=True)
class Classification:
    """A backend's answer for one step (or one job-level gate)."""

    subsystem: str
    kind: str
    confidence: float
    backend: str
    why: str

    def __post_init__(self) -> None:
        if SUBSYSTEM_OF_KIND.get(self.kind) != self.subsystem:
            raise ValueError(f"kind {self.kind!r} is not in subsystem {self.subsystem!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} is outside [0, 1]")


@dataclass(frozen=True, slots=True)
class Source:
    """What a format plugin gets to parse: one file's text, and a reader for the local
    files it includes.

    ``read_local(path)`` takes a posix path relative to the scan root and returns that
    file's text; it raises :class:`xops_lens.errors.ParseError` for a path outside the
    root, a missing or oversized file, or an include cycle, so a format needs no file
    system code of its own. ``local_paths()`` lists every file of the scanned tree as
    discovery saw it (for wildcard includes), computed once per scan.
    """

    root: str
    path: str
    text: str
    read_local: Callable[[str], str] = field(repr=False, compare=False)
    local_paths: Callable[[], Sequence[str]] = field(
        default=lambda: (), repr=False, compare=False
    )


@dataclass(frozen=True, slots=True)
class AppliesTo:
    """Where a cost or a suggestion applies: a step (``step`` set), a job such as a
    job-level gate (``job`` set, ``step`` None), or a pipeline trigger (both None)."""

    file: str
    line: int
    job: str | None = None
    step: str | None = None


@dataclass(frozen=True, slots=True)
class SuggestionNumbers:
    """A suggestion's arithmetic, computed by code from the catalogue and the assumptions
    (TAXONOMY.md: saving = (human $/h × hours − model/hardware cost) × quantity). Money is
    per month in ``currency``; ``break_even_months`` is None when it never pays back."""

    currency: str
    marginal_monthly: float
    one_time: float
    model_per_run: float
    uses_per_month: float
    use: str
    human_hours_saved_monthly: float
    compute_saved_monthly: float
    model_monthly: float
    monthly_saving: float
    break_even_months: float | None
    arithmetic: str


@dataclass(frozen=True, slots=True)
class SuggestionWording:
    """What people read. The rule backend takes it from the catalogue; an LLM backend
    may rewrite it (``author`` names who did), never the numbers beside it."""

    title: str
    description: str
    author: str = "catalogue"


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A fixed-cost replacement for marginal costs found in the pipelines. Wording and
    numbers are separate fields so that rewording cannot touch the arithmetic.
    ``proposed_by`` says who proposed the replacement: ``"catalogue"``, or the name of
    the LLM backend that proposed it for this pipeline (the numbers are still computed
    by the tool)."""

    id: str
    wording: SuggestionWording
    numbers: SuggestionNumbers
    applies_to: tuple[AppliesTo, ...]
    confidence: float
    assumptions: tuple[str, ...] = ()
    proposed_by: str = "catalogue"

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} is outside [0, 1]")

    def reworded(self, wording: SuggestionWording) -> Suggestion:
        """The same suggestion and numbers with other words (for an LLM backend)."""
        return Suggestion(self.id, wording, self.numbers, self.applies_to, self.confidence,
                          self.assumptions, self.proposed_by)
