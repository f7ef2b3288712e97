"""The hostile-input harness: one canonical file per registered CI format, valid
documents of any size for each, and a scan driver that records how long each case took.

Formats join by default: :func:`registered_formats` asks the plugin manager (entry
points off) what is registered, and a format without an entry in :data:`CANONICAL`
fails ``test_every_registered_format_has_a_canonical_file`` instead of being skipped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from xops_lens.cli import cli
from xops_lens.plugins import build_plugin_manager
from xops_lens.sdk import Format

# Every case must finish well within this (the bound); precise figures are kept
# in TIMINGS and printed at the end of the run.
CASE_SECONDS = 5.0
TIMINGS: dict[str, float] = {}


@dataclass(frozen=True)
class Canonical:
    """How to write a valid file of one format, anywhere in a test tree.

    ``body(n)`` is a document with ``n`` steps that the format reports as exactly ``n``
    steps, one per line from ``first_step_line`` on (the 100,000-step and CRLF cases
    check those lines), each step on one short line so that 100,000 of them stay under
    the 4 MiB document limit. ``syntax`` says which cases apply (a Jenkinsfile is Groovy,
    not YAML).
    """

    path: str
    body: Callable[[int], str]
    first_step_line: int
    syntax: str = "yaml"


def _lines(template: str, n: int) -> str:
    return "".join(template.format(i=i) for i in range(n))


CANONICAL: dict[str, Canonical] = {
    "github-actions": Canonical(
        ".github/workflows/ci.yml",
        lambda n: "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
                  + _lines("      - run: make target{i}\n", n),
        first_step_line=6),
    "gitlab-ci": Canonical(
        ".gitlab-ci.yml",
        lambda n: "build:\n  script:\n" + _lines("    - make target{i}\n", n),
        first_step_line=3),
    "cirrus": Canonical(
        ".cirrus.yml",
        lambda n: "task:\n  container:\n    image: alpine\n"
                  + _lines("  s{i}_script: make target{i}\n", n),
        first_step_line=4),
    "buildkite": Canonical(
        ".buildkite/pipeline.yml",
        lambda n: "steps:\n" + _lines("  - command: make target{i}\n", n),
        first_step_line=2),
    "woodpecker": Canonical(
        ".woodpecker.yml",
        lambda n: "steps:\n" + _lines("  - {{image: alpine, commands: [make target{i}]}}\n", n),
        first_step_line=2),
    "drone": Canonical(
        ".drone.yml",
        lambda n: "kind: pipeline\nname: default\nsteps:\n"
                  + _lines("  - {{name: s{i}, image: alpine, commands: [make target{i}]}}\n", n),
        first_step_line=4),
    "appveyor": Canonical(
        "appveyor.yml",
        lambda n: "build_script:\n" + _lines("  - make target{i}\n", n),
        first_step_line=2),
    "travis": Canonical(
        ".travis.yml",
        lambda n: "language: python\nscript:\n" + _lines("  - make target{i}\n", n),
        first_step_line=3),
    "bitbucket-pipelines": Canonical(
        "bitbucket-pipelines.yml",
        lambda n: "pipelines:\n  default:\n    - step:\n        script:\n"
                  + _lines("          - make target{i}\n", n),
        first_step_line=5),
    "circleci": Canonical(
        ".circleci/config.yml",
        lambda n: "version: 2.1\njobs:\n  build:\n    docker:\n      - image: cimg/base:stable\n"
                  "    steps:\n" + _lines("      - run: make target{i}\n", n)
                  + "workflows:\n  main:\n    jobs: [build]\n",
        first_step_line=7),
    "azure-pipelines": Canonical(
        "azure-pipelines.yml",
        lambda n: "trigger: [main]\nsteps:\n" + _lines("  - script: make target{i}\n", n),
        first_step_line=3),
    "tekton": Canonical(
        ".tekton/build.yaml",
        lambda n: "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: build\nspec:\n"
                  "  steps:\n" + _lines("    - {{image: alpine, script: make target{i}}}\n", n),
        first_step_line=7),
    "cloudbuild": Canonical(
        "cloudbuild.yaml",
        lambda n: "steps:\n" + _lines("  - {{name: gcr.io/cloud-builders/docker, "
                                      "args: [build, target{i}]}}\n", n),
        first_step_line=2),
    "jenkins": Canonical(
        "Jenkinsfile",
        lambda n: "pipeline {\n  agent any\n  stages {\n    stage('build') {\n      steps {\n"
                  + _lines("        sh 'make target{i}'\n", n) + "      }\n    }\n  }\n}\n",
        first_step_line=6, syntax="groovy"),
}

# The good neighbour put beside every bad file: it must still be scanned and reported.
GOOD_PATH = ".github/workflows/good.yml"
GOOD = ("on: push\njobs:\n  good:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - run: pytest -q\n")
GOOD_STEP_LINES = [6, 7]


def registered_formats() -> dict[str, Format]:
    """Every format the built-in plugins register, in registration order."""
    return dict(build_plugin_manager(load_entry_points=False)[1].formats)


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


@dataclass
class Outcome:
    exit_code: int
    report: dict[str, Any]
    stderr: str
    seconds: float

    def error_of(self, path: str) -> str | None:
        for item in self.report["files"]:
            if item["path"] == path:
                return item["error"]
        raise AssertionError(f"{path} is not among the reported files: "
                             f"{[f['path'] for f in self.report['files']]}")

    def step_lines(self, path: str) -> list[int]:
        return sorted(s["line"] for s in self.report["steps"] if s["file"] == path)

    def errors(self) -> dict[str, str]:
        return {f["path"]: f["error"] for f in self.report["files"] if f["error"]}


def run_scan(root: Path, case: str, *args: str) -> Outcome:
    """``xops-lens scan ROOT --format json`` through click's runner, timed."""
    runner = CliRunner()
    start = time.perf_counter()
    result = runner.invoke(cli, ["scan", str(root), "--format", "json", *args],
                           catch_exceptions=False)
    seconds = time.perf_counter() - start
    TIMINGS[case] = seconds
    stderr = result.stderr if hasattr(result, "stderr") else ""
    try:
        report = json.loads(result.stdout)
    except ValueError as exc:
        raise AssertionError(f"{case}: stdout is not JSON ({exc}):\n{result.output[:2000]}")
    return Outcome(result.exit_code, report, stderr, seconds)
