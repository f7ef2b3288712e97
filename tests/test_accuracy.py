"""The default backend against the labelled development sample in ../shared.

The figures are printed by ``python bench/accuracy.py``; these tests hold the floor.

Floors sit at or below what a figure falls to when one more labelled step is answered
wrongly (``python bench/accuracy.py --margins`` shows it), rounded down: no single step
decides whether the suite passes, yet a rule change that loses several steps of a format
does. Re-check the margins before raising a floor.
Formats with too few labels for that (a handful of steps, or no label of a subsystem)
have no floor of their own; they count in the overall figure and in coverage.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from xops_lens.plugins import get_registry

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"

# Over every labelled step of every format.
MIN_OVERALL_MACRO_F1 = 0.90
MIN_OVERALL_KIND_ACCURACY = 0.88

# label format (labels/dev.tsv) -> the format plugin that parses those files
LABEL_FORMATS = {
    "appveyor": "appveyor",
    "azure": "azure-pipelines",
    "bitbucket": "bitbucket-pipelines",
    "buildkite": "buildkite",
    "circleci": "circleci",
    "cloudbuild": "cloudbuild",
    "github": "github-actions",
    "github-action": "github-actions",
    "gitlab": "gitlab-ci",
    "tekton": "tekton",
    "travis": "travis",
    "woodpecker": "woodpecker",
}

# label format -> (macro-F1 floor, kind-accuracy floor), each at or below its one-flip
# worst case. Left out: appveyor, bitbucket and woodpecker (7 to 15 labels, some with no
# action label, so one wrong step moves macro-F1 by a third or more).
FLOORS: dict[str, tuple[float, float]] = {
    "azure": (0.85, 0.90),
    "buildkite": (0.90, 0.70),
    "circleci": (0.90, 0.90),
    "cloudbuild": (0.70, 0.60),
    "github": (0.90, 0.90),
    "github-action": (0.75, 0.85),
    "gitlab": (0.90, 0.90),
    "tekton": (0.85, 0.70),
    "travis": (0.85, 0.70),
}


def load_bench() -> ModuleType:
    name = "xops_lens_bench_accuracy"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "bench" / "accuracy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def labelled_formats() -> list[str]:
    """Every label format of dev.tsv (empty when ../shared is not beside the repo)."""
    if not (SHARED / "labels" / "dev.tsv").is_file():
        return []
    return sorted({label.format for label in load_bench().read_labels(SHARED)})


@pytest.fixture(scope="module")
def report(request: pytest.FixtureRequest):  # noqa: ANN201 - the bench's Report type
    if not (SHARED / "labels" / "dev.tsv").is_file():
        pytest.skip("../shared/labels/dev.tsv is not beside the repository")
    return load_bench().evaluate(SHARED)


def test_every_label_format_has_a_parser() -> None:
    if not labelled_formats():
        pytest.skip("../shared/labels/dev.tsv is not beside the repository")
    parsed = set(get_registry().formats)
    unknown = [f for f in labelled_formats() if LABEL_FORMATS.get(f) not in parsed]
    assert not unknown, f"label formats with no format plugin: {unknown}"


@pytest.mark.parametrize("label_format", labelled_formats())
def test_every_labelled_step_is_found(report, label_format: str) -> None:  # noqa: ANN001
    row = report.row(label_format)
    missing = [f"{o.label.file}:{o.label.line}" for o in report.outcomes
               if o.label.format == label_format and o.subsystem is None]
    assert row.labelled > 0
    assert not missing, f"{len(missing)} labelled steps not found, e.g. {missing[:5]}"
    assert row.coverage == 1.0


def test_overall_macro_f1_and_kinds(report) -> None:  # noqa: ANN001
    row = report.row(load_bench().OVERALL)
    assert row.labelled == sum(report.row(f).labelled for f in labelled_formats())
    assert row.coverage == 1.0
    assert row.macro_f1 >= MIN_OVERALL_MACRO_F1, load_bench().format_table(report)
    assert row.kind_accuracy >= MIN_OVERALL_KIND_ACCURACY, load_bench().format_table(report)


@pytest.mark.parametrize("label_format", sorted(FLOORS))
def test_floor_per_format(report, label_format: str) -> None:  # noqa: ANN001
    row = report.row(label_format)
    min_f1, min_kind = FLOORS[label_format]
    table = load_bench().format_table(report)
    assert row.macro_f1 >= min_f1, f"{label_format} macro-F1 below {min_f1}\n{table}"
    assert row.kind_accuracy >= min_kind, f"{label_format} kind accuracy below {min_kind}\n{table}"


def test_macro_f1_and_kinds_over_github(report) -> None:  # noqa: ANN001
    row = report.combined(["github", "github-action"])
    assert row.macro_f1 >= 0.90
    assert row.kind_accuracy >= 0.90


def test_one_flip_worst_case() -> None:
    # the bench's margin: three right steps, one of each subsystem; the worst single
    # wrong answer costs macro-F1 and kind accuracy
    bench = load_bench()
    labels = [bench.Label("r/f.yml", i, "x", sub, kind, "")
              for i, (sub, kind) in enumerate((("information", "checkout"),
                                               ("model", "test"), ("action", "publish")))]
    outcomes = [bench.Outcome(label, label.subsystem, label.kind, "", 1.0) for label in labels]
    worst_f1, worst_kind = bench.one_flip_worst(outcomes)
    assert worst_kind == pytest.approx(2 / 3)
    assert 0.0 < worst_f1 < 1.0
    assert bench.one_flip_worst([]) == (0.0, 0.0)


# Held-out samples of the corpus, outside dev.tsv and each earlier sample, labelled by the
# team by the rubric (not by the dataset's authors; see each file's header) before the
# rule labels were looked at. The rules were not tuned on a sample until the general
# fixes of its own review, so the figures before those fixes are the better estimate of
# what unseen CI files get. Floors sit under each sample's one-flip worst case (run
# `python bench/accuracy.py --labels tests/data/heldoutN.tsv --margins`).
#   heldout.tsv   210 steps                                     worst 0.891 / 81.9%
#   heldout2.tsv  151 steps, seed 20261124                      worst 0.920 / 83.4%
#   heldout3.tsv  120 steps, seed 31337, weighted to Azure,
#                 GitLab, GitHub, composite actions and Jenkins worst 0.875 / 82.5%
@functools.cache
def evaluated(sample: Path):  # noqa: ANN201 - the bench's Report type
    """A held-out sample scanned once per test session (several tests read it)."""
    return load_bench().evaluate(SHARED, labels_path=sample)


HELDOUT = REPO_ROOT / "tests" / "data" / "heldout.tsv"
HELDOUT2 = REPO_ROOT / "tests" / "data" / "heldout2.tsv"
HELDOUT3 = REPO_ROOT / "tests" / "data" / "heldout3.tsv"
# (sample, the samples drawn before it, at least this many steps, macro-F1, kind accuracy)
HELDOUT_FLOORS = [
    (HELDOUT, (), 200, 0.88, 0.80),
    (HELDOUT2, (HELDOUT,), 150, 0.91, 0.82),
    (HELDOUT3, (HELDOUT, HELDOUT2), 120, 0.87, 0.82),
]


@pytest.mark.parametrize(("sample", "earlier_samples", "at_least", "min_f1", "min_kind"),
                         HELDOUT_FLOORS, ids=lambda v: v.name if isinstance(v, Path) else None)
def test_heldout_macro_f1_and_kinds(sample: Path, earlier_samples: tuple[Path, ...],
                                    at_least: int, min_f1: float, min_kind: float) -> None:
    if not (SHARED / "corpus").is_dir():
        pytest.skip("../shared/corpus is not beside the repository")
    bench = load_bench()
    report = evaluated(sample)
    row = report.row(bench.OVERALL)
    table = bench.format_table(report)
    assert row.labelled >= at_least
    assert row.coverage == 1.0, table
    assert row.macro_f1 >= min_f1, table
    assert row.kind_accuracy >= min_kind, table
    earlier = {(label.file, label.line) for label in bench.read_labels(SHARED)}
    for path in earlier_samples:
        earlier |= {(label.file, label.line) for label in bench.read_labels(SHARED, path=path)}
    assert not earlier & {(o.label.file, o.label.line) for o in report.outcomes}, \
        f"{sample.name} shares steps with dev.tsv or an earlier sample"


# Issue 15: a label given confidence >= 0.8 (bench/accuracy.py's CONFIDENT) must be right
# on the subsystem at least 95% of the time, over dev.tsv and the held-out samples
# together, so that "unsure" means something. The issue also asks that such labels be at
# least 70% of all steps; over these samples they are 66% (docs/benchmarks.md, "Labels that
# hold"), so the share has a floor under today's figure, not the target.
MIN_CONFIDENT_ACCURACY = 0.95
MIN_CONFIDENT_SHARE = 0.62


def test_confident_labels_are_right(report) -> None:  # noqa: ANN001
    bench = load_bench()
    outcomes = list(report.outcomes)
    for sample in (HELDOUT, HELDOUT2, HELDOUT3):
        outcomes += evaluated(sample).outcomes
    figures = bench.confidence_figures(outcomes)
    assert figures.labelled >= 890
    assert figures.accuracy >= MIN_CONFIDENT_ACCURACY, figures
    assert figures.share >= MIN_CONFIDENT_SHARE, figures


def test_confidence_figures_count_missing_steps_as_unsure() -> None:
    bench = load_bench()
    label = bench.Label("r/f.yml", 1, "x", "model", "test", "")
    outcomes = [bench.Outcome(label, "model", "test", "", 0.9),
                bench.Outcome(label, "action", "publish", "", 0.95),
                bench.Outcome(label, "model", "build", "", 0.5),
                bench.Outcome(label, None, None, None, None)]
    figures = bench.confidence_figures(outcomes)
    assert (figures.labelled, figures.found, figures.confident) == (4, 3, 2)
    assert figures.share == 0.5
    assert figures.accuracy == 0.5
    assert figures.kind_accuracy == 0.5
