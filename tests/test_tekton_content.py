"""Tekton resources outside the folders Tekton is known by are claimed by their content
(issue 15: Jenkins X keeps PipelineRuns in ``.lighthouse/jenkins-x/``), and nothing
else is: Kubernetes manifests, Helm values and templates, other formats' files, and
Tekton fixtures under examples or tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_tree
from tests.corpus_check import dedented, stub_scan
from xops_lens.formats.tekton import Tekton

FMT = Tekton()


POSITIVE = {
    "ci/build-task.yaml": """
        apiVersion: tekton.dev/v1
        kind: Task
        metadata:
          name: build
        spec:
          steps:
            - name: build
              image: golang:1.22
              script: go build ./...
        """,
    # several documents, with the ServiceAccount a run needs beside the resources
    "build/pipeline.yml": """
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: builder}
        ---
        apiVersion: tekton.dev/v1beta1
        kind: Pipeline
        metadata: {name: release}
        spec:
          tasks:
            - name: test
              taskSpec:
                steps:
                  - {image: golang, script: go test ./...}
        ---
        apiVersion: tekton.dev/v1beta1
        kind: PipelineRun
        metadata: {generateName: release-}
        spec:
          pipelineRef: {name: release}
        """,
    ".lighthouse/jenkins-x/release.yaml": """
        apiVersion: tekton.dev/v1beta1
        kind: PipelineRun
        metadata:
          name: release
        spec:
          pipelineSpec:
            tasks:
            - name: from-build-pack
              taskSpec:
                stepTemplate:
                  image: uses:jenkins-x/jx3-pipeline-catalog/tasks/go/release.yaml@versionStream
                steps:
                - image: uses:jenkins-x/jx3-pipeline-catalog/tasks/git-clone/git-clone.yaml@versionStream
                - name: next-version
                - name: build-make-build
        """,
    "deploy/triggers.yaml": """
        apiVersion: triggers.tekton.dev/v1beta1
        kind: TriggerTemplate
        metadata: {name: on-push}
        spec:
          resourcetemplates:
            - apiVersion: tekton.dev/v1
              kind: TaskRun
              metadata: {generateName: lint-}
              spec:
                taskSpec:
                  steps:
                    - {image: python, script: ruff check .}
        """,
    "ops/step-action.yml": """
        "apiVersion": "tekton.dev/v1beta1"
        "kind": "StepAction"
        metadata: {name: notify}
        spec:
          image: curlimages/curl
          script: curl -X POST "$HOOK"
        """,
    "k8s/list.yaml": """
        apiVersion: v1
        kind: List
        items:
          - apiVersion: tekton.dev/v1
            kind: ClusterTask
            metadata: {name: scan}
            spec:
              steps:
                - {image: aquasec/trivy, script: trivy fs .}
        """,
}

NEGATIVE = {
    "kubernetes deployment": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          template:
            spec:
              containers: [{name: web, image: web:1}]
        """,
    "rbac naming tekton resources": """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: tekton-runner}
        rules:
          - apiGroups: [tekton.dev]
            resources: [tasks, pipelineruns]
            verbs: [create]
        """,
    "tekton resources of no runnable kind": """
        apiVersion: tekton.dev/v1alpha1
        kind: PipelineResource
        metadata: {name: repo}
        spec:
          type: git
        """,
    "triggers only": """
        apiVersion: triggers.tekton.dev/v1beta1
        kind: EventListener
        metadata: {name: listener}
        spec:
          triggers:
            - template: {ref: on-push}
        """,
    "helm values mentioning tekton": """
        pipeline:
          apiVersion: tekton.dev/v1
          kind: Task
        replicaCount: 2
        """,
    "helm template": """
        apiVersion: tekton.dev/v1
        kind: Task
        metadata:
          name: {{ .Values.name }}
        spec:
          steps:
          {{- range .Values.steps }}
            - image: {{ .image }}
          {{- end }}
        """,
    "a tekton task beside a document that is no resource": """
        apiVersion: tekton.dev/v1
        kind: Task
        metadata: {name: build}
        spec:
          steps: [{image: golang, script: go build}]
        ---
        steps:
          - name: gcr.io/cloud-builders/docker
            args: [build, .]
        """,
    "github workflow": """
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            steps: [{run: make test}]
        """,
    "cloud build": """
        steps:
          - name: gcr.io/cloud-builders/docker
            args: [build, .]
        """,
    "a comment naming the api": """
        # apiVersion: tekton.dev/v1
        # kind: Task
        name: not-a-task
        """,
    "broken yaml": """
        apiVersion: tekton.dev/v1
        kind: Task
        spec: [unclosed
        """,
    "empty": "",
}


@pytest.mark.parametrize("path", sorted(POSITIVE))
def test_tekton_resources_are_claimed_by_content(path: str) -> None:
    assert FMT.claims_content(path, dedented(POSITIVE[path]))


@pytest.mark.parametrize("case", sorted(NEGATIVE))
def test_other_yaml_is_not_claimed(case: str) -> None:
    assert not FMT.claims_content("ci/any.yaml", dedented(NEGATIVE[case]))


@pytest.mark.parametrize("path", [
    "examples/v1/taskruns/build.yaml", "test/e2e/pipeline.yaml", "docs/task.yaml",
    "config/samples/task.yml", "pkg/testdata/run.yaml", ".github/tekton-task.yml",
    ".gitlab/task.yaml", "ci/task.yaml.txt", "ci/task.json"])
def test_not_in_fixtures_nor_other_systems_folders(path: str) -> None:
    text = dedented(POSITIVE["ci/build-task.yaml"])
    assert FMT.claims_content("ci/build-task.yaml", text)
    assert not FMT.claims_content(path, text)



def test_a_scan_reads_tekton_files_of_any_name_and_nothing_else(tmp_path: Path) -> None:
    files = {path: dedented(text) for path, text in POSITIVE.items()}
    files.update({f"misc/case-{i}.yaml": dedented(text)
                  for i, text in enumerate(NEGATIVE.values())})
    files["examples/task.yaml"] = dedented(POSITIVE["ci/build-task.yaml"])
    write_tree(tmp_path, files)
    result = stub_scan(tmp_path)
    cloudbuild = f"misc/case-{list(NEGATIVE).index('cloud build')}.yaml"
    assert {f.path: f.format for f in result.files} == {
        **{path: "tekton" for path in POSITIVE}, cloudbuild: "cloudbuild"}
    assert not result.failed_files
    steps = {(s.step.file, s.step.line): s.step.text for s in result.steps}
    assert steps[("ci/build-task.yaml", 7)] == "go build ./..."
    assert steps[("deploy/triggers.yaml", 12)] == "ruff check ."
    assert steps[("k8s/list.yaml", 9)] == "trivy fs ."
    # the Pipeline and its run in one file: the pipeline's task once
    assert [(s.step.file, s.step.line) for s in result.steps
            if s.step.file == "build/pipeline.yml"] == [("build/pipeline.yml", 13)]


def test_a_file_another_format_claims_is_not_taken(tmp_path: Path) -> None:
    task = dedented(POSITIVE["ci/build-task.yaml"])
    write_tree(tmp_path, {".drone.yml": task, "ci/task.yaml": task})
    read = {f.path: f.format for f in stub_scan(tmp_path).files}
    assert read["ci/task.yaml"] == "tekton" and read.get(".drone.yml") != "tekton"
