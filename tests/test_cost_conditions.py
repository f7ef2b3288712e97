"""Issue 21: per-job runs from Travis ``if:``/``branches``, Buildkite ``if:``/
``branches``, Cirrus ``only_if``/``skip`` and Jenkins ``when { }``, under the held-out
settings (40 changes, 2 releases, 2 manual runs, 30 scheduled runs a month; two pushes
per pull request by default: 80 pull request runs)."""

from __future__ import annotations

from pathlib import Path

from tests.test_cost_cells import scan_json


def runs(data: dict) -> dict[str, float]:
    return {j["id"]: j["cost"]["runs_per_month"] for j in data["jobs"]}


def basis(data: dict, job: str) -> str:
    found = next(j for j in data["jobs"] if j["id"] == job)
    return " | ".join(e["basis"] for e in found["cost"]["events"])


def test_travis_if_conditions_and_stages(tmp_path: Path) -> None:
    data = scan_json(tmp_path, {".travis.yml": """
        language: python
        stages:
          - test
          - name: deploy
            if: tag IS present
        jobs:
          include:
            - name: unit
              script: pytest
            - name: main-only
              if: branch = master AND type = push
              script: make build
            - name: pr-only
              if: type = pull_request
              script: make lint
            - name: nightly
              if: type = cron
              script: make soak
            - name: by-hand
              if: type IN (api)
              script: make bench
            - name: publish
              stage: deploy
              script: twine upload dist/*
            - name: fork-check
              if: repo = acme/tool
              script: make check
            - name: not-pr
              if: NOT type = pull_request
              script: make docs
        """})
    # the file mentions cron: every job not ruled out runs on the schedule too
    assert runs(data) == {"unit": 40 + 80 + 30, "main-only": 40, "pr-only": 80,
                          "nightly": 30, "by-hand": 2, "publish": 2,
                          "fork-check": 40 + 80 + 30, "not-pr": 40 + 30}
    assert "cannot be decided from the file" in basis(data, "fork-check")
    assert "stage deploy if: tag IS present" in basis(data, "publish")


def test_travis_branches_filter_narrows_every_job(tmp_path: Path) -> None:
    data = scan_json(tmp_path, {".travis.yml": """
        language: python
        branches:
          only: [/^release-.*$/]
        jobs:
          include:
            - name: unit
              script: pytest
        """})
    # a safelist without the default branch: no pushes to it, no pull requests to it
    assert runs(data) == {"unit": 0}
    data = scan_json(tmp_path / "b", {".travis.yml": """
        language: python
        branches:
          except: [gh-pages]
        script: pytest
        """})
    assert runs(data) == {"main": 40 + 80}
    assert "branches: except gh-pages" in basis(data, "main")


def test_cirrus_only_if_and_skip(tmp_path: Path) -> None:
    data = scan_json(tmp_path, {".cirrus.yml": """
        test_task:
          container: {image: python}
          script: pytest
        release_task:
          only_if: $CIRRUS_TAG != ''
          script: twine upload dist/*
        main_task:
          only_if: $CIRRUS_BRANCH == 'master'
          script: make build
        pr_task:
          only_if: $CIRRUS_PR != ''
          script: make lint
        nightly_task:
          only_if: $CIRRUS_CRON == 'nightly'
          script: make soak
        docs_task:
          skip: $CIRRUS_PR != ''
          script: make docs
        changes_task:
          only_if: changesInclude('src/**') || $CIRRUS_BRANCH == $CIRRUS_DEFAULT_BRANCH
          script: make check
        """})
    assert runs(data) == {"test": 40 + 80, "release": 2, "main": 40, "pr": 80,
                          "nightly": 30, "docs": 40, "changes": 40 + 80}
    assert "cannot be decided from the file" in basis(data, "changes")


def test_buildkite_if_and_branches(tmp_path: Path) -> None:
    data = scan_json(tmp_path, {".buildkite/pipeline.yml": """
        steps:
          - label: unit
            key: unit
            command: pytest
          - key: release
            if: build.tag =~ /^v/
            command: twine upload dist/*
          - key: main-only
            if: build.branch == pipeline.default_branch && build.pull_request.id == null
            command: make build
          - key: pr-only
            if: build.pull_request.id != null
            command: make lint
          - key: nightly
            if: build.source == "schedule"
            command: make soak
          - key: not-pr
            if: "!build.pull_request.id"
            command: make docs
          - key: by-message
            if: build.message !~ /skip docs/
            command: make check
          - key: on-main
            branches: "main master"
            command: make deploy
          - key: not-main
            branches: "!main !master"
            command: make preview
          - group: nightly group
            if: build.source == "schedule" || build.branch == "main"
            steps:
              - key: inner
                command: make bench
          - key: feature
            branches: "feature/*"
            command: make feature
        """})
    assert runs(data) == {"unit": 40 + 80, "release": 2, "main-only": 40, "pr-only": 80,
                          "nightly": 30, "not-pr": 40, "by-message": 40 + 80,
                          "on-main": 40, "not-main": 80, "nightly group": 40 + 30,
                          "nightly group > inner": 40 + 30, "feature": 80}
    assert "cannot be decided from the file" in basis(data, "by-message")
    assert "cannot be decided from the file" in basis(data, "feature")
    assert "group nightly group if:" in basis(data, "nightly group > inner")


def test_jenkins_declarative_when(tmp_path: Path) -> None:
    data = scan_json(tmp_path, {"Jenkinsfile": """
        pipeline {
          agent any
          stages {
            stage('unit') { steps { sh 'make test' } }
            stage('main-only') {
              when { branch 'main' }
              steps { sh 'make build' }
            }
            stage('pr-only') {
              when { changeRequest() }
              steps { sh 'make lint' }
            }
            stage('release') {
              when { tag 'v*' }
              steps { sh 'make publish' }
            }
            stage('tagged') {
              when { buildingTag() }
              steps { sh 'make sign' }
            }
            stage('nightly') {
              when { triggeredBy 'TimerTrigger' }
              steps { sh 'make soak' }
            }
            stage('main-or-pr') {
              when { anyOf { branch 'master'; changeRequest() } }
              steps { sh 'make check' }
            }
            stage('main-not-pr') {
              when {
                beforeAgent true
                allOf { branch 'main'; not { changeRequest() } }
              }
              steps { sh 'make docs' }
            }
            stage('release-branch') {
              when { branch pattern: 'release-\\\\d+', comparator: 'REGEXP' }
              steps { sh 'make rc' }
            }
            stage('by-env') {
              when { environment name: 'DEPLOY', value: 'true' }
              steps { sh 'make deploy' }
            }
            stage('by-expression') {
              when { expression { return params.RUN } }
              steps { sh 'make extra' }
            }
            stage('deliver') {
              when { tag 'v*' }
              stages {
                stage('upload') { steps { sh 'make upload' } }
                stage('announce') {
                  when { not { branch 'main' } }
                  steps { sh 'make announce' }
                }
              }
            }
          }
        }
        """})
    assert runs(data) == {"unit": 40, "main-only": 40, "pr-only": 80, "release": 2,
                          "tagged": 2, "nightly": 30, "main-or-pr": 40 + 80,
                          "main-not-pr": 40, "release-branch": 0, "by-env": 40,
                          "by-expression": 40, "upload": 2, "announce": 2}
    assert "cannot be decided from the file" in basis(data, "by-env")
    assert "cannot be decided from the file" in basis(data, "by-expression")
    assert "when { tag 'v*' }" in basis(data, "upload")
