"""Includes, templates, imports and references: cycles, self-references, paths out of
the repository, missing files, symlinks out of the root, and expansion bombs.

Every repository here sits beside a folder ``outside/`` holding a secret (a file that is
valid CI configuration with a canary command): whatever a case does, the canary must
never appear in the output. Each case has a good workflow beside it, as everywhere.

Where a format notes a missing or outside file and goes on (Azure templates, Tekton
Pipelines-as-Code task files, GitLab child pipelines: the including file's own steps
stay reported), the case pins that note, the exit code 0 and the steps; the others
refuse the whole file with a one-line error and exit 1.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.hostile.hostile_harness import (
    CASE_SECONDS,
    GOOD,
    GOOD_PATH,
    GOOD_STEP_LINES,
    assert_one_line_error,
    registered_formats,
    run_scan,
    write,
)

FORMATS = registered_formats()
CANARY = "CANARY-5d1e0c"
SECRET = (f"steps:\n  - script: echo {CANARY}\nscript: [echo {CANARY}]\n"
          f"b:\n  script: [echo {CANARY}]\n")


@dataclass(frozen=True)
class Case:
    name: str
    fmt: str
    files: dict[str, str]  # {secret}: absolute path of the outside secret
    path: str
    error: str | None = None  # the exact error of ``path`` (exit 1)
    note: str | None = None  # or the exact note on ``path`` (exit 0)
    steps: list[int] = field(default_factory=list)  # steps of ``path`` when not an error


def _tekton_run(task_files: str) -> str:
    return ("apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: pr\n"
            f"  annotations:\n    pipelinesascode.tekton.dev/task: \"[{task_files}]\"\n"
            "spec:\n  pipelineSpec:\n    tasks:\n      - name: t\n        taskSpec:\n"
            "          steps:\n            - {image: a, script: make}\n")


GITLAB, AZURE, TRAVIS = ".gitlab-ci.yml", "azure-pipelines.yml", ".travis.yml"
CIRCLE, TEKTON = ".circleci/config.yml", ".tekton/pr.yaml"
OUTSIDE = "../outside/secret.yml"

CASES: list[Case] = [
    # -- GitLab: include, extends, !reference, child pipelines
    Case("include-self", "gitlab-ci", {GITLAB: "include: .gitlab-ci.yml\nb:\n  script: [make]\n"},
         GITLAB, error="{path}:1: include cycle: .gitlab-ci.yml -> .gitlab-ci.yml"),
    Case("include-cycle", "gitlab-ci", {
        GITLAB: "include: [ci/a.yml]\nb:\n  script: [make]\n",
        "ci/a.yml": "include: ci/b.yml\n", "ci/b.yml": "include:\n  - local: ci/a.yml\n"},
        GITLAB, error="ci/b.yml:2: include cycle: ci/a.yml -> ci/b.yml -> ci/a.yml"),
    Case("include-outside", "gitlab-ci", {GITLAB: f"include: {OUTSIDE}\nb:\n  script: [make]\n"},
         GITLAB, error="{path}:1: cannot include ../outside/secret.yml: ../outside/secret.yml "
                       "points outside the scanned root; not read"),
    Case("include-etc-passwd", "gitlab-ci", {
        GITLAB: "include: ../../etc/passwd\nb:\n  script: [make]\n"},
        GITLAB, error="{path}:1: included file ../../etc/passwd must end in .yml or .yaml"),
    Case("include-absolute", "gitlab-ci", {GITLAB: "include: {secret}\nb:\n  script: [make]\n"},
         GITLAB, error="{path}:1: cannot include {secret_rel}: file not found"),
    Case("include-symlink-out", "gitlab-ci", {
        GITLAB: "include: ci/link.yml\nb:\n  script: [make]\n"},
        GITLAB, error="{path}:1: cannot include ci/link.yml: ci/link.yml points outside the "
                      "scanned root; not read"),
    Case("include-missing", "gitlab-ci", {GITLAB: "include: ci/none.yml\nb:\n  script: [make]\n"},
         GITLAB, error="{path}:1: cannot include ci/none.yml: file not found"),
    Case("extends-self", "gitlab-ci", {GITLAB: "b:\n  extends: b\n  script: [make]\n"},
         GITLAB, error="{path}:2: circular 'extends': b -> b"),
    Case("extends-cycle", "gitlab-ci", {
        GITLAB: ".a:\n  extends: .b\n.b:\n  extends: .a\nb:\n  extends: .a\n  script: [make]\n"},
        GITLAB, error="{path}:4: circular 'extends': .a -> .b -> .a"),
    Case("reference-self", "gitlab-ci", {GITLAB: "b:\n  script: !reference [b, script]\n"},
         GITLAB, error="{path}:2: !reference [b, script] nested deeper than 10 levels "
                       "(a reference cycle?)"),
    Case("reference-cycle", "gitlab-ci", {
        GITLAB: ".a:\n  s: !reference [.b, s]\n.b:\n  s: !reference [.a, s]\n"
                "b:\n  script: !reference [.a, s]\n"},
        GITLAB, error="{path}:2: !reference [.b, s] nested deeper than 10 levels "
                      "(a reference cycle?)"),
    Case("child-pipeline-self", "gitlab-ci", {
        GITLAB: "t:\n  trigger:\n    include: .gitlab-ci.yml\nb:\n  script: [make]\n"},
        GITLAB, steps=[5]),
    Case("child-pipeline-outside", "gitlab-ci", {
        GITLAB: f"t:\n  trigger:\n    include: {OUTSIDE}\nb:\n  script: [make]\n"},
        GITLAB, steps=[5], note="child pipeline ../outside/secret.yml of job 't' not read: "
                                ".gitlab-ci.yml: ../outside/secret.yml points outside the "
                                "scanned root; not read"),
    Case("child-pipeline-missing", "gitlab-ci", {
        GITLAB: "t:\n  trigger:\n    include: ci/none.yml\nb:\n  script: [make]\n"},
        GITLAB, steps=[5], note="child pipeline ci/none.yml of job 't' not read: "
                                ".gitlab-ci.yml: file not found: ci/none.yml"),
    # -- Azure Pipelines: templates
    Case("template-self", "azure-pipelines", {
        AZURE: "steps:\n  - template: azure-pipelines.yml\n  - script: make\n"},
        AZURE, error="{path}:2: template cycle: azure-pipelines.yml -> azure-pipelines.yml"),
    Case("template-cycle", "azure-pipelines", {
        AZURE: "steps:\n  - template: t/a.yml\n  - script: make\n",
        "t/a.yml": "steps:\n  - template: b.yml\n", "t/b.yml": "steps:\n  - template: a.yml\n"},
        AZURE, error="t/b.yml:2: template cycle: azure-pipelines.yml -> t/a.yml -> t/b.yml -> "
                     "t/a.yml"),
    Case("extends-template-self", "azure-pipelines", {
        AZURE: "extends:\n  template: azure-pipelines.yml\n"},
        AZURE, error="{path}:1: template cycle: azure-pipelines.yml -> azure-pipelines.yml"),
    Case("template-outside", "azure-pipelines", {
        AZURE: f"steps:\n  - template: {OUTSIDE}\n  - script: make\n"},
        AZURE, steps=[2, 3], note="azure-pipelines.yml:2: template ../outside/secret.yml is "
                                  "outside the repository"),
    Case("template-etc-passwd", "azure-pipelines", {
        AZURE: "steps:\n  - template: ../../etc/passwd\n  - script: make\n"},
        AZURE, steps=[2, 3], note="azure-pipelines.yml:2: template ../../etc/passwd is outside "
                                  "the repository"),
    Case("template-absolute", "azure-pipelines", {
        AZURE: "steps:\n  - template: {secret}\n  - script: make\n"},
        AZURE, steps=[2, 3], note="azure-pipelines.yml:2: template {secret_rel} not read "
                                  "(file not found: {secret_rel})"),
    Case("template-symlink-out", "azure-pipelines", {
        AZURE: "steps:\n  - template: ci/link.yml\n  - script: make\n"},
        AZURE, steps=[2, 3], note="azure-pipelines.yml:2: template ci/link.yml not read "
                                  "(ci/link.yml points outside the scanned root; not read)"),
    Case("template-missing", "azure-pipelines", {
        AZURE: "steps:\n  - template: t/none.yml\n  - script: make\n"},
        AZURE, steps=[2, 3], note="azure-pipelines.yml:2: template t/none.yml not read "
                                  "(file not found: t/none.yml)"),
    # -- Travis CI: import
    Case("import-self", "travis", {TRAVIS: "import: .travis.yml\nscript: [make]\n"},
         TRAVIS, error="{path}:1: import cycle: .travis.yml -> .travis.yml"),
    Case("import-cycle", "travis", {
        TRAVIS: "import: ci/a.yml\nscript: [make]\n",
        "ci/a.yml": "import: ci/b.yml\n", "ci/b.yml": "import: ci/a.yml\n"},
        TRAVIS, error="ci/b.yml:1: import cycle: .travis.yml -> ci/a.yml -> ci/b.yml -> ci/a.yml"),
    Case("import-outside", "travis", {TRAVIS: f"import: {OUTSIDE}\nscript: [make]\n"},
         TRAVIS, error="{path}:1: import ../outside/secret.yml: ../outside/secret.yml points "
                       "outside the scanned root; not read"),
    Case("import-etc-passwd", "travis", {TRAVIS: "import: ../../etc/passwd\nscript: [make]\n"},
         TRAVIS, error="{path}:1: import ../../etc/passwd: ../../etc/passwd points outside the "
                       "scanned root; not read"),
    Case("import-absolute", "travis", {TRAVIS: "import: {secret}\nscript: [make]\n"},
         TRAVIS, error="{path}:1: import {secret}: file not found: {secret_rel}"),
    Case("import-symlink-out", "travis", {TRAVIS: "import: ci/link.yml\nscript: [make]\n"},
         TRAVIS, error="{path}:1: import ci/link.yml: ci/link.yml points outside the scanned "
                       "root; not read"),
    Case("import-dangling-symlink-out", "travis",
         {TRAVIS: "import: ci/dangling.yml\nscript: [make]\n"},
         TRAVIS, error="{path}:1: import ci/dangling.yml: ci/dangling.yml points outside the "
                       "scanned root; not read"),
    Case("import-missing", "travis", {TRAVIS: "import: ci/none.yml\nscript: [make]\n"},
         TRAVIS, error="{path}:1: import ci/none.yml: file not found: ci/none.yml"),
    # -- GitHub Actions: local reusable workflows and composite actions are calls, not
    # expanded: a workflow calling itself is a job that calls it.
    Case("reusable-workflow-self", "github-actions", {
        ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    uses: ./.github/workflows/ci.yml\n"
                                    "  b:\n    runs-on: x\n    steps:\n      - run: make\n"},
        ".github/workflows/ci.yml", steps=[8]),
    Case("reusable-workflow-cycle", "github-actions", {
        ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    uses: ./.github/workflows/b.yml\n"
                                    "  b:\n    runs-on: x\n    steps:\n      - run: make\n",
        ".github/workflows/b.yml": "on: workflow_call\njobs:\n  c:\n"
                                   "    uses: ./.github/workflows/ci.yml\n"},
        ".github/workflows/ci.yml", steps=[8]),
    Case("reusable-workflow-outside", "github-actions", {
        ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    uses: ./../outside/secret.yml\n"
                                    "  b:\n    runs-on: x\n    steps:\n      - run: make\n"},
        ".github/workflows/ci.yml", steps=[8]),
    Case("composite-action-self", "github-actions", {
        ".github/actions/x/action.yml": "runs:\n  using: composite\n  steps:\n"
                                        "    - uses: ./.github/actions/x\n"
                                        "    - run: make\n      shell: bash\n"},
        ".github/actions/x/action.yml", steps=[4, 5]),
    # -- CircleCI: reusable commands and executors
    Case("command-self", "circleci", {
        CIRCLE: "version: 2.1\ncommands:\n  c:\n    steps:\n      - c\n      - run: make\n"
                "jobs:\n  b:\n    docker: [{image: x}]\n    steps:\n      - c\n"
                "workflows:\n  w:\n    jobs: [b]\n"},
        CIRCLE, error="{path}:5: command 'c' calls commands more than 16 deep (a cycle?)"),
    Case("command-cycle", "circleci", {
        CIRCLE: "version: 2.1\ncommands:\n  c:\n    steps:\n      - d\n  d:\n    steps:\n"
                "      - c\n      - run: make\njobs:\n  b:\n    docker: [{image: x}]\n"
                "    steps:\n      - c\nworkflows:\n  w:\n    jobs: [b]\n"},
        CIRCLE, error="{path}:5: command 'd' calls commands more than 16 deep (a cycle?)"),
    Case("executor-self", "circleci", {
        CIRCLE: "version: 2.1\nexecutors:\n  e:\n    executor: e\njobs:\n  a:\n    executor: e\n"
                "    steps: [checkout]\nworkflows:\n  w:\n    jobs: [a]\n"},
        CIRCLE, steps=[8]),
    Case("requires-cycle", "circleci", {
        CIRCLE: "version: 2.1\njobs:\n  a:\n    docker: [{image: x}]\n    steps: [checkout]\n"
                "  b:\n    docker: [{image: x}]\n    steps: [checkout]\n"
                "workflows:\n  w:\n    jobs:\n      - a:\n          requires: [b]\n"
                "      - b:\n          requires: [a]\n"},
        CIRCLE, steps=[5, 8]),
    # -- Tekton: task files named by Pipelines-as-Code annotations
    Case("annotation-self", "tekton", {TEKTON: _tekton_run(".tekton/pr.yaml")}, TEKTON,
         steps=[13]),
    Case("annotation-outside", "tekton", {TEKTON: _tekton_run(OUTSIDE)}, TEKTON, steps=[13],
         note="../outside/secret.yml (named by pipelinesascode.tekton.dev/task) not read: "
              "../outside/secret.yml points outside the scanned root; not read"),
    Case("annotation-symlink-out", "tekton", {TEKTON: _tekton_run("ci/link.yml")}, TEKTON,
         steps=[13], note="ci/link.yml (named by pipelinesascode.tekton.dev/task) not read: "
                          "ci/link.yml points outside the scanned root; not read"),
    Case("annotation-missing", "tekton", {TEKTON: _tekton_run(".tekton/none.yaml")}, TEKTON,
         steps=[13], note=".tekton/none.yaml (named by pipelinesascode.tekton.dev/task) not "
                          "read: file not found: .tekton/none.yaml"),
    # -- the CI file itself is a symlink out of the root
    Case("entry-symlink-out", "gitlab-ci", {}, GITLAB,
         error="{path}: .gitlab-ci.yml points outside the scanned root; not read"),
]


def _prepare(tmp_path: Path, case: Case) -> tuple[Path, dict[str, str]]:
    secret = tmp_path / "outside" / "secret.yml"
    write(tmp_path, {"outside/secret.yml": SECRET})
    fields = {"secret": str(secret), "secret_rel": str(secret).lstrip("/")}
    root = tmp_path / "repo"
    files = {path: text.replace("{secret}", fields["secret"]) for path, text in case.files.items()}
    write(root, {**files, GOOD_PATH: GOOD})
    (root / "ci").mkdir(exist_ok=True)
    os.symlink("../../outside/secret.yml", root / "ci" / "link.yml")
    # Out of the root and to nothing: refused the same way, or the answer would tell
    # which files exist on the machine that runs the scan.
    os.symlink("../../outside/none.yml", root / "ci" / "dangling.yml")
    if case.name == "entry-symlink-out":
        os.symlink("../outside/secret.yml", root / GITLAB)
    return root, fields


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.fmt}-{c.name}")
def test_include(case: Case, tmp_path: Path) -> None:
    if case.fmt not in FORMATS:
        pytest.skip(f"{case.fmt} is not registered")
    root, fields = _prepare(tmp_path, case)
    outcome = run_scan(root, f"{case.fmt}/{case.name}")

    assert CANARY not in json.dumps(outcome.report), "the secret outside the root was read"
    assert outcome.step_lines(GOOD_PATH) == GOOD_STEP_LINES
    assert outcome.cpu < CASE_SECONDS
    path = case.path
    if case.error is not None:
        assert outcome.exit_code == 1
        error = outcome.error_of(path)
        assert_one_line_error(error, error.split(":", 1)[0] if error else path)
        assert error == case.error.format(path=path, **fields)
        return
    assert outcome.exit_code == 0, outcome.errors()
    assert outcome.step_lines(path) == case.steps
    if case.note is not None:
        notes = next(f["notes"] for f in outcome.report["files"] if f["path"] == path)
        assert case.note.format(path=path, **fields) in notes, notes
