"""Bitbucket Pipelines: sections, steps as jobs, parallel and stage, pipes, the corpus."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.corpus_check import check_corpus
from xops_lens.errors import ParseError
from xops_lens.formats.bitbucket import BitbucketPipelines
from xops_lens.model import Job, Pipeline, Source

FMT = BitbucketPipelines()
FILE = "bitbucket-pipelines.yml"


def parse(text: str) -> Pipeline:
    text = textwrap.dedent(text).lstrip("\n")
    return FMT.parse(Source(root=".", path=FILE, text=text, read_local=lambda p: ""))


def jobs(pipeline: Pipeline) -> dict[str, Job]:
    return {job.id: job for job in pipeline.jobs}


@pytest.mark.parametrize(("path", "claimed"), [
    ("bitbucket-pipelines.yml", True),
    ("service/bitbucket-pipelines.yml", True),
    ("bitbucket-pipelines.yaml", False),
    (".gitlab-ci.yml", False),
    ("pipelines.yml", False),
])
def test_claims(path: str, claimed: bool) -> None:
    assert FMT.claims(path) is claimed


def test_example_repository() -> None:
    text = (EXAMPLES / "bitbucket" / FILE).read_text()
    pipeline = FMT.parse(Source(root=".", path=FILE, text=text, read_local=lambda p: ""))
    found = jobs(pipeline)
    assert list(found) == [
        "default > Test", "default > Lint", "pull-requests ** > Test", "branches main > Test",
        "branches main > Build image", "branches main > Production > Migrate",
        "branches main > Production > Deploy", "tags v* > Publish", "custom rollback > Roll back",
    ]
    assert [(t.event, t.line) for t in pipeline.triggers] == [
        ("push", 22), ("pull_request", 26), ("push", 29), ("tag", 57),
        ("workflow_dispatch", 65)]
    # Anchored steps keep the lines where their scripts are written, in every pipeline.
    test = found["pull-requests ** > Test"]
    assert [(s.line, s.text) for s in test.steps] == [
        (12, "pip install -r requirements-dev.txt"),
        (13, "pytest --junitxml=test-reports/junit.xml"),
        (15, 'echo "exit status $BITBUCKET_EXIT_CODE"')]
    assert test.line == 28 and test.runner == "python:3.12"
    pipe = found["branches main > Build image"].steps[1]
    assert (pipe.line, pipe.uses, pipe.input("IMAGE_NAME")) == (
        37, "atlassian/aws-ecr-push-image:2.4.2", "$IMAGE")
    # A manual stage is one gate: on its first step, with the stage's deployment.
    migrate = found["branches main > Production > Migrate"]
    deploy = found["branches main > Production > Deploy"]
    assert (migrate.manual, migrate.environment) == (True, "production")
    assert (deploy.manual, deploy.environment, deploy.runner) == (
        False, None, "self.hosted, linux")
    rollback = found["custom rollback > Roll back"]
    assert (rollback.manual, rollback.environment) == (False, "production")


def test_manual_step_and_parallel_mapping_form() -> None:
    pipeline = parse("""
        pipelines:
          default:
            - step:
                script: [make]
            - parallel:
                fail-fast: true
                steps:
                  - step: {name: a, script: [make a]}
                  - step: {name: b, image: {name: node:20}, script: [make b]}
            - step:
                name: release
                trigger: manual
                size: 2x
                script: [./release.sh]
    """)
    found = jobs(pipeline)
    assert list(found) == ["default > step 1", "default > a", "default > b", "default > release"]
    assert found["default > b"].runner == "node:20"
    assert found["default > release"].manual
    assert found["default > release"].notes == ("size 2x",)


def test_unnamed_steps_are_named_by_position_and_duplicate_names_stay_unique() -> None:
    pipeline = parse("""
        pipelines:
          default:
            - step: {script: [a]}
          branches:
            main:
              - step: {name: x, script: [b]}
              - step: {name: x, script: [c]}
              - step: {script: [d]}
    """)
    assert [j.id for j in pipeline.jobs] == [
        "default > step 1", "branches main > x", "branches main > x (2)",
        "branches main > step 3"]


def test_plain_string_script_and_unquoted_colon_command() -> None:
    pipeline = parse("""
        pipelines:
          default:
            - step:
                script: make all
            - step:
                script:
                  - echo Time: now
    """)
    assert [s.text for s in pipeline.steps] == ["make all", "echo Time: now"]
    assert [s.line for s in pipeline.steps] == [4, 7]


def test_import_and_unknown_sections_are_notes() -> None:
    pipeline = parse("""
        pipelines:
          custom:
            shared:
              import: other-repo:main:shared-pipeline
          weird: []
    """)
    assert pipeline.jobs == ()
    assert len(pipeline.notes) == 2 and "not fetched" in pipeline.notes[0]


def test_shared_pipeline_definitions_are_read() -> None:
    pipeline = parse("""
        definitions:
          pipelines:
            common:
              - step: {name: t, script: [pytest]}
        pipelines:
          default:
            - step: {script: [make]}
    """)
    assert [j.id for j in pipeline.jobs] == ["default > step 1", "shared common > t"]


@pytest.mark.parametrize(("text", "expected"), [
    ("image: x\n", ("bitbucket-pipelines.yml:1: bitbucket-pipelines.yml needs a 'pipelines' "
     "mapping, found nothing")),
    ("pipelines: 5\n", "needs a 'pipelines' mapping, found the value '5'"),
    ("pipelines:\n  default: {}\n", ":2: pipeline 'default' must be a list, found a mapping"),
    ("pipelines:\n  branches: [a]\n", ":2: pipelines.branches must be a mapping, found a list"),
    ("pipelines:\n  default:\n    - 5\n", ":3: an item of pipeline 'default' must be a mapping"),
    ("pipelines:\n  default:\n    - step: 5\n", ":3: a step must be a mapping"),
    ("pipelines:\n  default:\n    - foo: bar\n", (":3: an item of pipeline 'default' must be a "
     "step, parallel or stage, found foo")),
    ("pipelines:\n  default:\n    - step:\n        script: {a: b, c: d}\n",
     ":4: a step's script must be a command or a list of commands, found a mapping"),
    (("pipelines:\n  default:\n    - step:\n        script:\n          - pipe: x\n"
     "            variables: [a]\n"), ":6: a pipe's variables must be a mapping, found a list"),
    ("pipelines:\n  default:\n    - stage:\n        steps: 3\n", (":4: a stage's steps must be "
     "a list")),
    ("pipelines:\n  default:\n    - parallel: 3\n", ":3: a parallel group must be a list"),
])
def test_wrong_types_are_one_line_errors(text: str, expected: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(text)
    assert expected in info.value.one_line()


def test_corpus(shared: Path) -> None:
    result = check_corpus(shared, FMT, "bitbucket-pipelines", "bitbucket")
    assert result.errors == {}
    assert result.unclaimed == []
    assert result.labelled and result.missing == []
    assert result.steps >= 7
