"""Fetch the run history of a window: list the runs, take finished ones from the cache,
read the rest with a few workers at once.

A run is read with one jobs request (GitHub: all attempts; GitLab: retried jobs too).
Runs still in progress are read but never cached. Any failed request stops the fetch
(the caller keeps the assumptions and says why in one line); what was read before it
stays cached, so the next scan starts from there.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from xops_lens.runhistory.cache import RunCache
from xops_lens.runhistory.http import ApiError, RateLimited
from xops_lens.runhistory.records import Run
from xops_lens.runhistory.source import Client, Summary

DAY = 86_400.0
PER_PAGE = 100
# Requests left for the rest of the workflow (the comment, other steps): Actions' own
# token has 1,000 an hour per repository, and a busy repository's month is more runs.
RESERVE = 100
Progress = Callable[[int, int], None]  # (runs done, runs in the window)


@dataclass
class History:
    """The runs of one repository over ``days`` days up to ``now``."""

    provider: str
    label: str
    repository: str
    days: float
    now: float
    runs: list[Run] = field(default_factory=list)
    requests: int = 0
    cached: int = 0  # runs taken from the cache
    note: str | None = None  # why the window is shorter than asked

    @property
    def since(self) -> float:
        return self.now - self.days * DAY


def fetch(client: Client, days: float, *, cache: RunCache | None = None, workers: int = 4,
          now: float | None = None, progress: Progress | None = None) -> History:
    """Raises ApiError (its text made for the user by ``client.explain``)."""
    now = time.time() if now is None else now
    history = History(client.provider, client.label, client.repository, days, now)
    try:
        summaries: list[Summary] = list(client.summaries(history.since, now))
    except ApiError as exc:
        raise type(exc)(exc.status, client.explain(exc)) from None
    finally:
        history.requests = client.transport.requests
    summaries = _within_quota(summaries, cache, client.transport.remaining, history)
    runs: dict[int, Run] = {}
    missing: list[Summary] = []
    for summary in summaries:
        cached = cache.get(summary.id, summary.version) if cache and summary.finished else None
        if cached is not None:
            runs[summary.id] = cached
        else:
            missing.append(summary)
    history.cached = len(runs)
    done = len(runs)
    if progress:
        progress(done, len(summaries))
    if missing:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = {pool.submit(client.read, s): s for s in missing}
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in finished:
                    error = future.exception()
                    if error is not None:
                        for other in pending:
                            other.cancel()
                        history.requests = client.transport.requests
                        if isinstance(error, ApiError):
                            raise type(error)(error.status, client.explain(error)) from None
                        raise error
                    run = future.result()
                    runs[run.id] = run
                    if cache is not None and futures[future].finished:
                        cache.put(run)
                    done += 1
                    if progress:
                        progress(done, len(summaries))
    history.runs = [runs[s.id] for s in summaries if s.id in runs]
    history.requests = client.transport.requests
    return history


def _within_quota(summaries: list[Summary], cache: RunCache | None, remaining: int | None,
                  history: History) -> list[Summary]:
    """The newest runs whose reading leaves RESERVE requests of the quota; when that is
    not all of them, the window shrinks to the span they cover (runs per month stay
    right, over fewer days) and ``history.note`` says so."""
    if remaining is None:
        return summaries
    budget = remaining - RESERVE
    kept: list[Summary] = []
    for summary in sorted(summaries, key=lambda s: s.created, reverse=True):
        cached = cache is not None and summary.finished and \
            cache.get(summary.id, summary.version) is not None
        if not cached:
            if budget <= 0:
                break
            budget -= 1
        kept.append(summary)
    if len(kept) == len(summaries):
        return kept
    if not kept:
        raise RateLimited(0, f"{history.label} API: the rate limit leaves {remaining} "
                             f"requests, too few to read runs and keep {RESERVE} for the rest")
    oldest = kept[-1].created
    days = max((history.now - oldest) / DAY, 1 / 24)
    history.note = (f"the rate limit leaves {remaining} requests: read the newest "
                    f"{len(kept):,} of {len(summaries):,} runs, {days:.1f} of "
                    f"{history.days:g} days (the cache keeps them for the next scan)")
    history.days = days
    return kept


@dataclass(frozen=True)
class Estimate:
    runs: int | None
    pages: int | None
    cached: int
    requests: int | None  # an upper bound: runs cached but re-run since are read again

    def describe(self, label: str, days: float) -> str:
        if self.runs is None or self.requests is None:
            return (f"{label} runs: more than one page of runs in the last {days:g} days; "
                    f"about 1 request per run plus 1 per 100 runs")
        return (f"{label} runs: {self.runs:,} runs in the last {days:g} days: at most "
                f"{self.requests:,} requests ({self.pages:,} pages of runs, "
                f"{self.requests - self.pages:,} jobs requests; {self.cached:,} runs cached)")


def estimate(client: Client, days: float, *, cache: RunCache | None = None,
             now: float | None = None) -> Estimate:
    """What a fetch would send, from one request (the count of runs in the window)."""
    now = time.time() if now is None else now
    try:
        total = client.total(now - days * DAY, now)
    except ApiError as exc:
        raise type(exc)(exc.status, client.explain(exc)) from None
    cached = cache.count() if cache is not None else 0
    if total is None:
        return Estimate(None, None, cached, None)
    pages = max(1, math.ceil(total / PER_PAGE))
    return Estimate(total, pages, cached, pages + max(0, total - cached))
