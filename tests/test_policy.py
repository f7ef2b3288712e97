"""``--fail-on``, ``--report FORMAT=PATH``, the Action's outputs helper, the pre-commit hooks."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import EXAMPLES, REPO_ROOT, write_tree
from xops_lens.cli import cli
from xops_lens.github.action import main as ghaction_main
from xops_lens.github.action import outputs, saving_total

GATED = ("on: push\njobs:\n  deploy:\n    runs-on: x\n    environment: prod\n    steps:\n"
         "      - run: ./deploy.sh\n")
PLAIN = "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: echo hi\n"


def run(root: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["scan", str(root), "-q", *args], catch_exceptions=False)


@pytest.mark.parametrize(("files", "fail_on", "code"), [
    ({"ci.yml": GATED}, "error", 0),
    ({"ci.yml": GATED}, "gate", 3),
    ({"ci.yml": PLAIN}, "gate", 0),
    ({"ci.yml": GATED}, "never", 0),
    ({"ci.yml": GATED, "bad.yml": "jobs: ["}, "never", 0),
    ({"ci.yml": GATED, "bad.yml": "jobs: ["}, "error", 1),
    ({"ci.yml": GATED, "bad.yml": "jobs: ["}, "gate", 1),  # 1 wins over 3
    ({"ci.yml": GATED}, "suggestion", 3),  # the cost model suggests a risk summary
    ({"ci.yml": PLAIN}, "gate,suggestion", 0),
])
def test_fail_on(tmp_path: Path, files: dict[str, str], fail_on: str, code: int) -> None:
    write_tree(tmp_path, {f".github/workflows/{name}": text for name, text in files.items()})
    assert run(tmp_path, "--fail-on", fail_on).exit_code == code


@pytest.mark.parametrize("value", ["sometimes", "never,gate", ""])
def test_fail_on_usage_errors(tmp_path: Path, value: str) -> None:
    outcome = run(tmp_path, "--fail-on", value)
    assert outcome.exit_code == 2 and "--fail-on" in outcome.stderr


def test_one_scan_many_reports(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    outcome = CliRunner().invoke(cli, [
        "scan", str(EXAMPLES / "github"), "-f", "markdown", "-o", str(out / "r.md"),
        "--report", f"json={out / 'r.json'}", "--report", f"sarif={out / 'r.sarif'}",
    ], env={"GITHUB_STEP_SUMMARY": None})
    assert outcome.exit_code == 0, outcome.output
    assert json.loads((out / "r.json").read_text())["summary"]["steps"] == 20
    assert json.loads((out / "r.sarif").read_text())["version"] == "2.1.0"
    assert (out / "r.md").read_text().startswith("### xops-lens")
    for bad in ("yaml=x", "json", "json="):
        failed = CliRunner().invoke(cli, ["scan", str(EXAMPLES / "github"), "--report", bad])
        assert failed.exit_code == 2 and "--report" in failed.stderr


def test_action_outputs_from_the_json_report(tmp_path: Path, monkeypatch: Any) -> None:
    report = json.loads(CliRunner().invoke(
        cli, ["scan", str(EXAMPLES / "github"), "-f", "json"]).stdout)
    values = outputs(report, 0)
    assert values["steps"] == "20" and values["gates"] == "1" and values["touches-ci"] == "true"
    assert int(values["information"]) + int(values["model"]) + int(values["action"]) == 21
    assert values["saving-total"] == f"{report['summary']['cost']['monthly_saving']:.2f}"
    assert values["currency"] == "USD"
    # Defensive reading: without the cost model's fields, the sum of the suggestions or nothing.
    assert saving_total({"suggestions": [{"monthly_saving": 2.5, "currency": "EUR"},
                                         {"numbers": {"monthly_saving": 1.0}}]}) == (3.5, "EUR")
    assert saving_total({"summary": {}}) == (None, None)
    assert outputs({}, 1)["saving-total"] == "" and outputs({}, 1)["exit-code"] == "1"
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    target = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(target))
    assert ghaction_main(["outputs", str(path), "3"]) == 0
    lines = target.read_text().splitlines()
    assert "exit-code=3" in lines and all(re.fullmatch(r"[a-z-]+=[^\n]*", ln) for ln in lines)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"sha": "a" * 40}}}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    assert ghaction_main(["base"]) == 0
    assert ghaction_main(["nonsense"]) == 2


def test_pre_commit_hooks() -> None:
    """The hooks' shape; the files they pass and a real pre-commit run: test_precommit.py."""
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["xops-lens", "xops-lens-changes"]
    for hook in hooks:
        assert hook["entry"] == "xops-lens" and hook["args"][0] == "pre-commit"
        assert hook["language"] == "python" and hook.get("pass_filenames", True) is True
        # What pre-commit would run, run here (the PR-mode hook needs git: not on examples).
        if "--base" not in hook["args"]:
            outcome = CliRunner().invoke(cli, [*hook["args"], "--path", str(EXAMPLES / "github"),
                                               ".github/workflows/ci.yml"])
            assert outcome.exit_code == 0, outcome.output
            assert "CI file(s) analysed" in outcome.output  # it scanned: a CI file was touched


def test_fail_on_says_which_step_matched_and_why(tmp_path: Path) -> None:
    write_tree(tmp_path, {".github/workflows/ci.yml": GATED})
    outcome = run(tmp_path, "--fail-on", "gate,suggestion")
    assert outcome.exit_code == 3
    lines = outcome.stderr.splitlines()
    assert lines[0] == "xops-lens: --fail-on gate,suggestion matched (exit 3):"
    assert any(re.fullmatch(r"  \.github/workflows/ci\.yml:3: job deploy: human gate on the job "
                            r"\(.*'prod'.*\) \[--fail-on gate\]", line) for line in lines), lines
    assert any(line.startswith("  .github/workflows/ci.yml:3: job deploy: suggestion ")
               and line.endswith("[--fail-on suggestion]") for line in lines), lines


@pytest.mark.parametrize(("settings", "fail_on"), [
    ('ignore = { kinds = ["approve"] }\n', "gate"),
    ('ignore = { paths = [".github/**"] }\n', "gate"),
    ("[tool.xops-lens.cost.suggestions.risk-summary-approval]\nenabled = false\n"
     "[tool.xops-lens.cost.suggestions.progressive-delivery]\nenabled = false\n",
     "suggestion"),
])
def test_the_repository_cannot_weaken_the_runners_policy(tmp_path: Path, settings: str,
                                                         fail_on: str) -> None:
    write_tree(tmp_path, {".github/workflows/ci.yml": GATED,
                          "pyproject.toml": f"[tool.xops-lens]\n{settings}"})
    withheld = run(tmp_path, "--fail-on", fail_on)
    assert withheld.exit_code == 3, withheld.output
    assert "are not used under --fail-on" in withheld.stderr
    assert withheld.stderr.count("warning:") == 1
    assert "--fail-on" in withheld.stderr.splitlines()[1]  # then why the policy matched
    trusted = run(tmp_path, "--fail-on", fail_on, "--trust-repo-config")
    assert trusted.exit_code == 0, trusted.output
    # Without a policy the repository's settings are the report's, as always.
    assert "not used" not in run(tmp_path).stderr
