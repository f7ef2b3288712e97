from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from pathlib import Path

import pytest

# Installed third-party plugins must not change what the tests see.
os.environ["XOPS_LENS_DISABLE_ENTRY_POINTS"] = "1"
# Nor may the user configuration of whoever runs them (~/.config/xops-lens/config.toml).
os.environ["XDG_CONFIG_HOME"] = str(Path(__file__).resolve().parent / "data" / "no-user-config")

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "examples" / "pipelines"
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture
def shared() -> Path:
    if not (SHARED / "corpus").is_dir():
        pytest.skip("../shared/corpus is not beside the repository")
    return SHARED


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create ``files`` (relative path -> content) under ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def fake_runs() -> Iterator[Any]:
    """The local run-history server (tests/runs_server.py) for ``scan --runs`` tests."""
    from tests.runs_server import FakeRuns

    with FakeRuns(token="secret-runs-token-123") as fake:
        yield fake
