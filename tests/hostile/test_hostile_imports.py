"""A scanned folder holding modules named like ours or our dependencies: every
documented invocation run from inside it imports none of them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.hostile.hostile_harness import GOOD, GOOD_PATH

SHADOWS = ("yaml.py", "click.py", "pluggy.py", "rich/__init__.py", "json.py", "git/__init__.py")


@pytest.fixture
def shadowed(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "pwned"
    repo = tmp_path / "repo"
    for rel in SHADOWS:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n")
    (repo / GOOD_PATH).parent.mkdir(parents=True)
    (repo / GOOD_PATH).write_text(GOOD)
    return repo, marker


def _env() -> dict[str, str]:
    # This checkout's package, placed where an installed one would be: after sys.path[0].
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT), "XOPS_LENS_DISABLE_ENTRY_POINTS": "1"}


@pytest.mark.parametrize("flags", [["-m"], ["-P", "-m"]], ids=["python -m", "python -P -m"])
def test_module_invocation_imports_nothing_from_the_scanned_folder(
        shadowed: tuple[Path, Path], flags: list[str]) -> None:
    if "-P" in flags and sys.version_info < (3, 11):
        pytest.skip("-P is new in Python 3.11")
    repo, marker = shadowed
    done = subprocess.run([sys.executable, *flags, "xops_lens", "scan", ".", "-f", "json"],
                          cwd=repo, env=_env(), capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert '"pytest -q"' in done.stdout
    assert not marker.exists(), marker.read_text()


def test_console_script_imports_nothing_from_the_scanned_folder(
        shadowed: tuple[Path, Path]) -> None:
    script = shutil.which("xops-lens")
    if script is None:
        pytest.skip("the xops-lens console script is not installed")
    repo, marker = shadowed
    done = subprocess.run([script, "scan", ".", "-f", "json"], cwd=repo, env=_env(),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert not marker.exists(), marker.read_text()
