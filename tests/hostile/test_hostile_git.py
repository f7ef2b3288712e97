"""A scanned repository chooses programs through its git configuration: an fsmonitor
hook, filter drivers named by .gitattributes, an external diff, a pager. None of them
may run, neither when discovery lists files nor when PR mode diffs against a base."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.hostile.hostile_harness import GOOD, GOOD_PATH
from xops_lens.cli import cli

pytestmark = pytest.mark.skipif(
    subprocess.run(["git", "--version"], capture_output=True, check=False).returncode != 0,
    reason="git is not installed")


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    # The test's own commands must not trip the traps either.
    subprocess.run(["git", "-c", "core.fsmonitor=false", "-c", "filter.evil.clean=",
                    "-c", "filter.evil.smudge=", "-c", "filter.evil.process=",
                    "-c", "core.hooksPath=/dev/null", *args],
                   cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture
def trapped_repo(tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose own .git/config points every hook at a program that leaves a
    marker file; its .gitattributes sends every file through the evil filter."""
    marker = tmp_path / "ran"
    trap = tmp_path / "trap.sh"
    trap.write_text(f"#!/bin/sh\necho \"$0 $*\" >> '{marker}'\ncat\n")
    trap.chmod(0o755)
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "--initial-branch=main")
    (repo / ".gitattributes").write_text("* filter=evil diff=evil\n")
    (repo / GOOD_PATH).parent.mkdir(parents=True)
    (repo / GOOD_PATH).write_text(GOOD)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    for key in ("core.fsmonitor", "filter.evil.clean", "filter.evil.smudge",
                "filter.evil.process", "diff.evil.textconv", "diff.evil.command",
                "diff.external", "core.pager", "core.hooksPath"):
        value = str(trap) if key != "core.hooksPath" else str(tmp_path)
        _git(repo, "config", key, value)
    for hook in ("post-checkout", "pre-commit", "post-index-change"):
        (tmp_path / hook).write_text(trap.read_text())
        (tmp_path / hook).chmod(0o755)
    (repo / GOOD_PATH).write_text(GOOD + "      - run: make lint\n")
    (repo / "untracked.yml").write_text("a: 1\n")
    return repo, marker


def test_the_trap_is_real(trapped_repo: tuple[Path, Path]) -> None:
    """Plain git does run the repository's programs: the test would catch a regression."""
    repo, marker = trapped_repo
    subprocess.run(["git", "ls-files", "--others"], cwd=repo, capture_output=True, check=False)
    subprocess.run(["git", "diff", "HEAD"], cwd=repo, capture_output=True, check=False)
    assert marker.exists()


def test_scan_runs_no_program_of_the_repository(trapped_repo: tuple[Path, Path]) -> None:
    repo, marker = trapped_repo
    result = CliRunner().invoke(cli, ["scan", str(repo), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"make lint"' in result.output or "make lint" in result.output
    assert not marker.exists(), marker.read_text()


def test_pr_mode_runs_no_program_of_the_repository(trapped_repo: tuple[Path, Path]) -> None:
    repo, marker = trapped_repo
    result = CliRunner().invoke(cli, ["scan", str(repo), "--base", "HEAD", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "make lint" in result.output  # the diff itself still works
    assert not marker.exists(), marker.read_text()
