"""The scan: discover CI files, parse them with format plugins, classify every step."""

from __future__ import annotations

import dataclasses
import gc
import io
import operator
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from queue import SimpleQueue
from typing import TYPE_CHECKING, Any

from xops_lens.backends.rules import RuleBackend
from xops_lens.budget import Budget, SharedTally
from xops_lens.claims import claimer, configured, unclaimed
from xops_lens.config import UserSettings
from xops_lens.cost import estimate
from xops_lens.discover import discover, read_text
from xops_lens.errors import ConfigError, Declined, ParseError, XopsLensError, visible
from xops_lens.model import (
    MAX_STEPS_PER_FILE,
    SUBSYSTEM_OF_KIND,
    Classification,
    Job,
    Pipeline,
    Source,
    Step,
    Trigger,
)
from xops_lens.ignore import Ignores, marked_text
from xops_lens.plugins import Registry, get_registry
from xops_lens.redact import redact, redact_pipeline
from xops_lens.propose import propose_suggestions
from xops_lens.reword import reword_suggestions
from xops_lens.result import FileReport, GateResult, ScanResult, StepResult
from xops_lens.sdk import Backend, BackendContext, Format

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from xops_lens.runhistory.fetch import History

DEFAULT_BACKEND = "rules"

# Parallel parsing (see _parse_parallel): worth a fork from this many entry files or
# bytes of them (about 200 GitHub workflows). Below it the start of a worker (tens of
# ms) costs more than a second core saves.
PARALLEL_MIN_FILES = 200
PARALLEL_MIN_BYTES = 1024 * 1024
# Overrides, for tests and for people measuring: XOPS_LENS_WORKERS=0 keeps a scan serial,
# N forks N workers; XOPS_LENS_PARALLEL_MIN_FILES lowers or raises the threshold.
WORKERS_ENV = "XOPS_LENS_WORKERS"
MAX_AUTO_WORKERS = 3
PARALLEL_MIN_FILES_ENV = "XOPS_LENS_PARALLEL_MIN_FILES"
# Files per piece of work: small enough that the parent and the workers finish close
# together, large enough that a piece's pickle shares its repeated labels.
CHUNK_FILES = 24


def gate_label(job: Job) -> Classification | None:
    """The rubric's job-level human gate, if the job has one."""
    if job.manual:
        return Classification("action", "approve", 0.95, "format",
                              "the job waits for a person to start or approve it")
    if job.environment:
        return Classification(
            "action", "approve", 0.5, "format",
            f"deploys to environment {job.environment!r}; its protection rules (kept "
            "outside the file) may require an approval",
        )
    return None


def _entry(path: str, formats: list[Format]) -> bool:
    fmt = _claim(path, formats)
    return fmt is None or fmt.entry(path)


def _next_claimer(root: Path, path: str, declined: Format, formats: list[Format],
                  tree: Sequence[str], texts: dict[str, str]) -> FileReport | None:
    """A format that claims a file and then declines it (its content is another CI's)
    hands it on to the formats registered after it that claim it too, in order."""
    later = formats[formats.index(declined) + 1:] if declined in formats else []
    for fmt in later:
        if fmt.claims(path):
            report = _parse_one(root, path, fmt, tree, texts)
            if report is not None:
                return report
    return None


def _check_hints(report: FileReport, registry: Registry) -> FileReport:
    """A step's ``kind_hint`` must be a kind of the taxonomy: a misspelt one would be
    ignored without a word, so the file is reported as failed, naming the plugin."""
    if report.pipeline is None:
        return report
    bad = next((s for s in report.pipeline.steps
                if s.kind_hint is not None and s.kind_hint not in SUBSYSTEM_OF_KIND), None)
    if bad is None:
        return report
    import difflib

    owner = registry.owners.get(("formats", report.format), "?")
    close = difflib.get_close_matches(str(bad.kind_hint), list(SUBSYSTEM_OF_KIND), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return FileReport(report.path, report.format, error=visible(
        f"{report.path}:{bad.line}: format {report.format!r} of plugin {owner} gave the step "
        f"a kind_hint {bad.kind_hint!r} that is not a kind{hint}; file skipped"))


def _claim(path: str, formats: list[Format]) -> Format | None:
    for fmt in formats:
        if fmt.claims(path):
            return fmt
    return None


# What parsing one file gives: its report (None: the format declined it) and the
# (path, marked_text) pairs of every file read for it, in reading order.
Parsed = tuple["FileReport | None", list[tuple[str, str]]]


def _parse_recorded(root: Path, path: str, fmt: Format, tree: Sequence[str]) -> Parsed:
    read: dict[str, str] = {}
    report = _parse_one(root, path, fmt, tree, read)
    return report, list(read.items())


def _redacted_after(prefix: str, text: str) -> str:
    """``text`` with what follows ``prefix`` (a file name and line) redacted."""
    if text.startswith(prefix):
        return prefix + redact(text[len(prefix):])
    return redact(text)


def _parse_one(root: Path, path: str, fmt: Format, tree: Sequence[str],
               texts: dict[str, str]) -> FileReport | None:
    """``texts`` collects what the ignores need of every file read (marked_text), so
    that they do not read the files again."""

    def read_local(rel: str) -> str:
        text = read_text(root, rel, referrer=path)
        texts[rel] = marked_text(text)
        return text

    try:
        text = read_text(root, path)
        texts[path] = marked_text(text)
        pipeline = fmt.parse(Source(root=str(root), path=path, text=text, read_local=read_local,
                                    local_paths=lambda: tree))
    except Declined:
        return None
    # An error may quote the file (a token in the line it could not read): its message is
    # redacted like the steps, since it reaches the same reports; the path before it stays.
    except ParseError as exc:
        where = f"{exc.path}:{exc.line}: " if exc.line else f"{exc.path}: "
        return FileReport(path, fmt.name, error=_redacted_after(visible(where), exc.one_line()))
    except XopsLensError as exc:
        return FileReport(path, fmt.name, error=_redacted_after(
            visible(f"{path}: "), visible(f"{path}: {exc}")))
    except Exception as exc:  # a format plugin's bug must not lose the other files
        return FileReport(path, fmt.name, error=_redacted_after(visible(f"{path}: "), visible(
            f"{path}: format {fmt.name!r} failed: {type(exc).__name__}: {exc}")))
    count = len(pipeline.steps)
    if count > MAX_STEPS_PER_FILE:  # whatever a plugin expands, later stages stay bounded
        return FileReport(path, fmt.name, error=visible(f"{path}: {count:,} steps, more than "
                                                        f"{MAX_STEPS_PER_FILE:,}; file skipped"))
    # The one place every pipeline enters the scan (serial or in a worker): from here on
    # the ignores, the backends, the cost model, PR mode and every reporter see redacted
    # text only, so no secret reaches an output, whichever output it is (issue 13).
    return FileReport(path, fmt.name, pipeline=redact_pipeline(pipeline))


# ---------------------------------------------------------------- parallel parsing
#
# Parsing and rule classification are about half of a large scan's CPU time, and each
# entry file is parsed on its own, so a large tree spreads them over the machine's
# cores: forked workers and the parent take pieces of CHUNK_FILES entry files in turn
# from a shared counter (a slow core or a busy machine gets fewer pieces), each parses
# its piece and labels its steps with its copy of the rule backend, and the workers
# send the reports and labels back pickled. The parent puts the reports in the order of
# the serial scan and takes the labels into its rule backend's cache (see
# RuleBackend.remember), so everything after parsing is the serial code on the same
# values: same reports, same errors, same bytes in every output.
#
# Only with fork (Linux): a forked worker inherits the registry, the formats and the
# backend without pickling them or importing anything again. Only for the rule
# backend: an LLM backend must see the steps once, after the ignores, in the parent.


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else None
    except ValueError:
        return None  # a mistyped override must not stop a scan


def _load() -> float:
    """The 1-minute load average, 0 where the system does not tell."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def _spare_cores() -> int:
    """Cores this process may run on, less the parent's own."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on every platform
        cores = os.cpu_count() or 1
    return cores - 1


def _parallel_workers(root: Path, entries: Sequence[tuple[str, Format]], workers: int | None,
                      min_files: int | None) -> int:
    """How many workers to fork for parsing ``entries``; 0 keeps the scan serial."""
    if workers is None:
        workers = _env_int(WORKERS_ENV)
    if workers is None:
        # The parent's serial half of the scan (costs, report) and its unpickling bound
        # what more cores bring, while each worker holds its own parse and label cache.
        workers = min(_spare_cores(), MAX_AUTO_WORKERS)
        # When the cores are (nearly) all busy, a worker gets no core of its own and only
        # adds its overhead: on 2 cores the 5,000-workflow scan took 9.0 s with a worker
        # against 8.1 s without at a load of 4 to 5, and the 1,000-workflow scan 2.47 s
        # against 2.28 s at 1.6 to 2 (docs/benchmarks.md). Less than half a core left
        # idle: serial. An explicit count (argument or environment) is obeyed whatever
        # the load.
        if workers > 0 and _load() >= workers + 0.5:
            workers = 0
    if min_files is None:
        min_files = _env_int(PARALLEL_MIN_FILES_ENV)
    if min_files is None:
        min_files = PARALLEL_MIN_FILES
    pieces = -(-len(entries) // CHUNK_FILES)
    workers = min(workers, pieces - 1)  # the parent takes a piece too
    if workers <= 0 or not sys.platform.startswith("linux"):
        return 0
    # Forking while another thread runs copies whatever lock it holds, held for ever.
    if threading.active_count() > 1:
        return 0
    if len(entries) < min_files and _bytes_of(root, entries) < PARALLEL_MIN_BYTES:
        return 0
    import multiprocessing

    return workers if "fork" in multiprocessing.get_all_start_methods() else 0


def _bytes_of(root: Path, entries: Sequence[tuple[str, Format]]) -> int:
    total = 0
    for path, _ in entries:
        try:
            total += os.stat(os.path.join(root, path)).st_size
        except OSError:
            pass  # reading it reports the problem
        if total >= PARALLEL_MIN_BYTES:
            break
    return total


def _reduce_positional(cls: type, get: Callable[[Any], tuple[Any, ...]], obj: Any
                       ) -> tuple[type, tuple[Any, ...]]:
    return cls, get(obj)


def _dispatch_table() -> dict[type, Any]:
    """Pickle the model's dataclasses as a call to their constructor with positional
    values: unpickling then costs half of the default (which sets every slot from a
    state dict through a Python-level __setstate__), and the parent's unpickling is
    serial time. A class whose fields cannot all be given positionally keeps the
    default."""
    import copyreg
    from functools import partial

    table: dict[type, Any] = dict(copyreg.dispatch_table)
    for cls in (FileReport, Pipeline, Job, Step, Trigger, Classification):
        fields = dataclasses.fields(cls)
        if len(fields) < 2 or any(not f.init or getattr(f, "kw_only", False) for f in fields):
            continue
        table[cls] = partial(_reduce_positional, cls,
                             operator.attrgetter(*(f.name for f in fields)))
    return table


def _dumps(value: object, table: dict[type, Any]) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = table
    pickler.dump(value)
    return buffer.getvalue()


def _steps_of(parsed: Sequence[Parsed]) -> list[Step]:
    return [step for report, _ in parsed if report is not None and report.pipeline is not None
            for step in report.pipeline.steps]


def _take(counter: Any, total: int) -> int | None:
    """The next piece nobody has taken, or None when all are taken."""
    with counter.get_lock():
        index: int = counter.value
        if index >= total:
            return None
        counter.value = index + 1
    return index


def _parse_files(root: Path, piece: Sequence[tuple[str, Format]], tree: Sequence[str],
                 tally: SharedTally) -> list[Parsed]:
    """The files of ``piece`` in order, until the scan's budget is spent (so possibly
    fewer than all: the scan's own loop reads the others if its budget allows)."""
    parsed: list[Parsed] = []
    for path, fmt in piece:
        if tally.exhausted():
            break
        one = _parse_recorded(root, path, fmt, tree)
        tally.add(one[0].pipeline if one[0] is not None else None)
        parsed.append(one)
    return parsed


def _parse_piece(root: Path, piece: Sequence[tuple[str, Format]], tree: Sequence[str],
                 backend: RuleBackend, tally: SharedTally) -> list[Parsed]:
    parsed = _parse_files(root, piece, tree, tally)
    backend.classify(_steps_of(parsed))  # fills the cache the scan's classification reads
    return parsed


def _worker(conn: Connection, counter: Any, pieces: Sequence[Sequence[tuple[str, Format]]],
            root: Path, tree: Sequence[str], backend: RuleBackend, tally: SharedTally) -> None:
    """A forked worker's loop: (index, parsed, labels) per piece, pickled; (index, None,
    None) when the piece failed here, so that the parent parses it itself."""
    # Ctrl-C reaches the whole process group: the parent handles it (and ends the
    # workers), so a worker does not print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The parent's objects, inherited, are never garbage here: out of the collector's
    # sight, a collection neither walks them nor copies their pages by touching them.
    gc.freeze()
    table = _dispatch_table()
    try:
        while (index := _take(counter, len(pieces))) is not None:
            try:
                parsed = _parse_files(root, pieces[index], tree, tally)
                message = _dumps((index, parsed, backend.classify(_steps_of(parsed))), table)
            except Exception:  # e.g. a plugin's object that does not pickle
                message = pickle.dumps((index, None, None))
            conn.send_bytes(message)
    finally:
        conn.close()


def _receive(conns: list[Connection], inbox: SimpleQueue[bytes | None]) -> None:
    """The parent's receiving thread: empties the workers' pipes as soon as they write
    (a worker blocks on a full pipe while the parent parses), None when all are closed."""
    from multiprocessing.connection import wait

    live = list(conns)
    try:
        while live:
            for conn in wait(live):
                try:
                    inbox.put(conn.recv_bytes())  # type: ignore[union-attr]
                except (EOFError, OSError):
                    live.remove(conn)  # type: ignore[arg-type]
                    conn.close()  # type: ignore[union-attr]
    finally:
        inbox.put(None)


def _parse_parallel(root: Path, entries: Sequence[tuple[str, Format]], tree: Sequence[str],
                    workers: int, backend: RuleBackend) -> Iterator[tuple[str, Parsed]]:
    """(path, parsed) for entry files, in the order of ``entries``; ``backend``'s cache
    then holds the label of every step of them. Files left out (the scan's budget was
    spent, or the workers could not start) are the scan's own loop's to read."""
    import multiprocessing

    pieces = [entries[i:i + CHUNK_FILES] for i in range(0, len(entries), CHUNK_FILES)]
    processes: list[Any] = []
    conns: list[Connection] = []
    try:
        ctx = multiprocessing.get_context("fork")
        counter = ctx.Value("q", 0)
        tally = SharedTally(ctx)
        for _ in range(workers):
            reader, writer = ctx.Pipe(duplex=False)
            process = ctx.Process(target=_worker, daemon=True,
                                  args=(writer, counter, pieces, root, tree, backend, tally))
            process.start()
            writer.close()  # the worker's end: EOF here once the worker has closed its copy
            processes.append(process)
            conns.append(reader)
    except (OSError, ImportError):
        # No working semaphores (a container without /dev/shm: ImportError or OSError),
        # no fork (EAGAIN, ENOMEM): parse here rather than fail. A worker that did start
        # is ended, and the scan's own loop parses every file.
        for process in processes:
            process.terminate()
            process.join()
        return
    inbox: SimpleQueue[bytes | None] = SimpleQueue()
    receiver = threading.Thread(target=_receive, args=(conns, inbox), daemon=True)
    receiver.start()
    done: dict[int, list[Parsed]] = {}

    def unpack(message: bytes) -> None:
        index, parsed, labels = pickle.loads(message)
        if parsed is not None:
            backend.remember(_steps_of(parsed), labels)
            done[index] = parsed

    finished = False
    try:
        while (index := _take(counter, len(pieces))) is not None:
            done[index] = _parse_piece(root, pieces[index], tree, backend, tally)
            while not inbox.empty():
                message = inbox.get()
                if message is None:  # every worker has ended (early: they died)
                    inbox.put(None)
                    break
                unpack(message)
        while (message := inbox.get()) is not None:
            unpack(message)
        receiver.join()  # so that the next scan in this process sees one thread again
        finished = True
    finally:
        for process in processes:
            if not finished:  # an exception here ends the scan: the workers' work is moot
                process.terminate()
            process.join()
    for index, piece in enumerate(pieces):
        # A piece a worker took but did not send (it failed there, or the worker died),
        # or cut short by the budget, is left (wholly or in part) to the scan's loop.
        for (path, _), one in zip(piece, done.pop(index, ())):
            yield path, one


def _configured(name: str, registry: Registry, root: Path, config: UserSettings,
                options: Mapping[str, Any], warn: Callable[[str], None]) -> Backend:
    """The backend for this scan: ``configure(context)``'s result when it has one."""
    chosen = registry.backends[name]
    configure = getattr(chosen, "configure", None)
    if not callable(configure):
        return chosen
    context = BackendContext(root=root, config=config, options=dict(options),
                             backends=dict(registry.backends), warn=warn)
    return configure(context)  # type: ignore[no-any-return]


def _classify(chosen: Backend, steps: list[Step], registry: Registry,
              warn: Callable[[str], None]) -> list[Classification]:
    """Labels from ``chosen``; a backend that fails or miscounts costs its labels, never
    the steps: the rule backend answers instead."""
    fallback = registry.backends.get(DEFAULT_BACKEND)
    if fallback is None or chosen is fallback:
        return chosen.classify(steps)
    try:
        labels = list(chosen.classify(steps))
        if len(labels) == len(steps):
            return labels
        problem = f"returned {len(labels)} labels for {len(steps)} steps"
    except XopsLensError as exc:
        problem = str(exc)
    except Exception as exc:  # a plugin's bug must not lose the scan
        problem = f"{type(exc).__name__}: {exc}"
    warn(f"backend {chosen.name!r} failed ({problem}); every step has its rule label")
    return fallback.classify(steps)


def scan(root: Path, *, backend: str = DEFAULT_BACKEND, registry: Registry | None = None,
         config: UserSettings | None = None,
         backend_options: Mapping[str, Any] | None = None, workers: int | None = None,
         parallel_min_files: int | None = None, history: History | None = None) -> ScanResult:
    """Scan ``root``. ``backend_options`` are the backend settings given on the command
    line (see :class:`xops_lens.sdk.BackendContext`). ``workers`` (default: one per spare
    core, or $XOPS_LENS_WORKERS; 0: serial) and ``parallel_min_files`` (default
    PARALLEL_MIN_FILES, or $XOPS_LENS_PARALLEL_MIN_FILES) decide whether a large tree is
    parsed in forked workers; the result is the same either way. ``history``: the CI
    run history (``scan --runs``), whose measurements replace the cost assumptions."""
    registry = registry or get_registry()
    config = config or UserSettings()
    if backend not in registry.backends:
        known = ", ".join(sorted(registry.backends))
        raise ConfigError(f"unknown backend {backend!r} (available: {known})")
    if not root.is_dir():
        raise ConfigError(f"{root}: not a directory")
    backend_messages: list[str] = []
    # Configured before any file is read so that impossible settings stop the scan early.
    chosen = _configured(backend, registry, root, config, backend_options or {},
                         backend_messages.append)
    result = ScanResult(root=str(root), backend=backend, config=config)
    result.messages.extend(registry.warnings)
    # Registration order decides a contested file: entry-point plugins (by name) before
    # the built-ins, so a plugin can take over a file that a built-in would read.
    formats = list(registry.formats.values())

    found = discover(root)
    tree = found.paths
    # The user's formats.<name>.paths first, then each format's conventions.
    claim = claimer(formats, configured(config.get("formats"), formats,
                                        result.messages.append))
    claimed = [(path, fmt) for path in tree if (fmt := claim(path))]
    # Entry files first, so a fragment that an entry includes is not analysed twice.
    claimed.sort(key=lambda pair: not pair[1].entry(pair[0]))
    included_by: dict[str, tuple[str, str]] = {}
    reports: dict[str, FileReport] = {}
    texts: dict[str, str] = {}
    for raw in found.skipped:  # names that are not UTF-8: no report could carry them
        skipped_fmt = claim(raw)
        if skipped_fmt is not None:
            shown = raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            reports[shown] = FileReport(shown, skipped_fmt.name, error=visible(
                f"{shown}: the file name is not UTF-8 text; not read"))
    # Entry files are always parsed and come first, and parsing one does not depend on
    # another's result, so they may be parsed ahead in workers; the loop below then
    # takes their results in its own order. Fragments stay serial: whether one is parsed
    # depends on the entries that include it.
    ahead: dict[str, Parsed] = {}
    budget = Budget()
    if backend == DEFAULT_BACKEND and isinstance(chosen, RuleBackend):
        entries = [(path, fmt) for path, fmt in claimed if fmt.entry(path)]
        count = _parallel_workers(root, entries, workers, parallel_min_files)
        if count:
            ahead = dict(_parse_parallel(root, entries, tree, count, chosen))
    for path, fmt in claimed:
        if path in included_by and not fmt.entry(path):
            continue
        if budget.spent:  # not even read: the budget bounds the work, not just the report
            reports[path] = budget.skipped(path, fmt.name)
            continue
        done = ahead.pop(path, None)
        if done is not None:
            report, read = done
            texts.update(read)  # the same keys in the same order as reading them here
        else:
            report = _parse_one(root, path, fmt, tree, texts)
        if report is None:  # declined: the next format that claims the file may read it
            report = _next_claimer(root, path, fmt, formats, tree, texts)
        if report is None:
            continue
        report = _check_hints(report, registry)
        report = reports[path] = budget.charge(report)
        if report.pipeline is not None:
            for include in report.pipeline.includes:
                included_by.setdefault(include, (path, report.format))
    for include, (includer, format_name) in included_by.items():
        existing = reports.get(include)
        # A fragment parsed alone before the fragment that includes it was reached:
        # keep the including view so its steps are not reported twice.
        if existing is None or (existing.error is None and include != includer
                                and not _entry(include, formats)):
            reports[include] = FileReport(include, format_name, included_by=includer)
    result.files = [reports[p] for p in sorted(reports)]
    # Files that look like CI configuration but that no format read, with the setting
    # that includes them (a scan that finds nothing says why).
    read = set(reports) | {path for path, _ in claimed}
    result.unclaimed = unclaimed(tree, read)

    steps = [s for f in result.files if f.pipeline for s in f.pipeline.steps]
    ignores = Ignores(root, config, texts)
    # Path rules and bare inline ignores act before any backend (an LLM) sees the steps.
    steps = ignores.drop_unlabelled(result, steps)
    labels = _classify(chosen, steps, registry, backend_messages.append)
    result.messages.extend(backend_messages)
    result.backend_usage = getattr(chosen, "usage", None)
    result.steps = [StepResult(step, label) for step, label in zip(steps, labels, strict=True)]
    for report in result.files:
        for job in report.pipeline.jobs if report.pipeline else ():
            label = gate_label(job)
            if label is not None:
                result.gates.append(GateResult(job, label))
    ignores.apply(result)  # kind rules need the labels
    measurements = None
    if history is not None:
        from xops_lens.runhistory.measure import measure

        measurements = measure(history, [f.pipeline for f in result.files if f.pipeline])
        result.messages.extend(measurements.notes)
    result.cost = estimate(result, root, measurements=measurements)
    # The backend's own warnings about the wording go where its labelling ones went.
    seen = len(backend_messages)
    result.cost.suggestions = reword_suggestions(chosen, result.cost.suggestions,
                                                 [s.step for s in result.steps],
                                                 backend_messages.append)
    # Then the model's own proposals for the lines the catalogue left, after its.
    result.cost.suggestions += propose_suggestions(
        chosen, result.cost, [f.pipeline for f in result.files if f.pipeline],
        [s.step for s in result.steps], backend_messages.append)
    result.messages.extend(backend_messages[seen:])
    # Warnings may quote the scanned files or the repository's configuration.
    result.messages = [redact(message) for message in result.messages]
    return result
