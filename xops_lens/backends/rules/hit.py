"""What one command (or one name) says about a step: a :class:`Hit`, and the order of
kinds that decides among hits (TAXONOMY.md tie-breaker 1)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from xops_lens.backends.rules.shell import LazyPattern

# When commands of one step disagree, the step takes the kind of its purpose
# (TAXONOMY.md tie-breaker 1). Effects on the world are what a step exists for, then the
# work that judges or makes things, then add-ons that report, then preparation.
# "unknown" stands for a program no table knows: it outranks preparation (the step
# probably exists to run it) but not a command we understand.
KIND_PRIORITY: tuple[str, ...] = (
    "deploy", "publish", "approve",
    "test", "lint", "analysis", "generate", "build",
    "report", "notify", "artifact-upload",
    "decide", "unknown",
    "artifact-download", "checkout", "credentials", "dependencies",
    # caching is never what a step is for while anything else happens in it; restoring
    # outranks saving (tie-breaker 5: a step that does both is information)
    "cache-restore", "cache-save",
    "toolchain", "metadata",
)

# Within one name ("test-php-style", "build-docs", "docker-push") the more specific
# word wins: a style test is lint, a docs build is generate, a push of a build is publish.
IDENT_PRIORITY: tuple[str, ...] = (
    "deploy", "publish", "approve", "report", "notify",
    "artifact-upload", "cache-save", "artifact-download", "cache-restore",
    "credentials", "lint", "analysis", "generate", "test", "build", "decide",
    "checkout", "dependencies", "toolchain", "metadata",
)

RANK = {kind: i for i, kind in enumerate(KIND_PRIORITY)}
IDENT_RANK = {kind: i for i, kind in enumerate(IDENT_PRIORITY)}


class Tag(Enum):
    """What a hit is, for the whole-script rules (script.py): they look at tags, never at
    the wording of ``why``, so an explanation can be reworded without changing a label."""

    WRITES_OUTPUTS = "writes step outputs"
    # step outputs set to a value a command read, no more (`sha=$(git log -1 --format=%H)`)
    WRITES_READ_OUTPUT = "writes a value read into step outputs"
    # a step output set to a constant (`echo "deps={}" >> $GITHUB_OUTPUT`)
    WRITES_CONSTANT = "sets a step output to a constant"
    WRITES_RESULTS = "writes task results"  # Tekton results
    SETS_VARIABLE = "sets a pipeline variable"  # Azure `##vso[task.setvariable]`
    READS_VALUE = "reads a value into a variable"
    SETS_ENV = "sets environment for later steps"
    EXPORTS = "sets environment variables"  # `export X=...` in the step's own shell
    TESTS_CONDITION = "tests a condition"
    MOVES_FILES = "moves or copies files"
    RUNS_SCRIPT = "runs a script judged by its file name"
    DOWNLOADS = "downloads"
    COVERAGE_TARGET = "runs a target or subcommand named for coverage"
    PACKS_ARCHIVE = "packs an archive"  # zip, 7z a, tar c, Compress-Archive


# Hits that hand a value on to later steps.
HANDS_ON = frozenset((Tag.WRITES_RESULTS, Tag.WRITES_OUTPUTS, Tag.SETS_VARIABLE,
                      Tag.WRITES_READ_OUTPUT, Tag.WRITES_CONSTANT))


@dataclass(frozen=True, slots=True)
class Hit:
    """What one command (or one name) says about a step."""

    kind: str  # a model kind, or "unknown" for a program no table knows
    confidence: float
    why: str
    weight: int  # 0 shell chore, 1 bookkeeping, 2 real work
    tag: Tag | None = None


# `make cover`, `bazel coverage`: one program and one target named for coverage
_COVERAGE_RUN = LazyPattern(r"\S+ (cover|coverage|cov)")
_COVERAGE_WORDS = (" cover", " coverage", " cov")


def ran(kind: str, confidence: float, shown: str, weight: int = 2) -> Hit:
    """The hit of a command judged by its program and subcommand or target: "runs
    `shown`", tagged when the target is one named for coverage."""
    # the suffix test spares the pattern on nearly every hit
    tag = Tag.COVERAGE_TARGET if shown.endswith(_COVERAGE_WORDS) \
        and _COVERAGE_RUN.fullmatch(shown) else None
    return Hit(kind, confidence, f"runs `{shown}`", weight, tag)
