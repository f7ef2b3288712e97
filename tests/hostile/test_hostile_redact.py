"""Issue 13, item 7: inputs that made secret redaction quadratic.

Redaction runs on whole, unclipped step text: where every pipeline enters the scan, and
on the LLM payload before any request and for ``--estimate``. Before the rewrite,
80 KB of ``a-`` took more than five minutes. Each case runs in a child process with a
generous timeout, so a regression fails instead of hanging the suite; no time is
asserted (figures: bench/redact_bench.py, docs/benchmarks.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.hostile.hostile_harness import Timer, write

SIZE = 80_000
TIMEOUT = 120
# Units repeated to SIZE characters: the quadratic ones of issue 13 (each "-" or "." a new
# start of the assignment, flag and URL patterns) and the slowest a search over 3,000
# repeated combinations of the patterns' own words found after the rewrite.
UNITS = ["a-", "-a", "a.", "a:", "--a-", "mysql ", "docker login ", "-----BEGIN ", "bearer x",
         "bearer AccountKey=", "bearer https://a:b@", "0 -p;open -u a,", "s.a=gh secret set a ;",
         "htpasswd -b x-", "--password a-", 'x="', "echo a|", "machine password ", "a://",
         "$env:a=", "eyJ-", "authorization:  ", "a@b:c@", "PuTTY-User-Key-File-2:",
         "LS0tLS1CRUdJTi-"]

CHILD = """
import json, sys
from xops_lens.redact import redact
units, size = json.loads(sys.argv[1]), int(sys.argv[2])
for unit in units:
    text = (unit * (size // len(unit) + 1))[:size]
    out = redact(text + " --password Pl4ntedSecret")
    assert "Pl4ntedSecret" not in out, unit
print("done", len(units))
"""

ENV = {**os.environ, "XOPS_LENS_DISABLE_ENTRY_POINTS": "1"}
CLI = "from xops_lens.cli import main; main()"


def test_redaction_of_hostile_runs_finishes(tmp_path: Path) -> None:
    with Timer("redact/80-KB-units"):
        done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(UNITS), str(SIZE)],
                              capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path,
                              env=ENV, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["done", str(len(UNITS))]


def _repository(tmp_path: Path) -> Path:
    """An 80 KB GitLab script line (its step's name too) and an 80 KB GitHub run script,
    each ending in a secret that must still be redacted."""
    line = "a-" * (SIZE // 2) + " --password Pl4ntedSecret"
    script = "".join(f"          {unit * 40}\n" for unit in UNITS[:8]) * 4
    return write(tmp_path / "repo", {
        ".gitlab-ci.yml": f"build:\n  script:\n    - {json.dumps(line)}\n",
        ".github/workflows/ci.yml": (
            "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n"
            f"      - run: |\n{script}          curl -u me:Pl4ntedSecret x\n"),
    })


def test_scan_of_hostile_step_text_finishes_and_redacts(tmp_path: Path) -> None:
    root = _repository(tmp_path)
    with Timer("redact/scan-80-KB-step"):
        done = subprocess.run([sys.executable, "-c", CLI, "scan", str(root), "-f", "json"],
                              capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path,
                              env=ENV, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["summary"]["steps"] == 2
    assert "Pl4ntedSecret" not in done.stdout


def test_llm_estimate_of_hostile_step_text_finishes(tmp_path: Path) -> None:
    root = _repository(tmp_path)
    env = {**ENV, "OPENAI_API_KEY": "sk-test-0123456789abcdefghijklmnopqrstuv",
           "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    env.pop("OPENAI_BASE_URL", None)
    with Timer("redact/estimate-80-KB-step"):
        done = subprocess.run([sys.executable, "-c", CLI, "scan", str(root), "-b", "openai",
                               "--relabel", "all", "--estimate", "-f", "json",
                               "--cache-dir", str(tmp_path / "cache")],
                              capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path,
                              env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    estimate = json.loads(done.stdout)
    assert estimate["steps"] == 2 and estimate["estimate"]["requests"] >= 1
