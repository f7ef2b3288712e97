"""Cirrus CI: tasks as jobs, script/cache/artifacts instructions, matrix, manual, corpus."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.corpus_check import check_corpus
from xops_lens.errors import ParseError
from xops_lens.formats.cirrus import Cirrus
from xops_lens.model import Pipeline, Source

FMT = Cirrus()


def parse(text: str, path: str = ".cirrus.yml") -> Pipeline:
    text = textwrap.dedent(text).lstrip("\n")
    return FMT.parse(Source(root=".", path=path, text=text, read_local=lambda p: ""))


@pytest.mark.parametrize(("path", "claimed"), [
    (".cirrus.yml", True), (".cirrus.yaml", True), (".cirrus.star", True),
    ("cirrus.yml", False), (".github/workflows/.cirrus.yml", False),
])
def test_claims(path: str, claimed: bool) -> None:
    assert FMT.claims(path) is claimed


def test_example_repository() -> None:
    pipeline = parse((EXAMPLES / "cirrus" / ".cirrus.yml").read_text())
    test, release = pipeline.jobs
    assert (test.id, test.line, test.matrix_size, test.runner) == (
        "test", 5, 2, "container rust:latest")
    assert [(s.line, s.name, s.kind_hint) for s in test.steps] == [
        (11, "cargo_cache", "cache-restore"), (14, "build", None), (16, "test", None),
        (17, "test", None), (18, "before_cache", None),
        (20, "junit_artifacts", "artifact-upload")]
    # a list of commands is a step per item (the rubric's unit, as GitLab's `script:`)
    assert [s.text for s in test.steps[2:4]] == ["cargo test", "cargo test --doc"]
    assert (release.id, release.manual, release.needs) == ("Release", True, ("test",))
    assert [t.event for t in pipeline.triggers] == ["push", "pull_request"]


def test_always_blocks_run_last_and_anchored_scripts_keep_their_key_line() -> None:
    pipeline = parse("""
        common: &common
          setup_script: ./setup.sh
        a_task:
          <<: *common
          always:
            logs_artifacts: {path: "*.log"}
          main_script: make
        b_task:
          <<: *common
          main_script: make b
    """)
    a, b = pipeline.jobs
    # Keys merged with `<<` follow the task's own keys (the loader's order).
    assert [(s.line, s.name) for s in a.steps] == [(7, "main"), (2, "setup"),
                                                    (6, "logs_artifacts")]
    assert sorted(s.line for s in b.steps) == [2, 10]


def test_starlark_is_found_but_not_analysed() -> None:
    pipeline = parse("def main(ctx):\n    return []\n", ".cirrus.star")
    assert pipeline.jobs == () and "not analysed" in pipeline.notes[0]


def test_duplicate_task_names_and_pipes() -> None:
    pipeline = parse("""
        task:
          name: x
          script: a
        other_task:
          name: x
          script: b
        docker_pipe:
          steps: []
    """)
    assert [j.id for j in pipeline.jobs] == ["x", "x (2)"]
    assert pipeline.notes == ("docker_pipe (a Docker pipe) is not analysed",)


@pytest.mark.parametrize(("text", "expected"), [
    ("a_task: 5\n", ".cirrus.yml:1: task 'a_task' must be a mapping, found the value '5'"),
    ("a_task:\n  always: 5\n", ".cirrus.yml:2: always must be a mapping"),
    ("a_task:\n  b_script:\n    - [[[[[[[[[[[[x]]]]]]]]]]]]\n", "nested too deeply"),
    ("a_task:\n  b_script: {x: [1], y: 2}\n", ""),
])
def test_wrong_types_are_one_line_errors(text: str, expected: str) -> None:
    if not expected:
        parse(text)
        return
    with pytest.raises(ParseError) as info:
        parse(text)
    assert expected in info.value.one_line()


def test_corpus(shared: Path) -> None:
    result = check_corpus(shared, FMT, "cirrus", "cirrus")
    assert result.errors == {}
    assert result.unclaimed == []
    assert result.steps > 100


def test_repeated_task_keys_and_docker_builders_are_tasks() -> None:
    # Cirrus reads each repeated top-level key as a task of its own, where YAML keeps
    # the last; docker_builder tasks run in a VM with Docker, and `script:` is an
    # instruction of its own.
    pipeline = parse("""
        task:
          name: lint
          lint_script: make lint
        task:
          name: test
          test_script: make test
        docker_builder:
          name: image
          build_script: docker build -t app .
        arm_docker_builder:
          script: docker push app
        """)
    assert [(j.id, j.line, j.runner) for j in pipeline.jobs] == [
        ("lint", 1, None), ("test", 4, None), ("image", 7, "docker_builder"),
        ("arm", 10, "docker_builder")]
    assert [(s.job, s.line, s.name) for j in pipeline.jobs for s in j.steps] == [
        ("lint", 3, "lint"), ("test", 6, "test"), ("image", 9, "build"), ("arm", 11, "script")]


def test_matrix_entries_with_instructions_are_tasks_of_their_own() -> None:
    pipeline = parse("""
        task:
          env:
            matrix:
              - PY: "3.11"
              - PY: "3.12"
          matrix:
            - name: OpenSSL
              install_script: pkg install -y openssl
            - name: GnuTLS
              install_script: pkg install -y gnutls
              freebsd_instance:
                image_family: freebsd-14-0
          build_script: make
        plain_task:
          matrix:
            - container: {image: "python:3.11"}
            - container: {image: "python:3.12"}
          test_script: pytest
        """)
    assert [(j.id, j.matrix_size, j.runner) for j in pipeline.jobs] == [
        ("OpenSSL", 2, None), ("GnuTLS", 2, "freebsd_instance freebsd-14-0"), ("plain", 2, None)]
    assert [(s.job, s.line, s.name) for j in pipeline.jobs for s in j.steps] == [
        ("OpenSSL", 8, "install"), ("OpenSSL", 13, "build"),
        ("GnuTLS", 10, "install"), ("GnuTLS", 13, "build"), ("plain", 18, "test")]
