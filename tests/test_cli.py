"""The command line as a user meets it; human output pinned by golden snapshots."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import REPO_ROOT, write_tree
from xops_lens import __version__
from xops_lens.cli import cli

SCHEMA = json.loads((REPO_ROOT / "xops_lens/schemas/scan.schema.json").read_text())


def run(args: list[str], cwd: Path = REPO_ROOT, columns: int = 120) -> dict[str, Any]:
    """Run the CLI in-process and record what a user would see, like ruff's snapshots."""
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        outcome = runner.invoke(cli, args, env={"COLUMNS": str(columns), "NO_COLOR": "1"},
                                catch_exceptions=False)
    return {"args": args, "exit_code": outcome.exit_code, "stdout": outcome.stdout,
            "stderr": outcome.stderr}


def test_version() -> None:
    outcome = run(["--version"])
    assert outcome["exit_code"] == 0
    assert outcome["stdout"] == f"xops-lens, version {__version__}\n"


def test_help_lists_scan() -> None:
    outcome = run(["--help"])
    assert outcome["exit_code"] == 0 and "scan" in outcome["stdout"]


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("example", ["github", "gitlab"])
def test_terminal_report_golden(example: str, columns: int, snapshot: Any) -> None:
    outcome = run(["scan", f"examples/pipelines/{example}"], columns=columns)
    assert outcome["exit_code"] == 0, outcome["stderr"]
    assert max(len(line) for line in outcome["stdout"].splitlines()) <= columns
    assert "…" not in outcome["stdout"]  # wrapped, never cut
    assert outcome == snapshot


def _columns(text: str) -> list[str]:
    """Each table column's cells joined top to bottom, without spaces: a name that was
    wrapped over several lines reads whole again."""
    rows = [line.split("│") for line in text.splitlines() if "│" in line]
    width = max(len(r) for r in rows)
    return ["".join("".join(r[k].split()) for r in rows if len(r) > k) for k in range(width)]


def _assert_whole(text: str) -> None:
    assert "…" not in text
    joined = _columns(text)
    for name in ("integration-tests-linux-x86_64-release", "integration-tests-linux-x86_64-debug",
                 "Run the integration test suite against the release build on Linux",
                 "Run the integration test suite against the debug build on Linux"):
        assert any("".join(name.split()) in column for column in joined), (name, text)


LOOKALIKE_JOBS = """\
on: push
jobs:
  integration-tests-linux-x86_64-release:
    runs-on: x
    steps:
      - name: Run the integration test suite against the release build on Linux
        run: make it
  integration-tests-linux-x86_64-debug:
    runs-on: x
    steps:
      - name: Run the integration test suite against the debug build on Linux
        run: make it-debug
"""


@pytest.mark.parametrize("columns", [80, 120])
def test_long_job_and_step_names_stay_apart_and_readable(tmp_path: Path, columns: int,
                                                         snapshot: Any) -> None:
    write_tree(tmp_path, {".github/workflows/ci.yml": LOOKALIKE_JOBS})
    outcome = run(["scan", ".", "--set", "cost.runs_per_month=10"], cwd=tmp_path,
                  columns=columns)
    assert outcome["exit_code"] == 0, outcome["stderr"]
    _assert_whole(outcome["stdout"])
    assert outcome == snapshot


def test_piped_output_is_not_cut_at_80_columns(tmp_path: Path) -> None:
    write_tree(tmp_path, {".github/workflows/ci.yml": LOOKALIKE_JOBS})
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = subprocess.run([sys.executable, "-m", "xops_lens", "scan", str(tmp_path)],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) > 80
    _assert_whole(done.stdout)


@pytest.mark.parametrize(("args", "env", "coloured"), [
    ([], {}, False),                          # not a terminal: plain
    (["--color"], {}, True),
    (["--color"], {"NO_COLOR": "1"}, True),   # the explicit option wins
    ([], {"FORCE_COLOR": "1"}, True),         # rich's variables work
    (["--no-color"], {"FORCE_COLOR": "1"}, False),
    ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
])
def test_color_options_and_variables(args: list[str], env: dict[str, str], coloured: bool) -> None:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    done = subprocess.run([sys.executable, "-m", "xops_lens", "scan", "examples/pipelines/github",
                           "-q", *args], capture_output=True, text=True, cwd=REPO_ROOT,
                          env={**base, **env}, check=False)
    assert done.returncode == 0, done.stderr
    assert bool(re.search(r"\x1b\[(?:\d+;)*3[0-7](?:;\d+)*m", done.stdout)) is coloured
    if "--no-color" in args:
        assert "\x1b[" not in done.stdout  # no style at all, whatever the environment


def test_help_lists_the_exit_codes() -> None:
    for args in (["--help"], ["scan", "--help"]):
        text = run(args)["stdout"]
        assert "Exit codes:" in text
        for code in ("0  done", "1  some CI files", "2  usage error", "3  --fail-on matched"):
            assert code in text, (args, text)


def test_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    steps = "".join(f"      - run: echo step {i}\n" for i in range(400))
    write_tree(tmp_path, {".github/workflows/ci.yml":
                          f"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n{steps}"})
    for fmt in ("terminal", "json"):
        done = subprocess.run(
            f"{sys.executable} -m xops_lens scan {tmp_path} -f {fmt} | head -c 10 >/dev/null; "
            "echo \"${PIPESTATUS[0]}\"", shell=True, executable="/bin/bash",
            capture_output=True, text=True, check=False)
        assert done.stdout.strip() == "0" and done.stderr == "", (fmt, done.stderr)


@pytest.mark.parametrize("example", ["github", "gitlab"])
def test_json_report_golden_and_valid(example: str, snapshot: Any) -> None:
    outcome = run(["scan", f"examples/pipelines/{example}", "--format", "json"])
    assert outcome["exit_code"] == 0, outcome["stderr"]
    report = json.loads(outcome["stdout"])
    jsonschema.validate(report, SCHEMA)
    assert report == snapshot


def test_quiet_prints_only_the_summary() -> None:
    outcome = run(["scan", "examples/pipelines/github", "-q"])
    assert outcome["exit_code"] == 0
    assert "Subsystems" in outcome["stdout"]
    assert "actions/checkout" not in outcome["stdout"]


def test_broken_file_is_named_others_still_reported_exit_1(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        ".github/workflows/good.yml": "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n"
                                      "      - run: pytest\n",
        ".github/workflows/bad.yml": "on: push\njobs:\n  t: [unclosed\n",
    })
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    outcome = run(["scan", ".", "--format", "json"], cwd=tmp_path)
    assert outcome["exit_code"] == 1
    assert outcome["stderr"].startswith("error: .github/workflows/bad.yml:4: invalid YAML:")
    assert len(outcome["stderr"].splitlines()) == 1
    report = json.loads(outcome["stdout"])
    jsonschema.validate(report, SCHEMA)
    assert [s["file"] for s in report["steps"]] == [".github/workflows/good.yml"]
    assert report["summary"]["files_failed"] == 1
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # the scan wrote nothing into the tree


def test_empty_tree_reports_nothing_found(tmp_path: Path) -> None:
    outcome = run(["scan", "."], cwd=tmp_path)
    assert outcome["exit_code"] == 0
    assert "No CI steps found" in outcome["stdout"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "examples/pipelines/github", "--format", "yaml"], "unknown format 'yaml'"),
        (["scan", "examples/pipelines/github", "--backend", "nope"], "unknown backend 'nope'"),
        (["scan", "no/such/dir"], "no/such/dir: no such directory"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    outcome = run(args)
    assert outcome["exit_code"] == 2
    assert message in outcome["stderr"]
    assert "Traceback" not in outcome["stderr"]


def test_python_dash_m_works() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "xops_lens", "scan", "examples/pipelines/github", "-f", "json"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["summary"]["steps"] > 10


def test_console_exit_keeps_codes_and_flushes_output(tmp_path: Path) -> None:
    """main() leaves with os._exit after the command: the exit code and every byte
    written (to a pipe, to -o FILE) must survive it."""
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/workflows/ok.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: make test\n")
    (tmp_path / ".github/workflows/bad.yml").write_text("on: [push\n")
    out = tmp_path / "report.json"
    for extra in ([], ["-o", str(out)]):
        completed = subprocess.run(
            [sys.executable, "-m", "xops_lens", "scan", str(tmp_path), "-f", "json", *extra],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        )
        assert completed.returncode == 1  # one file failed
        assert "bad.yml" in completed.stderr
        text = out.read_text() if extra else completed.stdout
        assert json.loads(text)["summary"]["files_failed"] == 1
    usage = subprocess.run([sys.executable, "-m", "xops_lens", "scan", "--format", "nope"],
                           cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_report_into_a_missing_folder_is_created_and_an_unwritable_one_is_one_line(
        tmp_path: Path) -> None:
    from click.testing import CliRunner

    from xops_lens.cli import cli

    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make test\n")
    out = tmp_path / "new" / "deeper"
    done = CliRunner().invoke(cli, ["scan", str(repo), "-f", "json", "-o", str(out / "r.json"),
                                    "--report", f"sarif={out / 's' / 'r.sarif'}"])
    assert done.exit_code == 0, done.output
    assert (out / "r.json").is_file() and (out / "s" / "r.sarif").is_file()
    blocker = tmp_path / "file"
    blocker.write_text("")
    bad = CliRunner().invoke(cli, ["scan", str(repo), "-o", str(blocker / "r.txt")])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert f"cannot write the report {blocker / 'r.txt'}" in bad.output
