"""Drone: one job per pipeline document, container steps, triggers, Starlark, corpus."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, write_tree
from tests.corpus_check import StubBackend, check_corpus
from xops_lens.errors import ParseError
from xops_lens.formats.drone import Drone
from xops_lens.model import Pipeline, Source
from xops_lens.plugins import Registry
from xops_lens.scan import scan

FMT = Drone()


def parse(text: str, path: str = ".drone.yml") -> Pipeline:
    text = textwrap.dedent(text).lstrip("\n")
    return FMT.parse(Source(root=".", path=path, text=text, read_local=lambda p: ""))


@pytest.mark.parametrize(("path", "claimed"), [
    (".drone.yml", True), (".drone.yaml", True), (".drone.star", True),
    (".drone.jsonnet", True), ("drone.yml", False), ("ci/.drone.yml", True),
])
def test_claims(path: str, claimed: bool) -> None:
    assert FMT.claims(path) is claimed


def test_example_repository() -> None:
    pipeline = parse((EXAMPLES / "drone" / ".drone.yml").read_text())
    test, publish, deploy = pipeline.jobs
    assert [j.id for j in pipeline.jobs] == ["test", "publish", "deploy"]  # not the secret
    assert (test.line, test.runner) == (3, "docker linux/amd64")
    assert [(s.line, s.name, s.text, s.uses) for s in test.steps] == [
        (12, "test", "go vet ./...\ngo test ./...", None),
        (17, "build", "go build -o release/app ./cmd/app", None)]
    assert test.steps[0].input("image") == "golang:1.22"
    assert test.notes == ("1 service container(s) beside the steps",)
    # A step without commands is a plugin: the image is what it uses, settings its inputs.
    docker = publish.steps[0]
    assert (docker.uses, docker.input("repo"), docker.input("username")) == (
        "plugins/docker", "example/app", "from_secret: docker_username")
    assert publish.needs == ("test",)
    # Only a person promoting a build starts `deploy`: a gate, with the target.
    assert (deploy.manual, deploy.environment, deploy.runner) == (True, "production", "kubernetes")
    assert [(t.event, t.line) for t in pipeline.triggers] == [
        ("push", 26), ("pull_request", 26), ("tag", 43), ("promote", 61)]


def test_default_and_cron_and_excluded_events() -> None:
    pipeline = parse("""
        kind: pipeline
        name: a
        steps: [{name: x, image: alpine, commands: [echo]}]
        ---
        kind: pipeline
        name: nightly
        steps: [{name: y, image: alpine, commands: [make]}]
        trigger:
          cron: [nightly]
        ---
        kind: pipeline
        name: c
        steps: [{name: z, image: alpine, commands: [make]}]
        trigger:
          event:
            include: [custom]
    """)
    events = [t.event for t in pipeline.triggers]
    assert events == ["push", "pull_request", "tag", "schedule", "workflow_dispatch"]
    assert not any(job.manual for job in pipeline.jobs)


def test_legacy_pipeline_map_form_and_unnamed_documents() -> None:
    pipeline = parse("""
        pipeline:
          build:
            image: golang
            commands: [go build]
          publish:
            image: plugins/docker
            repo: x/y
        ---
        kind: pipeline
        steps: []
    """)
    legacy, empty = pipeline.jobs
    assert legacy.id == "pipeline 1" and empty.id == "pipeline 2"
    assert [(s.line, s.name) for s in legacy.steps] == [(3, "build"), (6, "publish")]
    assert empty.notes == ("no steps",)


def test_duplicate_pipeline_names_stay_unique() -> None:
    pipeline = parse("kind: pipeline\nname: a\nsteps: []\n---\nkind: pipeline\nname: a\n"
                     "steps: []\n")
    assert [j.id for j in pipeline.jobs] == ["a", "a'"]


def test_starlark_is_found_but_not_analysed(tmp_path: Path) -> None:
    write_tree(tmp_path, {".drone.star": "def main(ctx):\n  return []\n"})
    registry = Registry(formats={FMT.name: FMT}, backends={"stub": StubBackend()})
    result = scan(tmp_path, backend="stub", registry=registry)
    (report,) = result.files
    assert report.error is None and report.pipeline is not None
    assert report.pipeline.jobs == ()
    assert report.pipeline.notes[0].startswith("Starlark config (.drone.star) is not analysed")
    assert result.failed_files == []


@pytest.mark.parametrize(("text", "expected"), [
    ("- a\n", ".drone.yml:1: each document must be a mapping, found a list"),
    ("kind: pipeline\nsteps: 5\n", ".drone.yml:2: steps must be a list or a mapping"),
    ("kind: pipeline\nsteps:\n  - 5\n", ".drone.yml:3: a step must be a mapping"),
    ("kind: pipeline\nsteps:\n  - {image: a, commands: {a: b}}\n",
     ".drone.yml:3: a step's commands must be a list of commands, found a mapping"),
    ("kind: pipeline\nsteps:\n  - {image: a, settings: [a]}\n",
     ".drone.yml:3: a step's settings must be a mapping, found a list"),
    ("kind: pipeline\nsteps: []\ntrigger: [push]\n", ".drone.yml:3: trigger must be a mapping"),
    ("kind: pipeline\nsteps: []\ntrigger: {event: 5, ref: {a: b}}\n", ""),
])
def test_wrong_types_are_one_line_errors(text: str, expected: str) -> None:
    if not expected:
        parse(text)
        return
    with pytest.raises(ParseError) as info:
        parse(text)
    assert expected in info.value.one_line()


def test_corpus(shared: Path) -> None:
    result = check_corpus(shared, FMT, "drone", "drone")
    assert result.errors == {}
    assert result.unclaimed == []
    assert result.steps >= 60
