"""Hostile files where formats claim YAML by its content (Tekton anywhere, GitLab CI under
``.gitlab/`` without the root file, Cloud Build and Azure Pipelines anywhere): each passes
the cheap look of every format, then is deep, an alias bomb, or large. None is claimed, none is reported,
the scan exits 0 and stays within the case bound; a file past the look's size limit is
not even read."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.hostile_harness import BILLION_LAUGHS, CASE_SECONDS, run_scan, write
from xops_lens import claims

# What gets each file past the text look of each content-claiming format.
LOOKS = {
    "tekton": "apiVersion: tekton.dev/v1\nkind: Task\n",
    "gitlab-ci": "stages: [build]\n",
    "cloudbuild": "steps:\n  - name: gcr.io/cloud-builders/docker\n    args: [build, .]\n",
    "azure-pipelines": "steps:\n  - task: Build@1\n",
}
PATHS = {"tekton": "ci/task.yaml", "gitlab-ci": ".gitlab/jobs.yml",
         "cloudbuild": "deploy/build.yaml", "azure-pipelines": "build-system/release.yaml"}
BODIES = {
    "deep flow": "deep: " + "[" * 10_000 + "]" * 10_000 + "\n",
    "deep blocks": "".join(" " * i + "k:\n" for i in range(300)) + " " * 300 + "v\n",
    "alias bomb": BILLION_LAUGHS,
    "not yaml": "key: [unclosed\n\t- tab\n",
}


@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize("fmt", sorted(LOOKS))
def test_hostile_yaml_past_the_look_is_not_claimed(fmt: str, body: str, tmp_path: Path) -> None:
    write(tmp_path, {PATHS[fmt]: LOOKS[fmt] + BODIES[body]})
    outcome = run_scan(tmp_path, f"content/{fmt}/{body}")
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.paths() == []
    assert outcome.cpu < CASE_SECONDS


def test_azure_items_nested_past_the_bound_are_not_claimed(tmp_path: Path) -> None:
    """Conditional items inside conditional items, as deep as the YAML reader allows,
    and a file of thousands of steps: the shape is judged to a fixed depth, in one pass."""
    deep = "steps:\n" + "".join("  " * i + "- ${{ if true }}:\n" for i in range(200)) \
        + "  " * 200 + "- task: A@1\n"
    many = "pool: x\nsteps:\n" + "  - task: A@1\n" * 3_000
    assert len(many) < claims.MAX_FILE_BYTES
    write(tmp_path, {"ci/deep.yml": deep, "ci/many.yml": many})
    outcome = run_scan(tmp_path, "content/azure-deep")
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.paths() == ["ci/many.yml"]
    assert len(outcome.step_lines("ci/many.yml")) == 3_000
    assert outcome.cpu < CASE_SECONDS


def test_large_files_are_looked_at_within_bounds(tmp_path: Path) -> None:
    task = ("---\napiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n"
            "  steps:\n" + "".join(f"    - {{image: a, script: make {i}}}\n" for i in range(20)))
    under = task * (claims.MAX_FILE_BYTES // len(task))
    over = task * (claims.MAX_FILE_BYTES // len(task) + 1)
    assert len(under) <= claims.MAX_FILE_BYTES < len(over)
    jobs = "".join(f"job{i}:\n  script: [make {i}]\n" for i in range(40_000))
    assert len(jobs) > claims.MAX_FILE_BYTES
    write(tmp_path, {"ci/under.yaml": under, "ci/over.yaml": over,
                     ".gitlab/over.yml": jobs})
    outcome = run_scan(tmp_path, "content/large")
    assert outcome.exit_code == 0, outcome.stderr
    # the file under the limit is a Tekton file; the ones over it are not looked at
    assert outcome.paths() == ["ci/under.yaml"]
    assert len(outcome.step_lines("ci/under.yaml")) == 20 * (claims.MAX_FILE_BYTES // len(task))
    assert outcome.cpu < CASE_SECONDS


def test_a_large_triggers_yaml_is_parsed_once_for_its_folder(tmp_path: Path) -> None:
    """Every Lighthouse pipeline file reads the triggers.yaml beside it; a large one
    shared by a folder of many files is parsed once, not once per file."""
    entry = "  - name: p{i}\n    always_run: true\n    source: p{i}.yaml\n"
    triggers = ("spec:\n  presubmits:\n"
                + "".join(entry.format(i=i) for i in range(15_000)))
    assert 512 * 1024 < len(triggers) < 1024 * 1024
    run = ("apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {{name: p{i}}}\nspec:\n"
           "  pipelineSpec:\n    tasks:\n    - name: t\n      taskSpec:\n        steps:\n"
           "        - {{image: a, script: make {i}}}\n")
    files = {f".lighthouse/jx/p{i}.yaml": run.format(i=i) for i in range(200)}
    write(tmp_path, {".lighthouse/jx/triggers.yaml": triggers, **files})
    outcome = run_scan(tmp_path, "content/lighthouse-triggers")
    assert outcome.exit_code == 0, outcome.stderr
    assert len(outcome.paths()) == 201 and not outcome.errors()
    assert outcome.cpu < CASE_SECONDS
