"""Each job's runs per month come from its own triggers, filters and conditions, as its
format documents them (issue 21), and a run fails at most once.

The held-out check of the issue: one repository in four formats with tag-only,
branch-only, pull-request-only, schedule-only and manual jobs, scanned from the command
line with the four run settings set, shows each job's ``cost.runs_per_month`` in JSON:
a tag-only job 2 (releases), a default-branch-only job 40 (changes), a
pull-request-only job 80 (changes × 2 pushes per pull request), a daily-cron-only job
30.4 (365 / 12), a GitLab schedule-only job 30 (its schedule is kept in the project),
a Bitbucket custom pipeline 2 and marked manual; and no suggestion counts more failed
runs than the runs it rests on.
"""

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
SETTINGS = ["cost.changes_per_month=40", "cost.releases_per_month=2",
            "cost.dispatch_runs_per_month=2", "cost.schedule_runs_per_month=30"]
DAILY = 365 / 12  # a daily cron's firings in an average month

FILES = {
    ".github/workflows/release.yml": """
        on:
          push:
            tags: ["v*"]
        jobs:
          release:
            runs-on: ubuntu-latest
            steps:
              - run: python -m build
              - run: twine upload dist/*
        """,
    ".github/workflows/ci.yml": """
        on:
          push:
            branches: [main]
          pull_request:
          schedule:
            - cron: "0 4 * * *"
          workflow_dispatch:
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - run: pytest
              - run: ruff check .
          main-only:
            if: github.event_name == 'push' && github.ref == 'refs/heads/main'
            runs-on: ubuntu-latest
            steps:
              - run: make build
          pr-only:
            if: ${{ github.event_name == 'pull_request' }}
            runs-on: ubuntu-latest
            steps:
              - run: make test
          nightly:
            if: github.event_name == 'schedule'
            runs-on: ubuntu-latest
            steps:
              - run: make e2e
          by-hand:
            if: github.event_name == 'workflow_dispatch'
            runs-on: ubuntu-latest
            steps:
              - run: ./deploy.sh
          tagged:
            if: startsWith(github.ref, 'refs/tags/')
            runs-on: ubuntu-latest
            steps:
              - run: make dist
        """,
    ".gitlab-ci.yml": """
        test:
          script: [pytest]
        release:
          rules:
            - if: $CI_COMMIT_TAG
          script: [make dist]
        main-only:
          rules:
            - if: $CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
          script: [make build]
        mr-only:
          rules:
            - if: $CI_PIPELINE_SOURCE == "merge_request_event"
          script: [make lint]
        nightly:
          rules:
            - if: $CI_PIPELINE_SOURCE == "schedule"
          script: [make e2e]
        legacy-tags:
          only: [tags]
          script: [make package]
        released:
          only:
            variables: [$CI_COMMIT_TAG]
          script: [make announce]
        pages:
          rules:
            - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
          script: [make docs]
        deploy:
          when: manual
          script: [./deploy.sh]
        """,
    "bitbucket-pipelines.yml": """
        pipelines:
          tags:
            'v*':
              - step:
                  name: release
                  script: [make dist]
          branches:
            main:
              - step:
                  name: build
                  script: [make build]
          pull-requests:
            '**':
              - step:
                  name: test
                  script: [pytest]
          custom:
            deploy:
              - step:
                  name: ship
                  script: [./deploy.sh]
        """,
    ".circleci/config.yml": """
        version: 2.1
        jobs:
          test:
            docker: [{image: cimg/python:3.12}]
            steps: [checkout, {run: pytest}]
          publish:
            docker: [{image: cimg/python:3.12}]
            steps: [{run: twine upload dist/*}]
          build:
            docker: [{image: cimg/python:3.12}]
            steps: [{run: make build}]
          nightly:
            docker: [{image: cimg/python:3.12}]
            steps: [{run: make e2e}]
          orphan:
            docker: [{image: cimg/python:3.12}]
            steps: [{run: make nothing}]
        workflows:
          ci:
            jobs:
              - test: {name: unit}
              - test: {name: integration}
              - publish:
                  filters:
                    tags: {only: /^v.*/}
                    branches: {ignore: /.*/}
              - build:
                  filters:
                    branches: {only: main}
          cron:
            triggers:
              - schedule:
                  cron: "0 0 * * *"
                  filters: {branches: {only: main}}
            jobs: [nightly]
        """,
}

EXPECTED = {
    (".github/workflows/release.yml", "release"): 2,
    (".github/workflows/ci.yml", "test"): 40 + 80 + DAILY + 2,
    (".github/workflows/ci.yml", "main-only"): 40,
    (".github/workflows/ci.yml", "pr-only"): 80,
    (".github/workflows/ci.yml", "nightly"): DAILY,
    (".github/workflows/ci.yml", "by-hand"): 2,
    # `on: push: branches: [main]` runs for no tag; a manual run may be started on a
    # tag (the person picks the ref), which the file cannot tell: counted, and said so.
    (".github/workflows/ci.yml", "tagged"): 2,
    (".gitlab-ci.yml", "release"): 2,
    (".gitlab-ci.yml", "legacy-tags"): 2,
    (".gitlab-ci.yml", "released"): 2,
    (".gitlab-ci.yml", "main-only"): 40,
    (".gitlab-ci.yml", "mr-only"): 80,
    (".gitlab-ci.yml", "nightly"): 30,
    # No rules: GitLab's default, branches and tags, so pushes, tags and the schedule's
    # pipelines (which run on the default branch), not merge request pipelines.
    (".gitlab-ci.yml", "test"): 40 + 2 + 30,
    # $CI_COMMIT_BRANCH is the default branch in a scheduled pipeline too (GitLab's
    # predefined variables): a file with a schedule runs `pages` in it.
    (".gitlab-ci.yml", "pages"): 40 + 30,
    ("bitbucket-pipelines.yml", "tags v* > release"): 2,
    ("bitbucket-pipelines.yml", "branches main > build"): 40,
    ("bitbucket-pipelines.yml", "pull-requests ** > test"): 80,
    ("bitbucket-pipelines.yml", "custom deploy > ship"): 2,
    (".circleci/config.yml", "publish"): 2,
    (".circleci/config.yml", "build"): 40,
    (".circleci/config.yml", "nightly"): DAILY,
    # entered twice in the ci workflow: twice per push
    (".circleci/config.yml", "test"): 80,
    # in no workflow: CircleCI never runs it
    (".circleci/config.yml", "orphan"): 0,
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("four-formats")
    write_tree(root, {path: textwrap.dedent(text).lstrip("\n") for path, text in FILES.items()})
    args = ["scan", str(root), "--format", "json"]
    for setting in SETTINGS:
        args += ["--set", setting]
    outcome = CliRunner().invoke(cli, args, env={"NO_COLOR": "1"}, catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.stderr
    data = json.loads(outcome.stdout)
    jsonschema.validate(data, SCHEMA)
    return data


def _jobs(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(job["file"], job["id"]): job for job in report["jobs"]}


@pytest.mark.parametrize(("key", "runs"), EXPECTED.items(), ids=[f"{f}:{j}" for f, j in EXPECTED])
def test_each_job_runs_as_its_format_documents(report: dict[str, Any], key: tuple[str, str],
                                               runs: float) -> None:
    job = _jobs(report)[key]
    assert job["cost"]["runs_per_month"] == pytest.approx(runs, abs=1e-3), job["cost"]["events"]
    assert sum(e["runs_per_month"] for e in job["cost"]["events"]) == pytest.approx(
        runs, abs=1e-3)


def test_every_job_event_has_its_basis(report: dict[str, Any]) -> None:
    jobs = _jobs(report)
    (event,) = jobs[(".gitlab-ci.yml", "release")]["cost"]["events"]
    assert event["event"] == "tag"
    assert event["basis"] == "cost.releases_per_month = 2; rules: rule 1 (if: $CI_COMMIT_TAG)"
    (event,) = jobs[(".github/workflows/ci.yml", "pr-only")]["cost"]["events"]
    assert event["basis"] == ("cost.changes_per_month = 40 × 2 runs per pull request; "
                              "job if: ${{ github.event_name == 'pull_request' }}")
    (event,) = jobs[(".circleci/config.yml", "test")]["cost"]["events"]
    assert "invoked 2 times" in event["basis"]


def test_manual_runs_are_marked(report: dict[str, Any]) -> None:
    jobs = _jobs(report)
    (custom,) = jobs[("bitbucket-pipelines.yml", "custom deploy > ship")]["cost"]["events"]
    assert custom["manual"] is True and custom["runs_per_month"] == 2
    assert "run by hand" in custom["basis"]
    (by_hand,) = jobs[(".github/workflows/ci.yml", "by-hand")]["cost"]["events"]
    assert by_hand["manual"] is True
    assert not any(e["manual"] for e in jobs[(".gitlab-ci.yml", "test")]["cost"]["events"])
    assert jobs[(".gitlab-ci.yml", "deploy")]["manual"] is True  # a gate, as before


def test_pipelines_run_for_the_events_of_their_jobs(report: dict[str, Any]) -> None:
    files = {f["path"]: f for f in report["files"]}
    assert {e["event"]: e["runs_per_month"]
            for e in files[".github/workflows/release.yml"]["cost"]["events"]} == {"tag": 2}
    assert [e["event"] for e in files[".gitlab-ci.yml"]["cost"]["events"]] == [
        "push", "tag", "merge_request_event", "schedule"]


def test_no_suggestion_counts_more_failed_runs_than_runs(report: dict[str, Any]) -> None:
    runs = {f["path"]: f["cost"]["runs_per_month"] for f in report["files"]}
    failing = [s for s in report["suggestions"] if s["use"] == "failed run"]
    assert failing
    for suggestion in failing:
        files = {t["file"] for t in suggestion["applies_to"]}
        assert suggestion["uses_per_month"] <= sum(runs[f] for f in files), suggestion["id"]
    # and all of them together: each file's runs fail at most once
    for path, total in runs.items():
        failed = sum(line["uses_per_month"] for step in report["steps"] if step["file"] == path
                     for line in step["cost"]["lines"] if line["category"] == "triage")
        assert failed <= total, path


def test_a_run_fails_once_job_by_job_and_pipeline_wide(tmp_path: Path) -> None:
    write_tree(tmp_path, {".gitlab-ci.yml": textwrap.dedent("""
        test:
          script: [pytest, ruff check .]
        build:
          script: [make build]
        """).lstrip("\n")})
    outcome = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "json", "--set",
                                       "cost.changes_per_month=40"], catch_exceptions=False)
    data = json.loads(outcome.stdout)
    triage = {(s["job"], s["name"]): line for s in data["steps"]
              for line in s["cost"]["lines"] if line["category"] == "triage"}
    runs = 42  # pushes and tags (GitLab's default: branches and tags)
    # Within a job a failure stops it: ruff is the failure of a run only when pytest
    # passed, so the job fails in 1 − 0.95 × 0.97 of its runs, not 5% + 3%.
    test_job = 1 - 0.95 * 0.97
    # The pipeline fails when either job does, once: 1 − (1 − test) × (1 − 0.02 build),
    # shared out between the jobs in proportion to their chances.
    pipeline = 1 - (1 - test_job) * (1 - 0.02)
    share = pipeline / (test_job + 0.02)
    assert triage[("test", "pytest")]["uses_per_month"] == pytest.approx(
        runs * 0.05 * share, abs=1e-3)
    assert triage[("test", "ruff check .")]["uses_per_month"] == pytest.approx(
        runs * 0.95 * 0.03 * share, abs=1e-3)
    assert sum(line["uses_per_month"] for line in triage.values()) == pytest.approx(
        runs * pipeline, abs=1e-3)
    assert "that get this far" in triage[("test", "ruff check .")]["formula"]


def _suggestion_ids(root: Path, files: dict[str, str]) -> set[str]:
    write_tree(root, {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()})
    outcome = CliRunner().invoke(cli, ["scan", str(root), "--format", "json"],
                                 catch_exceptions=False)
    return {s["id"] for s in json.loads(outcome.stdout)["suggestions"]}


def test_suggestions_check_what_the_pipeline_already_does(tmp_path: Path) -> None:
    release = """
        on:
          push:
            tags: ["v*"]
        jobs:
          release:
            runs-on: ubuntu-latest
            steps:
              - run: twine upload dist/*
              - run: gh release create "$TAG" --generate-notes
        """
    lint = """
        on: [pull_request]
        jobs:
          lint:
            runs-on: ubuntu-latest
            steps:
              - run: sudo apt-get install -y git
              - run: ruff check .
        """
    ids = _suggestion_ids(tmp_path / "a", {".github/workflows/release.yml": release,
                                           ".github/workflows/lint.yml": lint})
    assert "release-notes-draft" not in ids  # the notes are generated already
    assert "dependency-bump-review" not in ids  # git for the job is no bumped dependency
    ids = _suggestion_ids(tmp_path / "b", {".github/workflows/release.yml": release.replace(
        ' --generate-notes', ' -F notes.md'), ".github/workflows/lint.yml": lint.replace(
        "sudo apt-get install -y git", "pip install -r requirements.txt")})
    assert {"release-notes-draft", "dependency-bump-review"} <= ids
