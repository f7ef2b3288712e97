"""Wall time and peak memory of a scan of each crafted repository of issue 13 (items 3 to
6 and 13), as docs/benchmarks.md "Hostile input (issue 13)" reports them.

Usage::

    python bench/hostile_stalls.py                       # this checkout
    python bench/hostile_stalls.py --source ../main      # another checkout's code (before)
    python bench/hostile_stalls.py --cap 120 --only groovy,include

Each case is ``xops-lens scan REPO --format FORMAT -o FILE`` in a fresh interpreter
(``python -P``, the checkout's code first on the path) under ``timeout``-like cap: a case
that passes it is reported as "> CAP s". Prints a Markdown table: case, what the crafted
repository holds, exit code, seconds, peak RSS (``ru_maxrss`` of the child, from ``os.wait4``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

GOOD = ("on: push\njobs:\n  good:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - run: pytest -q\n")


def _alias_workflow() -> str:
    steps = "".join(f"      - run: make {i}\n" for i in range(100))
    jobs = "".join(f"  j{i}:\n    runs-on: x\n    steps: *s\n" for i in range(1, 100))
    return "on: push\njobs:\n  j0:\n    runs-on: x\n    steps: &s\n" + steps + jobs


def _cron(expression: str) -> dict[str, str]:
    return {".github/workflows/cron.yml": (
        f"on:\n  schedule:\n    - cron: '{expression}'\njobs:\n  b:\n    runs-on: x\n"
        "    steps:\n      - run: make\n")}


STARS = "*a" * 60 + "*b.yml"
CASES: dict[str, tuple[str, str, Callable[[], dict[str, str]]]] = {
    "groovy": ("Jenkinsfile with a line of 100 KB of `\\/`", "json", lambda: {
        "Jenkinsfile": "node {\n  sh 'make'\n}\nx = " + "\\/" * 50_000 + "\n"}),
    "cron": ("one workflow on `* * * * * * *`", "json", lambda: _cron("* * * * * * *")),
    "include": ("GitLab `include: ci/*a*a...*b.yml` (60 a's), a 100-a name in ci/", "json",
                lambda: {".gitlab-ci.yml": f"include: 'ci/{STARS}'\nb:\n  script: [make]\n",
                         "ci/" + "a" * 100 + ".yml": "x:\n  script: [y]\n"}),
    "ignore": ("`ignore.paths = ['*a*a...*b.yml']` (60 a's), a 100-a workflow name", "json",
               lambda: {"pyproject.toml": f"[tool.xops-lens]\nignore = {{ paths = ['{STARS}'] }}\n",
                        ".github/workflows/" + "a" * 100 + ".yml": GOOD}),
    "budget-50": ("50 workflows of 5.7 KB, 10,000 steps each through one alias", "markdown",
                  lambda: {f".github/workflows/w{i:03}.yml": _alias_workflow() for i in range(50)}),
    "budget-200": ("200 such workflows (two million steps)", "markdown",
                   lambda: {f".github/workflows/w{i:03}.yml": _alias_workflow()
                            for i in range(200)}),
    "long-names": ("one 130 KB workflow, 1,000 steps sharing one 100 KB name", "json", lambda: {
        ".github/workflows/a.yml": "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n"
        "      - {name: &n " + "n" * 100_000 + ", run: make}\n"
        + "      - {name: *n, run: make}\n" * 999}),
}

COMMAND = ("import sys\nsys.path.insert(0, sys.argv.pop(1))\nfrom xops_lens.cli import main\n"
           "main()\n")


def run(source: Path, case: str, cap: float) -> tuple[str, str, str]:
    _, fmt, files = CASES[case]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp, "repo")
        for rel, text in {**files(), ".github/workflows/good.yml": GOOD}.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-P", "-c", COMMAND, str(source), "scan",
                                  str(root), "--format", fmt, "-o", str(Path(tmp, "out"))],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:  # os.wait4 gives this child's own peak RSS
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > cap:
                child.kill()
                os.wait4(child.pid, 0)
                child.returncode = -9  # reaped here: Popen must not wait for it again
                return "—", f"> {cap:.0f}", "—"
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        code, rss = child.returncode, usage.ru_maxrss
    return str(code), f"{seconds:.2f}", f"{rss / 1024:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path(__file__).resolve().parents[1],
                        help="the checkout whose xops_lens to run (default: this one)")
    parser.add_argument("--cap", type=float, default=300.0, help="seconds per case")
    parser.add_argument("--only", default=",".join(CASES), help="comma-separated cases")
    args = parser.parse_args()
    print(f"source {args.source.resolve()}, load {os.getloadavg()[0]:.1f}")
    print("| case | crafted repository | exit | seconds | peak RSS MiB |")
    print("|---|---|---:|---:|---:|")
    for case in args.only.split(","):
        code, seconds, rss = run(args.source.resolve(), case, args.cap)
        print(f"| {case} | {CASES[case][0]} | {code} | {seconds} | {rss} |", flush=True)


if __name__ == "__main__":
    main()
