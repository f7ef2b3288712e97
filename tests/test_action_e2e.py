"""The Action end to end: the ``run:`` steps of action.yml, taken from the file and run
with bash in the order and the environment GitHub gives them, on a pull request whose
event JSON, API (a local server), job summary and outputs files the test provides.

``uses:`` steps (setup-python, upload-sarif) are GitHub's own and are skipped;
``pip install`` is answered by a stub (the tests are offline), and ``python`` runs this
checkout's xops_lens. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.github_server import FakeGitHub

git = pytest.importorskip("git")

ACTION = yaml.safe_load((REPO_ROOT / "action.yml").read_text())
REPO = "octo/widgets"
PR = 12
KNOWN_USES = ("actions/setup-python@", "github/codeql-action/upload-sarif@",
              "actions/upload-artifact@")
BASE_WORKFLOW = """\
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Run tests
        run: pytest -q
"""
PR_WORKFLOW = """\
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Run tests
        run: pytest -q -x
      - name: Wait for @octocat <!-- xops-lens:comment -->
        uses: trstringer/manual-approval@v1
"""

# Unchanged by the PR; its gate and its suggestion belong to the whole analysis only.
OLD_WORKFLOW = """\
on: [push]
jobs:
  release:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - name: Wait for approval
        uses: trstringer/manual-approval@v1
"""


@dataclass
class Run:
    exit_code: int
    outputs: dict[str, str]
    log: str
    steps_run: list[str] = field(default_factory=list)


class Runner:
    """Plays the GitHub runner for this one composite action."""

    def __init__(self, tmp: Path, workspace: Path, api: FakeGitHub) -> None:
        self.tmp, self.workspace, self.api = tmp, workspace, api
        self.summary = tmp / "step_summary.md"
        self.summary.touch()
        self.stubs = tmp / "stubs"
        self.stubs.mkdir()
        self.pip_log = tmp / "pip.log"
        stub = self.stubs / "python"
        stub.write_text(
            "#!/usr/bin/env bash\n"
            'if [ "${1:-}" = "-m" ] && [ "${2:-}" = "pip" ]; then echo "$*" >> "$XL_PIP_LOG"; exit 0; fi\n'
            f'PYTHONPATH="{REPO_ROOT}${{PYTHONPATH:+:$PYTHONPATH}}" exec "{sys.executable}" "$@"\n'
        )
        stub.chmod(0o755)
        # The console scripts as pip writes them: a Python file whose sys.path starts at
        # its own folder; this checkout's xops_lens comes from PYTHONPATH, which Python
        # puts after that folder, as the installed package sits after it.
        for script, target in (("xops-lens", "xops_lens.cli:main"),
                               ("xops-lens-action", "xops_lens.github.action:console")):
            module, func = target.split(":")
            console = self.stubs / script
            console.write_text(
                f"#!{sys.executable}\nimport sys\nfrom {module} import {func}\n"
                f"sys.exit({func}())\n")
            console.chmod(0o755)

    def event(self, base_sha: str, head_sha: str, fork: bool = False) -> Path:
        path = self.tmp / "event.json"
        head_repo = "mallory/widgets" if fork else REPO
        path.write_text(json.dumps({
            "action": "synchronize", "number": PR,
            "pull_request": {"number": PR,
                             "base": {"sha": base_sha, "repo": {"full_name": REPO}},
                             "head": {"sha": head_sha, "repo": {"full_name": head_repo}}},
        }))
        return path

    def run(self, event: Path, head_sha: str, inputs: dict[str, str] | None = None) -> Run:
        given = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
        given.update(inputs or {})
        env = {
            "PATH": f"{self.stubs}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.tmp), "LANG": "C.UTF-8",
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event), "GITHUB_API_URL": self.api.api_url,
            "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": REPO,
            "GITHUB_SHA": head_sha, "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_STEP_SUMMARY": str(self.summary), "GITHUB_RUN_ID": "4242",
            "GITHUB_ACTION_PATH": str(REPO_ROOT), "RUNNER_TEMP": str(self.tmp / "runner"),
            "XL_PIP_LOG": str(self.pip_log), "XOPS_LENS_DISABLE_ENTRY_POINTS": "1",
            "PYTHONPATH": str(REPO_ROOT),
        }
        (self.tmp / "runner").mkdir(exist_ok=True)
        github = {"token": self.api.token, "workspace": str(self.workspace),
                  "repository": REPO, "event_name": "pull_request"}
        outputs: dict[str, dict[str, str]] = {}
        log: list[str] = []
        ran: list[str] = []

        def evaluate(text: str) -> str:
            def one(match: re.Match[str]) -> str:
                expr = match.group(1).strip()
                scope, _, rest = expr.partition(".")
                if scope == "inputs":
                    return evaluate(given[rest])
                if scope == "github":
                    return github[rest]
                if scope == "steps":
                    step_id, _, name = rest.partition(".outputs.")
                    return outputs.get(step_id, {}).get(name, "")
                raise AssertionError(f"expression the test runner does not know: {expr}")

            return re.sub(r"\$\{\{(.*?)\}\}", one, text)

        for index, step in enumerate(ACTION["runs"]["steps"]):
            if "uses" in step:
                assert step["uses"].startswith(KNOWN_USES), step["uses"]
                continue
            # Conditions live in the scripts, where the test runs them too.
            assert "if" not in step, step["name"]
            assert step["shell"] == "bash" and "${{" not in step["run"], step["name"]
            output_file = self.tmp / f"output_{index}.txt"
            output_file.write_text("")
            step_env = {**env, **{k: evaluate(str(v)) for k, v in (step.get("env") or {}).items()},
                        "GITHUB_OUTPUT": str(output_file)}
            script = self.tmp / f"step_{index}.sh"
            script.write_text(step["run"])
            done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                  cwd=self.workspace, env=step_env, capture_output=True,
                                  text=True, timeout=120, check=False)
            ran.append(step["name"])
            log.append(f"## {step['name']} (exit {done.returncode})\n{done.stdout}{done.stderr}")
            if "id" in step:
                outputs[step["id"]] = _read_outputs(output_file.read_text())
            if done.returncode != 0:  # GitHub stops at the first failing step
                return Run(done.returncode, self._outputs(outputs, evaluate), "\n".join(log), ran)
        return Run(0, self._outputs(outputs, evaluate), "\n".join(log), ran)

    @staticmethod
    def _outputs(outputs: dict[str, dict[str, str]], evaluate: Any) -> dict[str, str]:
        return {name: evaluate(spec["value"]) for name, spec in ACTION["outputs"].items()}


def _read_outputs(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<", 1)[0]:
            key, delimiter = line.split("<<", 1)
            values[key] = "\n".join(iter(lambda: next(lines), delimiter))
        elif "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def _commit(repo: Any, files: dict[str, str], message: str, when: int) -> str:
    workdir = Path(repo.working_tree_dir)
    for rel, text in files.items():
        (workdir / rel).parent.mkdir(parents=True, exist_ok=True)
        (workdir / rel).write_text(text)
        repo.index.add([rel])
    stamp = f"{int(datetime(2026, 1, 1 + when, tzinfo=timezone.utc).timestamp())} +0000"
    actor = git.Actor("Test", "test@example.invalid")
    return repo.index.commit(message, author=actor, committer=actor, author_date=stamp,
                             commit_date=stamp).hexsha


@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        yield fake


@pytest.fixture
def pr(tmp_path: Path) -> tuple[Any, str, str]:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    repo = git.Repo.init(workspace, initial_branch="main")
    base = _commit(repo, {".github/workflows/ci.yml": BASE_WORKFLOW, "README.md": "hi\n",
                          ".github/workflows/old.yml": OLD_WORKFLOW}, "base", 0)
    head = _commit(repo, {".github/workflows/ci.yml": PR_WORKFLOW}, "the PR", 1)
    return repo, base, head


def test_first_push_comments_second_push_edits_the_same_comment(
        tmp_path: Path, api: FakeGitHub, pr: tuple[Any, str, str]) -> None:
    repo, base, head = pr
    runner = Runner(tmp_path, Path(repo.working_tree_dir), api)
    before = {p: p.read_bytes() for p in Path(repo.working_tree_dir).rglob("*")
              if p.is_file() and ".git" not in p.parts}

    first = runner.run(runner.event(base, head), head)
    assert first.exit_code == 0, first.log
    assert first.steps_run == ["Install xops-lens", "Scan", "Comment on the pull request",
                               "Verdict (fail-on)"]
    assert runner.pip_log.read_text().split() == [
        "-m", "pip", "install", "--disable-pip-version-check", "--quiet", str(REPO_ROOT)]
    out = first.outputs
    assert (out["added-steps"], out["changed-steps"], out["removed-steps"]) == ("1", "1", "0")
    assert out["touches-ci"] == "true" and out["exit-code"] == "0"
    assert out["steps"] == "2" and out["action"] == "1" and out["model"] == "1"
    assert re.fullmatch(r"\d+\.\d\d", out["saving-total"]) and out["currency"] == "USD"
    assert out["comment-url"].startswith("https://github.invalid/")
    assert out["html-report"] == ""  # html-report is off by default
    [comment] = api.thread(REPO, PR)
    body = comment["body"]
    assert body.startswith("<!-- xops-lens:comment -->\n") and body.count("<!--") == 1
    assert f"https://github.com/{REPO}/blob/{head}/.github/workflows/ci.yml#L9" in body
    assert "@\u200boctocat" in body
    summary = runner.summary.read_text()
    assert "This pull request changes CI" in summary and "<!-- xops-lens" not in summary
    sarif = json.loads(Path(out["sarif-file"]).read_text())
    assert sarif["version"] == "2.1.0"
    # Code scanning compares whole analyses: the SARIF is the scan of the whole tree,
    # including the job the PR left alone, not the PR view of the comment.
    sarif_files = {loc["physicalLocation"]["artifactLocation"]["uri"]
                   for result in sarif["runs"][0]["results"] for loc in result["locations"]}
    assert ".github/workflows/old.yml" in sarif_files, sarif_files
    assert "old.yml" not in body
    after = {p: p.read_bytes() for p in Path(repo.working_tree_dir).rglob("*")
             if p.is_file() and ".git" not in p.parts}
    assert after == before  # nothing was written into the checked-out tree

    second_head = _commit(repo, {".github/workflows/ci.yml": PR_WORKFLOW.replace(
        "pytest -q -x", "pytest -q -x --lf")}, "second push", 2)
    second = runner.run(runner.event(base, second_head), second_head)
    assert second.exit_code == 0, second.log
    assert [c["id"] for c in api.thread(REPO, PR)] == [comment["id"]]
    assert len(api.calls("POST")) == 1 and len(api.calls("PATCH")) == 1
    assert second_head in api.thread(REPO, PR)[0]["body"]


def test_fork_pull_request_read_only_token(tmp_path: Path, api: FakeGitHub,
                                           pr: tuple[Any, str, str]) -> None:
    repo, base, head = pr
    api.forbid_writes = True
    runner = Runner(tmp_path, Path(repo.working_tree_dir), api)
    done = runner.run(runner.event(base, head, fork=True), head)
    assert done.exit_code == 0, done.log  # fail-on decides, not the 403
    assert "::warning title=xops-lens comment not posted::" in done.log
    assert "could not post its pull-request comment" in runner.summary.read_text()
    assert api.thread(REPO, PR) == []
    assert "test-token" not in done.log + runner.summary.read_text()


def test_fail_on_gate_fails_the_job_after_commenting(tmp_path: Path, api: FakeGitHub,
                                                     pr: tuple[Any, str, str]) -> None:
    repo, base, head = pr
    runner = Runner(tmp_path, Path(repo.working_tree_dir), api)
    done = runner.run(runner.event(base, head), head, {"fail-on": "gate"})
    assert done.exit_code == 3, done.log
    assert done.steps_run[-1] == "Verdict (fail-on)"
    assert "the fail-on policy matched" in done.log
    assert len(api.thread(REPO, PR)) == 1


def test_pull_request_without_ci_changes_gets_no_comment(tmp_path: Path, api: FakeGitHub) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    repo = git.Repo.init(workspace, initial_branch="main")
    base = _commit(repo, {".github/workflows/ci.yml": BASE_WORKFLOW, "README.md": "hi\n",
                          ".github/workflows/old.yml": OLD_WORKFLOW}, "base", 0)
    head = _commit(repo, {"README.md": "hello\n"}, "docs only", 1)
    runner = Runner(tmp_path, workspace, api)
    done = runner.run(runner.event(base, head), head)
    assert done.exit_code == 0, done.log
    assert done.outputs["touches-ci"] == "false" and done.outputs["steps"] == "0"
    assert api.thread(REPO, PR) == [] and "comment skipped" in done.log
    always = runner.run(runner.event(base, head), head, {"comment": "always"})
    assert always.exit_code == 0
    assert "changes no CI step" in api.thread(REPO, PR)[0]["body"]


def test_llm_backend_without_a_key_falls_back_to_rules(tmp_path: Path, api: FakeGitHub,
                                                       pr: tuple[Any, str, str]) -> None:
    repo, base, head = pr
    runner = Runner(tmp_path, Path(repo.working_tree_dir), api)
    done = runner.run(runner.event(base, head), head, {"backend": "openai", "comment": "off"})
    assert done.exit_code == 0, done.log
    assert "no API key for backend openai" in done.log and "comment is off" in done.log
    bad = runner.run(runner.event(base, head), head, {"comment": "sometimes"})
    assert bad.exit_code == 2


# Modules a pull request can add at the top of its checkout, each named like something
# the Action imports (its own package, its dependencies, pip); each leaves a marker.
SHADOWING_MODULES = ("yaml.py", "click.py", "pluggy.py", "rich/__init__.py", "git/__init__.py",
                     "xops_lens/__init__.py", "xops_lens/cli.py", "pip/__init__.py",
                     "pip/__main__.py", "json.py", "sitecustomize.py", "usercustomize.py",
                     "jinja2/__init__.py", "markupsafe/__init__.py")


def test_pull_request_code_never_runs_in_the_action(tmp_path: Path, api: FakeGitHub,
                                                    pr: tuple[Any, str, str]) -> None:
    repo, base, _ = pr
    marker = tmp_path / "pwned"
    payload = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    head = _commit(repo, dict.fromkeys(SHADOWING_MODULES, payload), "shadow modules", 2)
    runner = Runner(tmp_path, Path(repo.working_tree_dir), api)
    done = runner.run(runner.event(base, head), head,
                      {"comment": "always", "html-report": "true"})
    assert done.exit_code == 0, done.log
    assert not marker.exists(), marker.read_text()
    assert Path(done.outputs["html-report"]).is_file()  # its template engine ran too
    assert len(api.thread(REPO, PR)) == 1  # every step ran, and the comment was written
    # The trap is real: `python -m` from the checkout does import the PR's modules.
    subprocess.run([sys.executable, "-m", "json.tool", "--help"], cwd=repo.working_tree_dir,
                   capture_output=True, check=False)
    assert marker.exists()


def test_html_report_input_writes_the_page_for_the_artifact(
        tmp_path: Path, api: FakeGitHub, pr: tuple[Any, str, str]) -> None:
    repo, base, head = pr
    runner = Runner(tmp_path, Path(repo.working_tree_dir), api)
    done = runner.run(runner.event(base, head), head, {"html-report": "true", "comment": "off"})
    assert done.exit_code == 0, done.log
    page = Path(done.outputs["html-report"])
    assert page.parent == tmp_path / "runner" / "xops-lens"
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Wait for @octocat &lt;!-- xops-lens" in text
    [upload] = [s for s in ACTION["runs"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert upload["with"]["path"] == "${{ steps.scan.outputs.html-report }}"
