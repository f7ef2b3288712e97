"""Parsing a large tree's entry files ahead, in forked worker processes (``parse_ahead``).

The scan calls one function and gets the same values the serial loop would make; all
of the fork, pipe and pickle machinery is here.
"""

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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from queue import SimpleQueue
from typing import TYPE_CHECKING, Any

from xops_lens.budget import SharedTally
from xops_lens.model import Classification, Job, Pipeline, Step, Trigger
from xops_lens.result import FileReport
from xops_lens.sdk import Format, RememberingBackend

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

# What parsing one file gives: its report (None: the format declined it) and the
# (path, marked_text) pairs of every file read for it, in reading order.
Parsed = tuple["FileReport | None", list[tuple[str, str]]]
# How the scan parses one entry file: (root, path, format, tree) -> Parsed.
ParseFile = Callable[[Path, str, Format, Sequence[str]], Parsed]

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

# Parsing and rule classification are about half of a large scan's CPU time, and each
# entry file is parsed on its own, so a large tree spreads them over the machine's
# cores: forked workers and the parent take pieces of CHUNK_FILES entry files in turn
# from a shared counter (a slow core or a busy machine gets fewer pieces), each parses
# its piece and labels its steps with its copy of the rule backend, and the workers
# send the reports and labels back pickled. The parent puts the reports in the order of
# the serial scan and hands the labels to its own copy of the backend (``remember``),
# so everything after parsing is the serial code on the same values: same reports,
# same errors, same bytes in every output.
#
# Only with fork (Linux): a forked worker inherits the registry, the formats and the
# backend without pickling them or importing anything again. Only for a backend that
# declares it can (xops_lens.sdk.RememberingBackend, as the rule backend does): an LLM
# backend must see the steps once, after the ignores, in the parent.


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
        # adds its overhead: on 2 cores a busy machine scanned slower with a worker than
        # without (docs/benchmarks.md). Less than half a core left
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
                 tally: SharedTally, parse: ParseFile) -> list[Parsed]:
    """The files of ``piece`` in order, until the scan's budget is spent (so possibly
    fewer than all: the scan's own loop reads the others if its budget allows)."""
    parsed: list[Parsed] = []
    for path, fmt in piece:
        if tally.exhausted():
            break
        one = parse(root, path, fmt, tree)
        tally.add(one[0].pipeline if one[0] is not None else None)
        parsed.append(one)
    return parsed


def _parse_piece(root: Path, piece: Sequence[tuple[str, Format]], tree: Sequence[str],
                 backend: RememberingBackend, tally: SharedTally, parse: ParseFile
                 ) -> list[Parsed]:
    parsed = _parse_files(root, piece, tree, tally, parse)
    backend.classify(_steps_of(parsed))  # fills the cache the scan's classification reads
    return parsed


def _worker(conn: Connection, counter: Any, pieces: Sequence[Sequence[tuple[str, Format]]],
            root: Path, tree: Sequence[str], backend: RememberingBackend, tally: SharedTally,
            parse: ParseFile) -> None:
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
                parsed = _parse_files(root, pieces[index], tree, tally, parse)
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
                    workers: int, backend: RememberingBackend, parse: ParseFile
                    ) -> Iterator[tuple[str, Parsed]]:
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
                                  args=(writer, counter, pieces, root, tree, backend, tally,
                                        parse))
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
            done[index] = _parse_piece(root, pieces[index], tree, backend, tally, parse)
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


def parse_ahead(root: Path, entries: Sequence[tuple[str, Format]], tree: Sequence[str],
                backend: object, parse: ParseFile, *, workers: int | None = None,
                min_files: int | None = None) -> dict[str, Parsed]:
    """``entries`` parsed (by ``parse``) in forked workers and this process, by path,
    with ``backend``'s labels of their steps remembered by it; empty when the tree is
    too small, the machine too busy, fork unavailable or the backend not a
    RememberingBackend. ``workers`` and ``min_files``: see :func:`xops_lens.scan.scan`.
    A file missing from the answer (the scan's budget was spent, a worker failed) is
    the caller's to parse."""
    if not isinstance(backend, RememberingBackend):
        return {}
    count = _parallel_workers(root, entries, workers, min_files)
    if not count:
        return {}
    return dict(_parse_parallel(root, entries, tree, count, backend, parse))
