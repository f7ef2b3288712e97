"""How well the default backend agrees with the labelled steps of ../shared.

Usage::

    python bench/accuracy.py [--shared PATH] [--labels PATH] [--format F ...] [--errors] [--margins]

``--labels`` evaluates another label file of the same columns over the same corpus, e.g.
``tests/data/heldout.tsv`` (steps outside dev.tsv, labelled by the team by the rubric);
lines starting with ``#`` in a label file are comments.

Scans every corpus repository that has labels (the first path component of a label's
``file`` is the repository folder and the scan root), matches labelled steps to the
scan's steps by (file, line), and prints per label format and overall: steps labelled,
steps found, per-subsystem precision / recall / F1 over the found steps, their
macro-F1, and kind accuracy. Formats the tool does not parse show a coverage of 0.

The test suite imports :func:`evaluate` from this file (``bench`` is not a package).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a plain script from a source checkout
    sys.path.insert(0, str(REPO_ROOT))

from xops_lens.model import SUBSYSTEMS  # noqa: E402
from xops_lens.plugins import Registry  # noqa: E402
from xops_lens.scan import scan  # noqa: E402

DEFAULT_SHARED = REPO_ROOT.parent / "shared"
LABELS = Path("labels") / "dev.tsv"
OVERALL = "overall"


@dataclass(frozen=True, slots=True)
class Label:
    file: str  # relative to corpus/, starting with the repository folder
    line: int
    format: str
    subsystem: str
    kind: str
    note: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """One labelled step and what the tool said about it (None when not found)."""

    label: Label
    subsystem: str | None
    kind: str | None
    why: str | None
    confidence: float | None


@dataclass
class Row:
    """Figures for one label format (or all of them)."""

    name: str
    labelled: int = 0
    found: int = 0
    kind_correct: int = 0
    # per subsystem: true positives, predicted count, gold count (found steps only)
    tp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUBSYSTEMS, 0))
    predicted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUBSYSTEMS, 0))
    gold: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUBSYSTEMS, 0))

    def add(self, outcome: Outcome) -> None:
        self.labelled += 1
        if outcome.subsystem is None:
            return
        self.found += 1
        gold = outcome.label.subsystem
        self.gold[gold] = self.gold.get(gold, 0) + 1
        self.predicted[outcome.subsystem] = self.predicted.get(outcome.subsystem, 0) + 1
        if outcome.subsystem == gold:
            self.tp[gold] = self.tp.get(gold, 0) + 1
        if outcome.kind == outcome.label.kind:
            self.kind_correct += 1

    @property
    def coverage(self) -> float:
        return self.found / self.labelled if self.labelled else 0.0

    def precision(self, subsystem: str) -> float:
        n = self.predicted.get(subsystem, 0)
        return self.tp.get(subsystem, 0) / n if n else 0.0

    def recall(self, subsystem: str) -> float:
        n = self.gold.get(subsystem, 0)
        return self.tp.get(subsystem, 0) / n if n else 0.0

    def f1(self, subsystem: str) -> float:
        p, r = self.precision(subsystem), self.recall(subsystem)
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def macro_f1(self) -> float:
        """Mean F1 over the subsystems that occur (in gold or predictions)."""
        present = [s for s in SUBSYSTEMS if self.gold.get(s) or self.predicted.get(s)]
        return sum(self.f1(s) for s in present) / len(present) if present else 0.0

    @property
    def kind_accuracy(self) -> float:
        return self.kind_correct / self.found if self.found else 0.0


@dataclass
class Report:
    rows: dict[str, Row]
    outcomes: list[Outcome]
    scan_errors: list[str]

    def row(self, name: str) -> Row:
        return self.rows[name]

    def combined(self, formats: Iterable[str]) -> Row:
        """One row over several label formats (e.g. github + github-action)."""
        wanted = set(formats)
        row = Row("+".join(sorted(wanted)))
        for outcome in self.outcomes:
            if outcome.label.format in wanted:
                row.add(outcome)
        return row


def read_labels(shared: Path, formats: set[str] | None = None,
                path: Path | None = None) -> list[Label]:
    """The labels of ``path`` (default: ``shared/labels/dev.tsv``); ``#`` lines are comments."""
    labels: list[Label] = []
    with (path or shared / LABELS).open(encoding="utf-8", newline="") as handle:
        rows = (line for line in handle if not line.startswith("#"))
        for record in csv.DictReader(rows, delimiter="\t"):
            fmt = (record.get("format") or "").strip()
            if formats is not None and fmt not in formats:
                continue
            try:
                line = int(record["line"])
            except (KeyError, TypeError, ValueError):
                continue
            labels.append(Label(record["file"].strip(), line, fmt,
                                record["subsystem"].strip(), record["kind"].strip(),
                                (record.get("note") or "").strip()))
    return labels


def evaluate(shared: Path = DEFAULT_SHARED, formats: set[str] | None = None,
             registry: Registry | None = None, labels_path: Path | None = None) -> Report:
    """Scan the labelled repositories of ``shared/corpus`` and compare with the labels
    (those of ``labels_path``, default ``shared/labels/dev.tsv``).

    ``registry`` defaults to the installed plugins (see :func:`xops_lens.plugins.get_registry`).
    """
    labels = read_labels(shared, formats, labels_path)
    by_repo: dict[str, list[Label]] = defaultdict(list)
    for label in labels:
        by_repo[label.file.split("/", 1)[0]].append(label)

    predictions: dict[tuple[str, int], tuple[str, str, str, float]] = {}
    errors: list[str] = []
    for repo in sorted(by_repo):
        result = scan(shared / "corpus" / repo, registry=registry)
        errors.extend(f"{repo}/{f.path}: {f.error}" for f in result.failed_files)
        # a job-level gate stands for its job line when no step begins there
        for gate in result.gates:
            key = (f"{repo}/{gate.job.file}", gate.job.line)
            predictions[key] = (gate.label.subsystem, gate.label.kind, gate.label.why,
                                gate.label.confidence)
        for item in result.steps:
            key = (f"{repo}/{item.step.file}", item.step.line)
            predictions[key] = (item.label.subsystem, item.label.kind, item.label.why,
                                item.label.confidence)

    outcomes: list[Outcome] = []
    rows: dict[str, Row] = {}
    overall = Row(OVERALL)
    for label in labels:
        found = predictions.get((label.file, label.line))
        outcome = Outcome(label, *found) if found else Outcome(label, None, None, None, None)
        outcomes.append(outcome)
        rows.setdefault(label.format, Row(label.format)).add(outcome)
        overall.add(outcome)
    ordered = {name: rows[name] for name in sorted(rows)}
    ordered[OVERALL] = overall
    return Report(ordered, outcomes, errors)


def one_flip_worst(outcomes: Iterable[Outcome]) -> tuple[float, float]:
    """The lowest macro-F1 and kind accuracy these outcomes can fall to when one more
    found step is answered wrongly (any other subsystem, or the right subsystem with a
    wrong kind). A floor in the tests sits at or below these, so that no single step
    decides whether the suite passes."""
    found = [o for o in outcomes if o.subsystem is not None]
    if not found:
        return 0.0, 0.0
    worst_f1, worst_kind = 1.0, 1.0
    for i, flipped in enumerate(found):
        for subsystem in SUBSYSTEMS:
            if subsystem == flipped.subsystem and flipped.kind != flipped.label.kind:
                continue  # already wrong in kind: no worse answer in the same subsystem
            changed = Outcome(flipped.label, subsystem, "(flipped)", None, None)
            row = Row("flip")
            for j, o in enumerate(found):
                row.add(changed if j == i else o)
            worst_f1 = min(worst_f1, row.macro_f1)
            worst_kind = min(worst_kind, row.kind_accuracy)
    return worst_f1, worst_kind


def format_margins(report: Report) -> str:
    """Per label format: figures now and after the worst single wrong step."""
    lines = [f"{'format':<14} {'macroF1':>7} {'1-flip':>7}  {'kind':>6} {'1-flip':>7}"]
    for name, row in report.rows.items():
        outcomes = [o for o in report.outcomes if name == OVERALL or o.label.format == name]
        f1, kind = one_flip_worst(outcomes)
        lines.append(f"{name:<14} {row.macro_f1:>7.3f} {f1:>7.3f}  {row.kind_accuracy:>6.1%} "
                     f"{kind:>7.1%}")
    return "\n".join(lines)


def format_table(report: Report) -> str:
    head = (f"{'format':<14} {'labelled':>8} {'found':>6} {'cover':>6}  "
            + "  ".join(f"{s[:4] + ' P/R/F1':<17}" for s in SUBSYSTEMS)
            + f"  {'macroF1':>7} {'kind acc':>8}")
    lines = [head, "-" * len(head)]
    for row in report.rows.values():
        if row.name == OVERALL:
            lines.append("-" * len(head))
        cells = "  ".join(
            f"{row.precision(s):.2f}/{row.recall(s):.2f}/{row.f1(s):.2f}".ljust(17)
            for s in SUBSYSTEMS
        )
        lines.append(
            f"{row.name:<14} {row.labelled:>8} {row.found:>6} {row.coverage:>6.0%}  {cells}"
            f"  {row.macro_f1:>7.3f} {row.kind_accuracy:>8.1%}"
        )
    return "\n".join(lines)


CONFIDENT = 0.8  # issue 15: steps at or above this are the ones a user may trust unseen


@dataclass(frozen=True, slots=True)
class Confidence:
    """How far the confidence a backend gives can be trusted (issue 15's target)."""

    labelled: int
    found: int
    confident: int  # found steps with confidence >= CONFIDENT
    confident_right: int  # of those, right on the subsystem
    confident_kind_right: int

    @property
    def share(self) -> float:
        """Confident steps among all labelled steps (a step not found is not confident)."""
        return self.confident / self.labelled if self.labelled else 0.0

    @property
    def accuracy(self) -> float:
        return self.confident_right / self.confident if self.confident else 0.0

    @property
    def kind_accuracy(self) -> float:
        return self.confident_kind_right / self.confident if self.confident else 0.0


def confidence_figures(outcomes: Iterable[Outcome], threshold: float = CONFIDENT) -> Confidence:
    labelled = found = confident = right = kind_right = 0
    for o in outcomes:
        labelled += 1
        if o.subsystem is None:
            continue
        found += 1
        if o.confidence is None or o.confidence < threshold:
            continue
        confident += 1
        right += o.subsystem == o.label.subsystem
        kind_right += o.subsystem == o.label.subsystem and o.kind == o.label.kind
    return Confidence(labelled, found, confident, right, kind_right)


def format_confidence(report: Report) -> str:
    c = confidence_figures(report.outcomes)
    return (f"confidence >= {CONFIDENT}: {c.confident} of {c.labelled} steps ({c.share:.1%}; "
            f"{c.confident / c.found if c.found else 0.0:.1%} of found), subsystem right "
            f"{c.accuracy:.1%}, kind right {c.kind_accuracy:.1%}; below: "
            f"{c.found - c.confident} found steps, subsystem right "
            f"{_below_accuracy(report.outcomes):.1%}")


def _below_accuracy(outcomes: Iterable[Outcome]) -> float:
    below = [o for o in outcomes if o.subsystem is not None
             and (o.confidence is None or o.confidence < CONFIDENT)]
    return sum(o.subsystem == o.label.subsystem for o in below) / len(below) if below else 0.0


def format_errors(report: Report) -> str:
    lines = []
    for o in report.outcomes:
        if o.subsystem is None:
            lines.append(f"MISSING  {o.label.file}:{o.label.line} [{o.label.format}] "
                         f"{o.label.subsystem}/{o.label.kind}  # {o.label.note}")
        elif o.subsystem != o.label.subsystem or o.kind != o.label.kind:
            mark = "SUBSYS " if o.subsystem != o.label.subsystem else "kind   "
            lines.append(f"{mark}  {o.label.file}:{o.label.line} [{o.label.format}] "
                         f"want {o.label.subsystem}/{o.label.kind} got {o.subsystem}/{o.kind} "
                         f"({o.confidence}) {o.why}  # {o.label.note}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="the shared folder with corpus/ and labels/ (default: %(default)s)")
    parser.add_argument("--labels", type=Path, default=None, metavar="PATH",
                        help="label file to evaluate (default: SHARED/labels/dev.tsv), e.g. "
                             "tests/data/heldout.tsv")
    parser.add_argument("--format", action="append", dest="formats", metavar="F",
                        help="only this label format (repeatable; default: all)")
    parser.add_argument("--errors", action="store_true",
                        help="also list every labelled step the tool got wrong or missed")
    parser.add_argument("--dump", type=Path, default=None, metavar="FILE",
                        help="also write every outcome as JSON, for bench/pooled.py (samples "
                             "scanned first at different commits, pooled afterwards)")
    parser.add_argument("--margins", action="store_true",
                        help="also show how low each figure falls with one more wrong step "
                             "(where a test floor may sit)")
    args = parser.parse_args(argv)
    labels = args.labels or args.shared / LABELS
    if not labels.is_file():
        parser.error(f"{labels} not found")
    if not (args.shared / "corpus").is_dir():
        parser.error(f"{args.shared / 'corpus'} not found")
    formats = {f for value in args.formats for f in value.split(",")} if args.formats else None
    report = evaluate(args.shared, formats, labels_path=args.labels)
    print(f"labels: {labels}")
    print(format_table(report))
    print(format_confidence(report))
    if report.scan_errors:
        print(f"\n{len(report.scan_errors)} file(s) failed to parse; first: "
              f"{report.scan_errors[0]}")
    if args.dump is not None:
        args.dump.write_text(json.dumps([
            [o.label.file, o.label.line, o.label.format, o.label.subsystem, o.label.kind,
             o.subsystem, o.kind, o.confidence] for o in report.outcomes]), encoding="utf-8")
    if args.margins:
        print()
        print(format_margins(report))
    if args.errors:
        print()
        print(format_errors(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
