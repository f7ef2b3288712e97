"""How often the rules are right at each confidence, over labelled sets: the table the
rules' CALIBRATION points (xops_lens/backends/rules/__init__.py) were read from.

    python bench/calibration.py                      # dev.tsv
    python bench/calibration.py --set WILD5=bench/data/wild5/wild5.tsv --set ...

Each --set is SHARED=LABELS (SHARED holds corpus/); the bins are of the raw figure the
rules computed (the reported confidence mapped back) and of the reported one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import accuracy  # noqa: E402

from xops_lens.backends.rules import CALIBRATION, CONFIDENT  # noqa: E402

EDGES = (0.0, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0001)


def raw_of(reported: float) -> float:
    """The inverse of the rules' calibration (both are straight lines between points)."""
    for (x0, y0), (x1, y1) in zip(CALIBRATION, CALIBRATION[1:]):
        if reported <= y1:
            return x0 + (reported - y0) * (x1 - x0) / (y1 - y0)
    return 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", default=[], metavar="SHARED=LABELS")
    args = parser.parse_args(argv)
    sets = [(Path(s.split("=", 1)[0]), Path(s.split("=", 1)[1])) for s in args.set] or [
        (accuracy.DEFAULT_SHARED, None)]
    rows: list[tuple[float, float, bool, bool]] = []
    found: list[accuracy.Outcome] = []
    for shared, labels in sets:
        for o in accuracy.evaluate(shared, labels_path=labels).outcomes:
            if o.subsystem is not None and o.confidence is not None:
                found.append(o)
                # reported figures are rounded to 3 places: the raw one to 2 is exact enough
                rows.append((round(raw_of(o.confidence), 2), o.confidence,
                             o.subsystem == o.label.subsystem, o.kind == o.label.kind))
    print(f"{len(rows)} found steps over {len(sets)} label set(s)")
    print(f"{'raw confidence':>16} {'steps':>6} {'subsystem right':>16} {'kind right':>11}")
    for lo, hi in zip(EDGES, EDGES[1:]):
        bin_ = [r for r in rows if lo <= r[0] < hi]
        if bin_:
            ok = sum(r[2] for r in bin_) / len(bin_)
            kind = sum(r[3] for r in bin_) / len(bin_)
            print(f"  [{lo:.2f}, {min(hi, 1):.2f}) {len(bin_):6d} {ok:16.1%} {kind:11.1%}")
    sure = accuracy.confidence_figures(found, CONFIDENT)
    if sure.confident:
        print(f"reported >= {CONFIDENT}: {sure.confident} steps ({sure.share:.1%} of found), "
              f"subsystem right {sure.accuracy:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
