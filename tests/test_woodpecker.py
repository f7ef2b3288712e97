"""Woodpecker: one job per workflow file, list and map steps, when, matrix, corpus."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.corpus_check import check_corpus
from xops_lens.errors import ParseError
from xops_lens.formats.woodpecker import Woodpecker
from xops_lens.model import Pipeline, Source

FMT = Woodpecker()


def parse(text: str, path: str = ".woodpecker/ci.yaml") -> Pipeline:
    text = textwrap.dedent(text).lstrip("\n")
    return FMT.parse(Source(root=".", path=path, text=text, read_local=lambda p: ""))


@pytest.mark.parametrize(("path", "claimed"), [
    (".woodpecker.yml", True), (".woodpecker.yaml", True), (".woodpecker/test.yml", True),
    (".woodpecker/test.yaml", True), (".woodpecker/lib/x.yaml", False),
    (".woodpecker/README.md", False), ("sub/.woodpecker.yml", False),
])
def test_claims(path: str, claimed: bool) -> None:
    assert FMT.claims(path) is claimed


def test_example_repository() -> None:
    folder = EXAMPLES / "woodpecker" / ".woodpecker"
    test = parse((folder / "test.yaml").read_text(), ".woodpecker/test.yaml")
    (job,) = test.jobs
    assert (job.id, job.line, job.matrix_size) == ("test", 13, 2)
    # Map form: a step begins where its mapping begins, under the step's name.
    assert [(s.line, s.name, s.uses) for s in job.steps] == [
        (15, "vendor", None), (19, "test", None), (24, "coverage", "woodpeckerci/plugin-codecov")]
    assert job.steps[1].input("image") == "golang:${GO_VERSION}"
    assert [(t.event, t.line) for t in test.triggers] == [("pull_request", 2), ("push", 2)]
    deploy = parse((folder / "deploy.yaml").read_text(), ".woodpecker/deploy.yaml")
    (job,) = deploy.jobs
    assert [(s.line, s.name) for s in job.steps] == [(12, "image"), (17, "rollout")]
    assert (job.manual, job.environment, job.needs, job.runner) == (
        True, "production", ("test",), "platform=linux/amd64")
    assert [t.event for t in deploy.triggers] == ["deployment"]


def test_single_file_legacy_pipeline_and_no_when() -> None:
    pipeline = parse("""
        pipeline:
          build:
            image: node
            commands: npm test
    """, ".woodpecker.yml")
    (job,) = pipeline.jobs
    assert job.id == "woodpecker"
    assert [(s.line, s.text) for s in job.steps] == [(3, "npm test")]
    assert any(note.startswith("no top-level when: runs on every event") for note in job.notes)
    events = [t.event for t in pipeline.triggers]
    assert "workflow_dispatch" in events
    # A schedule needs one set up on the server: nothing here says there is one.
    assert "schedule" not in events


def test_condition_without_event_counts_no_schedule() -> None:
    pipeline = parse("""
        when:
          branch: main
        steps:
          - name: a
            image: alpine
            commands: [make]
    """, ".woodpecker/build.yml")
    assert [t.event for t in pipeline.triggers][:2] == ["push", "pull_request"]
    assert "schedule" not in [t.event for t in pipeline.triggers]


def test_manual_and_cron_events_and_matrix_include() -> None:
    pipeline = parse("""
        when:
          event: [manual, cron]
        matrix:
          include:
            - {GO: "1.21"}
            - {GO: "1.22"}
            - {GO: "1.23"}
        steps:
          - name: a
            image: alpine
            commands: [echo]
    """)
    (job,) = pipeline.jobs
    assert job.matrix_size == 3 and not job.manual
    assert [t.event for t in pipeline.triggers] == ["workflow_dispatch", "schedule"]


def test_sequence_merge_of_woodpeckers_yaml_library_is_read() -> None:
    pipeline = parse("""
        variables:
          - &paths ['a/**', 'b/**']
        steps:
          build:
            image: alpine
            commands:
              - <<: *paths
              - make
            when:
              path:
                - <<: *paths
                - c/**
    """)
    (step,) = pipeline.steps
    assert (step.line, step.text) == (5, "a/**\nb/**\nmake")


@pytest.mark.parametrize(("text", "expected"), [
    ("when: {event: push}\n", ".woodpecker/ci.yaml:1: a Woodpecker workflow needs 'steps'"),
    ("steps: 5\n", ".woodpecker/ci.yaml:1: steps must be a list or a mapping"),
    ("steps:\n  a: 5\n", ".woodpecker/ci.yaml:2: step 'a' must be a mapping, found the value"),
    ("steps: []\nwhen: 5\n", ".woodpecker/ci.yaml:2: when must be a mapping or a list"),
    ("steps:\n  a:\n    image: x\n    commands: {a: b}\n", (".woodpecker/ci.yaml:4: a step's "
     "commands must be a list of commands")),
    ("steps:\n  - <<: 5\n", ".woodpecker/ci.yaml:2: a '<<' merge key must refer to mappings"),
])
def test_wrong_types_are_one_line_errors(text: str, expected: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(text)
    assert expected in info.value.one_line()


def test_corpus(shared: Path) -> None:
    result = check_corpus(shared, FMT, "woodpecker", "woodpecker")
    assert result.errors == {}
    assert result.unclaimed == []
    assert result.labelled and result.missing == []
