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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import CONFIDENT, Label, Outcome, Row, confidence_figures  # noqa: E402


def outcome(row: list) -> Outcome:
    """One dumped outcome: [file, line, format, subsystem, kind, got subsystem, got kind,
    confidence] (see bench/accuracy.py --dump)."""
    file, line, fmt, subsystem, kind, got, got_kind, confidence = row
    return Outcome(Label(file, line, fmt, subsystem, kind, ""), got, got_kind, None, confidence)


def figures(outcomes: list[Outcome]) -> str:
    row = Row("pooled")
    for o in outcomes:
        row.add(o)
    if not row.found:
        return "nothing found"
    sure = confidence_figures(outcomes)
    return (f"{row.labelled} labelled, {row.found} found: macro-F1 {row.macro_f1:.3f}, "
            f"kind {row.kind_accuracy:.1%}, confidence >= {CONFIDENT}: {sure.share:.1%} of "
            f"all, subsystem right {sure.accuracy:.1%}")


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    outcomes = [outcome(r) for path in argv
                for r in json.loads(Path(path).read_text(encoding="utf-8"))]
    print(f"pooled   {figures(outcomes)}")
    print(f"github   {figures([o for o in outcomes if o.label.format == 'github'])}")
    print(f"others   {figures([o for o in outcomes if o.label.format != 'github'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
