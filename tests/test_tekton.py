"""Tekton: claims and sniffing, Task/Pipeline/PipelineRun/TaskRun jobs, local task
resolution through Pipelines-as-Code, matrix and approval gates, the corpus."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, write_tree
from tests.corpus_check import StubBackend, check_corpus
from xops_lens.discover import read_text
from xops_lens.errors import Declined, ParseError
from xops_lens.formats.tekton import Tekton
from xops_lens.model import Job, Pipeline, Source
from xops_lens.plugins import Registry
from xops_lens.scan import scan

FMT = Tekton()
TASK = """
    apiVersion: tekton.dev/v1
    kind: Task
    metadata:
      name: {name}
    spec:
      steps:
        - name: run
          image: alpine
          script: {script}
"""


def parse_at(root: Path, path: str) -> Pipeline:
    return FMT.parse(Source(root=str(root), path=path, text=read_text(root, path),
                            read_local=lambda rel: read_text(root, rel, referrer=path)))


def parse(text: str, path: str = "tekton/p.yaml") -> Pipeline:
    text = textwrap.dedent(text).lstrip("\n")
    return FMT.parse(Source(root=".", path=path, text=text, read_local=lambda p: ""))


def jobs(pipeline: Pipeline) -> dict[str, Job]:
    return {job.id: job for job in pipeline.jobs}


def scan_tree(root: Path) -> object:
    registry = Registry(formats={FMT.name: FMT}, backends={"stub": StubBackend()})
    return scan(root, backend="stub", registry=registry)


@pytest.mark.parametrize(("path", "claimed"), [
    (".tekton/pull-request.yaml", True), (".tekton/tasks/build.yaml", True),
    ("tekton/pipeline.yml", True), ("deploy/tekton-pipeline.yaml", True),
    ("task/git-clone/0.9/git-clone.yaml", True), ("pipeline/build/1.0/build.yaml", True),
    ("task/git-clone/README.md", False), ("deploy/pipeline.yaml", False),
    (".github/workflows/tekton.yaml", False), (".gitlab/ci/tekton.yml", False),
    ("tekton/README.md", False),
])
def test_claims(path: str, claimed: bool) -> None:
    assert FMT.claims(path) is claimed


def test_entry_files_are_the_pipelines_as_code_folder() -> None:
    assert FMT.entry(".tekton/push.yaml")
    assert not FMT.entry(".tekton/tasks/build.yaml")
    assert not FMT.entry("tekton/task.yaml")


def test_example_repository() -> None:
    root = EXAMPLES / "tekton"
    pipeline = parse_at(root, ".tekton/pull-request.yaml")
    found = jobs(pipeline)
    assert list(found) == ["clone", "unit-test", "build", "approve", "notify"]
    assert [(t.event, t.line) for t in pipeline.triggers] == [("pull_request", 7)]
    assert found["clone"].calls == "git-clone" and found["clone"].steps == ()
    # A Task named by the PaC annotation is read from its file, at its own lines.
    unit = found["unit-test"]
    assert [(s.file, s.line, s.name, s.uses) for s in unit.steps] == [
        ("tekton/tasks/unit-test.yaml", 7, "deps", None),
        ("tekton/tasks/unit-test.yaml", 10, "test", None),
        ("tekton/tasks/unit-test.yaml", 15, "upload-results", "upload-junit")]
    assert unit.steps[0].text == "pip install -r requirements.txt"
    assert unit.needs == ("clone",)
    build = found["build"]
    assert build.matrix_size == 2
    assert [(s.line, s.text) for s in build.steps] == [
        (37, "buildah build --platform $(params.platform) -t app:$(params.platform) .\n"),
        (40, "buildah push app:$(params.platform)")]
    assert build.steps[0].input("image") == "quay.io/buildah/stable:v1.35"  # stepTemplate
    assert found["approve"].manual
    assert pipeline.includes == ("tekton/tasks/unit-test.yaml",)


def test_scan_reports_included_task_once_and_unused_task_alone() -> None:
    result = scan_tree(EXAMPLES / "tekton")
    files = {f.path: f for f in result.files}  # type: ignore[attr-defined]
    assert files["tekton/tasks/unit-test.yaml"].included_by == ".tekton/pull-request.yaml"
    assert files["tekton/tasks/unit-test.yaml"].pipeline is None
    lint = files["tekton/tasks/lint.yaml"].pipeline
    (step,) = lint.steps
    # Args without a command go to the image's own program.
    assert (step.line, step.text, step.uses) == (7, "ruff check .", "ghcr.io/astral-sh/ruff:0.6.9")
    lines = [(s.step.file, s.step.line) for s in result.steps]  # type: ignore[attr-defined]
    assert len(lines) == len(set(lines))


def test_task_in_the_same_file_as_its_pipeline_is_reported_once() -> None:
    pipeline = parse(TASK.format(name="t", script="make") + """
    ---
    apiVersion: tekton.dev/v1beta1
    kind: Pipeline
    metadata:
      name: p
    spec:
      tasks:
        - name: a
          taskRef: {name: t}
        - name: b
          taskRef: {name: t}
    """)
    assert [j.id for j in pipeline.jobs] == ["a", "b"]
    assert [s.line for s in pipeline.steps] == [7, 7]


def test_taskrun_pipelinerun_refs_and_trigger_templates(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "tekton/run.yaml": textwrap.dedent("""
            apiVersion: triggers.tekton.dev/v1beta1
            kind: TriggerTemplate
            metadata: {name: tt}
            spec:
              resourcetemplates:
                - apiVersion: tekton.dev/v1
                  kind: TaskRun
                  metadata: {generateName: run-}
                  spec:
                    taskSpec:
                      steps:
                        - {name: s, image: alpine, command: [echo, hi]}
            ---
            apiVersion: tekton.dev/v1
            kind: PipelineRun
            metadata: {name: pr}
            spec:
              pipelineRef: {name: elsewhere}
        """).lstrip(),
    })
    pipeline = parse_at(tmp_path, "tekton/run.yaml")
    run, pr = pipeline.jobs
    assert (run.id, [s.text for s in run.steps]) == ("run", ["echo hi"])
    assert (pr.calls, pr.steps) == ("elsewhere", ())


def test_on_cel_expression_and_comment_triggers() -> None:
    pipeline = parse("""
        apiVersion: tekton.dev/v1
        kind: PipelineRun
        metadata:
          name: x
          annotations:
            pipelinesascode.tekton.dev/on-cel-expression: event == "push" || event == 'pull_request'
            pipelinesascode.tekton.dev/on-comment: "^/retest"
        spec:
          pipelineSpec:
            tasks: []
    """, ".tekton/x.yaml")
    assert [t.event for t in pipeline.triggers] == ["push", "pull_request", "issue_comment"]


def test_step_actions_and_bundle_refs() -> None:
    pipeline = parse("""
        apiVersion: tekton.dev/v1beta1
        kind: StepAction
        metadata: {name: upload}
        spec:
          image: alpine
          script: aws s3 cp junit.xml s3://bucket/
        ---
        apiVersion: tekton.dev/v1
        kind: Pipeline
        metadata: {name: p}
        spec:
          tasks:
            - name: b
              taskRef:
                resolver: bundles
                params:
                  - {name: bundle, value: quay.io/org/task-build:0.1}
                  - {name: name, value: build}
    """)
    upload, bundle = pipeline.jobs
    assert (upload.steps[0].line, upload.steps[0].text) == (5, "aws s3 cp junit.xml s3://bucket/")
    assert bundle.calls == "quay.io/org/task-build:0.1"
    assert "bundles resolver" in bundle.notes[0]


def test_other_yaml_is_declined() -> None:
    with pytest.raises(Declined):
        parse("apiVersion: apps/v1\nkind: Deployment\n")
    with pytest.raises(Declined):
        parse("apiVersion: v1\nkind: ConfigMap\ndata: {a: tekton.dev/x}\n")
    with pytest.raises(Declined):  # a Helm template is not YAML before it is rendered
        parse("apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: {{ .Values.x }}\n"
              "  labels: {{- include x }}\n")


def test_missing_annotated_file_is_a_note(tmp_path: Path) -> None:
    write_tree(tmp_path, {".tekton/p.yaml": textwrap.dedent("""
        apiVersion: tekton.dev/v1
        kind: PipelineRun
        metadata:
          name: p
          annotations:
            pipelinesascode.tekton.dev/task: "gone.yaml"
        spec:
          pipelineSpec:
            tasks:
              - {name: t, taskRef: {name: t}}
    """).lstrip()})
    pipeline = parse_at(tmp_path, ".tekton/p.yaml")
    assert any("gone.yaml" in note and "not read" in note for note in pipeline.notes)
    assert "not defined in the files read" in pipeline.jobs[0].notes[0]


@pytest.mark.parametrize(("text", "expected"), [
    ("apiVersion: tekton.dev/v1\nkind: Task\nspec: 5\n", ("tekton/p.yaml:3: Task spec must be a "
     "mapping, found the value '5'")),
    ("apiVersion: tekton.dev/v1\nkind: Task\nspec:\n  steps: 5\n", ("tekton/p.yaml:4: steps "
     "must be a list")),
    ("apiVersion: tekton.dev/v1\nkind: Task\nspec:\n  steps: [5]\n", ("tekton/p.yaml:4: a step "
     "must be a mapping")),
    ("apiVersion: tekton.dev/v1\nkind: Task\nspec:\n  steps:\n    - {command: {a: b}}\n",
     "tekton/p.yaml:5: a step's command must be a list"),
    ("apiVersion: tekton.dev/v1\nkind: Pipeline\nspec:\n  tasks: [5]\n", ("tekton/p.yaml:4: a "
     "pipeline task must be a mapping")),
    ("apiVersion: tekton.dev/v1\nkind: Pipeline\nspec:\n  tasks:\n    - {taskRef: 5}\n",
     "tekton/p.yaml:5: taskRef must be a mapping"),
    ("apiVersion: tekton.dev/v1\nkind: Pipeline\nspec:\n  tasks:\n    - {taskSpec: []}\n",
     "tekton/p.yaml:5: a taskSpec must be a mapping"),
    ("apiVersion: tekton.dev/v1\nkind: Task\nspec: [\n", "tekton/p.yaml:4: invalid YAML"),
])
def test_wrong_types_are_one_line_errors(text: str, expected: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(text)
    assert expected in info.value.one_line()


def test_corpus(shared: Path) -> None:
    result = check_corpus(shared, FMT, "tekton", "tekton")
    assert result.errors == {}
    assert result.unclaimed == []
    assert result.labelled and result.missing == []
