"""Shared by the per-format corpus tests: scan every corpus repository holding files of
one format and check that each labelled step of that format is found at its file and
line. Not a test module itself (no ``test_`` prefix)."""

from __future__ import annotations

import csv
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xops_lens.model import Classification, Step
from xops_lens.plugins import Registry, build_plugin_manager
from xops_lens.result import ScanResult
from xops_lens.scan import scan
from xops_lens.sdk import Format


class StubBackend:
    """Labels nothing in particular: these tests are about finding steps, not kinds."""

    name = "stub"

    def classify(self, steps: Sequence[Step]) -> list[Classification]:
        return [Classification("model", "build", 0.1, "stub", "test") for _ in steps]


def stub_scan(root: Path) -> ScanResult:
    """A scan of ``root`` with every built-in format and the stub backend."""
    registry = build_plugin_manager(load_entry_points=False)[1]
    registry.backends["stub"] = StubBackend()
    return scan(root, backend="stub", registry=registry)


@dataclass
class CorpusResult:
    files: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    steps: int = 0
    labelled: list[tuple[str, int]] = field(default_factory=list)
    missing: list[tuple[str, int]] = field(default_factory=list)
    unclaimed: list[str] = field(default_factory=list)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def check_corpus(shared: Path, fmt: Format, manifest_format: str,
                 label_format: str) -> CorpusResult:
    """Scan, with only ``fmt`` registered, each corpus folder holding a file of it."""
    manifest = [r for r in _rows(shared / "corpus" / "MANIFEST.tsv")
                if r["format"] == manifest_format]
    labels = [(r["file"], int(r["line"])) for r in _rows(shared / "labels" / "dev.tsv")
              if r["format"] == label_format]
    registry = Registry(formats={fmt.name: fmt}, backends={"stub": StubBackend()})
    result = CorpusResult(labelled=labels)
    expected = {f"{r['dir']}/{r['path']}" for r in manifest}
    found: set[tuple[str, int]] = set()
    for repo_dir in sorted({r["dir"] for r in manifest} | {f.split("/", 1)[0] for f, _ in labels}):
        scanned = scan(shared / "corpus" / repo_dir, backend="stub", registry=registry)
        for report in scanned.files:
            path = f"{repo_dir}/{report.path}"
            result.files.append(path)
            if report.error:
                result.errors[path] = report.error
        result.steps += len(scanned.steps)
        found |= {(f"{repo_dir}/{s.step.file}", s.step.line) for s in scanned.steps}
    result.missing = [label for label in labels if label not in found]
    # Every manifest file of the format must be claimed (analysed alone or included).
    result.unclaimed = sorted(expected - set(result.files))
    return result


def dedented(text: str) -> str:
    """A YAML file written indented inside a test, as the file would hold it."""
    return textwrap.dedent(text).lstrip("\n")
