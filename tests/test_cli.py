"""The command line as a user meets it; human output pinned by golden snapshots."""

from __future__ import annotations

import json
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


def run(args: list[str], cwd: Path = REPO_ROOT) -> dict[str, Any]:
    """Run the CLI in-process and record what a user would see, like ruff's snapshots."""
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        outcome = runner.invoke(cli, args, env={"COLUMNS": "120", "NO_COLOR": "1"},
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


@pytest.mark.parametrize("example", ["github", "gitlab"])
def test_terminal_report_golden(example: str, snapshot: Any) -> None:
    outcome = run(["scan", f"examples/pipelines/{example}"])
    assert outcome["exit_code"] == 0, outcome["stderr"]
    assert outcome == snapshot


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
