"""How large the HTML report (``--format html``) is for trees of N workflows.

Usage::

    python bench/html_size.py                  # sizes 10,50,200
    python bench/html_size.py --sizes 50

The trees are those of bench/scan_speed.py: N GitHub Actions workflows of
``../shared/corpus`` copied in turn under distinct names. For each N it runs
``xops-lens scan TREE --format html --output report.html --report json=report.json``
(rules backend, offline) and prints a Markdown table of the HTML and JSON sizes with
the steps and jobs drawn. The issue's budget is under 1 MB for 50 workflows.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus"


def _scan_speed() -> ModuleType:
    spec = importlib.util.spec_from_file_location("xops_lens_bench_scan_speed",
                                                  HERE / "scan_speed.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def build_tree(root: Path, n: int, corpus: Path = DEFAULT_CORPUS) -> None:
    """N corpus workflows under ``root/.github/workflows`` (as bench/scan_speed.py)."""
    speed = _scan_speed()
    sources = [f for f in speed.read_manifest(corpus) if f.format == speed.WORKFLOW_FORMAT]
    speed.build_workflow_tree(root, sources, corpus, n)


def measure(n: int, workdir: Path, corpus: Path = DEFAULT_CORPUS) -> dict[str, int]:
    tree = workdir / f"tree-{n}"
    build_tree(tree, n, corpus)
    html, report = workdir / f"report-{n}.html", workdir / f"report-{n}.json"
    subprocess.run([sys.executable, "-m", "xops_lens", "scan", str(tree), "--format", "html",
                    "--output", str(html), "--report", f"json={report}", "--fail-on", "never"],
                   check=True, stdout=subprocess.DEVNULL)
    summary = json.loads(report.read_text(encoding="utf-8"))["summary"]
    return {"workflows": n, "html": html.stat().st_size, "json": report.stat().st_size,
            "steps": summary["steps"], "jobs": summary["jobs"]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="10,50,200")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    print("| workflows | steps | jobs | HTML | JSON |")
    print("|--:|--:|--:|--:|--:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.sizes.split(",")):
            row = measure(n, Path(tmp), args.corpus)
            print(f"| {n} | {row['steps']:,} | {row['jobs']:,} | {row['html'] / 1024:,.0f} KiB "
                  f"| {row['json'] / 1024:,.0f} KiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
