"""Jenkins X Lighthouse pipelines (``.lighthouse/<name>/*.yaml``): steps borrowed from a
catalogue with ``image: uses:<source>`` are steps that use the source, named by the
step they take; ``triggers.yaml`` says which events start each file. Nothing is fetched."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.conftest import write_tree
from tests.corpus_check import stub_scan
from xops_lens.discover import discover, read_text
from xops_lens.formats.tekton import Tekton
from xops_lens.model import Pipeline, Source, Step
from xops_lens.scan import scan

CATALOG = "jenkins-x/jx3-pipeline-catalog/tasks"
# The shape of jenkins-x/jx's own .lighthouse/jenkins-x/pullrequest.yaml.
PULL_REQUEST = f"""\
apiVersion: tekton.dev/v1beta1
kind: PipelineRun
metadata:
  name: pullrequest
spec:
  pipelineSpec:
    tasks:
    - name: from-build-pack
      taskSpec:
        stepTemplate:
          image: uses:{CATALOG}/go-plugin/pullrequest.yaml@versionStream
          name: ""
          workingDir: /workspace/source
        steps:
        - image: uses:{CATALOG}/git-clone/git-clone-pr.yaml@versionStream
          name: ""
        - name: jx-variables
        - name: build-make-linux
        - name: build-container-build:wine
          env: [{{name: IMAGE, value: gcr.io/project/wine}}]
        - image: uses:{CATALOG}/go/pullrequest.yaml@versionStream
          name: make-lint
        - name: promote-changelog
          script: |
            #!/bin/sh
            jx changelog create --version v${{VERSION}}
        - image: golang:1.22
          name: coverage-report
          script: make test-coverage
        - image: uses:https://example.com/tasks/notify.yaml
        - image: uses:local-task.yaml
          name: smoke
  serviceAccountName: tekton-bot
"""
TRIGGERS = """\
apiVersion: config.lighthouse.jenkins-x.io/v1alpha1
kind: TriggerConfig
spec:
  presubmits:
  - name: pr
    context: pr
    always_run: true
    source: pullrequest.yaml
  - name: lint
    context: lint
    source: ./lint.yaml
  - name: review
    always_run: true
    source: ai/review.yaml
  - name: remote
    always_run: true
    source: jenkins-x/jx3-pipeline-catalog/packs/go/.lighthouse/jenkins-x/pullrequest.yaml@v1
  postsubmits:
  - name: release
    context: release
    source: release.yaml
    branches: [main]
"""


def _run(name: str, steps: str) -> str:
    return (f"apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {{name: {name}}}\n"
            "spec:\n  pipelineSpec:\n    tasks:\n    - name: t\n      taskSpec:\n"
            f"        steps:\n{textwrap.indent(steps, '        ')}")


def _parse(root: Path, path: str) -> Pipeline:
    tree = discover(root).paths
    return Tekton().parse(Source(root=str(root), path=path, text=read_text(root, path),
                                 read_local=lambda rel: read_text(root, rel, referrer=path),
                                 local_paths=lambda: tree))


def _shape(step: Step) -> tuple[int, str, str | None, tuple[tuple[str, str], ...]]:
    return step.line, step.name, step.uses, step.inputs


def test_borrowed_steps_use_their_source_and_keep_the_step_name(tmp_path: Path) -> None:
    write_tree(tmp_path, {".lighthouse/jenkins-x/pullrequest.yaml": PULL_REQUEST})
    (job,) = _parse(tmp_path, ".lighthouse/jenkins-x/pullrequest.yaml").jobs
    plugin = f"{CATALOG}/go-plugin/pullrequest.yaml@versionStream"
    assert [_shape(s) for s in job.steps] == [
        # no name: every step of the catalogue's task, named by its file
        (15, "git-clone-pr", f"{CATALOG}/git-clone/git-clone-pr.yaml@versionStream", ()),
        # a name only: that step of the stepTemplate's source
        (17, "jx-variables", plugin, (("step", "jx-variables"),)),
        (18, "build-make-linux", plugin, (("step", "build-make-linux"),)),
        # name:suffix is a second copy of the step before the colon
        (19, "build-container-build:wine", plugin, (("step", "build-container-build"),)),
        (21, "make-lint", f"{CATALOG}/go/pullrequest.yaml@versionStream",
         (("step", "make-lint"),)),
        # a script overrides the borrowed step's command: the script is the work
        (23, "promote-changelog", None, (("image", f"uses:{plugin}"),)),
        (27, "coverage-report", None, (("image", "golang:1.22"),)),
        (30, "notify", "https://example.com/tasks/notify.yaml", ()),
        (31, "smoke", "local-task.yaml", (("step", "smoke"),)),
    ]
    texts = {s.name: s.text for s in job.steps}
    assert texts["build-make-linux"] == f"{plugin}\n  step: build-make-linux"
    assert texts["promote-changelog"].startswith("#!/bin/sh\njx changelog create")


def test_the_rules_judge_borrowed_steps_by_path_and_name(tmp_path: Path) -> None:
    write_tree(tmp_path, {".lighthouse/jenkins-x/pullrequest.yaml": PULL_REQUEST})
    result = scan(tmp_path)  # the rules backend
    kinds = {s.step.name: s.label.kind for s in result.steps}
    assert (kinds["git-clone-pr"], kinds["build-make-linux"], kinds["make-lint"]) == (
        "checkout", "build", "lint")


def test_a_step_with_no_source_after_uses_is_an_image(tmp_path: Path) -> None:
    write_tree(tmp_path, {"ci/run.yaml": _run("x", "- image: 'uses:'\n  name: odd\n")})
    (job,) = _parse(tmp_path, "ci/run.yaml").jobs
    assert [(s.name, s.uses) for s in job.steps] == [("odd", "uses:")]


def test_triggers_yaml_says_which_events_start_each_file(tmp_path: Path) -> None:
    folder = ".lighthouse/jenkins-x"
    write_tree(tmp_path, {
        f"{folder}/triggers.yaml": TRIGGERS,
        f"{folder}/pullrequest.yaml": PULL_REQUEST,
        f"{folder}/lint.yaml": _run("lint", "- {image: golang, script: make lint}\n"),
        f"{folder}/ai/review.yaml": _run("review", "- {image: python, script: review}\n"),
        f"{folder}/release.yaml": _run("release", "- {image: golang, script: make release}\n"),
        f"{folder}/nightly.yaml": _run("nightly", "- {image: golang, script: make all}\n"),
    })
    result = stub_scan(tmp_path)
    files = {f.path: f for f in result.files}
    events = {path: [t.event for t in f.pipeline.triggers] for path, f in files.items()
              if f.pipeline is not None}
    assert events == {
        f"{folder}/pullrequest.yaml": ["pull_request"],
        # neither always_run nor run_if_changed: runs when someone comments /test lint
        f"{folder}/lint.yaml": ["issue_comment"],
        f"{folder}/ai/review.yaml": ["pull_request"],
        f"{folder}/release.yaml": ["push"],
        f"{folder}/nightly.yaml": [],  # named by no trigger: started some other way
    }
    assert files[f"{folder}/triggers.yaml"].included_by == f"{folder}/ai/review.yaml"
    assert any("the file does not say which events" in note
               for note in files[f"{folder}/nightly.yaml"].pipeline.notes)  # type: ignore[union-attr]
    assert not result.unclaimed and not result.failed_files


def test_a_broken_triggers_yaml_is_a_note(tmp_path: Path) -> None:
    write_tree(tmp_path, {".lighthouse/jx/triggers.yaml": "spec: [unclosed\n",
                          ".lighthouse/jx/pullrequest.yaml": PULL_REQUEST})
    pipeline = _parse(tmp_path, ".lighthouse/jx/pullrequest.yaml")
    assert pipeline.triggers == () and pipeline.includes == ()
    assert any(note.startswith(".lighthouse/jx/triggers.yaml not read: invalid YAML")
               for note in pipeline.notes), pipeline.notes
