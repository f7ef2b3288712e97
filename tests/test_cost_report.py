"""The cost report as a user meets it: golden terminal and JSON output for the GitHub
example (a 9-wide test matrix, a protected environment, a cron and a dispatch form) and
the GitLab example (a manual deploy, a 7-wide parallel matrix). Only the cost parts are
pinned here, so changes to labels' wording elsewhere do not churn these snapshots."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLES, REPO_ROOT
from xops_lens.cli import cli

SCHEMA = json.loads((REPO_ROOT / "xops_lens/schemas/scan.schema.json").read_text())
COST_START = "Where the money goes"


def run(args: list[str], cwd: Path = REPO_ROOT) -> dict[str, Any]:
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        outcome = runner.invoke(cli, args, env={"COLUMNS": "120", "NO_COLOR": "1"},
                                catch_exceptions=False)
    return {"args": args, "exit_code": outcome.exit_code, "stdout": outcome.stdout,
            "stderr": outcome.stderr}


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    """The examples outside any git repository, so the report is the same whether the
    checkout is a clone or an export (history: "not a git repository", defaults used)."""
    for name in ("github", "gitlab"):
        shutil.copytree(EXAMPLES / name, tmp_path / name)
    return tmp_path


def cost_part(stdout: str) -> str:
    return stdout[stdout.index(COST_START):]


@pytest.mark.parametrize("example", ["github", "gitlab"])
def test_terminal_cost_golden(example: str, snapshot: Any, examples: Path) -> None:
    outcome = run(["scan", example], cwd=examples)
    assert outcome["exit_code"] == 0, outcome["stderr"]
    assert cost_part(outcome["stdout"]) == snapshot


def test_terminal_shows_overrides_and_their_source(snapshot: Any, examples: Path) -> None:
    outcome = run(["scan", "github", "-q", "--set", "cost.human_rate=150",
                   "--set", "cost.currency=EUR", "--set", "cost.changes_per_month=100"],
                  cwd=examples)
    assert outcome["exit_code"] == 0, outcome["stderr"]
    assert cost_part(outcome["stdout"]) == snapshot
    full = run(["scan", "examples/pipelines/github", "--set", "cost.human_rate=150"])
    assert "cost.human_rate" in full["stdout"] and "--set" in full["stdout"]


def cost_fields(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "files": {f["path"]: f["cost"] for f in report["files"]},
        "jobs": {f"{j['file']}:{j['id']}": j["cost"] for j in report["jobs"]},
        # per step: the money and the formulas (the lines' full detail is in the jobs')
        "steps": {f"{s['file']}:{s['line']}:{s['job']}":
                  (s["cost"]["monthly"], [l["formula"] for l in s["cost"]["lines"]])
                  for s in report["steps"]},
        "suggestions": report["suggestions"],
        "assumptions": report["assumptions"],
        "summary": report["summary"]["cost"],
    }


@pytest.mark.parametrize("example", ["github", "gitlab"])
def test_json_cost_golden_and_valid(example: str, snapshot: Any, examples: Path) -> None:
    outcome = run(["scan", example, "--format", "json"], cwd=examples)
    assert outcome["exit_code"] == 0, outcome["stderr"]
    report = json.loads(outcome["stdout"])
    jsonschema.validate(report, SCHEMA)
    assert cost_fields(report) == snapshot


def test_json_numbers_add_up() -> None:
    report = json.loads(run(["scan", "examples/pipelines/github", "-f", "json"])["stdout"])
    summary = report["summary"]["cost"]
    lines = [l for s in report["steps"] for l in s["cost"]["lines"]]
    lines += [l for j in report["jobs"] for l in j["cost"]["lines"]]
    lines += [l for f in report["files"] if f["cost"] for l in f["cost"]["lines"]]
    assert sum(l["monthly"] for l in lines) == pytest.approx(summary["monthly"], abs=0.01)
    parts = summary["subsystems"]
    assert sum(p["monthly"] for p in parts.values()) == pytest.approx(summary["monthly"],
                                                                      abs=0.01)
    for s in report["suggestions"]:
        assert s["break_even_months"] == pytest.approx(s["one_time"] / s["monthly_saving"],
                                                       rel=1e-3)
        rate = summary["human_rate"]
        assert s["monthly_saving"] == pytest.approx(
            rate * s["human_hours_saved_monthly"] + s["compute_saved_monthly"]
            - s["model_monthly"], abs=0.01)
        assert s["model_monthly"] == pytest.approx(s["model_per_run"] * s["uses_per_month"],
                                                   abs=0.01)
    savings = [s["monthly_saving"] for s in report["suggestions"]]
    assert savings == sorted(savings, reverse=True)
    # the example's wide matrix and its gate are both found
    ids = {s["id"] for s in report["suggestions"]}
    assert {"test-impact-selection", "risk-summary-approval"} <= ids
