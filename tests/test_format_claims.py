"""The formats added for "every major CI format" claim exactly their own corpus files.

Scan gives a path to the first registered format that claims it, so a format must not
claim another format's file (it would be lost) nor miss one of its own. The check runs
over every file of the corpus manifest, with the formats in their registered order.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from xops_lens.plugins import build_plugin_manager
from xops_lens.sdk import Format

OURS = ("bitbucket-pipelines", "travis", "appveyor", "drone", "woodpecker", "buildkite",
        "tekton", "cloudbuild", "cirrus")
# Manifest names that a registered format reports under another name.
ALIASES = {"github-action-composite": "github-actions"}


def _formats() -> list[Format]:
    return list(build_plugin_manager(load_entry_points=False)[1].formats.values())


def _first(path: str, formats: list[Format]) -> str | None:
    return next((f.name for f in formats if f.claims(path)), None)


def test_every_new_format_is_registered() -> None:
    names = {f.name for f in _formats()}
    assert set(OURS) <= names


def test_corpus_files_go_to_their_own_format(shared: Path) -> None:
    formats = _formats()
    with open(shared / "corpus" / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    wrong = []
    for row in rows:
        expected = ALIASES.get(row["format"], row["format"])
        got = _first(row["path"], formats)
        if (expected in OURS and got != expected) or (got in OURS and got != expected):
            wrong.append((row["dir"], row["path"], expected, got))
    assert wrong == []


@pytest.mark.parametrize("path", [
    ".github/workflows/appveyor.yml", ".github/workflows/cloudbuild.yaml",
    ".github/workflows/tekton.yml", ".github/workflows/buildkite.yml",
    ".gitlab-ci.yml", ".gitlab/ci/tekton.yml", ".circleci/config.yml",
    "azure-pipelines.yml", "Jenkinsfile", "action.yml",
])
def test_other_formats_files_are_not_claimed_by_ours(path: str) -> None:
    formats = _formats()
    assert not any(f.claims(path) for f in formats if f.name in OURS)
