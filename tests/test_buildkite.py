"""Buildkite: every step item (command, group, wait, block, input, trigger), widths, corpus."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, write_tree
from tests.corpus_check import StubBackend, check_corpus
from xops_lens.errors import Declined, ParseError
from xops_lens.formats.buildkite import Buildkite, matrix_width
from xops_lens.model import Job, Pipeline, Source
from xops_lens.plugins import Registry
from xops_lens.scan import scan
from xops_lens.yamlload import load_mapping

FMT = Buildkite()
FILE = ".buildkite/pipeline.yml"


def parse(text: str, path: str = FILE) -> Pipeline:
    text = textwrap.dedent(text).lstrip("\n")
    return FMT.parse(Source(root=".", path=path, text=text, read_local=lambda p: ""))


def jobs(pipeline: Pipeline) -> dict[str, Job]:
    return {job.id: job for job in pipeline.jobs}


@pytest.mark.parametrize(("path", "claimed"), [
    (".buildkite/pipeline.yml", True), (".buildkite/pipeline.release.yaml", True),
    (".buildkite/pipelines/deploy.yml", True), ("svc/.buildkite/pipeline.yml", True),
    ("buildkite.yml", True), ("buildkite.yaml", True), (".buildkite/hooks/pre-command", False),
    ("pipeline.yml", False), (".github/workflows/buildkite.yml", False),
])
def test_claims(path: str, claimed: bool) -> None:
    assert FMT.claims(path) is claimed


def test_example_repository() -> None:
    pipeline = parse((EXAMPLES / "buildkite" / FILE).read_text())
    found = jobs(pipeline)
    assert list(found) == [
        "test", "images", ":docker: Images > Build {{matrix}}",
        ":docker: Images > Lint Dockerfile", "wait", ":rocket: Release?", ":package: Release",
        ":shipit: Deploy"]
    test = found["test"]
    assert (test.line, test.matrix_size, test.runner) == (6, 4, "queue=default")
    assert (test.steps[0].text, test.steps[0].uses, test.steps[0].input("plugins")) == (
        "go test ./...", None, "docker#v5.11.0")
    # The group is a step too; its text is what its steps do.
    group = found["images"].steps[0]
    assert (group.line, group.name, group.text) == (
        14, ":docker: Images", "docker buildx build --platform {{matrix}} .\nhadolint#v0.2.0")
    assert found[":docker: Images > Build {{matrix}}"].matrix_size == 3
    lint = found[":docker: Images > Lint Dockerfile"].steps[0]
    assert (lint.line, lint.uses) == (20, "hadolint#v0.2.0")
    wait = found["wait"]
    assert (wait.line, wait.runner, wait.steps[0].kind_hint) == (24, None, "metadata")
    block = found[":rocket: Release?"].steps[0]
    assert (block.line, block.kind_hint, block.inputs) == (26, "approve", (("channel", "Channel"),))
    release = found[":package: Release"]
    assert (release.runner, release.needs) == ("queue=release", ("test", "images"))
    deploy = found[":shipit: Deploy"]
    assert (deploy.calls, deploy.runner) == ("deploy-production", None)
    # The main pipeline file runs on Buildkite's default settings: pushes and PRs.
    assert [t.event for t in pipeline.triggers] == ["push", "pull_request"]
    assert "assumed" in pipeline.notes[0]


def test_other_pipeline_files_have_no_known_triggers() -> None:
    pipeline = parse("steps:\n  - command: make\n", ".buildkite/pipeline.release.yml")
    assert pipeline.triggers == ()
    assert "does not say which events" in pipeline.notes[0]


def test_docker_compose_file_beside_the_pipeline_is_declined() -> None:
    text = (EXAMPLES / "buildkite" / ".buildkite" / "docker-compose.yml").read_text()
    with pytest.raises(Declined):
        parse(text, ".buildkite/docker-compose.yml")


def test_scan_reports_the_pipeline_and_skips_the_compose_file() -> None:
    registry = Registry(formats={FMT.name: FMT}, backends={"stub": StubBackend()})
    result = scan(EXAMPLES / "buildkite", backend="stub", registry=registry)
    assert [f.path for f in result.files] == [FILE]


def test_string_steps_legacy_types_and_bare_list(tmp_path: Path) -> None:
    pipeline = parse("""
        - command: make
        - wait
        - input
        - type: waiter
        - {type: manual, label: go?}
        - {wait: ~, continue_on_failure: true}
    """)
    hints = [(s.line, s.kind_hint) for s in pipeline.steps]
    assert hints == [(1, None), (2, "metadata"), (3, "approve"), (4, "metadata"),
                     (5, "approve"), (6, "metadata")]


def test_plugins_map_form_depends_on_forms_and_agents_list() -> None:
    pipeline = parse("""
        steps:
          - label: a
            key: a
            plugins:
              docker-compose#v4.14.0:
                build: app
                push: app
            agents: ["queue=build", "os=linux"]
          - label: b
            command: make
            depends_on:
              - step: a
                allow_failure: true
              - c
          - label: b
            command: make again
            depends_on: a
    """)
    a, b, b2 = pipeline.jobs
    assert (a.steps[0].uses, a.steps[0].input("push"), a.runner) == (
        "docker-compose#v4.14.0", "app", "queue=build os=linux")
    assert b.needs == ("a", "c") and b2.needs == ("a",) and b2.id == "b (2)"


@pytest.mark.parametrize(("matrix", "width"), [
    ("[a, b, c]", 3),
    ("{setup: {os: [linux, mac], arch: [amd64, arm64]}}", 4),
    (("{setup: {os: [linux, mac], arch: [amd64, arm64]}, adjustments: ["
     "{with: {os: mac, arch: amd64}, skip: true}, {with: {os: bsd, arch: amd64}},"
     "{with: {os: linux, arch: arm64}, soft_fail: true}]}"), 4),
    ("{setup: [a, b], adjustments: [{with: c}, {with: a, skip: 'no'}]}", 2),
    ("5", 1),
])
def test_matrix_width(matrix: str, width: int) -> None:
    assert matrix_width(load_mapping(f"m: {matrix}\n", "m.yml")["m"]) == width


def test_width_multiplies_parallelism_and_matrix() -> None:
    pipeline = parse("steps:\n  - command: t\n    parallelism: '3'\n    matrix: [a, b]\n")
    assert pipeline.jobs[0].matrix_size == 6


def test_scan_root_file(tmp_path: Path) -> None:
    write_tree(tmp_path, {"buildkite.yml": "steps:\n  - command: make\n"})
    registry = Registry(formats={FMT.name: FMT}, backends={"stub": StubBackend()})
    result = scan(tmp_path, backend="stub", registry=registry)
    assert [(s.step.file, s.step.line) for s in result.steps] == [("buildkite.yml", 2)]


@pytest.mark.parametrize(("text", "expected"), [
    ("steps: 5\n", ".buildkite/pipeline.yml:1: steps must be a list, found the value '5'"),
    ("steps:\n  - 5\n", (".buildkite/pipeline.yml:2: a step must be a mapping (or wait, block, "
     "input), found the value '5'")),
    ("steps:\n  - make\n", ".buildkite/pipeline.yml:2: a step must be a mapping"),
    ("steps:\n  - command: {a: b}\n", (".buildkite/pipeline.yml:2: command must be a command or "
     "a list of commands, found a mapping")),
    ("steps:\n  - plugins: 5\n", ".buildkite/pipeline.yml:2: plugins must be a list"),
    ("steps:\n  - plugins: [[a]]\n", (".buildkite/pipeline.yml:2: a plugin must be a name or a "
     "mapping")),
    ("steps:\n  - group: g\n    steps: 5\n", ".buildkite/pipeline.yml:3: steps must be a list"),
])
def test_wrong_types_are_one_line_errors(text: str, expected: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(text)
    assert expected in info.value.one_line()


def test_corpus(shared: Path) -> None:
    result = check_corpus(shared, FMT, "buildkite", "buildkite")
    assert result.errors == {}
    assert result.unclaimed == []
    assert result.labelled and result.missing == []


def test_a_group_is_priced_by_its_steps_only(tmp_path: Path) -> None:
    """The group item is a step (TAXONOMY) but runs nothing itself: its inner steps are
    jobs of their own and carry the cost, so the group adds neither step minutes nor an
    agent's start-up."""
    from xops_lens.config import load_config

    body = textwrap.dedent("""\
        steps:
          - group: Checks
            steps:
              - label: unit
                command: make test
              - label: lint
                command: make lint
        """)
    grouped = write_tree(tmp_path / "g", {".buildkite/pipeline.yml": body})
    flat = write_tree(tmp_path / "f", {".buildkite/pipeline.yml": textwrap.dedent("""\
        steps:
          - label: unit
            command: make test
          - label: lint
            command: make lint
        """)})
    results = [scan(root, config=load_config(root)) for root in (grouped, flat)]
    group_step = next(s for s in results[0].steps if s.step.name == "Checks")
    assert group_step.step.expanded
    report = results[0].cost
    assert report is not None and report.step_lines.get(group_step.step.key, []) == []
    assert "costed there" in report.step_notes[group_step.step.key]
    group_job = next(j for j in results[0].files[0].pipeline.jobs if j.name == "Checks")
    assert report.job_lines.get(group_job.key, []) == []
    assert results[1].cost is not None
    assert report.total().monthly == pytest.approx(results[1].cost.total().monthly)
