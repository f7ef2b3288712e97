"""Google Cloud Build: steps as builder calls, images, declined settings files, corpus."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.corpus_check import StubBackend, check_corpus
from xops_lens.errors import Declined, ParseError
from xops_lens.formats.cloudbuild import CloudBuild
from xops_lens.model import Pipeline, Source
from xops_lens.plugins import Registry
from xops_lens.scan import scan

FMT = CloudBuild()


def parse(text: str, path: str = "cloudbuild.yaml") -> Pipeline:
    text = textwrap.dedent(text).lstrip("\n")
    return FMT.parse(Source(root=".", path=path, text=text, read_local=lambda p: ""))


@pytest.mark.parametrize(("path", "claimed"), [
    ("cloudbuild.yaml", True), ("cloudbuild.yml", True), ("go/cloudbuild.yaml", True),
    ("cloudbuild-release.yaml", True), ("CloudBuild.yaml", True), ("cloudbuild.json", False),
    ("build.yaml", False), (".github/workflows/cloudbuild.yaml", False),
])
def test_claims(path: str, claimed: bool) -> None:
    assert FMT.claims(path) is claimed


def test_example_repository() -> None:
    registry = Registry(formats={FMT.name: FMT}, backends={"stub": StubBackend()})
    result = scan(EXAMPLES / "cloudbuild", backend="stub", registry=registry)
    # The trigger settings file matches the name but has no steps: declined, not an error.
    (report,) = result.files
    assert report.path == "cloudbuild.yaml" and report.error is None
    (job,) = report.pipeline.jobs
    assert (job.id, job.line, job.runner) == ("build", 2, "E2_HIGHCPU_8")
    assert job.notes[0].startswith("pushes 1 image(s) after the steps")
    test, build, push, deploy = job.steps
    # An entrypoint (here bash -c) makes the script the step's work, the image its place.
    assert (test.line, test.name, test.text, test.uses, test.input("image")) == (
        3, "test", "pip install -r requirements.txt\npytest -q\n", None, "python:3.12")
    # Without one, the builder image is the program that receives the args.
    assert (build.line, build.uses, build.input("waitFor")) == (
        11, "gcr.io/cloud-builders/docker", "test")
    assert build.text == "docker build -t us-docker.pkg.dev/$PROJECT_ID/app/app:$SHORT_SHA ."
    assert (push.line, push.name) == (15, ("docker push us-docker.pkg.dev/$PROJECT_ID/app/app:"
                                          "$SHORT_SHA"))
    assert deploy.text.startswith("gcloud run deploy app")


def test_base_images_run_their_args_as_the_command() -> None:
    pipeline = parse("""
        steps:
          - name: ubuntu
            args: [cat, out.txt]
          - name: gcr.io/$PROJECT_ID/my-builder
            args: [--flag]
    """)
    cat, custom = pipeline.steps
    assert (cat.text, cat.uses) == ("cat out.txt", None)
    assert (custom.text, custom.uses) == ("my-builder --flag", "gcr.io/$PROJECT_ID/my-builder")


def test_args_that_start_with_a_path_are_the_command() -> None:
    # An image without an entrypoint runs its first arg: `./gradlew` is the program.
    pipeline = parse("""
        steps:
          - name: gcr.io/$PROJECT_ID/android:28
            args: [./gradlew, check]
          - name: gcr.io/$PROJECT_ID/tools
            args: [/bin/bash, -c, make lint]
          - name: gcr.io/cloud-builders/bazel
            args: [//app:image]
    """)
    gradle, bash, bazel = pipeline.steps
    assert (bazel.text, bazel.uses) == ("bazel //app:image", "gcr.io/cloud-builders/bazel")
    assert (gradle.text, gradle.uses, gradle.input("image")) == (
        "./gradlew check", None, "gcr.io/$PROJECT_ID/android:28")
    assert (bash.text, bash.uses) == ("make lint", None)  # a shell's -c is its script


def test_job_is_named_after_the_folder_and_artifacts_are_noted() -> None:
    pipeline = parse("""
        steps:
          - name: gcr.io/cloud-builders/go
            args: [build, ./...]
        artifacts:
          objects:
            location: gs://bucket/
            paths: [app]
        options:
          pool: {name: projects/p/locations/l/workerPools/w}
    """, "go/cloudbuild.yaml")
    (job,) = pipeline.jobs
    assert job.id == "go" and job.runner == "pool projects/p/locations/l/workerPools/w"
    assert job.notes == ("uploads artifacts after the steps: objects",)


def test_settings_file_without_steps_is_declined() -> None:
    with pytest.raises(Declined):
        parse("substitutions:\n  _ENV: prod\n")


@pytest.mark.parametrize(("text", "expected"), [
    ("steps: 5\n", "cloudbuild.yaml:1: steps must be a list, found the value '5'"),
    ("steps:\n  - 5\n", "cloudbuild.yaml:2: a step must be a mapping"),
    ("steps:\n  - args: [a]\n", "cloudbuild.yaml:2: a step needs a 'name' (the builder image)"),
    ("steps:\n  - name: x\n    args: {a: b}\n", ("cloudbuild.yaml:3: a step's args must be a "
     "list, found a mapping")),
    ("- a\n", "cloudbuild.yaml:1: expected a mapping at the top level, found a list"),
])
def test_wrong_types_are_one_line_errors(text: str, expected: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(text)
    assert expected in info.value.one_line()


def test_corpus(shared: Path) -> None:
    result = check_corpus(shared, FMT, "cloudbuild", "cloudbuild")
    assert result.errors == {}
    assert result.unclaimed == []
    assert result.labelled and result.missing == []
