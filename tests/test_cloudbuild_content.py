"""Cloud Build configs with free names are claimed by their content (issue 15), and
nothing else is: other formats' files, manifests, playbooks and YAML that merely has
``steps:``. The look stays bounded: small YAML files only, no symlink out of the root,
ignore.paths honoured, a cap on how many files a scan reads for it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import write_tree
from tests.corpus_check import StubBackend, dedented
from xops_lens import claims
from xops_lens.cli import cli
from xops_lens.config import UserSettings
from xops_lens.formats.cloudbuild import CloudBuild
from xops_lens.model import Pipeline, Source
from xops_lens.plugins import Registry, build_plugin_manager
from xops_lens.scan import scan

FMT = CloudBuild()


# Shapes of real build configs: docker build and push with images; substitutions first,
# ids, waitFor, gcloud entrypoints and build options; a script step with Secret Manager
# secrets; Artifact Registry names built from substitutions, a document marker, quoted
# keys, digests and artifacts; flow style; YAML anchors and merge keys between steps.
POSITIVE = {
    "android/examples/build-test-deploy.yaml": """
        # Build, test and deploy the sample app
        steps:
          - name: 'gcr.io/cloud-builders/docker'
            args: ['build', '-t', 'gcr.io/$PROJECT_ID/sample:$SHORT_SHA', '.']
          - name: 'gcr.io/cloud-builders/docker'
            args: ['push', 'gcr.io/$PROJECT_ID/sample:$SHORT_SHA']
          - name: gcr.io/google.com/cloudsdktool/cloud-sdk
            entrypoint: gcloud
            args: [run, deploy, sample, --image, 'gcr.io/$PROJECT_ID/sample:$SHORT_SHA']
        images:
          - 'gcr.io/$PROJECT_ID/sample:$SHORT_SHA'
        """,
    "deploy/gcb/release.yaml": """
        substitutions:
          _REGION: us-central1
          _SERVICE: api
        timeout: 1800s
        queueTtl: 3600s
        serviceAccount: projects/$PROJECT_ID/serviceAccounts/ci@example.iam.gserviceaccount.com
        logsBucket: gs://build-logs-bucket
        tags: [release, api]
        steps:
          - id: unit
            name: golang:1.22
            entrypoint: go
            args: [test, ./...]
          - id: image
            name: gcr.io/kaniko-project/executor:latest
            args: ["--destination=${_REGION}-docker.pkg.dev/$PROJECT_ID/apps/${_SERVICE}:$TAG_NAME"]
            waitFor: [unit]
          - id: rollout
            name: gcr.io/google.com/cloudsdktool/cloud-sdk:slim
            entrypoint: bash
            args: [-c, 'gcloud run deploy ${_SERVICE} --region ${_REGION}']
            waitFor: [image]
        options:
          machineType: E2_HIGHCPU_8
          logging: CLOUD_LOGGING_ONLY
          dynamicSubstitutions: true
        """,
    "ops/nightly.yml": """
        steps:
          - name: python:3.12-slim
            script: |
              pip install -r requirements.txt
              python -m pytest -q
            secretEnv: [API_TOKEN]
            allowFailure: true
          - name: ubuntu
            args: [bash, -c, 'echo done']
        availableSecrets:
          secretManager:
            - versionName: projects/$PROJECT_ID/secrets/token/versions/latest
              env: API_TOKEN
        options:
          automapSubstitutions: true
        """,
    "build/integration.yaml": """
        ---
        'steps':
          - name: "${_REGION}-docker.pkg.dev/$PROJECT_ID/builders/bazel@sha256:0123456789abcdef"
            args: ["test", "//..."]
            volumes:
              - name: cache
                path: /cache
            timeout: 1200s
            allowExitCodes: [0, 3]
          - name: $_TOOLS_IMAGE
            dir: tools
            args: [./report.sh]
        artifacts:
          objects:
            location: gs://$PROJECT_ID-artifacts/
            paths: ["bazel-testlogs/**/test.xml"]
        dependencies:
          - gitSource:
              repository: {url: 'https://github.com/example/tools.git'}
              revision: main
        """,
    "infra/gcb-lint.yml": """
        steps: [{name: 'node:20', entrypoint: npm, args: [ci]},
                {name: 'node:20', entrypoint: npm, args: [run, lint]}]
        """,
    "ci/docker.yaml": """
        steps:
          - &docker
            name: gcr.io/cloud-builders/docker
            args: [build, -t, app, .]
          - <<: *docker
            args: [push, app]
        """,
}

NEGATIVE = {
    "tekton task": """
        apiVersion: tekton.dev/v1
        kind: Task
        metadata: {name: build}
        spec:
          steps:
            - name: build
              image: golang:1.22
              script: go build ./...
        """,
    "tekton-like step list": """
        steps:
          - name: build
            image: gcr.io/cloud-builders/docker
            script: docker build .
        """,
    "tekton steps named after their image": """
        steps:
          - name: python
            image: python:3.12
            script: pytest -q
        """,
    "azure steps named like images": """
        steps:
          - script: npm ci
            name: node
            displayName: Install
        """,
    "drone pipeline": """
        kind: pipeline
        type: docker
        name: default
        steps:
          - name: test
            image: golang:1.22
            commands: [go test ./...]
        """,
    "drone steps only": """
        steps:
          - name: test
            image: golang:1.22
            commands: [go test ./...]
        """,
    "woodpecker map form": """
        steps:
          test:
            image: golang:1.22
            commands: [go test ./...]
        """,
    "woodpecker list form": """
        when:
          - event: push
        steps:
          - name: test
            image: node:20
            commands: [npm test]
        """,
    "buildkite": """
        steps:
          - label: ":docker: build"
            command: make image
          - wait
          - name: "Deploy"
            command: make deploy
        """,
    "github workflow": """
        name: ci
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - name: Test
                run: make test
        """,
    "github composite action": """
        name: setup
        runs:
          using: composite
          steps:
            - run: make setup
              shell: bash
        """,
    "azure steps template": """
        parameters:
          - name: config
            default: Release
        steps:
          - script: dotnet build -c ${{ parameters.config }}
            displayName: Build
        """,
    "azure bare steps": """
        steps:
          - bash: make test
            name: test
        """,
    "github-style steps": """
        steps:
          - name: checkout
            uses: actions/checkout@v4
          - name: ubuntu
            run: make
        """,
    "kubernetes deployment": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          template:
            spec:
              containers:
                - name: web
                  image: gcr.io/project/web:1.0
                  args: [--port, "8080"]
        """,
    "kubernetes list with steps": """
        ---
        steps:
          - name: gcr.io/cloud-builders/docker
            args: [build, .]
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: config}
        """,
    "argo workflow": """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        spec:
          templates:
            - name: main
              steps:
                - - name: build
                    template: docker
        """,
    "ansible playbook": """
        - hosts: all
          tasks:
            - name: Install packages
              apt: {name: git}
        """,
    "ansible-like vars": """
        steps:
          - name: Install packages
            args: {creates: /usr/bin/git}
        """,
    "docker compose": """
        services:
          app:
            image: gcr.io/project/app
            build: .
            command: [serve]
        steps:
          - name: ubuntu
            args: [ls]
        """,
    "tutorial": """
        title: Getting started
        steps:
          - name: Open the console
          - name: Click build
        """,
    "names that tell nothing": """
        steps:
          - name: build
            args: [make]
          - name: checkout
            dir: src
        """,
    "string steps": """
        steps: [build, test, deploy]
        """,
    "images that run nothing": """
        steps:
          - name: gcr.io/cloud-builders/docker
          - name: ubuntu
            id: idle
        """,
    "an unknown top-level key": """
        name: my build
        steps:
          - name: gcr.io/cloud-builders/docker
            args: [build, .]
        """,
    "cloud workflows": """
        main:
          steps:
            - init:
                assign:
                  - project: ${sys.get_env("GOOGLE_CLOUD_PROJECT_ID")}
        """,
    "gitlab": """
        stages: [test]
        test:
          image: python:3.12
          script: [pytest]
        """,
    "steps not at the top": """
        build:
          steps:
            - name: gcr.io/cloud-builders/docker
              args: [build, .]
        """,
    "broken yaml": """
        steps:
          - name: gcr.io/cloud-builders/docker
            args: [build, .
        """,
}


def _registry() -> Registry:
    return build_plugin_manager(load_entry_points=False)[1]


@pytest.mark.parametrize("path", sorted(POSITIVE))
def test_real_shapes_of_build_configs_are_claimed(path: str) -> None:
    assert FMT.claims_content(path, dedented(POSITIVE[path]))


@pytest.mark.parametrize("case", sorted(NEGATIVE))
def test_other_yaml_with_steps_is_not_claimed(case: str) -> None:
    assert not FMT.claims_content("ci/any.yaml", dedented(NEGATIVE[case]))


@pytest.mark.parametrize("path", [".github/ci.yaml", ".gitlab/gcb.yml", "ci/build.json",
                                  ".tekton/build.yaml", "ci/build.yaml.txt"])
def test_only_yaml_outside_other_systems_folders(path: str) -> None:
    text = dedented(POSITIVE["ci/docker.yaml"])
    assert FMT.claims_content("ci/build.yaml", text)
    assert not FMT.claims_content(path, text)


def test_every_build_config_of_the_corpus_is_told_by_its_content(shared: Path) -> None:
    files = sorted((shared / "corpus").rglob("*cloudbuild*.y*ml"))
    assert files
    told = {f.name: FMT.claims_content("renamed.yaml", f.read_text(encoding="utf-8"))
            for f in files if "\nsteps:" in "\n" + f.read_text(encoding="utf-8")}
    assert told and all(told.values()), told


def _scan(root: Path, **settings: object) -> dict[str, str | None]:
    result = scan(root, backend="stub", registry=_with_stub(_registry()),
                  config=UserSettings(dict(settings)) if settings else None)
    return {f.path: f.format for f in result.files}


def _with_stub(registry: Registry) -> Registry:
    registry.backends["stub"] = StubBackend()
    return registry


def test_a_scan_reads_freely_named_builds_and_nothing_else(tmp_path: Path) -> None:
    files = {path: dedented(text) for path, text in POSITIVE.items()}
    # neutral names: "buildkite" or "tekton" in a name has those formats claim the file
    files.update({f"misc/case-{i}.yaml": dedented(text)
                  for i, text in enumerate(NEGATIVE.values())})
    files["cloudbuild.yaml"] = dedented(POSITIVE["ci/docker.yaml"])  # by its name, as before
    write_tree(tmp_path, files)
    result = scan(tmp_path, backend="stub", registry=_with_stub(_registry()))
    read = {f.path: f.format for f in result.files}
    # the Tekton task is Tekton's, by its content (tests/test_tekton_content.py)
    tekton = f"misc/case-{list(NEGATIVE).index('tekton task')}.yaml"
    # and the Azure step lists are Azure's, by theirs (tests/test_azure_content.py)
    azure = {f"misc/case-{i}.yaml": "azure-pipelines" for i, case in enumerate(NEGATIVE)
             if case.startswith("azure ")}
    assert len(azure) == 3
    assert read == {**{path: "cloudbuild" for path in [*POSITIVE, "cloudbuild.yaml"]},
                    tekton: "tekton", **azure}
    assert all(f.error is None for f in result.files)
    by_path = {f.path: f.pipeline for f in result.files}
    release: Pipeline | None = by_path["deploy/gcb/release.yaml"]
    assert release is not None
    (job,) = release.jobs
    assert (job.id, job.runner) == ("deploy/gcb", "E2_HIGHCPU_8")
    assert [(s.line, s.name) for s in job.steps] == [(10, "unit"), (14, "image"),
                                                    (18, "rollout")]


def test_a_file_another_format_claims_by_path_is_not_taken(tmp_path: Path) -> None:
    build = dedented(POSITIVE["ci/docker.yaml"])
    write_tree(tmp_path, {".drone.yml": build, ".buildkite/pipeline.yml": build,
                          "ci/build.yaml": build})
    read = _scan(tmp_path)
    assert read["ci/build.yaml"] == "cloudbuild"
    assert read.get(".drone.yml") != "cloudbuild"
    assert read.get(".buildkite/pipeline.yml") != "cloudbuild"


def test_paths_setting_and_ignore_paths_come_first(tmp_path: Path) -> None:
    build = dedented(POSITIVE["ci/docker.yaml"])
    write_tree(tmp_path, {"ci/a.yaml": build, "legacy/b.yaml": build,
                          "gcb/custom.yml": "steps:\n  - name: my-builder\n    args: [make]\n"})
    assert _scan(tmp_path) == {"ci/a.yaml": "cloudbuild", "legacy/b.yaml": "cloudbuild"}
    # A file under ignore.paths is not read to look at it; the configured glob still
    # has the format read a file whose content tells nothing.
    read = _scan(tmp_path, ignore={"paths": ["legacy/"]},
                 formats={"cloudbuild": {"paths": ["gcb/*.yml"]}})
    assert read == {"ci/a.yaml": "cloudbuild", "gcb/custom.yml": "cloudbuild"}


def test_large_files_and_symlinks_out_of_the_root_are_not_read(tmp_path: Path) -> None:
    build = dedented(POSITIVE["ci/docker.yaml"])
    outside = tmp_path / "outside"
    write_tree(outside, {"build.yaml": build})
    root = write_tree(tmp_path / "repo", {
        "ci/small.yaml": build,
        # the same build padded past the size a config is looked at
        "ci/huge.yaml": build + "# padding\n" * (claims.MAX_FILE_BYTES // 10 + 1),
    })
    os.symlink(outside / "build.yaml", root / "ci" / "linked.yaml")
    # inside the root: the file is looked at under its own name, not twice
    os.symlink(root / "ci" / "small.yaml", root / "ci" / "again.yaml")
    os.mkfifo(root / "ci" / "pipe.yaml")  # opening it would block: never opened
    result = scan(root, backend="stub", registry=_with_stub(_registry()))
    assert {f.path: f.format for f in result.files} == {"ci/small.yaml": "cloudbuild"}
    assert not any("linked" in m or "outside" in m for m in result.messages)


def test_the_look_stops_at_its_limit_and_says_so(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    build = dedented(POSITIVE["ci/docker.yaml"])
    write_tree(tmp_path, {f"b/{i}.yaml": build for i in range(5)})
    monkeypatch.setattr(claims, "MAX_FILES", 3)
    result = scan(tmp_path, backend="stub", registry=_with_stub(_registry()))
    assert [f.path for f in result.files] == ["b/0.yaml", "b/1.yaml", "b/2.yaml"]
    (message,) = [m for m in result.messages if "by content" in m]
    assert message.startswith("stopped looking for CI configuration by content after 3 YAML "
                              "files")
    assert "at b/3.yaml" in message and "formats.<format>.paths" in message


class _Breaks:
    """A plugin format whose content look raises: one warning, the scan goes on."""

    name = "breaks"
    globs = ()

    def claims(self, path: str) -> bool:
        return False

    def claims_content(self, path: str, text: str) -> bool:
        raise RuntimeError(text)

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        raise AssertionError("never claimed")


def test_a_plugin_whose_look_fails_costs_only_its_own_claims(tmp_path: Path) -> None:
    build = dedented(POSITIVE["ci/docker.yaml"])
    write_tree(tmp_path, {"a.yaml": build, "b.yaml": "token: hunter2\n"})
    registry = _with_stub(Registry(formats={"breaks": _Breaks(), "cloudbuild": FMT}))
    result = scan(tmp_path, backend="stub", registry=registry)
    assert {f.path: f.format for f in result.files} == {"a.yaml": "cloudbuild"}
    (warning,) = [m for m in result.messages if "breaks" in m]
    # the exception's text (the file's content) is not repeated
    assert warning == ("format 'breaks' failed looking at a.yaml: RuntimeError; it claims "
                       "no file by content in this scan")


def test_the_formats_command_says_cloudbuild_reads_by_content() -> None:
    outcome = CliRunner().invoke(cli, ["formats"])
    (line,) = [x for x in outcome.output.splitlines() if x.startswith("cloudbuild ")]
    assert line.endswith("and YAML files of other names shaped like its configuration")


def test_json_output_of_a_content_claimed_file(tmp_path: Path) -> None:
    write_tree(tmp_path, {"deploy/release.yaml": dedented(POSITIVE["ci/docker.yaml"])})
    outcome = CliRunner().invoke(cli, ["scan", str(tmp_path), "-f", "json"])
    data = json.loads(outcome.stdout)
    assert [(f["path"], f["format"]) for f in data["files"]] == [
        ("deploy/release.yaml", "cloudbuild")]
    assert [s["line"] for s in data["steps"]] == [2, 5]
