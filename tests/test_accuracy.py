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


# tests/data/heldout.tsv: 210 steps outside dev.tsv, labelled by the team by the rubric
# (not by the dataset's authors; see the file's header). The rules were not tuned on these
# steps until the general fixes of the held-out review, so they are the better estimate of
# what unseen CI files get. Floors sit under the one-flip worst case (0.891, 81.9%; run
# `python bench/accuracy.py --labels tests/data/heldout.tsv --margins`).
HELDOUT = REPO_ROOT / "tests" / "data" / "heldout.tsv"
MIN_HELDOUT_MACRO_F1 = 0.88
MIN_HELDOUT_KIND_ACCURACY = 0.80


def test_heldout_macro_f1_and_kinds() -> None:
    if not (SHARED / "corpus").is_dir():
        pytest.skip("../shared/corpus is not beside the repository")
    bench = load_bench()
    report = bench.evaluate(SHARED, labels_path=HELDOUT)
    row = report.row(bench.OVERALL)
    table = bench.format_table(report)
    assert row.labelled >= 200
    assert row.coverage == 1.0, table
    assert row.macro_f1 >= MIN_HELDOUT_MACRO_F1, table
    assert row.kind_accuracy >= MIN_HELDOUT_KIND_ACCURACY, table
    dev = {(label.file, label.line) for label in bench.read_labels(SHARED)}
    assert not dev & {(o.label.file, o.label.line) for o in report.outcomes}, \
        "held-out steps must not be in dev.tsv"


# tests/data/heldout2.tsv: a second, independent held-out sample (151 steps in neither
# dev.tsv nor heldout.tsv, seed 20261124), labelled by the rubric before the rule labels
# were looked at. Floors sit under the one-flip worst case (0.920, 83.4%; run
# `python bench/accuracy.py --labels tests/data/heldout2.tsv --margins`).
HELDOUT2 = REPO_ROOT / "tests" / "data" / "heldout2.tsv"
MIN_HELDOUT2_MACRO_F1 = 0.91
MIN_HELDOUT2_KIND_ACCURACY = 0.82


def test_heldout2_macro_f1_and_kinds() -> None:
    if not (SHARED / "corpus").is_dir():
        pytest.skip("../shared/corpus is not beside the repository")
    bench = load_bench()
    report = bench.evaluate(SHARED, labels_path=HELDOUT2)
    row = report.row(bench.OVERALL)
    table = bench.format_table(report)
    assert row.labelled >= 150
    assert row.coverage == 1.0, table
    assert row.macro_f1 >= MIN_HELDOUT2_MACRO_F1, table
    assert row.kind_accuracy >= MIN_HELDOUT2_KIND_ACCURACY, table
    earlier = {(label.file, label.line) for label in bench.read_labels(SHARED)}
    earlier |= {(label.file, label.line) for label in bench.read_labels(SHARED, path=HELDOUT)}
    assert not earlier & {(o.label.file, o.label.line) for o in report.outcomes}, \
        "heldout2 steps must be in neither dev.tsv nor heldout.tsv"


# tests/data/heldout3.tsv: a third, independent held-out sample (120 steps in none of
# dev.tsv, heldout.tsv, heldout2.tsv, seed 31337, weighted to Azure, GitLab, GitHub,
# composite actions and Jenkins), labelled by the rubric before the rule labels were
# looked at. Floors sit under the one-flip worst case (0.875, 82.5%; run
# `python bench/accuracy.py --labels tests/data/heldout3.tsv --margins`).
HELDOUT3 = REPO_ROOT / "tests" / "data" / "heldout3.tsv"
MIN_HELDOUT3_MACRO_F1 = 0.87
MIN_HELDOUT3_KIND_ACCURACY = 0.82


def test_heldout3_macro_f1_and_kinds() -> None:
    if not (SHARED / "corpus").is_dir():
        pytest.skip("../shared/corpus is not beside the repository")
    bench = load_bench()
    report = bench.evaluate(SHARED, labels_path=HELDOUT3)
    row = report.row(bench.OVERALL)
    table = bench.format_table(report)
    assert row.labelled >= 120
    assert row.coverage == 1.0, table
    assert row.macro_f1 >= MIN_HELDOUT3_MACRO_F1, table
    assert row.kind_accuracy >= MIN_HELDOUT3_KIND_ACCURACY, table
    earlier = {(label.file, label.line) for label in bench.read_labels(SHARED)}
    for path in (HELDOUT, HELDOUT2):
        earlier |= {(label.file, label.line) for label in bench.read_labels(SHARED, path=path)}
    assert not earlier & {(o.label.file, o.label.line) for o in report.outcomes}, \
        "heldout3 steps must be in none of dev.tsv, heldout.tsv, heldout2.tsv"
