"""Reusable units reported twice (at the call and where written) are priced once.

A CircleCI command, a Jenkins helper function, an Azure template read alone and a
composite action nothing scanned uses are ``reusable`` jobs: no runs of their own, the
calling steps carry the cost. An Azure step template's steps follow its reference in
the calling job: they are priced, the ``expanded`` reference is not. Step counts keep
both, as TAXONOMY.md counts both.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import EXAMPLES, REPO_ROOT, write_tree
from xops_lens.config import load_config
from xops_lens.cost.pricing import REUSABLE_NOTE
from xops_lens.cost.report import CostReport
from xops_lens.model import Job
from xops_lens.reporters.json import to_dict
from xops_lens.result import ScanResult
from xops_lens.scan import scan

SCHEMA = json.loads((REPO_ROOT / "xops_lens/schemas/scan.schema.json").read_text())


def _scan(root: Path, files: dict[str, str]) -> tuple[ScanResult, CostReport]:
    write_tree(root, {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()})
    result = scan(root, config=load_config(None, assignments=["cost.changes_per_month=10"]))
    assert result.cost is not None and not result.failed_files, result.messages
    return result, result.cost


def _jobs(result: ScanResult) -> dict[str, Job]:
    return {job.id: job for f in result.files if f.pipeline for job in f.pipeline.jobs}


def _assert_carried_by_callers(report: CostReport, job: Job) -> None:
    """No runs, no lines, zero everywhere, and the reason said on the job and its steps."""
    assert job.reusable
    figures = report.job(job)
    assert (figures.runs_per_month, figures.monthly, figures.lines) == (0, 0, ())
    assert report.reusable_notes[job.key] == REUSABLE_NOTE
    for step in job.steps:
        assert report.step(step).monthly == 0
        assert report.step_notes[step.key] == REUSABLE_NOTE
    assert not [line for line in report.lines if line.target.job == job.id]


def _real_jobs_total(result: ScanResult, report: CostReport) -> float:
    own = sum(line.monthly for lines in report.pipeline_lines.values() for line in lines)
    return own + sum(report.job(job).monthly for job in _jobs(result).values()
                     if not job.reusable)


def test_circleci_command_is_costed_at_its_calls_only(tmp_path: Path) -> None:
    result, report = _scan(tmp_path, {".circleci/config.yml": """
        version: 2.1
        commands:
          release:
            steps:
              - run: pip install build twine
              - run: twine upload dist/*
        jobs:
          test:
            docker: [{image: cimg/python:3.12}]
            steps:
              - run: pytest
          publish:
            docker: [{image: cimg/python:3.12}]
            steps:
              - release
        workflows:
          main:
            jobs: [test, publish]
        """})
    jobs = _jobs(result)
    _assert_carried_by_callers(report, jobs["commands.release"])
    (call,) = jobs["publish"].steps
    assert report.step(call).monthly > 0 and report.step(call).runs_per_month == 10
    # The once-per-pipeline release-notes line goes to the call, not to the definition
    # listed before it.
    (notes,) = [line for line in report.lines if line.category == "release-notes"]
    assert (notes.target.job, notes.target.line) == ("publish", 15)
    assert report.total().monthly == pytest.approx(_real_jobs_total(result, report))
    assert len(result.steps) == 4  # the command's two steps still count, and the call


def test_circleci_example_prices_the_install_command_once() -> None:
    result = scan(EXAMPLES / "circleci")
    report = result.cost
    assert report is not None
    jobs = _jobs(result)
    _assert_carried_by_callers(report, jobs["commands.install"])
    install = next(s for s in jobs["test"].steps if s.name == "install")
    assert report.step(install).monthly > 0  # 4 cells × every run of the pipeline
    assert report.total().monthly == pytest.approx(_real_jobs_total(result, report))
    document = to_dict(result)
    jsonschema.validate(document, SCHEMA)
    by_id = {job["id"]: job for job in document["jobs"]}
    assert by_id["commands.install"]["reusable"] is True
    assert by_id["commands.install"]["cost"]["monthly"] == 0
    assert by_id["commands.install"]["cost"]["note"] == REUSABLE_NOTE
    assert (by_id["test"]["reusable"], by_id["test"]["cost"]["note"]) == (False, None)


def test_jenkins_helper_function_is_costed_at_its_calls_only(tmp_path: Path) -> None:
    result, report = _scan(tmp_path, {"Jenkinsfile": """
        pipeline {
          agent any
          stages {
            stage('build') {
              steps {
                mavenBuild('install')
              }
            }
          }
        }

        def mavenBuild(String goal) {
          sh "mvn ${goal}"
          junit 'target/*.xml'
        }
        """})
    jobs = _jobs(result)
    _assert_carried_by_callers(report, jobs["mavenBuild()"])
    (call,) = jobs["build"].steps
    assert call.uses == "mavenBuild" and report.step(call).monthly > 0
    assert report.total().monthly == pytest.approx(_real_jobs_total(result, report))


AZURE_MAIN = """
    trigger: [main]
    pr: none
    jobs:
    - job: build
      steps:
      - template: ci/steps.yml
      - template: ci/missing.yml
      - script: make
    """
AZURE_STEPS = """
    steps:
    - script: pip install -r requirements.txt
    - script: pytest
    """


def test_azure_step_template_reference_is_not_priced_beside_its_steps(
        tmp_path: Path) -> None:
    result, report = _scan(tmp_path, {"azure-pipelines.yml": AZURE_MAIN,
                                      "ci/steps.yml": AZURE_STEPS})
    build = _jobs(result)["build"]
    reference, install, pytest_step, missing, make = build.steps
    assert reference.expanded and not missing.expanded
    assert report.step(reference).monthly == 0 and report.step_notes[reference.key]
    # The template's steps carry the work, in the calling job with its runs; a
    # reference to a template not read carries its own.
    for step in (install, pytest_step, missing, make):
        assert report.step(step).monthly > 0 and report.step(step).runs_per_month == 10
    assert len(result.steps) == 5


def test_azure_template_read_alone_is_not_costed(tmp_path: Path) -> None:
    result, report = _scan(tmp_path, {".azure-pipelines/templates/build.yml": AZURE_STEPS})
    (job,) = _jobs(result).values()
    _assert_carried_by_callers(report, job)
    runs = report.runs[".azure-pipelines/templates/build.yml"]
    assert runs.total == 0 and runs.note == "called from outside the scanned files only: not costed"
    assert report.total().monthly == 0 and len(result.steps) == 2


ACTION = """
    name: setup
    runs:
      using: composite
      steps:
      - run: pip install -e .
        shell: bash
    """
WORKFLOW = """
    on: push
    jobs:
      test:
        runs-on: ubuntu-latest
        steps:
        - uses: ./.github/actions/setup
        - run: pytest
    """


def test_composite_action_is_costed_with_its_callers_and_not_alone(tmp_path: Path) -> None:
    action_path = ".github/actions/setup/action.yml"
    result, report = _scan(tmp_path / "alone", {action_path: ACTION})
    (job,) = _jobs(result).values()
    _assert_carried_by_callers(report, job)  # used from other repositories only
    assert report.runs[action_path].note == "called from outside the scanned files only: " \
                                            "not costed"
    # Called by a scanned workflow: a `uses: ./x` call says nothing of the work, so the
    # action's steps are costed with the callers' runs and the call is not.
    result, report = _scan(tmp_path / "called", {action_path: ACTION,
                                                 ".github/workflows/ci.yml": WORKFLOW})
    jobs = _jobs(result)
    (inner,) = jobs["setup"].steps
    call = jobs["test"].steps[0]
    assert jobs["setup"].reusable and jobs["setup"].key not in report.reusable_notes
    assert report.step(inner).runs_per_month == 10 and report.step(inner).monthly > 0
    assert report.step(call).monthly == 0
