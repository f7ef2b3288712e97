"""Where a large scan's parallel parsing spends its time, in one process.

Usage::

    python bench/parallel_phases.py --size 1000 --reps 3

Builds the tree of N GitHub workflows that bench/scan_speed.py builds, then runs
``xops_lens.scan.scan`` on it in this process, alternating serial (``workers=0``) and
parallel (the default: one worker per spare core), with a fresh plugin registry and
emptied module caches each time, as in a new process. For the parallel runs it times the
whole parallel phase (``_parse_parallel``: parsing and labelling every entry file), the
parent's own pieces, and the parent's unpickling of what the workers sent; it counts the
pieces each side took. No interpreter start-up, no JSON report: this is the part of the
scan that parallel parsing changes.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import scan_speed  # this folder

from xops_lens import scan as scan_module
from xops_lens.plugins import build_plugin_manager


def _clear_caches() -> None:
    """Empty the module-level caches that outlive a scan in one process, so every run
    pays what a fresh ``xops-lens scan`` pays, and a worker does not inherit a warm
    cache (the same as scan_speed's, which clears every xops_lens module's)."""
    scan_speed._clear_module_caches()


def _timed(stats: dict[str, float], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            stats[name] = stats.get(name, 0.0) + time.perf_counter() - start
            stats[name + " n"] = stats.get(name + " n", 0) + 1
    return wrapper


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="workflow files in the tree")
    parser.add_argument("--reps", type=int, default=3, help="runs of each mode")
    args = parser.parse_args()
    corpus = scan_speed.DEFAULT_CORPUS
    sources = [f for f in scan_speed.read_manifest(corpus) if f.format == scan_speed.WORKFLOW_FORMAT]
    stats: dict[str, float] = {}
    real_parallel = scan_module._parse_parallel

    def parallel(*a: Any, **k: Any) -> Iterator[Any]:
        start = time.perf_counter()
        done = list(real_parallel(*a, **k))  # the generator's work, all of it, timed here
        stats["parallel phase"] = time.perf_counter() - start
        return iter(done)

    scan_module._parse_parallel = parallel  # type: ignore[assignment]
    scan_module._parse_piece = _timed(stats, "parent's pieces", scan_module._parse_piece)
    scan_module.pickle = type(sys)("pickle_timed")  # type: ignore[assignment]
    scan_module.pickle.__dict__.update(pickle.__dict__)
    scan_module.pickle.loads = _timed(stats, "unpickling", pickle.loads)
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp)
        scan_speed.build_workflow_tree(tree, sources, corpus, args.size)
        walls: dict[str, list[float]] = {"serial": [], "parallel": []}
        phases: list[dict[str, float]] = []
        for _ in range(args.reps):
            for mode, workers in (("serial", 0), ("parallel", None)):
                stats.clear()
                registry = build_plugin_manager()[1]
                _clear_caches()
                start = time.perf_counter()
                scan_module.scan(tree, registry=registry, workers=workers)
                walls[mode].append(time.perf_counter() - start)
                if workers is None:
                    phases.append(dict(stats))
    print(f"N = {args.size:,} workflows, {args.reps} runs each, median (min-max)")
    for mode, values in walls.items():
        print(f"  scan() {mode:8}: {statistics.median(values):.3f} s "
              f"({min(values):.3f}-{max(values):.3f})")
    for key in ("parallel phase", "parent's pieces", "unpickling"):
        values = [p.get(key, 0.0) for p in phases]
        print(f"  {key:16}: {statistics.median(values):.3f} s")
    pieces = -(-args.size // scan_module.CHUNK_FILES)
    own = [int(p.get("parent's pieces n", 0)) for p in phases]
    print(f"  pieces of {scan_module.CHUNK_FILES} files: {pieces}, the parent took "
          f"{statistics.median(own):.0f}, the workers the rest")
    return 0


if __name__ == "__main__":
    sys.exit(main())
