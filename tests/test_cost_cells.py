"""Issue 21, part 2: what part 1 left of per-job money. Matrix cells priced on their own
runners; Azure, Jenkins and AppVeyor jobs run on their own triggers and conditions;
mutually exclusive steps priced by the share of runs they run in."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import REPO_ROOT, write_tree
from xops_lens.cli import cli

SCHEMA = json.loads((REPO_ROOT / "xops_lens/schemas/scan.schema.json").read_text())
SETTINGS = ("cost.changes_per_month=40", "cost.releases_per_month=2",
            "cost.dispatch_runs_per_month=2", "cost.schedule_runs_per_month=30",
            "cost.runner_prices.default=0.008", "cost.runner_prices.linux=0.008",
            "cost.runner_prices.windows=0.016", "cost.runner_prices.macos=0.08")


def scan_json(root: Path, files: dict[str, str], *settings: str) -> dict[str, Any]:
    write_tree(root, {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()})
    args = ["scan", str(root), "--format", "json"]
    for setting in (*SETTINGS, *settings):
        args += ["--set", setting]
    outcome = CliRunner().invoke(cli, args, env={"NO_COLOR": "1"}, catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.stderr
    data = json.loads(outcome.stdout)
    jsonschema.validate(data, SCHEMA)
    return data


def jobs(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {job["id"]: job for job in data["jobs"]}


MATRIX = """
    on: push
    jobs:
      test:
        runs-on: ${{ matrix.os }}
        strategy:
          matrix:
            os: [ubuntu-latest, windows-latest, macos-latest]
            python: ["3.11", "3.12"]
            exclude:
              - os: macos-latest
                python: "3.11"
            include:
              - os: ubuntu-22.04
                python: "3.10"
        steps:
          - run: pytest
      lint:
        runs-on: ubuntu-latest
        strategy:
          matrix:
            python: ["3.11", "3.12"]
        steps:
          - run: ruff check .
    """


def test_matrix_cells_are_priced_on_their_own_runners(tmp_path: Path) -> None:
    data = scan_json(tmp_path, {".github/workflows/ci.yml": MATRIX})
    test = jobs(data)["test"]["cost"]
    # 6 cells: 2 ubuntu-latest, 2 windows, 1 macos (one excluded), 1 ubuntu-22.04 (include)
    mean = (2 * 0.008 + 2 * 0.016 + 1 * 0.08 + 1 * 0.008) / 6
    assert test["price_per_minute"] == pytest.approx(mean, abs=1e-4)
    assert test["price_basis"] == ("mean over the cells' runners: 2 × ubuntu-latest at 0.008, "
                                   "2 × windows-latest at 0.016, 1 × macos-latest at 0.08, "
                                   "1 × ubuntu-22.04 at 0.008")
    step = next(s for s in data["steps"] if s["job"] == "test")
    compute = next(line for line in step["cost"]["lines"] if line["category"] == "compute")
    assert "6 cells" in compute["formula"] and "2 × windows-latest" in compute["formula"]
    # the cells' minutes at their own prices: 40 runs × minutes × Σ cell prices
    assert compute["compute_monthly"] == pytest.approx(
        40 * compute["compute_minutes_per_use"] * mean, rel=1e-3)
    lint = jobs(data)["lint"]["cost"]
    assert lint["price_basis"] is None and lint["price_per_minute"] == 0.008


AZURE = """
    trigger:
      branches:
        include: [main]
      tags:
        include: ["v*"]
    schedules:
      - cron: "0 3 * * *"
        branches: {include: [main]}
    stages:
      - stage: build
        jobs:
          - job: test
            strategy:
              matrix:
                linux: {imageName: ubuntu-latest}
                ${{ if eq(parameters.full, true) }}:
                  mac: {imageName: macos-latest}
                  windows: {imageName: windows-latest}
            pool: {vmImage: $(imageName)}
            steps:
              - script: pytest
          - job: pr_only
            condition: eq(variables['Build.Reason'], 'PullRequest')
            steps:
              - script: make check
          - job: not_pr
            condition: and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'))
            steps:
              - script: make docs
          - job: nightly
            condition: eq(variables['Build.Reason'], 'Schedule')
            steps:
              - script: make e2e
          - job: on_failure
            condition: failed()
            steps:
              - script: ./collect-logs.sh
          - job: custom
            condition: eq(variables['deploy'], 'true')
            steps:
              - script: ./maybe.sh
      - stage: release
        condition: startsWith(variables['Build.SourceBranch'], 'refs/tags/')
        jobs:
          - job: publish
            steps:
              - script: twine upload dist/*
    """


def test_azure_jobs_run_on_their_triggers_and_conditions(tmp_path: Path) -> None:
    data = scan_json(tmp_path, {"azure-pipelines.yml": AZURE})
    found = jobs(data)
    runs = {job_id: job["cost"]["runs_per_month"] for job_id, job in found.items()}
    daily = 365 / 12
    assert runs == pytest.approx({
        # push to main 40, tags 2, default pull request trigger 80, the cron
        "build.test": 40 + 2 + 80 + daily,
        "build.pr_only": 80,
        "build.not_pr": 40 + 2 + daily,
        "build.nightly": daily,
        "build.on_failure": 0,
        "build.custom": 40 + 2 + 80 + daily,
        "release.publish": 2,
    }, abs=1e-3)
    pr = next(e for e in found["build.test"]["cost"]["events"] if e["event"] == "pull_request")
    assert "no pr: in the file" in pr["basis"] and "pr: none" in pr["basis"]
    custom = found["build.custom"]["cost"]["events"][0]["basis"]
    assert "not decidable from the file" in custom
    # the matrix's cells behind a template condition are counted: the file gives three
    assert found["build.test"]["matrix_size"] == 3


def test_azure_trigger_none_is_run_by_hand(tmp_path: Path) -> None:
    data = scan_json(tmp_path, {"azure-pipelines.yml": """
        trigger: none
        pr: none
        steps:
          - script: ./release.sh
        """})
    (job,) = data["jobs"]
    (event,) = job["cost"]["events"]
    assert event["event"] == "workflow_dispatch" and event["manual"] is True
    assert event["runs_per_month"] == 2 and "trigger: none" in event["basis"]


def test_azure_matrix_cells_are_priced_on_their_images(tmp_path: Path) -> None:
    data = scan_json(tmp_path, {"azure-pipelines.yml": AZURE})
    test = jobs(data)["build.test"]["cost"]
    assert test["price_per_minute"] == pytest.approx((0.008 + 0.08 + 0.016) / 3, abs=1e-4)
    assert "1 × macos-latest at 0.08" in test["price_basis"]


JENKINS = """
    properties([pipelineTriggers([pollSCM('@weekly')])])
    def platforms = ['linux', 'windows', 'mac']
    def builds = [:]
    for (p in platforms) {
        def name = p
        builds[name] = {
            node(name) {
                sh 'make test'
            }
        }
    }
    node('linux') {
        stage('prep') { sh 'make prep' }
        parallel builds
    }
    """

DECLARATIVE = """
    pipeline {
      agent any
      triggers { cron('H 2 * * *') }
      stages {
        stage('test') {
          steps { sh 'pytest' }
          post {
            failure { sh './collect-logs.sh' }
            success { sh './upload-coverage.sh' }
            always { junit 'reports/*.xml' }
          }
        }
      }
      post {
        failure { mail to: 'team@example.com', subject: 'broken' }
      }
    }
    """


def test_jenkins_poll_parallel_map_and_post_blocks(tmp_path: Path) -> None:
    data = scan_json(tmp_path, {"Jenkinsfile": JENKINS, "ci/Jenkinsfile": DECLARATIVE},
                     "cost.failure_rate.test=0.1")
    scripted = {j["id"]: j for j in data["jobs"] if j["file"] == "Jenkinsfile"}
    # @weekly fires on the 52 Sundays of the reference year: 4.33 a month, fewer than the
    # 40 changes, so every poll is taken to find one
    weekly = 52 / 12
    (event,) = scripted["prep"]["cost"]["events"]
    assert event["event"] == "poll" and event["runs_per_month"] == pytest.approx(weekly, abs=1e-3)
    assert "builds only when it finds changes" in event["basis"]
    # the loop's map has three entries: the branch runs three times
    assert scripted["parallel builds"]["matrix_size"] == 3
    steps = {(s["file"], s["name"]): s for s in data["steps"]}
    daily = 365 / 12
    test = steps[("ci/Jenkinsfile", "pytest")]["cost"]
    assert test["runs_per_month"] == pytest.approx(daily + 40, abs=1e-3)
    logs = steps[("ci/Jenkinsfile", "./collect-logs.sh")]["cost"]
    coverage = steps[("ci/Jenkinsfile", "./upload-coverage.sh")]["cost"]
    junit = steps[("ci/Jenkinsfile", "junit")]["cost"]
    assert logs["runs_per_month"] == pytest.approx(0.1 * (daily + 40), abs=1e-3)
    assert coverage["runs_per_month"] == pytest.approx(0.9 * (daily + 40), abs=1e-3)
    assert junit["runs_per_month"] == pytest.approx(daily + 40, abs=1e-3)
    assert logs["note"] == ("runs after a failure, 10% of runs (cost.failure_rate.*) "
                           "[post failure]: 7 of the job's 70.4 runs/month")
    # the pipeline's post: the pipeline fails when its one test step does
    mail = steps[("ci/Jenkinsfile", "mail")]["cost"]
    assert mail["runs_per_month"] == pytest.approx(0.1 * (daily + 40), abs=1e-3)


def test_conditional_steps_are_priced_in_the_runs_they_run_in(tmp_path: Path) -> None:
    data = scan_json(tmp_path, {
        ".github/workflows/ci.yml": """
            on:
              push:
                branches: [main]
              pull_request:
            jobs:
              test:
                runs-on: ubuntu-latest
                steps:
                  - run: pytest
                  - name: logs
                    if: failure()
                    run: ./collect-logs.sh
                  - name: publish
                    if: github.event_name == 'push'
                    run: ./upload-docs.sh
                  - name: maybe
                    if: inputs.extra == 'yes'
                    run: ./extra.sh
            """,
        "azure-pipelines.yml": """
            trigger: [main]
            steps:
              - script: pytest
              - script: ./pr-comment.sh
                displayName: comment
                condition: eq(variables['Build.Reason'], 'PullRequest')
              - script: ./logs.sh
                displayName: azure-logs
                condition: failed()
            """,
    }, "cost.failure_rate.test=0.1", "cost.failure_rate.build=0", "cost.failure_rate.lint=0",
        "cost.failure_rate.analysis=0")
    steps = {s["name"]: s["cost"] for s in data["steps"]}
    assert {s["name"]: s["kind"] for s in data["steps"]}["pytest"] == "test"
    assert steps["pytest"]["runs_per_month"] in (120, 40 + 80)
    assert steps["logs"]["runs_per_month"] == pytest.approx(0.1 * 120, abs=1e-3)
    assert steps["publish"]["runs_per_month"] == 40
    assert "github.event_name == 'push'" in steps["publish"]["note"]
    # an input the file cannot tell: counted in every run, and said
    maybe = steps["maybe"]
    assert maybe["runs_per_month"] == 120 and "not decidable" in maybe["note"]
    assert steps["comment"]["runs_per_month"] == 80  # the default PR trigger
    assert steps["azure-logs"]["runs_per_month"] == pytest.approx(0.1 * 120, abs=1e-3)


def test_appveyor_branch_specific_configurations(tmp_path: Path) -> None:
    data = scan_json(tmp_path, {"appveyor.yml": """
        - branches:
            only: [/release.*/]
          build_script: [make release]
        - branches:
            only: [master]
          build_script: [make]
          test_script: [make test]
        - build_script: [make quick]
        """})
    runs = {j["id"]: j["cost"]["runs_per_month"] for j in data["jobs"]}
    # the default branch (and its pull requests) build with the second configuration;
    # the first and the third get pushes to other branches, counted as changes
    assert runs == {"config 1: main": 40, "config 2: main": 40 + 80, "config 3: main": 40}
    bases = {j["id"]: [e["basis"] for e in j["cost"]["events"]] for j in data["jobs"]}
    assert "not the default branch" in bases["config 1: main"][0]
    assert "built by an earlier configuration" in bases["config 3: main"][0]
    steps = {s["name"]: s["job"] for s in data["steps"]}
    assert steps["make test"] == "config 2: main"


def test_appveyor_single_configuration_branch_filter(tmp_path: Path) -> None:
    data = scan_json(tmp_path, {"appveyor.yml": """
        branches:
          only: [develop]
        build_script: [make]
        """})
    (job,) = data["jobs"]
    assert job["cost"]["runs_per_month"] == 40
    assert "not the default branch" in job["cost"]["events"][0]["basis"]


def test_the_terminal_prints_each_jobs_runs_basis(tmp_path: Path) -> None:
    write_tree(tmp_path, {".github/workflows/ci.yml": textwrap.dedent("""
        on:
          push:
            branches: [main]
          pull_request:
        jobs:
          test:
            runs-on: ubuntu-latest
            steps: [{run: pytest}]
          lint:
            runs-on: ubuntu-latest
            steps: [{run: ruff check .}]
          pr-only:
            if: github.event_name == 'pull_request'
            runs-on: ubuntu-latest
            steps: [{run: make check}]
        """)})
    outcome = CliRunner().invoke(cli, ["scan", str(tmp_path), "--set", "cost.changes_per_month=40"],
                                 env={"NO_COLOR": "1", "COLUMNS": "160"}, catch_exceptions=False)
    lines = [line.strip() for line in outcome.stdout.splitlines()]
    assert "pr-only: 80  (pull_request 80)  job if: github.event_name == 'pull_request'" in lines
    assert "on every run: test, lint" in lines


def test_drone_and_woodpecker_pipelines_run_on_their_own_trigger(tmp_path: Path) -> None:
    data = scan_json(tmp_path, {
        ".drone.yml": """
            kind: pipeline
            name: test
            steps:
              - name: test
                image: python
                commands: [pytest]
            ---
            kind: pipeline
            name: release
            trigger:
              event: [tag]
            steps:
              - name: publish
                image: python
                commands: [twine upload dist/*]
            ---
            kind: pipeline
            name: main-only
            trigger:
              branch: [main]
              event: [push]
            steps:
              - name: build
                image: docker
                commands: [docker build .]
            ---
            kind: pipeline
            name: develop
            trigger:
              branch:
                include: [develop, feature/*]
            steps:
              - name: deploy
                image: alpine
                commands: [./deploy.sh staging]
            """,
        ".woodpecker/docs.yml": """
            when:
              - event: push
                branch: main
              - event: pull_request
            steps:
              - name: docs
                image: python
                commands: [mkdocs build]
            """,
    })
    runs = {j["id"]: j["cost"]["runs_per_month"] for j in data["jobs"]}
    # Drone's default events: push, pull request and tag
    assert runs == {"test": 40 + 80 + 2, "release": 2, "main-only": 40, "develop": 40,
                    "docs": 40 + 80}
    # a branch filter without the default branch: pushes to those branches, no pull
    # requests (they target the default branch), no tags (Drone: a tag is not a branch)
    (develop,) = next(j for j in data["jobs"] if j["id"] == "develop")["cost"]["events"]
    assert develop["event"] == "push" and "not the default branch" in develop["basis"]
