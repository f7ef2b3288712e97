"""Several installs of xops-lens compared on a busy machine: each measure is taken in
turn for every install, one fresh process each, so that the load shifts them alike.

    python bench/compare_trees.py BEFORE/.venv/bin/python AFTER/.venv/bin/python
    python bench/compare_trees.py --rounds 15 --corpus ../shared/corpus PY1 PY2 PY3

Three measures per install: the CPU time (``time.process_time``) of scanning every
corpus repository in-process, serially (``workers=0``), with the rule backend; the
cumulative import time of ``xops_lens.cli`` from ``python -X importtime``; and the wall
time of ``xops-lens --version`` (the console script beside the interpreter). Medians and
minimums; CPU time rather than wall time because other processes share the cores.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

SCAN = r"""
import sys, time
from pathlib import Path
from xops_lens.scan import scan
roots = sorted(p for p in Path(sys.argv[1]).iterdir() if p.is_dir())
t = time.process_time()
for root in roots:
    scan(root, backend="rules", workers=0)
print(time.process_time() - t)
"""


def _import_ms(python: str) -> float:
    err = subprocess.run([python, "-X", "importtime", "-c", "import xops_lens.cli"],
                         capture_output=True, text=True, check=True).stderr
    line = [row for row in err.splitlines() if row.rstrip().endswith("| xops_lens.cli")][-1]
    return int(line.split("|")[1]) / 1000


def _version_ms(python: str) -> float:
    exe = str(Path(python).parent / "xops-lens")
    start = time.perf_counter()
    subprocess.run([exe, "--version"], capture_output=True, check=True)
    return (time.perf_counter() - start) * 1000


def _scan_s(python: str, corpus: Path) -> float:
    done = subprocess.run([python, "-c", SCAN, str(corpus)], capture_output=True, text=True,
                          check=True)
    return float(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pythons", nargs="+", help="the interpreter of each install")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--corpus", type=Path,
                        default=Path(__file__).resolve().parents[1].parent / "shared/corpus")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus}; use --corpus")
    measures = {"scan CPU s": lambda py: _scan_s(py, args.corpus),
                "import xops_lens.cli ms": _import_ms, "--version wall ms": _version_ms}
    seen: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for name, measure in measures.items():
            for python in args.pythons:
                seen.setdefault((name, python), []).append(measure(python))
    for (name, python), values in seen.items():
        print(f"{python}: {name}: median {statistics.median(values):.3f}, "
              f"min {min(values):.3f} ({len(values)} runs)")


if __name__ == "__main__":
    main()
