"""Secret redaction: time on hostile inputs, recall on known shapes, throughput on CI text.

Usage::

    python bench/redact_bench.py                     # this checkout
    python bench/redact_bench.py --before main --before-first 1   # also a git ref's redact.py
    python bench/redact_bench.py --sizes 20000 --timeout 60

What it prints (Markdown tables, ready for docs/benchmarks.md):

1. **Hostile inputs.** Each input repeats a short unit to 20 KB and 80 KB (``--sizes``):
   ``a-`` (the quadratic case of issue 13: every ``-`` was a new start of the assignment
   and flag patterns, each scanning to the end), and the slowest combinations a local
   search over 3,000 repeated units found after the rewrite. Each redaction runs in a
   child process with ``--timeout`` seconds; a child past it is reported as ``> N``.
   With ``--before REF`` the same inputs go through ``xops_lens/redact.py`` of that git
   ref (it imports only the standard library), extracted to a temporary folder.
2. **Recall** on tests/secret_shapes.py (the shapes issue 13 found sent in clear and
   those redacted before): a shape counts when none of its secret parts is left. Also
   how many of the ordinary lines (references, SHAs, messages) came back changed.
   detect-secrets (``pip install detect-secrets``, optional) is measured on the same
   shapes as it scans files: each shape written to ``ci.yml``, every secret value it
   reports replaced; its high-entropy plugins' ad-hoc "eager" mode is not used (it
   reports every word).
3. **Throughput** on the CI files of ``../shared/corpus``: every file's whole text
   redacted once, no cache, and detect-secrets scanning the same files.
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

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(REPO_ROOT))

HOSTILE_UNITS: list[tuple[str, str]] = [
    ("a- (issue 13)", "a-"),
    ("-a", "-a"),
    ("a.", "a."),
    ("bearer x", "bearer x"),
    ("bearer AccountKey=", "bearer AccountKey="),
    ("bearer https://a:b@", "bearer https://a:b@"),
    ("0 -p; open -u a,", "0 -p;open -u a,"),
    ("s. a= gh secret set a ;", "s.a=gh secret set a ;"),
    ("htpasswd -b x-", "htpasswd -b x-"),
    ("--password a-", "--password a-"),
]

CHILD = """
import sys, time
sys.path.insert(0, sys.argv[1])
from {module} import redact
unit, size = sys.argv[2], int(sys.argv[3])
text = (unit * (size // len(unit) + 1))[:size]
start = time.perf_counter()
redact(text)
print(time.perf_counter() - start)
"""


def _child_seconds(path: str, module: str, unit: str, size: int, timeout: float) -> str:
    try:
        done = subprocess.run([sys.executable, "-c", CHILD.format(module=module), path, unit,
                               str(size)], capture_output=True, text=True, timeout=timeout,
                              check=True)
    except subprocess.TimeoutExpired:
        return f"> {timeout:g}"
    return f"{float(done.stdout):.3f}"


def hostile(sizes: list[int], timeout: float, before: str | None, before_first: int) -> None:
    sides = [("after", str(REPO_ROOT), "xops_lens.redact")]
    temp = None
    if before:
        temp = tempfile.mkdtemp(prefix="redact-before-")
        old = subprocess.run(["git", "-C", str(REPO_ROOT), "show", f"{before}:xops_lens/redact.py"],
                             capture_output=True, text=True, check=True).stdout
        Path(temp, "old_redact.py").write_text(old, encoding="utf-8")
        sides.insert(0, (f"before ({before})", temp, "old_redact"))
    head = ["input"] + [f"{name}, {size // 1000} KB (s)" for name, _, _ in sides for size in sizes]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row, (label, unit) in enumerate(HOSTILE_UNITS):
        cells = [f"`{label}`"]
        for name, path, module in sides:
            if name.startswith("before") and row >= before_first:
                cells += ["not run"] * len(sizes)
                continue
            cells += [_child_seconds(path, module, unit, size, timeout) for size in sizes]
        print("| " + " | ".join(cells) + " |", flush=True)


def _detect_secrets_redactor():  # type: ignore[no-untyped-def]
    try:
        from detect_secrets import SecretsCollection
        from detect_secrets.settings import default_settings
    except ImportError:
        return None
    folder = tempfile.mkdtemp(prefix="redact-ds-")

    def redact(text: str, name: str = "ci.yml") -> str:
        path = os.path.join(folder, name)
        Path(path).write_text(text + "\n", encoding="utf-8")
        with default_settings():
            found = SecretsCollection()
            found.scan_file(path)
        values = {s.secret_value for f in found.files for s in found[f] if s.secret_value}
        for value in sorted(values, key=len, reverse=True):
            text = text.replace(value, "[REDACTED]")
        return text
    return redact


def recall() -> None:
    from tests.secret_shapes import ALL_SHAPES, ISSUE_SHAPES, ORDINARY
    from xops_lens.redact import redact

    tools = [("xops-lens", redact)]
    ds = _detect_secrets_redactor()
    if ds is not None:
        tools.append(("detect-secrets", ds))
    print("| redactor | issue 13 shapes | all shapes | ordinary lines changed | missed |")
    print("|---|---|---|---|---|")
    for name, fn in tools:
        missed = [sid for sid, text, secrets in ALL_SHAPES
                  if any(secret in fn(text) for secret in secrets)]
        issue = sum(1 for sid, _, _ in ISSUE_SHAPES if sid not in missed)
        changed = sum(1 for line in ORDINARY if fn(line) != line)
        print(f"| {name} | {issue}/{len(ISSUE_SHAPES)} | {len(ALL_SHAPES) - len(missed)}/"
              f"{len(ALL_SHAPES)} | {changed}/{len(ORDINARY)} | {', '.join(missed) or '-'} |")


def throughput(detect_secrets: bool) -> None:
    from xops_lens.redact import _redact

    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml")
                   or p.name in ("Jenkinsfile", ".gitlab-ci.yml"))
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in files]
    total = sum(len(t) for t in texts)
    print("| redactor | files | MB | seconds | MB/s |\n|---|---|---|---|---|")
    tools: list[tuple[str, Callable[[str], str]]] = [("xops-lens", _redact)]
    ds = _detect_secrets_redactor() if detect_secrets else None
    if ds is not None:
        tools.append(("detect-secrets", ds))
    for name, fn in tools:
        start = time.perf_counter()
        for text in texts:
            fn(text)
        seconds = time.perf_counter() - start
        print(f"| {name} | {len(texts)} | {total / 1e6:.2f} | {seconds:.2f} | "
              f"{total / 1e6 / seconds:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="20000,80000")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--before", metavar="REF", help="also time redact.py of this git ref")
    parser.add_argument("--before-first", type=int, default=len(HOSTILE_UNITS), metavar="N",
                        help="time only the first N hostile inputs with --before (each of "
                             "the quadratic ones takes minutes there)")
    parser.add_argument("--skip-hostile", action="store_true")
    parser.add_argument("--no-detect-secrets-throughput", action="store_true",
                        help="leave detect-secrets out of the throughput table (2+ minutes)")
    args = parser.parse_args()
    if not args.skip_hostile:
        hostile([int(s) for s in args.sizes.split(",")], args.timeout, args.before,
                args.before_first)
        print()
    recall()
    print()
    if CORPUS.is_dir():
        throughput(not args.no_detect_secrets_throughput)


if __name__ == "__main__":
    main()
