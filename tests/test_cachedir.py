"""cachedir.atomic_write, the one writer of the answer and run-history caches: private
folders and files whatever the umask, whole files only, nothing left behind on failure.
(The caches themselves: tests/test_runs_fetch.py, tests/hostile/test_hostile_writes.py
and test_hostile_output.py.)"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from xops_lens.cachedir import atomic_write
from xops_lens.llm.cache import LabelCache
from xops_lens.llm.prompt import Label
from xops_lens.runhistory.cache import RunCache
from xops_lens.runhistory.records import Run

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def narrow_umask() -> Iterator[None]:
    """A umask that would leave folders 0500 and files 0400 (or 0022's 0755/0644)."""
    old = os.umask(0o277)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("narrow_umask")
def test_folders_0700_and_files_0600_whatever_the_umask(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    path = root / "labels" / "ab" / "abcd.json"
    atomic_write(path, '{"a": "é"}', root)
    assert path.read_text(encoding="utf-8") == '{"a": "é"}'
    assert [_mode(p) for p in (root, root / "labels", root / "labels" / "ab")] == [0o700] * 3
    assert _mode(path) == 0o600
    assert _mode(tmp_path) != 0o700  # above the cache root: left to the user
    atomic_write(path, "second", root)
    assert path.read_text(encoding="utf-8") == "second" and _mode(path) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["abcd.json"]  # no temporary


def test_a_failed_move_leaves_no_temporary_file(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    target = root / "runs" / "1.json"
    target.mkdir(parents=True)  # os.replace cannot put a file over a folder
    with pytest.raises(OSError):
        atomic_write(target, "{}", root)
    assert sorted(p.name for p in target.parent.iterdir()) == ["1.json"]
    assert target.is_dir() and not any(target.iterdir())


def test_both_caches_count_a_failed_write_and_go_on(tmp_path: Path) -> None:
    labels = LabelCache(tmp_path / "llm")
    key = "ab" + "0" * 62
    (tmp_path / "llm" / "labels" / "ab" / f"{key}.json").mkdir(parents=True)
    labels.put(key, Label("model", "build", 0.5, "why"))
    assert labels.write_errors == 1 and labels.get(key) is None

    runs = RunCache(tmp_path / "runs", "github", "http://127.0.0.1:1", "o/r")
    run = Run(id=7, workflow=".github/workflows/ci.yml", event="push", created=0.0,
              attempt=1, status="completed", conclusion="success", version="v1")
    (runs.directory / "7.json").mkdir(parents=True)
    runs.put(run)
    assert runs.write_errors == 1 and runs.get(7, "v1") is None
