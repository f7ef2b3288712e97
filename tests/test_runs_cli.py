"""``scan --runs``: measured costs end to end, against the local run-history server, and
the one-line fallbacks to assumptions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import REPO_ROOT, write_tree
from tests.runs_server import FakeRuns, JobSpec, github_history, gitlab_history
from xops_lens.cli import cli

SCHEMA = json.loads((REPO_ROOT / "xops_lens/schemas/scan.schema.json").read_text())
TOKEN = "secret-runs-token-123"
WORKFLOW = """\
name: CI
on: [push, pull_request]
jobs:
  test:
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-latest, windows-latest]
        python: ["3.12"]
    steps:
      - uses: actions/checkout@v4
      - name: Set up Python
        uses: actions/setup-python@v5
      - run: pip install -e .
      - run: |
          pytest -q
          echo done
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: actions/checkout@v4
      - run: ./deploy.sh
"""
TEST = JobSpec("test", (("Run actions/checkout@v4", 0.3), ("Set up Python", 0.5),
                        ("Run pip install -e .", 1.5), ("Run pytest -q", 6.0),
                        ("Post Set up Python", 0.1)),
               cells=("ubuntu-latest, 3.12", "windows-latest, 3.12"), rerun_every=10,
               fail_every=20)
DEPLOY = JobSpec("deploy", (("Run actions/checkout@v4", 0.3), ("Run ./deploy.sh", 3.0)),
                 only_every=10, wait_minutes=45)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", {".github/workflows/ci.yml": WORKFLOW})


def scan(root: Path, fake_runs: FakeRuns, cache: Path, *args: str, provider: str = "github",
         env: dict[str, str] | None = None) -> Any:
    base = {"GITHUB_API_URL": fake_runs.api_url, "GITHUB_TOKEN": TOKEN, "GH_TOKEN": None,
            "GITHUB_REPOSITORY": None, "CI_API_V4_URL": fake_runs.api_url, "GITLAB_TOKEN": TOKEN,
            "CI_JOB_TOKEN": None, "CI_PROJECT_PATH": None, "XDG_CACHE_HOME": str(cache)}
    result = CliRunner().invoke(cli, ["scan", str(root), "--runs", provider, *args],
                                env={**base, **(env or {})})
    return result


def jobs(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {job["id"]: job for job in report["jobs"]}


def test_measured_figures_replace_assumptions(fake_runs: FakeRuns, repo: Path,
                                              tmp_path: Path) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST, DEPLOY), 100, 30)
    result = scan(repo, fake_runs, tmp_path / "cache", "--repo", "o/r", "-f", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    found = jobs(report)
    test, deploy = found["test"]["cost"], found["deploy"]["cost"]
    assert test["basis"] == deploy["basis"] == "measured"
    m = test["measured"]
    assert m["runs"] == 100 and m["runs_per_month"] == pytest.approx(101.46, abs=0.01)
    assert m["median_minutes"] == pytest.approx(8.7, abs=0.01)
    assert [c["name"] for c in m["cells"]] == ["ubuntu-latest, 3.12", "windows-latest, 3.12"]
    assert m["failure_rate"] == 0.05 and m["rerun_rate"] == 0.1
    assert m["queue_minutes"] == pytest.approx(0.1) and m["wait_minutes"] is None
    # a job that ran in one run of ten is costed for those runs, not for every push
    assert deploy["measured"]["runs"] == 10 and deploy["runs_per_month"] == pytest.approx(10.15, abs=0.01)
    assert deploy["measured"]["wait_minutes"] == pytest.approx(45.0)
    steps = {s["name"]: s for s in report["steps"]}
    pytest_step = steps["pytest -q"]["cost"]
    assert pytest_step["basis"] == "measured"
    assert pytest_step["measured"]["minutes_per_run"] == pytest.approx(12.0, abs=0.01)
    categories = {line["category"]: line for line in pytest_step["lines"]}
    assert categories["triage"]["uses_per_month"] == pytest.approx(101.4583 * 0.05, abs=0.01)
    assert categories["rerun"]["uses_per_month"] == pytest.approx(10.1458, abs=0.01)
    assert categories["rerun"]["compute_minutes_per_use"] == pytest.approx(17.4, abs=0.01)
    # the job's lines add up to its measured minutes: steps plus the added steps
    assert test["compute_minutes_per_run"] == pytest.approx(
        m["minutes_per_run"] + 17.4 * 0.1, abs=0.02)
    runs = report["summary"]["cost"]["runs"]
    assert runs["provider"] == "github" and runs["runs"] == 100 and runs["jobs_measured"] == 2
    assert TOKEN not in result.output


def test_terminal_and_markdown_mark_measured_figures(fake_runs: FakeRuns, repo: Path,
                                                     tmp_path: Path) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST, DEPLOY), 40, 30)
    terminal = scan(repo, fake_runs, tmp_path / "c", "--repo", "o/r", env={"COLUMNS": "120"})
    assert terminal.exit_code == 0, terminal.output
    assert "223 *" not in terminal.stdout  # numbers differ; the mark is what matters
    assert " *" in terminal.stdout
    assert "Measured: 40 GitHub runs of the last 30 days (o/r)" in terminal.stdout
    assert "45.0 (gated)" in terminal.stdout
    markdown = scan(repo, fake_runs, tmp_path / "c", "--repo", "o/r", "-f", "markdown")
    assert "**Measured** from 40 GitHub runs of the last 30 days \\(o/r\\)" in markdown.stdout
    assert "| .github/workflows/ci.yml:4 | test | 40 |" in markdown.stdout


def test_a_rescan_makes_only_the_listing_requests(fake_runs: FakeRuns, repo: Path,
                                                  tmp_path: Path) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST, DEPLOY), 150, 30)
    assert scan(repo, fake_runs, tmp_path / "c", "--repo", "o/r", "-f", "json").exit_code == 0
    fake_runs.requests.clear()
    again = scan(repo, fake_runs, tmp_path / "c", "--repo", "o/r", "-f", "json")
    assert json.loads(again.stdout)["summary"]["cost"]["runs"]["cached_runs"] == 150
    assert len(fake_runs.requests) == 2  # the two pages of runs
    cached = list((tmp_path / "c").rglob("*.json"))
    assert cached and not any(TOKEN in p.read_text() for p in cached)


def test_estimate_counts_requests_with_one(fake_runs: FakeRuns, repo: Path, tmp_path: Path) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 250, 30)
    result = scan(repo, fake_runs, tmp_path / "c", "--repo", "o/r", "--estimate")
    assert result.exit_code == 0
    assert ("estimate: GitHub runs: 250 runs in the last 30 days: at most 253 requests "
            "(3 pages of runs, 250 jobs requests; 0 runs cached)") in result.stderr
    assert len(fake_runs.requests) == 1


def test_window_from_settings(fake_runs: FakeRuns, repo: Path, tmp_path: Path) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 90, 30)
    result = scan(repo, fake_runs, tmp_path / "c", "--repo", "o/r", "-f", "json",
                  "--set", "cost.runs.days=10")
    report = json.loads(result.stdout)
    assert 29 <= report["summary"]["cost"]["runs"]["runs"] <= 31
    assert report["summary"]["cost"]["runs"]["days"] == 10


@pytest.mark.parametrize(("env", "forbidden", "words"), [
    ({"GITHUB_TOKEN": None}, False, "no GitHub token: set GITHUB_TOKEN or GH_TOKEN"),
    ({"GITHUB_TOKEN": "not-the-token"}, False, "HTTP 401: Bad credentials"),
    ({}, True, "it needs the 'actions: read' permission"),
])
def test_failures_are_one_warning_and_costs_stay_assumed(
        fake_runs: FakeRuns, repo: Path, tmp_path: Path, env: dict[str, str], forbidden: bool,
        words: str) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 5, 30)
    fake_runs.forbidden = forbidden
    result = scan(repo, fake_runs, tmp_path / "c", "--repo", "o/r", "-f", "json", env=env)
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and words in warnings[0] and "costs stay assumed" in warnings[0]
    assert TOKEN not in result.stderr and "not-the-token" not in result.stderr
    report = json.loads(result.stdout)
    assert {j["cost"]["basis"] for j in jobs(report).values()} == {"assumed"}
    assert report["summary"]["cost"]["runs"] is None


def test_repository_without_runs(fake_runs: FakeRuns, repo: Path, tmp_path: Path) -> None:
    fake_runs.github["o/empty"] = []
    result = scan(repo, fake_runs, tmp_path / "c", "--repo", "o/empty", "-f", "json")
    assert "no runs of o/empty in the last 30 days" in result.stderr


def test_repository_from_the_environment(fake_runs: FakeRuns, repo: Path, tmp_path: Path) -> None:
    github_history(fake_runs, "env/repo", ".github/workflows/ci.yml", (TEST,), 3, 30)
    result = scan(repo, fake_runs, tmp_path / "c", "-f", "json",
                  env={"GITHUB_REPOSITORY": "env/repo"})
    assert json.loads(result.stdout)["summary"]["cost"]["runs"]["repository"] == "env/repo"


def test_steps_that_cannot_be_matched_keep_assumptions_with_a_note(
        fake_runs: FakeRuns, repo: Path, tmp_path: Path) -> None:
    renamed = JobSpec("test", (("Run actions/checkout@v4", 0.3), ("Set up Python", 0.5),
                               ("Run pytest -q", 6.0)), cells=("ubuntu-latest, 3.12",))
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (renamed,), 10, 30)
    report = json.loads(scan(repo, fake_runs, tmp_path / "c", "--repo", "o/r", "-f", "json").stdout)
    steps = {s["name"]: s["cost"] for s in report["steps"]}
    assert steps["pip install -e ."]["basis"] == "assumed"
    assert "not found in the job's 10 runs in 30 days" in steps["pip install -e ."]["note"]
    assert steps["pytest -q"]["basis"] == "measured"


GITLAB_CI = """\
stages: [test]
unit:
  stage: test
  parallel:
    matrix:
      - PY: ["3.12"]
  script:
    - pip install -e .
    - pytest -q
"""


def test_gitlab_job_minutes_are_spread_over_steps(fake_runs: FakeRuns, tmp_path: Path) -> None:
    root = write_tree(tmp_path / "gl", {".gitlab-ci.yml": GITLAB_CI})
    spec = JobSpec("unit", (("all", 10.0),), cells=("3.12",), fail_every=10)
    gitlab_history(fake_runs, "group/project", (spec,), 60, 30)
    result = scan(root, fake_runs, tmp_path / "c", "--repo", "group/project", "-f", "json",
                  provider="gitlab")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    unit = jobs(report)["unit"]["cost"]
    assert unit["basis"] == "measured" and unit["measured"]["runs"] == 60
    assert unit["measured"]["failure_rate"] == pytest.approx(0.1)
    steps = [s["cost"] for s in report["steps"]]
    assert all(s["basis"] == "measured" and s["measured"] is None for s in steps)
    assert "GitLab measures jobs, not steps" in steps[0]["note"]
    # 2 min of dependencies and 8 of test assumed: 10 measured minutes shared 2:8
    assert [s["compute_minutes_per_run"] for s in steps] == pytest.approx([2.0, 8.0], abs=0.01)


def test_the_scanned_repository_cannot_widen_the_fetch(fake_runs: FakeRuns, repo: Path,
                                                      tmp_path: Path) -> None:
    (repo / ".xops-lens.toml").write_text("[cost.runs]\ndays = 400\nmax_wait = 3600\n")
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 90, 30)
    result = scan(repo, fake_runs, tmp_path / "c", "--repo", "o/r", "-f", "json",
                  "--set", "cost.runs.days=10")
    assert "settings cost.runs.max_wait are not used" in result.stderr
    assert json.loads(result.stdout)["summary"]["cost"]["runs"]["days"] == 10
    plain = scan(repo, fake_runs, tmp_path / "c", "--repo", "o/r", "-f", "json")
    assert "cost.runs.days, cost.runs.max_wait are not used" in plain.stderr
    assert json.loads(plain.stdout)["summary"]["cost"]["runs"]["days"] == 30
