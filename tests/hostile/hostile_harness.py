"""The hostile-input harness: one canonical file per registered CI format, valid
documents of any size for each, and a scan driver that records how long each case took.

Formats join by default: :func:`registered_formats` asks the plugin manager (entry
points off) what is registered, and a format without an entry in :data:`CANONICAL`
fails ``test_every_registered_format_has_a_canonical_file`` instead of being skipped.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from xops_lens.cli import cli
from xops_lens.discover import discover, read_text
from xops_lens.errors import Declined, ParseError
from xops_lens.model import Source
from xops_lens.plugins import build_plugin_manager
from xops_lens.sdk import Format

# Every case must finish well within CASE_SECONDS (the bound). Tests assert it on
# the process's CPU time, generously, as a guard: other test runs share the machine's two
# cores, so wall-clock time varies twice over. TIMINGS keeps (wall, cpu) seconds of each
# case; tests/hostile/conftest.py prints the slowest at the end of the run.
CASE_SECONDS = 5.0
TIMINGS: dict[str, tuple[float, float]] = {}

@dataclass(frozen=True)
class Canonical:
    """How to write a valid file of one format, anywhere in a test tree.

    ``body(n)`` is a document with ``n`` steps that the format reports as exactly ``n``
    steps, one per line from ``first_step_line`` on (the step-limit and CRLF cases
    check those lines), each step on one short line so that the step limit's worth
    stays far under the 1 MiB file limit. ``syntax`` says which cases apply (a Jenkinsfile is Groovy,
    not YAML).
    """

    path: str
    body: Callable[[int], str]
    first_step_line: int
    syntax: str = "yaml"
    # Appended to hostile YAML so that a format which sniffs content (Tekton reads a file
    # only when it names a tekton.dev/ apiVersion) takes the broken file as its own.
    marker: str = ""


def _lines(template: str, n: int) -> str:
    return "".join(template.format(i=i) for i in range(n))


CANONICAL: dict[str, Canonical] = {
    "github-actions": Canonical(
        ".github/workflows/ci.yml",
        lambda n: "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
                  + _lines("      - run: make {i}\n", n),
        first_step_line=6),
    "gitlab-ci": Canonical(
        ".gitlab-ci.yml",
        lambda n: "build:\n  script:\n" + _lines("    - make {i}\n", n),
        first_step_line=3),
    "cirrus": Canonical(
        ".cirrus.yml",
        lambda n: "task:\n  container:\n    image: alpine\n"
                  + _lines("  s{i}_script: make {i}\n", n),
        first_step_line=4),
    "buildkite": Canonical(
        ".buildkite/pipeline.yml",
        lambda n: "steps:\n" + _lines("  - command: make {i}\n", n),
        first_step_line=2),
    "woodpecker": Canonical(
        ".woodpecker.yml",
        lambda n: "steps:\n" + _lines("  - {{image: a, commands: [make {i}]}}\n", n),
        first_step_line=2),
    "drone": Canonical(
        ".drone.yml",
        lambda n: "kind: pipeline\nname: default\nsteps:\n"
                  + _lines("  - {{image: a, commands: [make {i}]}}\n", n),
        first_step_line=4),
    "appveyor": Canonical(
        "appveyor.yml",
        lambda n: "build_script:\n" + _lines("  - make {i}\n", n),
        first_step_line=2),
    "travis": Canonical(
        ".travis.yml",
        lambda n: "language: python\nscript:\n" + _lines("  - make {i}\n", n),
        first_step_line=3),
    "bitbucket-pipelines": Canonical(
        "bitbucket-pipelines.yml",
        lambda n: "pipelines:\n  default:\n    - step:\n        script:\n"
                  + _lines("          - make {i}\n", n),
        first_step_line=5),
    "circleci": Canonical(
        ".circleci/config.yml",
        lambda n: "version: 2.1\njobs:\n  build:\n    docker:\n      - image: cimg/base:stable\n"
                  "    steps:\n" + _lines("      - run: make {i}\n", n)
                  + "workflows:\n  main:\n    jobs: [build]\n",
        first_step_line=7),
    "azure-pipelines": Canonical(
        "azure-pipelines.yml",
        lambda n: "trigger: [main]\nsteps:\n" + _lines("  - script: make {i}\n", n),
        first_step_line=3),
    "tekton": Canonical(
        ".tekton/build.yaml",
        lambda n: "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: build\nspec:\n"
                  "  steps:\n" + _lines("    - {{image: a, script: make {i}}}\n", n),
        first_step_line=7, marker="\n# apiVersion: tekton.dev/v1\n"),
    "cloudbuild": Canonical(
        "cloudbuild.yaml",
        lambda n: "steps:\n" + _lines("  - {{name: a, args: [make, {i}]}}\n", n),
        first_step_line=2),
    "jenkins": Canonical(
        "Jenkinsfile",
        lambda n: "pipeline {\n  agent any\n  stages {\n    stage('build') {\n      steps {\n"
                  + _lines("        sh 'make {i}'\n", n) + "      }\n    }\n  }\n}\n",
        first_step_line=6, syntax="groovy"),
}

# The classic alias bomb: nine aliases per level, nine levels (387 million nodes).
BILLION_LAUGHS = (
    'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    + "".join(f"{k}: &{k} [{', '.join([f'*{p}'] * 9)}]\n"
              for p, k in zip("abcdefgh", "bcdefghi"))
)

# The good neighbour put beside every bad file: it must still be scanned and reported.
GOOD_PATH = ".github/workflows/good.yml"
GOOD = ("on: push\njobs:\n  good:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - run: pytest -q\n")
GOOD_STEP_LINES = [6, 7]


# `python -c MEASURED_COMMAND scan ...`: the whole command in a fresh process, then its
# exit code and peak resident memory (KiB) as the last line of stderr, "EXIT code kib".
# It calls the click group: the console script exits with os._exit and would print nothing.
# The peak is the process's own (VmHWM, Linux): ru_maxrss survives exec, so a child of a
# pytest process of 320 MB reported 320 MB whatever the scan used.
MEASURED_COMMAND = (
    "import resource, sys\nfrom xops_lens.cli import cli\n"
    "def peak():\n"
    "    try:\n"
    "        with open('/proc/self/status') as status:\n"
    "            return next(int(l.split()[1]) for l in status if l.startswith('VmHWM:'))\n"
    "    except (OSError, StopIteration):\n"
    "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "try:\n    cli(prog_name='xops-lens')\nexcept SystemExit as exc:\n"
    "    print('EXIT', exc.code, peak(), file=sys.stderr)\n"
)


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
    cpu: float

    def error_of(self, path: str) -> str | None:
        for item in self.report["files"]:
            if item["path"] == path:
                return item["error"]  # type: ignore[no-any-return]
        raise AssertionError(f"{path} is not among the reported files: {self.paths()}")

    def paths(self) -> list[str]:
        return [f["path"] for f in self.report["files"]]

    def step_lines(self, path: str) -> list[int]:
        return sorted(s["line"] for s in self.report["steps"] if s["file"] == path)

    def errors(self) -> dict[str, str]:
        return {f["path"]: f["error"] for f in self.report["files"] if f["error"]}


def _cpu_now() -> float:
    """CPU seconds of this process and of its finished children (subprocess cases)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class Timer:
    """Wall and CPU seconds of a block, recorded under ``case``."""

    def __init__(self, case: str) -> None:
        self.case = case
        self.wall = self.cpu = 0.0

    def __enter__(self) -> Timer:
        self._wall, self._cpu = time.perf_counter(), _cpu_now()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = _cpu_now() - self._cpu
        TIMINGS[self.case] = (self.wall, self.cpu)


def run_scan(root: Path, case: str, *args: str) -> Outcome:
    """``xops-lens scan ROOT --format json`` through click's runner, timed."""
    runner = CliRunner()
    with Timer(case) as timer:
        result = runner.invoke(cli, ["scan", str(root), "--format", "json", *args],
                               catch_exceptions=False)
    try:
        report = json.loads(result.stdout)
    except ValueError as exc:
        raise AssertionError(f"{case}: stdout is not JSON ({exc}):\n{result.output[:2000]}") \
            from None
    return Outcome(result.exit_code, report, result.stderr, timer.wall, timer.cpu)


def assert_one_line_error(error: str | None, path: str) -> None:
    """What every error of a file must be: one line that starts with the file's path."""
    assert error, f"{path}: no error reported"
    assert "\n" not in error and "\r" not in error, f"not one line: {error!r}"
    assert error.startswith(f"{path}:"), f"does not start with {path}: {error!r}"
    assert "Traceback" not in error and " failed: " not in error, f"a crash: {error!r}"


def source_for(root: Path, path: str, text: str,
               overrides: dict[str, str] | None = None) -> tuple[Source, dict[str, str]]:
    """A Source as the scan builds it, over the real files under ``root`` with
    ``overrides`` (path -> text) in front; also returns every text handed out, so the
    contract check can tell whether a step's line is inside its file."""
    texts = {path: text, **(overrides or {})}

    def read_local(rel: str) -> str:
        if rel not in texts:
            texts[rel] = read_text(root, rel, referrer=path)
        return texts[rel]

    tree = sorted(set(discover(root).paths) | set(texts)) if root.is_dir() else sorted(texts)
    return Source(root=str(root), path=path, text=text, read_local=read_local,
                  local_paths=lambda: tree), texts


def line_count(text: str) -> int:
    """Lines as YAML and editors count them (a last line without newline counts)."""
    return len(text.splitlines()) or 1


def check_parser_contract(fmt: Format, source: Source, texts: dict[str, str]) -> str:
    """The contract every parser keeps on any input: it returns a Pipeline whose steps
    all lie inside the files it read, or raises ParseError (one line, a file it read, a
    line inside it) or Declined; never anything else. Returns what happened."""
    try:
        pipeline = fmt.parse(source)
    except Declined:
        return "declined"
    except ParseError as exc:
        message = exc.one_line()
        assert "\n" not in message and "\r" not in message, message
        assert exc.path in texts or exc.path == source.path, message
        if exc.line is not None and exc.path in texts:
            # A parser may point one past the last line (the end of the file).
            assert 1 <= exc.line <= line_count(texts[exc.path]) + 1, message
        return "error"
    for job in pipeline.jobs:
        for step in job.steps:
            assert step.file in texts, f"{step.file} was never read: {step}"
            assert 1 <= step.line <= line_count(texts[step.file]), \
                f"{step.file}:{step.line} is outside the file ({line_count(texts[step.file])} lines)"
            assert isinstance(step.name, str) and isinstance(step.text, str)
    return "parsed"


# A crafted input that stalls a scan is a hang, not a slow case: the subprocess cases
# of issue 13 give the whole command this long (far more than any of them needs once
# fixed, far less than any took before) and fail on the timeout, never on a duration.
STALL_TIMEOUT = 180


@dataclass
class Finished:
    exit_code: int
    report: dict[str, Any]
    stderr: str


def scan_subprocess(root: Path, case: str, *args: str, cwd: Path | None = None,
                    env: dict[str, str] | None = None) -> Finished:
    """``xops-lens scan ROOT --format json ARGS`` in a fresh process (a crash of the
    interpreter or a hang cannot take pytest down), within STALL_TIMEOUT."""
    import subprocess
    import sys
    import tempfile

    from tests.conftest import REPO_ROOT

    with tempfile.TemporaryDirectory() as out_dir:
        out = Path(out_dir) / "report.json"
        try:
            with Timer(case):
                done = subprocess.run(
                    [sys.executable, "-c", MEASURED_COMMAND, "scan", str(root), "--format",
                     "json", "-o", str(out), *args], check=False, capture_output=True,
                    text=True, cwd=cwd or REPO_ROOT, timeout=STALL_TIMEOUT,
                    env={**os.environ, "XOPS_LENS_DISABLE_ENTRY_POINTS": "1", **(env or {})})
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{case}: the scan did not finish in {STALL_TIMEOUT} s") \
                from None
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 0 and lines and lines[-1].startswith("EXIT "), \
            f"{case}: the interpreter died ({done.returncode}): {done.stderr[-2000:]}"
        word = lines[-1].split()[1]
        code = 0 if word == "None" else int(word)
        report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return Finished(code, report, done.stderr)
