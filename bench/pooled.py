"""Pool the outcomes of several label samples, each scanned first at its own commit:

    git checkout A && python bench/accuracy.py --shared WILD8 --labels L8 --dump a.json
    git checkout B && python bench/accuracy.py --shared WILD9 --labels L9 --dump b.json
    python bench/pooled.py a.json b.json

prints the same figures bench/accuracy.py does (macro-F1 over the subsystems, kind
accuracy over found steps, the confident share of all labelled steps and how often those
are right), over all the dumps together and for GitHub against the other formats.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SUBSYSTEMS = ("information", "model", "action")
CONFIDENT = 0.8


def figures(rows: list[list]) -> str:
    found = [r for r in rows if r[5] is not None]
    if not found:
        return "nothing found"
    f1s = []
    for s in SUBSYSTEMS:
        tp = sum(1 for r in found if r[3] == s and r[5] == s)
        fp = sum(1 for r in found if r[3] != s and r[5] == s)
        fn = sum(1 for r in found if r[3] == s and r[5] != s)
        p = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        if tp + fp + fn:
            f1s.append(2 * p * rc / (p + rc) if p + rc else 0.0)
    kind = sum(1 for r in found if r[4] == r[6]) / len(found)
    sure = [r for r in found if r[7] >= CONFIDENT]
    right = sum(1 for r in sure if r[3] == r[5]) / len(sure) if sure else 0.0
    return (f"{len(rows)} labelled, {len(found)} found: macro-F1 {sum(f1s) / len(f1s):.3f}, "
            f"kind {kind:.1%}, confidence >= {CONFIDENT}: {len(sure) / len(rows):.1%} of all, "
            f"subsystem right {right:.1%}")


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    rows = [r for path in argv for r in json.loads(Path(path).read_text(encoding="utf-8"))]
    print(f"pooled   {figures(rows)}")
    print(f"github   {figures([r for r in rows if r[2] == 'github'])}")
    print(f"others   {figures([r for r in rows if r[2] != 'github'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
