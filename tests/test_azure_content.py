"""Azure Pipelines files and templates of any name are claimed by their content (issue 15:
``build-system/windows-release.yaml``, ``ci/steps.yml``), and nothing else is: the other
CI systems' files, Kubernetes, Helm, Ansible, compose, fixtures under tests or examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_tree
from tests.corpus_check import dedented, stub_scan
from xops_lens.formats.azure import AzurePipelines
from xops_lens.formats.azure.content import is_azure_shaped
from xops_lens.yamlload import load_mapping

FMT = AzurePipelines()


POSITIVE = {
    "steps-only template": """
        steps:
          - checkout: self
          - task: UseDotNet@2
            inputs: {version: 8.x}
          - script: dotnet test
            displayName: Test
        """,
    "jobs template with parameters": """
        parameters:
          - name: platform
            type: string
        jobs:
          - job: build_${{ parameters.platform }}
            pool: {vmImage: windows-latest}
            steps:
              - pwsh: ./build.ps1
              - publish: out
                artifact: drop
          - template: other-jobs.yml
            parameters: {platform: linux}
        """,
    "stages pipeline with conditional items": """
        trigger:
          branches: {include: [main]}
        variables:
          - name: config
            value: Release
        stages:
          - stage: Build
            jobs:
              - job: Windows
                steps:
                  - ${{ if eq(variables['Build.Reason'], 'PullRequest') }}:
                    - bash: ./lint.sh
                  - powershell: ./build.ps1
          - ${{ if ne(variables['Build.Reason'], 'PullRequest') }}:
            - stage: Release
              jobs:
                - deployment: Publish
                  environment: prod
                  strategy:
                    runOnce:
                      deploy:
                        steps: [{download: current}]
        """,
    "pipeline with extends": """
        name: $(Date:yyyyMMdd)$(Rev:.r)
        trigger: none
        resources:
          repositories:
            - repository: templates
              type: git
              name: Shared/templates
        extends:
          template: v1/pipeline.yml@templates
          parameters: {stages: []}
        """,
    "steps from a parameter, a bare script with a pool": """
        pool: {vmImage: ubuntu-latest}
        steps:
          - script: make
        """,
}

NEGATIVE = {
    "github workflow": """
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: make test
        """,
    "github-style step list": """
        steps:
          - name: test
            run: make
          - uses: actions/checkout@v4
        """,
    "gitlab": """
        stages: [build, test]
        build:
          stage: build
          script: [make]
        """,
    "gitlab stages and variables only": "stages: [build]\nvariables: {A: b}\n",
    "bitbucket": "pipelines:\n  default:\n    - step:\n        script: [make]\n",
    "circleci": """
        version: 2.1
        jobs:
          build:
            docker: [{image: cimg/base:stable}]
            steps: [checkout, {run: make}]
        """,
    "buildkite": """
        steps:
          - label: test
            command: make test
          - wait
          - block: Release
        """,
    "buildkite script key": "steps:\n  - label: x\n    script: make\n",
    "drone": "kind: pipeline\ntype: docker\nsteps:\n  - name: t\n    image: go\n"
             "    commands: [go test]\n",
    "woodpecker": "steps:\n  - name: t\n    image: golang\n    commands: [go test]\n",
    "woodpecker map": "steps:\n  test:\n    image: golang\n    commands: [go test]\n",
    "tekton": """
        apiVersion: tekton.dev/v1
        kind: Task
        metadata: {name: t}
        spec:
          steps:
            - {name: t, image: golang, script: go test}
        """,
    "cloud build": """
        steps:
          - name: gcr.io/cloud-builders/docker
            args: [build, -t, app, .]
        images: [app]
        """,
    "cloud build script step": "steps:\n  - name: ubuntu\n    script: echo hi\n",
    "cloud build script and id": "steps:\n  - name: bash\n    id: t\n    script: echo\n",
    "kubernetes job": """
        apiVersion: batch/v1
        kind: Job
        spec:
          template:
            spec:
              containers: [{name: job, image: busybox}]
        """,
    "helm values": """
        name: app
        jobs:
          - name: cleanup
            schedule: "0 * * * *"
            script: ./clean.sh
        resources: {limits: {cpu: 1}}
        """,
    "helm template": "jobs:\n{{- range .Values.jobs }}\n  - job: {{ .name }}\n{{- end }}\n",
    "ansible playbook": """
        - hosts: all
          tasks:
            - name: install
              script: ./install.sh
        """,
    "ansible vars with steps": "steps:\n  - script: setup.sh\n    when: first\n",
    "compose": """
        services:
          app: {image: app, command: [serve]}
        volumes: {data: {}}
        """,
    "task without a version": "pool: default\nsteps:\n  - task: Build\n",
    "stages of names": "trigger: [main]\nstages: [build, test]\n",
    "jobs a mapping": "pool: x\njobs:\n  build:\n    steps: [{script: make}]\n",
    "unknown top key": "tools: [a]\nsteps:\n  - task: A@1\n",
    "variables template": "variables:\n  - name: a\n    value: b\n",
    "several documents": "steps: [{task: A@1}]\n---\nsteps: [{task: B@1}]\n",
    "broken yaml": "steps:\n  - task: A@1\n    inputs: [unclosed\n",
    "empty": "",
}


@pytest.mark.parametrize("case", sorted(POSITIVE))
def test_azure_pipelines_and_templates_are_claimed_by_content(case: str) -> None:
    text = dedented(POSITIVE[case])
    assert FMT.claims_content("build-system/windows-release.yaml", text)
    assert FMT.claims_content("ci/steps.yml", text)


@pytest.mark.parametrize("case", sorted(NEGATIVE))
def test_other_yaml_is_not_claimed(case: str) -> None:
    assert not FMT.claims_content("ci/any.yaml", dedented(NEGATIVE[case]))


@pytest.mark.parametrize("path", [
    "tests/data/pipeline.yml", "docs/azure.yaml", "examples/ci.yml", "src/testdata/x.yaml",
    ".github/workflows/azure.yml", ".gitlab/azure.yml", "ci/pipeline.yml.txt", "ci/x.json"])
def test_not_in_fixtures_nor_other_systems_folders(path: str) -> None:
    text = dedented(POSITIVE["steps-only template"])
    assert FMT.claims_content("ci/pipeline.yml", text)
    assert not FMT.claims_content(path, text)


def test_deep_conditionals_are_bounded() -> None:
    deep = "steps:\n" + "".join("  " * i + "  - ${{ if true }}:\n" for i in range(40))
    deep += "  " * 40 + "  - task: A@1\n"
    document = load_mapping(deep, "ci/deep.yml")
    assert not is_azure_shaped(document)
    shallow = "steps:\n  - ${{ if true }}:\n    - ${{ else }}:\n      - task: A@1\n"
    assert is_azure_shaped(load_mapping(shallow, "ci/shallow.yml"))


WINDOWS_RELEASE = """\
trigger: none
pr: none
stages:
  - stage: Release
    jobs:
      - template: azure-pipeline.template.yaml
        parameters: {platform: windows}
"""
TEMPLATE = """\
parameters:
  - name: platform
jobs:
  - job: build
    steps:
      - checkout: self
      - task: CMake@1
        inputs: {cmakeArgs: --build .}
      - script: ctest
"""


def test_a_scan_reads_azure_files_of_any_name_and_nothing_else(tmp_path: Path) -> None:
    files = {f"build-system/case-{i}.yml": dedented(text)
             for i, text in enumerate(POSITIVE.values())}
    files.update({f"misc/case-{i}.yaml": dedented(text)
                  for i, text in enumerate(NEGATIVE.values())})
    files["tests/fixtures/pipeline.yml"] = dedented(POSITIVE["steps-only template"])
    write_tree(tmp_path, files)
    result = stub_scan(tmp_path)
    read = {f.path: f.format for f in result.files}
    for i in range(len(POSITIVE)):
        assert read[f"build-system/case-{i}.yml"] == "azure-pipelines"
    assert not any(fmt == "azure-pipelines" for path, fmt in read.items()
                   if not path.startswith("build-system/"))
    steps = [(s.step.file, s.step.line) for s in result.steps
             if s.step.file == "build-system/case-0.yml"]
    assert steps == [("build-system/case-0.yml", 2), ("build-system/case-0.yml", 3),
                     ("build-system/case-0.yml", 5)]


@pytest.mark.parametrize("pipeline", ["azure-pipelines.yml", "build-system/windows-release.yaml"])
def test_a_template_included_by_a_pipeline_is_read_once(tmp_path: Path, pipeline: str) -> None:
    """By a pipeline claimed by name or by content, the template (claimed by content)
    is read through it, once, whichever comes first in the tree."""
    write_tree(tmp_path, {
        pipeline: WINDOWS_RELEASE.replace("azure-pipeline.template.yaml",
                                          "build-system/azure-pipeline.template.yaml"
                                          if pipeline == "azure-pipelines.yml"
                                          else "azure-pipeline.template.yaml"),
        "build-system/azure-pipeline.template.yaml": TEMPLATE,
    })
    result = stub_scan(tmp_path)
    files = {f.path: f for f in result.files}
    template = files["build-system/azure-pipeline.template.yaml"]
    assert template.format == "azure-pipelines" and template.included_by == pipeline
    assert not result.failed_files
    lines = [(s.step.file, s.step.line) for s in result.steps]
    assert lines == [("build-system/azure-pipeline.template.yaml", n) for n in (6, 7, 9)]
