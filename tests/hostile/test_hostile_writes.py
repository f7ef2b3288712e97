"""The scan never writes inside the scanned tree, and its LLM answer cache stays valid
when two processes share it at the same time.

The tree is snapshotted (every path, its kind, size, mode and mtime, .git included)
before and after scans with every reporter, the rule backend and the OpenAI backend
against the local test server (tests/llm_server.py), with the cache in the user's cache
directory and with a cache directory asked for inside the tree (refused).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.hostile.hostile_harness import (
    CANONICAL,
    GOOD,
    GOOD_PATH,
    Timer,
    registered_formats,
    write,
)
from tests.llm_server import ScriptedServer
from xops_lens.llm.cache import CACHE_FORMAT, LabelCache
from xops_lens.llm.prompt import Label, validate_label

FORMATS = registered_formats()


def snapshot(root: Path) -> dict[str, tuple[str, int, int, int]]:
    """Every path under ``root`` (symlinks not followed): kind, size, mode, mtime."""
    found: dict[str, tuple[str, int, int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            info = os.lstat(path)
            kind = "link" if os.path.islink(path) else "dir" if os.path.isdir(path) else "file"
            found[os.path.relpath(path, root)] = (kind, info.st_size, info.st_mode,
                                                   info.st_mtime_ns)
    return found


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("GITHUB_STEP_SUMMARY", "OPENAI_BASE_URL", "OPENAI_API_KEY")}
    env.update({"XOPS_LENS_DISABLE_ENTRY_POINTS": "1", "XDG_CACHE_HOME": str(tmp_path / "xdg"),
                "HOME": str(tmp_path / "home"), "NO_COLOR": "1", **extra})
    return env


def _xops(args: list[str], env: dict[str, str],
          timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xops_lens", *args], check=False, capture_output=True,
                          text=True, cwd=REPO_ROOT, env=env, timeout=timeout)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A git repository holding a file of every format, a broken one, an include, a
    symlink out of the root and a repository configuration file."""
    root = tmp_path / "repo"
    files: dict[str, str | bytes] = {c.path: c.body(3) for n, c in CANONICAL.items()
                                     if n in FORMATS}
    files.update({GOOD_PATH: GOOD, ".github/workflows/broken.yml": "jobs: [\n",
                  ".gitlab-ci.yml": "include: ci/a.yml\nb:\n  script: [make]\n",
                  "ci/a.yml": "a:\n  script: [make a]\n",
                  ".xops-lens.toml": "[openai]\nrelabel = \"all\"\n"})
    write(root, files)
    write(tmp_path, {"outside.yml": "x: 1\n"})
    os.symlink("../outside.yml", root / "ci" / "out.yml")
    git = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run(["git", *args], cwd=root, check=True, env={**os.environ, **git},
                       capture_output=True)
    return root


@pytest.mark.parametrize("report", ["terminal", "json", "markdown", "sarif"])
def test_rule_scan_writes_nothing_in_the_tree(tree: Path, tmp_path: Path, report: str) -> None:
    before = snapshot(tree)
    time.sleep(0.01)  # a write within the same clock tick would still change mtime_ns
    with Timer(f"writes/rules-{report}"):
        done = _xops(["scan", str(tree), "--format", report], _env(tmp_path))
    assert done.returncode == 1, done.stderr[-2000:]  # broken.yml and the symlink
    assert snapshot(tree) == before


def test_llm_scan_writes_nothing_in_the_tree(tree: Path, tmp_path: Path) -> None:
    with ScriptedServer() as server:
        before = snapshot(tree)
        env = _env(tmp_path)
        base = ["scan", str(tree), "-b", "openai", "--base-url", server.url, "--relabel", "all",
                "--set", "openai.timeout=5", "--set", "openai.retry_backoff=0.01"]
        with Timer("writes/openai-default-cache"):
            first = _xops([*base, "--format", "json"], env)
            second = _xops([*base, "--format", "markdown"], env)
        inside = _xops([*base, "--cache-dir", str(tree / ".cache"), "--format", "json"], env)
    assert first.returncode == second.returncode == inside.returncode == 1
    assert server.requests, "the backend never asked the server"
    assert list((tmp_path / "xdg" / "xops-lens" / "labels").rglob("*.json"))
    assert "cache disabled" in inside.stderr and "scanned tree" in inside.stderr
    assert snapshot(tree) == before


def _scan_process(root: Path, url: str, cache: Path,
                  env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "xops_lens", "scan", str(root), "-b", "openai", "--base-url", url,
         "--cache-dir", str(cache), "--relabel", "all", "--format", "json",
         "--set", "openai.timeout=10", "--set", "openai.retry_backoff=0.01",
         "--set", "openai.concurrency=4", "--set", "openai.batch_size=5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT, env=env)


def _valid_entries(cache: Path) -> list[Path]:
    entries = [p for p in (cache / "labels").rglob("*") if p.is_file()]
    for entry in entries:
        assert not entry.name.startswith(".tmp"), f"stray temporary file {entry}"
        data = json.loads(entry.read_text(encoding="utf-8"))
        assert data["format"] == CACHE_FORMAT
        assert validate_label(data["label"]) is not None, entry
    return entries


def test_two_processes_sharing_one_cache_leave_it_valid(tmp_path: Path) -> None:
    """Two scans at once over overlapping steps (120 shared, 40 of each alone), batches
    of 5 and a slow server so that their writes interleave; then every entry is a whole,
    valid answer, and a third scan is answered from the cache alone."""
    steps = "".join(f"      - run: ./tool-{i} --flag\n" for i in range(120))
    workflow = "on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n" + steps
    own = [write(tmp_path / name, {".github/workflows/ci.yml": workflow + "".join(
        f"      - run: ./{name}-{i}\n" for i in range(40))}) for name in ("a", "b")]
    cache = tmp_path / "shared-cache"
    env = _env(tmp_path)
    with ScriptedServer() as server:
        server.default = "slow"
        server.slow_seconds = 0.05
        with Timer("writes/two-processes-one-cache"):
            processes = [_scan_process(root, server.url, cache, env) for root in own]
            outputs = [p.communicate(timeout=300) for p in processes]
        for process, (stdout, stderr) in zip(processes, outputs):
            assert process.returncode == 0, stderr[-2000:]
            report = json.loads(stdout)
            assert report["summary"]["llm"]["relabelled"] == 160
        first_round = len(server.requests)
        entries = _valid_entries(cache)
        assert len(entries) == 200  # 120 shared + 2 x 40 own
        server.default = "good"
        third = _scan_process(own[0], server.url, cache, env)
        stdout, stderr = third.communicate(timeout=300)
        assert third.returncode == 0, stderr[-2000:]
        assert len(server.requests) == first_round, "the cache did not answer everything"
        assert json.loads(stdout)["summary"]["llm"]["cache_hits"] == 160


_WRITER = """
import sys
from pathlib import Path
from xops_lens.llm.cache import LabelCache
from xops_lens.llm.prompt import Label
cache = LabelCache(Path(sys.argv[1]))
me = sys.argv[2]
for round_ in range(int(sys.argv[3])):
    for key in range(50):
        why = f"{me} round {round_} " + "x" * (round_ * 37 % 500)
        cache.put(f"{key:064x}", Label("model", "build", 0.5, why))
print(cache.write_errors)
"""


def test_cache_writes_are_atomic_under_two_writers(tmp_path: Path) -> None:
    """Two processes rewrite the same 50 entries with answers of varying length while
    this one reads them: a reader must only ever see a whole entry (os.replace)."""
    cache_dir = tmp_path / "cache"
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(cache_dir), name, "30"],
                                stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT)
               for name in ("a", "b")]
    cache = LabelCache(cache_dir)
    reads = torn = 0
    with Timer("writes/atomic-cache-entries"):
        while any(w.poll() is None for w in writers):
            for key in range(50):
                path = cache_dir / "labels" / f"{key:064x}"[:2] / f"{key:064x}.json"
                try:
                    text = path.read_text(encoding="utf-8")
                except FileNotFoundError:
                    continue
                reads += 1
                try:
                    json.loads(text)
                except ValueError:
                    torn += 1
    assert [w.communicate()[0].strip() for w in writers] == ["0", "0"]
    assert torn == 0, f"{torn} of {reads} reads saw a partial entry"
    entries = _valid_entries(cache_dir)
    assert len(entries) == 50
    label: Any = cache.get(f"{0:064x}")
    assert isinstance(label, Label) and label.why.split()[0] in ("a", "b")
