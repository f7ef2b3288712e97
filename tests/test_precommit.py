"""The pre-commit hooks: which files start them, what the hook filters inside, and a
real ``pre-commit try-repo`` run against a temporary git repository."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, write_tree
from xops_lens.plugins import get_registry
from xops_lens.precommit import HOOK_FILES, touches_ci

HOOKS = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
PATTERN = re.compile(HOOKS[0]["files"])

# Real paths the old pattern missed (issue 17), and ordinary ones.
REAL_CI_PATHS = [
    "eng/pipelines/templates/build-job.yml", "eng/common/templates/steps/publish.yaml",
    "ci/jobs/lint.yml", "gitlab/deploy-prod.yaml", "tekton/tasks/build/0.1/build.yaml",
    "task/git-clone/0.9/git-clone.yaml", ".circleci/deploy.yml", ".circleci/config.yml",
    ".github/workflows/ci.yml", "sub/action.yaml", ".gitlab-ci.yml", "Jenkinsfile",
    "jenkins/Jenkinsfile.release", "vars/deployStage.groovy", ".drone.jsonnet",
    ".cirrus.star", ".xops-lens.toml", "pyproject.toml", ".semaphore/semaphore.yml",
]


def _concrete(glob: str) -> str:
    """One path a glob matches: ** and * filled in with plain folder and file names."""
    return glob.replace("**/", "a/b/").replace("/**", "/a/b.yml").replace("*", "x")


def test_the_hooks_pass_every_file_a_format_claims() -> None:
    assert all(hook["files"] == HOOK_FILES for hook in HOOKS)
    registry = get_registry()
    for name, fmt in registry.formats.items():
        for glob in fmt.globs:
            path = _concrete(glob)
            if fmt.claims(path):  # the concrete path is one the format really reads
                assert PATTERN.search(path), (name, glob, path)
    for path in REAL_CI_PATHS:
        assert PATTERN.search(path), path
    for path in ("README.md", "src/app.py", "Makefile", "docs/index.html"):
        assert not PATTERN.search(path), path


def test_the_hook_filters_inside_by_what_the_scan_read(tmp_path: Path) -> None:
    from xops_lens.config import load_config
    from xops_lens.scan import scan

    write_tree(tmp_path, {
        ".gitlab-ci.yml": "include:\n  - local: ci/jobs/lint.yml\n",
        "ci/jobs/lint.yml": "lint:\n  script:\n    - ruff check .\n",
        "docker-compose.yml": "services: {}\n",
    })
    registry = get_registry()
    result = scan(tmp_path, registry=registry, config=load_config(tmp_path, None, ()))
    assert touches_ci(result, ("ci/jobs/lint.yml",), registry)  # an include, free-form name
    assert touches_ci(result, ("./.gitlab-ci.yml",), registry)
    assert touches_ci(result, ("pyproject.toml",), registry)  # settings count
    assert touches_ci(result, ("eng/pipelines/new.yml",), registry)  # claimed, not yet read
    assert not touches_ci(result, ("docker-compose.yml", "README.md"), registry)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x.invalid",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x.invalid"})


needs_pre_commit = pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None or shutil.which("git") is None,
    reason="pre-commit (pip install pre-commit, in the test extra) or git is not installed")


@needs_pre_commit
def test_real_pre_commit_try_repo_blocks_a_new_gate_and_says_where(tmp_path: Path) -> None:
    # The hooks repository: this one's hooks, run from this environment's xops-lens
    # instead of a fresh virtualenv pre-commit would fill from the network.
    hooks_repo = tmp_path / "hooks"
    hooks_repo.mkdir()
    text = (REPO_ROOT / ".pre-commit-hooks.yaml").read_text()
    (hooks_repo / ".pre-commit-hooks.yaml").write_text(
        text.replace("language: python", "language: unsupported"))
    _git(hooks_repo, "init", "-q")
    _git(hooks_repo, "add", ".")
    _git(hooks_repo, "commit", "-qm", "hooks")

    project = tmp_path / "project"
    write_tree(project, {
        ".gitlab-ci.yml": "include:\n  - local: ci/jobs/deploy.yml\n",
        "ci/jobs/deploy.yml": "build:\n  script:\n    - make\n",
        "docker-compose.yml": "services: {}\n",
        "README.md": "hi\n",
    })
    _git(project, "init", "-q")
    _git(project, "add", ".")
    _git(project, "commit", "-qm", "base")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "XOPS_LENS_DISABLE_ENTRY_POINTS": "1", "NO_COLOR": "1"}

    def try_repo(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hooks_repo),
                               "xops-lens-changes", "--files", *files],
                              cwd=project, env=env, capture_output=True, text=True, timeout=180)

    readme = try_repo("README.md")
    assert readme.returncode == 0 and "Skipped" in readme.stdout, readme.stdout
    compose = try_repo("docker-compose.yml")  # YAML, but no CI: the hook passes quietly
    assert compose.returncode == 0 and "Passed" in compose.stdout, compose.stdout

    # The free-form include gains a manual deploy job: the commit is refused, and why.
    (project / "ci/jobs/deploy.yml").write_text(
        "build:\n  script:\n    - make\ndeploy:\n  when: manual\n  script:\n    - ./deploy.sh\n")
    _git(project, "add", ".")
    blocked = try_repo("ci/jobs/deploy.yml")
    assert blocked.returncode == 1, blocked.stdout
    assert "Failed" in blocked.stdout and "--fail-on gate matched" in blocked.stdout
    assert re.search(r"ci/jobs/deploy\.yml:4: job deploy.*human gate", blocked.stdout), \
        blocked.stdout
