"""The default backend against the labelled development sample in ../shared.

The figures are printed by ``python bench/accuracy.py``; this test holds the floor.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from xops_lens.plugins import get_registry

REPO_ROOT = Path(__file__).resolve().parents[1]
MIN_MACRO_F1 = 0.90

# label format (labels/dev.tsv) -> the format plugin that parses those files
LABEL_FORMATS = {"github": "github-actions", "github-action": "github-actions",
                 "gitlab": "gitlab-ci"}


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


def checked_formats() -> list[str]:
    parsed = set(get_registry().formats)
    return [label for label, fmt in LABEL_FORMATS.items() if fmt in parsed]


@pytest.fixture(scope="module")
def report(request: pytest.FixtureRequest):  # noqa: ANN201 - the bench's Report type
    shared = REPO_ROOT.parent / "shared"
    if not (shared / "labels" / "dev.tsv").is_file():
        pytest.skip("../shared/labels/dev.tsv is not beside the repository")
    return load_bench().evaluate(shared, set(checked_formats()))


@pytest.mark.parametrize("label_format", checked_formats())
def test_every_labelled_step_is_found(report, label_format: str) -> None:  # noqa: ANN001
    row = report.row(label_format)
    missing = [f"{o.label.file}:{o.label.line}" for o in report.outcomes
               if o.label.format == label_format and o.subsystem is None]
    assert row.labelled > 0
    assert not missing, f"{len(missing)} labelled steps not found, e.g. {missing[:5]}"


@pytest.mark.parametrize("label_format", checked_formats())
def test_macro_f1_per_format(report, label_format: str) -> None:  # noqa: ANN001
    row = report.row(label_format)
    assert row.macro_f1 >= MIN_MACRO_F1, load_bench().format_table(report)


def test_macro_f1_and_kinds_over_github(report) -> None:  # noqa: ANN001
    row = report.combined(["github", "github-action"])
    assert row.macro_f1 >= MIN_MACRO_F1
    assert row.kind_accuracy >= 0.85
