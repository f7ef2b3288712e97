"""Every label the default backend gives, as TSV: the oracle for refactoring the rules.

Usage::

    python bench/label_dump.py [--corpus PATH] [--examples PATH] [-o FILE]

Scans each repository folder of ``--corpus`` (default ``../shared/corpus``; each
sub-folder is a repository and a scan root) and each example repository under
``--examples`` (default ``examples/pipelines``) with the offline rule backend, and
prints one row per step: repo, file, line, subsystem, kind, confidence, why. Rows are
sorted, and the scan runs serially, so equal rules give a byte-identical dump: a
refactoring that must not change labels is checked with ``cmp`` or ``diff`` of two dumps.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a plain script from a source checkout
    sys.path.insert(0, str(REPO_ROOT))

from xops_lens.plugins import get_registry  # noqa: E402
from xops_lens.scan import scan  # noqa: E402

DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
DEFAULT_EXAMPLES = REPO_ROOT / "examples" / "pipelines"
HEADER = ("repo", "file", "line", "subsystem", "kind", "confidence", "why")


def _clean(text: str) -> str:
    # one row per step whatever a why contains
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def repositories(corpus: Path, examples: Path) -> list[tuple[str, Path]]:
    """(name shown in the dump, scan root) of every repository, in a stable order."""
    roots = [(f"corpus/{p.name}", p) for p in sorted(corpus.iterdir()) if p.is_dir()] \
        if corpus.is_dir() else []
    if examples.is_dir():
        roots += [(f"examples/{p.name}", p) for p in sorted(examples.iterdir()) if p.is_dir()]
    return roots


def rows(corpus: Path, examples: Path) -> Iterator[tuple[str, ...]]:
    for name, root in repositories(corpus, examples):
        result = scan(root, backend="rules", registry=get_registry(), workers=0)
        found = sorted(
            (s.step.file, s.step.line, s.label.subsystem, s.label.kind,
             f"{s.label.confidence:.3f}", _clean(s.label.why))
            for s in result.steps)
        for file, line, *rest in found:
            yield (name, _clean(file), str(line), *rest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--examples", type=Path, default=DEFAULT_EXAMPLES)
    parser.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    args = parser.parse_args(argv)
    lines = ["\t".join(HEADER)] + ["\t".join(row) for row in rows(args.corpus, args.examples)]
    text = "\n".join(lines) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
