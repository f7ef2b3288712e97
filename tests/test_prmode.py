"""PR mode (``scan --base REF``) on git repositories the tests build with GitPython."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import REPO_ROOT
from xops_lens.cli import cli
from xops_lens.prmode.diff import parse_diff
from xops_lens.prmode.spans import Spans, yaml_node_ends

git = pytest.importorskip("git")
SCHEMA = json.loads((REPO_ROOT / "xops_lens/schemas/scan.schema.json").read_text())
CI = ".github/workflows/ci.yml"

BASE = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Install
        run: |
          pip install -r requirements.txt
          pip install -e .
      - name: Test
        run: pytest
      - name: Build
        run: python -m build
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: ./deploy.sh
"""


def commit(repo: Any, files: dict[str, str | None], message: str, day: int) -> str:
    """Write (or, for None, delete) files and commit them at a fixed date."""
    workdir = Path(repo.working_tree_dir)
    for rel, text in files.items():
        path = workdir / rel
        if text is None:
            repo.index.remove([rel], working_tree=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        repo.index.add([rel])
    stamp = f"{int(datetime(2026, 2, day, tzinfo=timezone.utc).timestamp())} +0000"
    actor = git.Actor("Test", "test@example.invalid")
    return repo.index.commit(message, author=actor, committer=actor, author_date=stamp,
                             commit_date=stamp).hexsha


@pytest.fixture
def repo(tmp_path: Path) -> Any:
    repo = git.Repo.init(tmp_path / "repo", initial_branch="main")
    commit(repo, {CI: BASE, "README.md": "x\n"}, "base", 1)
    repo.git.checkout("-b", "feature")
    return repo


def scan_json(root: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    runner = CliRunner()
    outcome = runner.invoke(cli, ["scan", str(root), "--format", "json", *args],
                            catch_exceptions=False)
    data = json.loads(outcome.stdout) if outcome.stdout.strip() else {}
    if data:
        jsonschema.validate(data, SCHEMA)
    return outcome.exit_code, data, outcome.stderr


def statuses(data: dict[str, Any]) -> list[tuple[str, int, str, str]]:
    return [(c["status"], c["line"], c["job"], c["name"]) for c in data["changes"]["steps"]]


def test_added_changed_and_removed_steps(repo: Any) -> None:
    root = Path(repo.working_tree_dir)
    pr = BASE.replace("          pip install -e .\n", "          pip install -e '.[test]'\n")
    pr = pr.replace("      - name: Build\n        run: python -m build\n", "")
    pr = pr.replace("      - run: ./deploy.sh\n",
                    "      - run: ./deploy.sh\n      - name: Lint\n        run: ruff check .\n")
    commit(repo, {CI: pr}, "pr", 2)
    code, data, err = scan_json(root, "--base", "main")
    assert code == 0, err
    assert statuses(data) == [
        ("changed", 7, "build", "Install"),  # a line inside its run: block changed
        ("removed", 13, "build", "Build"),  # base line
        ("added", 17, "deploy", "Lint"),
    ]
    assert [(s["line"], s["name"]) for s in data["steps"]] == [(7, "Install"), (17, "Lint")]
    changes = data["changes"]
    assert changes["files"] == [CI] and changes["base"]["ref"] == "main"
    assert changes["counts"] == {"added": 1, "changed": 1, "removed": 1}
    assert changes["before"]["subsystems"]["model"]["count"] == 2
    assert changes["after"]["subsystems"]["model"]["count"] == 2
    assert changes["head"]["sha"] == repo.head.commit.hexsha
    assert changes["before"]["monthly_cost"] is not None  # the cost model is there
    assert changes["after"]["currency"] == "USD"


def test_a_step_rewritten_in_place_is_changed_not_added_and_removed(repo: Any) -> None:
    pr = BASE.replace("      - name: Build\n        run: python -m build\n",
                      "      - name: Package\n        run: python -m build --wheel\n")
    commit(repo, {CI: pr}, "pr", 2)
    _, data, _ = scan_json(Path(repo.working_tree_dir), "--base", "main")
    assert statuses(data) == [("changed", 13, "build", "Package")]


def test_removed_lines_only_mark_the_step_changed(repo: Any) -> None:
    commit(repo, {CI: BASE.replace("          pip install -e .\n", "")}, "pr", 2)
    _, data, _ = scan_json(Path(repo.working_tree_dir), "--base", "main")
    assert statuses(data) == [("changed", 7, "build", "Install")]


def test_unchanged_pr_reports_nothing_and_the_tree_is_untouched(
        repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(repo.working_tree_dir)
    commit(repo, {"README.md": "y\n"}, "docs", 2)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}
    # a temporary folder of this test's own: other tests, in other workers, scan too
    own_temp = tmp_path / "tmp"
    own_temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(own_temp))
    monkeypatch.setattr(tempfile, "tempdir", str(own_temp))
    temps_before = set(Path(tempfile.gettempdir()).glob("xops-lens-base-*"))
    code, data, _ = scan_json(root, "--base", "main")
    assert code == 0 and data["steps"] == [] and data["changes"]["files"] == []
    assert data["summary"]["steps"] == 0
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert after == before
    assert set(Path(tempfile.gettempdir()).glob("xops-lens-base-*")) == temps_before


def test_new_untracked_and_deleted_files(repo: Any) -> None:
    root = Path(repo.working_tree_dir)
    commit(repo, {CI: None}, "drop ci", 2)
    (root / ".github/workflows").mkdir(parents=True, exist_ok=True)
    (root / ".github/workflows/new.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: make test\n")
    code, data, _ = scan_json(root, "--base", "main")
    assert code == 0
    changed = statuses(data)
    assert ("added", 6, "a", "make test") in changed
    assert sum(1 for c in changed if c[0] == "removed") == 5
    assert data["changes"]["files"] == [".github/workflows/ci.yml", ".github/workflows/new.yml"]


def test_merge_base_keeps_base_branch_changes_out(repo: Any) -> None:
    root = Path(repo.working_tree_dir)
    commit(repo, {CI: BASE.replace("run: pytest\n", "run: pytest -x\n")}, "pr", 2)
    repo.git.checkout("main")
    commit(repo, {CI: BASE.replace("run: ./deploy.sh\n", "run: ./deploy.sh --prod\n")}, "main moves", 3)
    repo.git.checkout("feature")
    _, data, _ = scan_json(root, "--base", "main")
    assert statuses(data) == [("changed", 11, "build", "Test")]
    assert data["changes"]["base"]["merge_base"] is True


def test_gate_added_on_a_job(repo: Any) -> None:
    pr = BASE.replace("  deploy:\n    runs-on: ubuntu-latest\n",
                      "  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n")
    commit(repo, {CI: pr}, "gate", 2)
    code, data, _ = scan_json(Path(repo.working_tree_dir), "--base", "main", "--fail-on", "gate")
    assert code == 3
    assert statuses(data) == [("added", 15, "deploy", "(job gate) deploy")]
    assert data["summary"]["gates"] == 1 and data["steps"] == []


def test_subfolder_scan_and_gitlab_script_lines(repo: Any) -> None:
    root = Path(repo.working_tree_dir)
    gitlab = "test:\n  script:\n    - pip install .\n    - pytest\n    - coverage report\n"
    commit(repo, {"svc/.gitlab-ci.yml": gitlab}, "svc", 2)
    repo.git.checkout("-b", "svc-change")
    commit(repo, {"svc/.gitlab-ci.yml": gitlab.replace("- pytest\n", "- pytest -n auto\n")}, "x", 3)
    _, data, _ = scan_json(root / "svc", "--base", "feature")
    assert statuses(data) == [("changed", 4, "test", "pytest -n auto")]
    assert data["changes"]["files"] == [".gitlab-ci.yml"]


def test_usage_errors(repo: Any, tmp_path: Path) -> None:
    code, _, err = scan_json(Path(repo.working_tree_dir), "--base", "no-such-branch")
    assert code == 2 and "no such revision" in err and "fetch" in err
    plain = tmp_path / "plain"
    plain.mkdir()
    code, _, err = scan_json(plain, "--base", "main")
    assert code == 2 and "git work tree" in err


def test_terminal_and_markdown_in_pr_mode(repo: Any) -> None:
    commit(repo, {CI: BASE.replace("run: pytest\n", "run: pytest -x\n")}, "pr", 2)
    runner = CliRunner()
    root = str(repo.working_tree_dir)
    terminal = runner.invoke(cli, ["scan", root, "--base", "main"], env={"COLUMNS": "200"})
    assert terminal.exit_code == 0, terminal.output
    assert "PR mode: compared with main" in terminal.stdout and "1 changed" in terminal.stdout
    assert "Install" not in terminal.stdout  # unchanged steps are not listed
    markdown = runner.invoke(cli, ["scan", root, "--base", "main", "-f", "markdown"],
                             env={"GITHUB_STEP_SUMMARY": None})
    assert "This pull request changes CI" in markdown.stdout
    assert "| changed |" in markdown.stdout


# -- units ---------------------------------------------------------------------------------
def test_yaml_node_ends() -> None:
    ends = yaml_node_ends(BASE)
    assert ends[6] == 6  # - uses: actions/checkout@v4
    assert ends[7] == 10  # the Install step, with its two-line run block
    assert ends[15] == 18 and ends[3] == 14  # jobs, blank and comment lines trimmed
    assert yaml_node_ends("{unclosed: [") == {}


def test_spans_fall_back_to_the_next_anchor(tmp_path: Path) -> None:
    (tmp_path / "Jenkinsfile").write_text("a\nb\nc\nd\ne\n")
    spans = Spans(tmp_path)
    assert spans.span("Jenkinsfile", 2, [2, 4]) == (2, 3)
    assert spans.span("Jenkinsfile", 4, [2, 4]) == (4, 5)
    assert spans.span("Jenkinsfile", 4, [2, 4], end_line=4) == (4, 4)


def test_parse_diff_renames_quotes_and_pure_deletions() -> None:
    text = (
        "diff --git a/old.yml b/new.yml\nsimilarity index 90%\nrename from old.yml\n"
        "rename to new.yml\n--- a/old.yml\n+++ b/new.yml\n@@ -3 +3,2 @@\n-x\n+y\n+z\n"
        'diff --git "a/sp ace\\tx.yml" "b/sp ace\\tx.yml"\n--- "a/sp ace\\tx.yml"\n'
        '+++ "b/sp ace\\tx.yml"\n@@ -5,2 +4,0 @@\n-a\n-b\n'
        "diff --git a/gone.yml b/gone.yml\ndeleted file mode 100644\n--- a/gone.yml\n"
        "+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n"
    )
    renamed, quoted, gone = parse_diff(text)
    assert (renamed.old_path, renamed.new_path, renamed.removed, renamed.added) == (
        "old.yml", "new.yml", {3}, {3, 4})
    assert quoted.new_path == "sp ace\tx.yml" and quoted.removed == {5, 6} and quoted.added == set()
    assert gone.new_path is None and gone.removed == {1, 2}
