"""Parsing a large tree in forked workers (xops_lens.parallel) changes nothing a user
sees: the JSON report is the same bytes as the serial scan's, on the examples and on a
subset of the corpus (the two smallest repositories of each format, and dotnet/arcade for
its Azure templates and many includes), also when a worker fails or dies.

The scans run in a fresh interpreter: a scan forks only while it is the process's one
thread (forking copies any lock another thread holds), and earlier tests leave server
threads behind in this one. There the thresholds are lowered (one file, pieces of one
file) so that even small trees go through the workers, and every parallel parse is
recorded, so that no test can pass by quietly taking the serial path."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, REPO_ROOT, SHARED
from xops_lens import parallel as parallel_module
from xops_lens import scan as scan_module
from xops_lens.discover import discover
from xops_lens.plugins import build_plugin_manager

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="parallel parsing forks: Linux only")

CORPUS = SHARED / "corpus"
EXTRA_REPOS = ("dotnet__arcade",)  # Azure templates included from many entry files

# argv: mode (ok, raise: every worker's parse raises, die: every worker exits at once),
# output folder, roots. Writes <i>-<workers>.json and prints the recorded parallel
# parses ({"<i>-<workers>": [entry files, ...]}).
SCRIPT = """
import io, json, os, sys
from pathlib import Path
from xops_lens import parallel as P
from xops_lens import scan as S
from xops_lens.config import load_config
from xops_lens.plugins import build_plugin_manager
from xops_lens.reporters.json import JsonReporter
from xops_lens.sdk import ReportOptions

mode, out, roots = sys.argv[1], Path(sys.argv[2]), [Path(a) for a in sys.argv[3:]]
P.CHUNK_FILES = 1
calls = []
real_parallel = P._parse_parallel

def recording(*args, **kwargs):
    calls.append(len(args[1]))
    return real_parallel(*args, **kwargs)

P._parse_parallel = recording
parent, real_parse = os.getpid(), S._parse_recorded

def flaky(*args):
    if os.getpid() != parent:
        if mode == "die":
            os._exit(3)
        raise RuntimeError("a worker's bug")
    return real_parse(*args)

if mode != "ok":
    S._parse_recorded = flaky
seen = {}
for i, root in enumerate(roots):
    for workers in (0, 2):
        calls.clear()
        # A fresh registry: the rule backend's cache starts empty, as in a new process.
        result = S.scan(root, registry=build_plugin_manager()[1], config=load_config(root),
                        workers=workers, parallel_min_files=1)
        text = io.StringIO()
        JsonReporter().render(result, text, ReportOptions())
        (out / f"{i}-{workers}.json").write_text(text.getvalue(), encoding="utf-8")
        seen[f"{i}-{workers}"] = list(calls)
print(json.dumps(seen))
"""


def _corpus_subset() -> list[str]:
    if not (CORPUS / "MANIFEST.tsv").is_file():
        return []
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    size: dict[str, int] = defaultdict(int)
    by_format: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        size[row["dir"]] += int(row["bytes"])
        by_format[row["format"]].add(row["dir"])
    chosen = {d for dirs in by_format.values()
              for d in sorted(dirs, key=lambda d: (size[d], d))[:2]}
    chosen.update(d for d in EXTRA_REPOS if d in size)
    return sorted(chosen)


ROOTS = ([EXAMPLES / name for name in sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())]
         + [CORPUS / name for name in _corpus_subset()])
IDS = [f"{root.parent.name}/{root.name}" for root in ROOTS]


def _run(mode: str, roots: list[Path], out: Path) -> dict[str, list[int]]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode, str(out), *map(str, roots)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    seen: dict[str, list[int]] = json.loads(done.stdout.splitlines()[-1])
    return seen


def _entries(root: Path) -> int:
    formats = list(build_plugin_manager()[1].formats.values())
    return sum(1 for p in discover(root).paths
               if (fmt := scan_module._claim(p, formats)) is not None and fmt.entry(p))


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[int]]]:
    out = tmp_path_factory.mktemp("parallel")
    return out, _run("ok", ROOTS, out)


@pytest.mark.parametrize("index", range(len(ROOTS)), ids=IDS)
def test_parallel_scan_writes_the_serial_bytes(
        index: int, scanned: tuple[Path, dict[str, list[int]]]) -> None:
    out, seen = scanned
    entries = _entries(ROOTS[index])
    assert seen[f"{index}-0"] == []
    # One entry file: nothing to share, serial by design.
    assert seen[f"{index}-2"] == ([entries] if entries > 1 else [])
    serial = (out / f"{index}-0.json").read_bytes()
    assert (out / f"{index}-2.json").read_bytes() == serial


@pytest.mark.parametrize("mode", ["raise", "die"], ids=["worker-raises", "worker-dies"])
def test_pieces_a_worker_loses_are_parsed_by_the_parent(mode: str, tmp_path: Path) -> None:
    seen = _run(mode, [EXAMPLES / "github"], tmp_path)
    assert seen["0-2"] == [_entries(EXAMPLES / "github")]
    assert (tmp_path / "0-2.json").read_bytes() == (tmp_path / "0-0.json").read_bytes()


def _decide(monkeypatch: pytest.MonkeyPatch, count: int, workers: int | None = None,
            min_files: int | None = None, threads: int = 1, load: float = 0.0) -> int:
    """How many workers a scan of ``count`` entry files would fork (nothing is forked)."""
    monkeypatch.setattr(parallel_module.threading, "active_count", lambda: threads)
    monkeypatch.setattr(parallel_module, "_load", lambda: load)
    fmt = build_plugin_manager()[1].formats["github-actions"]
    entries = [(f".github/workflows/w{i}.yml", fmt) for i in range(count)]
    return parallel_module._parallel_workers(EXAMPLES / "github", entries, workers, min_files)


def test_when_a_scan_forks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(parallel_module.WORKERS_ENV, raising=False)
    monkeypatch.delenv(parallel_module.PARALLEL_MIN_FILES_ENV, raising=False)
    many = parallel_module.PARALLEL_MIN_FILES
    assert _decide(monkeypatch, many, workers=1) == 1
    assert _decide(monkeypatch, many - 1, workers=1) == 0  # small tree (and few bytes)
    assert _decide(monkeypatch, many, workers=0) == 0
    assert _decide(monkeypatch, many, workers=1, threads=2) == 0  # another thread runs
    # never more workers than pieces beside the parent's
    assert _decide(monkeypatch, 3 * parallel_module.CHUNK_FILES, workers=8, min_files=1) == 2
    assert _decide(monkeypatch, 2, workers=1, min_files=1) == 0  # one piece
    monkeypatch.setattr(parallel_module, "CHUNK_FILES", 1)
    assert _decide(monkeypatch, 2, workers=1, min_files=1) == 1


def test_a_busy_machine_stays_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the worker count left to the scan, a load that already fills the cores it
    would use keeps it serial; an explicit count is obeyed whatever the load."""
    monkeypatch.delenv(parallel_module.WORKERS_ENV, raising=False)
    monkeypatch.setattr(parallel_module, "_spare_cores", lambda: 1)
    many = parallel_module.PARALLEL_MIN_FILES
    assert _decide(monkeypatch, many, load=0.9) == 1
    assert _decide(monkeypatch, many, load=1.4) == 1
    assert _decide(monkeypatch, many, load=1.5) == 0  # less than half a core idle
    assert _decide(monkeypatch, many, load=2.0) == 0
    assert _decide(monkeypatch, many, load=5.0, workers=1) == 1
    monkeypatch.setenv(parallel_module.WORKERS_ENV, "1")
    assert _decide(monkeypatch, many, load=5.0) == 1


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    many = parallel_module.PARALLEL_MIN_FILES
    monkeypatch.setenv(parallel_module.WORKERS_ENV, "0")
    assert _decide(monkeypatch, many) == 0
    monkeypatch.setenv(parallel_module.WORKERS_ENV, "1")
    assert _decide(monkeypatch, many) == 1
    monkeypatch.setenv(parallel_module.PARALLEL_MIN_FILES_ENV, str(many + 1))
    assert _decide(monkeypatch, many) == 0
    monkeypatch.setenv(parallel_module.WORKERS_ENV, "not a number")  # ignored: cores less one
    monkeypatch.setenv(parallel_module.PARALLEL_MIN_FILES_ENV, "1")
    assert _decide(monkeypatch, many) == min(parallel_module._spare_cores(),
                                             parallel_module.MAX_AUTO_WORKERS)


def test_an_openai_scan_stays_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the rule backend's scans fork: an LLM backend sees the steps in the parent."""
    monkeypatch.setattr(parallel_module.threading, "active_count", lambda: 1)
    monkeypatch.setattr(parallel_module, "CHUNK_FILES", 1)
    called: list[int] = []

    def parallel(*args: object, **kwargs: object) -> Iterator[object]:
        called.append(1)
        return iter(())

    monkeypatch.setattr(parallel_module, "_parse_parallel", parallel)
    root = EXAMPLES / "github"
    scan_module.scan(root, registry=build_plugin_manager()[1], backend="openai",
                     backend_options={"estimate": True}, workers=1, parallel_min_files=1)
    assert called == []


def test_what_a_backend_declares_decides_not_its_class(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A plugin's backend with ``remember`` (sdk.RememberingBackend) is used in workers
    as the rule backend is; one without it is only called in the parent."""
    from xops_lens.backends.rules import RuleBackend

    class Plain:
        def __init__(self, name: str) -> None:
            self.name, self.rules = name, RuleBackend()

        def classify(self, steps: Any) -> Any:
            return self.rules.classify(steps)

    class Remembering(Plain):
        def remember(self, steps: Any, labels: Any) -> None:
            self.rules.remember(steps, labels)

    monkeypatch.setattr(parallel_module.threading, "active_count", lambda: 1)
    monkeypatch.setattr(parallel_module, "CHUNK_FILES", 1)
    handed: list[str] = []

    def parallel(*args: Any, **kwargs: Any) -> Iterator[object]:
        handed.append(args[4].name)
        return iter(())

    monkeypatch.setattr(parallel_module, "_parse_parallel", parallel)
    registry = build_plugin_manager()[1]
    registry.backends["plain"] = Plain("plain")
    registry.backends["mine"] = Remembering("mine")
    for name in ("plain", "mine"):
        result = scan_module.scan(EXAMPLES / "github", registry=registry, backend=name,
                                  workers=1, parallel_min_files=1)
        assert result.steps  # every file parsed in the parent, as nothing came back
    assert handed == ["mine"]


def test_no_semaphores_no_workers_same_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the pool cannot be set up (no /dev/shm for its semaphore), the scan parses
    in the parent and reports the same; nothing is forked, so this runs in-process."""
    import io
    import multiprocessing

    from xops_lens.config import load_config
    from xops_lens.reporters.json import JsonReporter
    from xops_lens.sdk import ReportOptions

    root = EXAMPLES / "github"

    def report(**kwargs: object) -> str:
        result = scan_module.scan(root, registry=build_plugin_manager()[1],
                                  config=load_config(root), **kwargs)  # type: ignore[arg-type]
        out = io.StringIO()
        JsonReporter().render(result, out, ReportOptions())
        return out.getvalue()

    serial = report(workers=0)

    class NoSemaphores:
        def Value(self, *args: object) -> object:
            raise OSError(38, "Function not implemented")

    monkeypatch.setattr(multiprocessing, "get_context", lambda method: NoSemaphores())
    monkeypatch.setattr(parallel_module.threading, "active_count", lambda: 1)
    monkeypatch.setattr(parallel_module, "CHUNK_FILES", 1)
    calls: list[int] = []
    real = parallel_module._parse_parallel

    def recording(*args: object, **kwargs: object) -> Iterator[object]:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel_module, "_parse_parallel", recording)
    assert report(workers=1, parallel_min_files=1) == serial
    assert calls == [1]
