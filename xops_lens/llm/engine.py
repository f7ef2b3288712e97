"""The relabelling engine every LLM backend shares.

The rule backend labels every step first. The engine picks the steps to relabel
(``uncertain``: below the confidence threshold; ``all``), serves what it can from the
cache, packs the rest into batches of at most 25 distinct steps, sends the batches with
bounded concurrency under a request and token budget, retries what can be retried, and
validates every answer. Any step the model did not answer validly keeps its rule label,
so a failing server costs time, never a step.

A provider plugs in as a :class:`Transport`: one method that sends chat messages and
returns the text, raising :class:`TransportError` with a failure kind.
"""

from __future__ import annotations

import inspect
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from xops_lens.llm import prompt, wording
from xops_lens.llm.cache import LabelCache, cache_key, scoped_batches
from xops_lens.llm.settings import (
    LLMSettings,
    endpoint_of,
    request_timeout,
    timeout_basis,
)
from xops_lens.llm.tokens import Tokenizer, completion_cap
from xops_lens.model import Classification, Step, Suggestion, SuggestionWording
from xops_lens.sdk import Backend, BackendUsage

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Reply:
    """A server's answer: the message text and the token counts it reported, if any."""

    content: str | None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class TransportError(Exception):
    """One request failed. ``kind`` groups failures in the warnings ("timeout",
    "rate-limit", "server-error", "connection", "bad-request", "auth", "not-found");
    ``retry_after`` is the server's Retry-After in seconds; ``fatal`` stops all further
    requests of the run (a wrong key or model fails every batch alike)."""

    def __init__(self, kind: str, message: str, *, retryable: bool = False,
                 retry_after: float | None = None, fatal: bool = False,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.kind, self.retryable, self.retry_after = kind, retryable, retry_after
        self.fatal, self.status = fatal, status


class Transport(Protocol):
    """``max_tokens`` bounds the answer; a transport written before it existed (without
    the parameter or ``**kwargs``) is called without it."""

    def send(self, messages: list[dict[str, str]], *, response_format: dict[str, Any] | None,
             timeout: float, max_tokens: int | None = None) -> Reply: ...


def _takes_max_tokens(transport: Any) -> bool:
    try:
        parameters = inspect.signature(transport.send).parameters.values()
    except (TypeError, ValueError, AttributeError):
        return False
    return any(p.name == "max_tokens" or p.kind is inspect.Parameter.VAR_KEYWORD
               for p in parameters)


# Re-asks for the steps a partial answer left out, per batch, when each answer adds
# labels (an answer that adds none is a failed attempt, bounded by max_retries).
MAX_REASKS = 3

_FAILURE_TEXT = {
    "timeout": "timed out",
    "rate-limit": "were rate-limited (429)",
    "server-error": "got server errors (5xx)",
    "connection": "could not connect",
    "bad-request": "were rejected as bad requests (400)",
    "auth": "were refused: the API key was not accepted",
    "not-found": "were refused: model or URL not found (404)",
    "malformed": "got answers that are not JSON",
    "off-schema": "got answers outside the label schema",
    "incomplete": "got answers that left steps out (asked again for them at most "
                  f"{MAX_REASKS} times)",
    "too-long": "did not fit the server's context even with one step",
    "error": "failed",
}

_RETRIED = ("timeout", "rate-limit", "server-error", "connection", "malformed", "off-schema")

# Structured output, strictest first: a server that rejects one mode gets the next.
_MODES = ("json_schema", "json_object", "none")


def _markup_escape(text: str) -> str:
    from rich.markup import escape

    from xops_lens.reporters._text import plain

    return escape(plain(text))


def _backoff(settings: LLMSettings, attempt: int, retry_after: float | None) -> float:
    """Seconds before the next attempt: the server's Retry-After, else exponential with
    jitter; never longer than ``max_retry_wait``, however many retries are allowed."""
    if retry_after is not None:
        return min(retry_after, settings.max_retry_wait)
    wait = settings.retry_backoff * (2 ** min(attempt, 16)) * (0.75 + random.random() / 2)
    return min(wait, settings.max_retry_wait)


@dataclass
class _Batch:
    keys: list[str]  # cache keys of the distinct payloads in this batch
    payloads: list[dict[str, Any]]


class _Budget:
    """Requests and tokens spent so far; thread-safe. Tokens of a request in flight are
    reserved at their estimate so that concurrent batches cannot overshoot together."""

    def __init__(self, max_requests: int | None, max_tokens: int | None) -> None:
        self.max_requests, self.max_tokens = max_requests, max_tokens
        self.requests = 0
        self.tokens = 0
        self.reserved = 0
        self.stopped: str | None = None
        self._lock = threading.Lock()

    def reserve(self, estimate: int) -> bool:
        with self._lock:
            if self.max_requests is not None and self.requests >= self.max_requests:
                self.stopped = self.stopped or f"--max-requests {self.max_requests}"
                return False
            if self.max_tokens is not None and \
                    self.tokens + self.reserved + estimate > self.max_tokens:
                self.stopped = self.stopped or f"--max-tokens {self.max_tokens}"
                return False
            self.requests += 1
            self.reserved += estimate
            return True

    def settle(self, estimate: int, actual: int) -> None:
        with self._lock:
            self.reserved -= estimate
            self.tokens += actual


@dataclass
class _Run:
    """Shared state of one classify() call across worker threads."""

    mode: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    failures: Counter[str] = field(default_factory=Counter)  # kind -> failed batches
    failed_steps: Counter[str] = field(default_factory=Counter)  # kind -> steps
    notes: list[str] = field(default_factory=list)
    fatal: str | None = None


class RelabelEngine:
    """Runs one relabelling pass; a configured LLM backend delegates ``classify`` here."""

    def __init__(self, settings: LLMSettings, transport: Transport | None, fallback: Backend,
                 tokenizer: Tokenizer, warn: Callable[[str], None],
                 cache: LabelCache | None = None,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.name = settings.backend
        self.settings = settings
        self.transport = transport
        self.fallback = fallback
        self.tokenizer = tokenizer
        self.warn = warn
        self.cache = cache
        self.usage = BackendUsage(backend=settings.backend, model=settings.model,
                                  relabel=settings.relabel, tokenizer=tokenizer.method,
                                  estimate=settings.estimate,
                                  endpoint=endpoint_of(settings),
                                  timeout_basis=timeout_basis(settings))
        self._sleep = sleep
        self._usage_lock = threading.Lock()
        self._wording_problems: list[str] = []
        self._max_tokens = transport is not None and _takes_max_tokens(transport)

    def _send(self, messages: list[dict[str, str]], fmt: dict[str, Any] | None,
              cap: int) -> Reply:
        """One request, bounded to ``cap`` completion tokens, timed into the usage."""
        assert self.transport is not None
        timeout = request_timeout(self.settings, cap)
        extra: dict[str, Any] = {"max_tokens": cap} if self._max_tokens else {}
        started = time.monotonic()
        try:
            return self.transport.send(messages, response_format=fmt, timeout=timeout, **extra)
        finally:
            elapsed = time.monotonic() - started
            with self._usage_lock:
                self.usage.request_seconds += elapsed
                self.usage.slowest_request = max(self.usage.slowest_request, elapsed)

    def _plan_timeout(self, cap: int) -> None:
        """Record the longest timeout a planned request gets (said by --estimate)."""
        with self._usage_lock:
            self.usage.timeout = max(self.usage.timeout or 0.0,
                                     request_timeout(self.settings, cap))

    # ---------------------------------------------------------------- planning

    def _selected(self, base: Sequence[Classification]) -> list[int]:
        if self.settings.relabel == "all":
            return list(range(len(base)))
        threshold = self.settings.confidence_threshold
        return [i for i, label in enumerate(base) if label.confidence < threshold]

    def _messages(self, batch: _Batch, ids: Sequence[str] | None = None) -> list[dict[str, str]]:
        ids = ids or [f"s{n}" for n in range(1, len(batch.payloads) + 1)]
        return prompt.messages(ids, batch.payloads)

    def _estimate_tokens(self, batch: _Batch) -> tuple[int, int]:
        return (self.tokenizer.prompt_tokens(self._messages(batch)),
                self.tokenizer.completion_tokens(len(batch.payloads)))

    # ---------------------------------------------------------------- classify

    def classify(self, steps: Sequence[Step]) -> list[Classification]:
        base = list(self.fallback.classify(steps))
        labels = list(base)
        selected = self._selected(base)
        usage = self.usage
        usage.steps_selected = len(selected)

        # Identical steps (the same `npm ci` in twenty jobs) are asked about once.
        groups: dict[str, list[int]] = {}
        payloads: dict[str, dict[str, Any]] = {}
        for index in selected:
            payload = prompt.step_payload(steps[index])
            key = cache_key(self.settings.backend, self.settings.model,
                            prompt.PROMPT_VERSION, prompt.payload_key(payload))
            groups.setdefault(key, []).append(index)
            payloads.setdefault(key, payload)
        usage.distinct_steps = len(groups)

        answers: dict[str, prompt.Label] = {}
        planned, entries = scoped_batches(list(groups), self.settings.batch_size,
                                          self.settings.base_url or "")
        if self.cache is not None:
            for key, indices in groups.items():
                cached = self.cache.get(entries[key])
                if cached is not None:
                    answers[key] = cached
                    usage.cache_hits += len(indices)
        # A batch partly answered before asks only for the rest: a subset of the same
        # request, so its answers keep the request's scope.
        batches = [_Batch(missing, [payloads[k] for k in missing])
                   for missing in ([k for k in keys if k not in answers] for keys in planned)
                   if missing]

        if self.settings.estimate:
            self._estimate(batches)
        elif batches and self.transport is not None:
            answers.update(self._send_all(batches, entries))

        for key, indices in groups.items():
            label = answers.get(key)
            for index in indices:
                if label is None:
                    continue
                labels[index] = Classification(label.subsystem, label.kind, label.confidence,
                                               self.settings.backend, label.why)
        usage.relabelled = sum(len(groups[k]) for k in groups if k in answers)
        if not self.settings.estimate:
            usage.fallbacks = len(selected) - usage.relabelled
        return labels

    def _estimate(self, batches: Sequence[_Batch]) -> None:
        usage = self.usage
        limit = self.settings.max_requests
        for n, batch in enumerate(batches):
            if limit is not None and n >= limit:
                usage.budget_stop = f"--max-requests {limit}"
                break
            prompt_tokens, completion_tokens = self._estimate_tokens(batch)
            if self.settings.max_tokens is not None and usage.prompt_tokens + prompt_tokens \
                    + usage.completion_tokens + completion_tokens > self.settings.max_tokens:
                usage.budget_stop = f"--max-tokens {self.settings.max_tokens}"
                break
            usage.requests += 1
            usage.prompt_tokens += prompt_tokens
            usage.completion_tokens += completion_tokens
            self._plan_timeout(completion_cap(len(batch.payloads)))
        usage.planned_requests = len(batches)

    # ---------------------------------------------------------------- sending

    def _send_all(self, batches: Sequence[_Batch],
                  entries: dict[str, str]) -> dict[str, prompt.Label]:
        settings = self.settings
        budget = _Budget(settings.max_requests, settings.max_tokens)
        mode = "none" if settings.structured_output == "none" else (
            "json_schema" if settings.structured_output == "auto" else settings.structured_output)
        run = _Run(mode=mode)
        answers: dict[str, prompt.Label] = {}
        self.usage.planned_requests = len(batches)
        progress = self._progress(len(batches))
        # The description is rich markup: a model name like "[/x]" must print as written.
        task = progress.add_task(_markup_escape(f"{settings.backend} {settings.model}"),
                                 total=len(batches)) if progress is not None else None
        try:
            if progress is not None:
                progress.start()
            workers = max(1, min(settings.concurrency, len(batches)))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="xops-llm") as pool:
                futures = [pool.submit(self._run_batch, batch, budget, run) for batch in batches]
                for future in as_completed(futures):
                    try:
                        answers.update(future.result())
                    except Exception as exc:  # a bug here must still leave the rule labels
                        with run.lock:
                            run.failures["error"] += 1
                            run.notes.append(f"{type(exc).__name__}: {exc}")
                    if progress is not None and task is not None:
                        progress.advance(task)
        finally:
            if progress is not None:
                progress.stop()
        if self.cache is not None:
            for key, label in answers.items():
                self.cache.put(entries[key], label)
            if self.cache.write_errors:
                self.warn(f"{settings.backend}: {self.cache.write_errors} answer(s) could not "
                          f"be written to the cache in {self.cache.directory}")
        self._report(run, budget, batches, answers)
        return answers

    def _progress(self, total: int) -> Any:
        show = self.settings.progress
        if show is None:
            show = total > 1 and sys.stderr.isatty()
        if not show:
            return None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("requests"), TimeElapsedColumn(),
                        console=Console(stderr=True), transient=True)

    def _wait(self, seconds: float, run: _Run) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            run.stop.wait(seconds)  # a fatal error elsewhere cuts the wait short

    def _record(self, run: _Run, kind: str, steps: int) -> None:
        with run.lock:
            run.failures[kind] += 1
            run.failed_steps[kind] += steps

    def _run_batch(self, batch: _Batch, budget: _Budget, run: _Run) -> dict[str, prompt.Label]:
        """Send one batch with retries; return the valid answers by cache key.

        Valid entries of an answer are kept, whatever else it holds; the steps it left
        out (a small model answering 1 of 20, repeating an id, cut off at max_tokens)
        are asked again on their own, up to MAX_REASKS times while each answer adds
        labels (none with ``max_retries`` 0). An answer adding none counts as a failed
        attempt (``max_retries``)."""
        settings = self.settings
        found: dict[str, prompt.Label] = {}
        pending = list(range(len(batch.keys)))
        attempt = reasks = 0
        while pending:
            if run.stop.is_set():
                return found
            # Ids are positional and local to the request: short, and an answer can only
            # name steps that were asked about.
            ids = [f"s{n}" for n in range(1, len(pending) + 1)]
            sub = _Batch([batch.keys[i] for i in pending], [batch.payloads[i] for i in pending])
            messages = self._messages(sub, ids)
            est_prompt = self.tokenizer.prompt_tokens(messages)
            estimate = est_prompt + self.tokenizer.completion_tokens(len(ids))
            if not budget.reserve(estimate):
                return found
            mode = run.mode
            fmt = prompt.response_format(ids) if mode == "json_schema" else (
                {"type": "json_object"} if mode == "json_object" else None)
            cap = completion_cap(len(ids))
            self._plan_timeout(cap)
            try:
                reply = self._send(messages, fmt, cap)
            except TransportError as exc:
                budget.settle(estimate, 0)
                with run.lock:
                    self.usage.requests += 1
                if exc.kind == "too-long" and len(pending) > 1:
                    # The prompt does not fit the server's context (a local model with a
                    # small one): ask about each half on its own. The halves are subsets
                    # of this request, so their answers keep its cache scope.
                    half = len(pending) // 2
                    for part in (pending[:half], pending[half:]):
                        found.update(self._run_batch(
                            _Batch([batch.keys[i] for i in part],
                                   [batch.payloads[i] for i in part]), budget, run))
                    return found
                if exc.status in (400, 422) and mode != "none" and exc.kind != "too-long":
                    # The server does not take this response_format: step down for the
                    # whole run and try again at once (this is not a retry of a fault).
                    with run.lock:
                        if run.mode == mode:
                            run.mode = _MODES[_MODES.index(mode) + 1]
                            run.notes.append(
                                f"the server rejected response_format {mode}; using "
                                f"{'json_object' if run.mode == 'json_object' else 'plain JSON instructions'}"
                                " with validated parsing")
                    continue
                if exc.fatal:
                    with run.lock:
                        run.fatal = run.fatal or str(exc)
                    run.stop.set()
                    self._record(run, exc.kind, len(pending))
                    return found
                too_long = exc.retry_after is not None and exc.retry_after > settings.max_retry_wait
                if not exc.retryable or attempt >= settings.max_retries or too_long:
                    self._record(run, exc.kind, len(pending))
                    if exc.kind == "connection":
                        # Still unreachable after the retries: every other batch would
                        # spend the same retries on the same dead address.
                        with run.lock:
                            run.fatal = run.fatal or f"the server could not be reached ({exc})"
                        run.stop.set()
                    return found
                wait = _backoff(settings, attempt, exc.retry_after)
                attempt += 1
                self._wait(wait, run)
                continue

            prompt_tokens = reply.prompt_tokens if reply.prompt_tokens is not None else est_prompt
            completion_tokens = reply.completion_tokens if reply.completion_tokens is not None \
                else self.tokenizer.count(reply.content or "")
            budget.settle(estimate, prompt_tokens + completion_tokens)
            with run.lock:
                self.usage.requests += 1
                self.usage.prompt_tokens += prompt_tokens
                self.usage.completion_tokens += completion_tokens
                if reply.prompt_tokens is None:
                    self.usage.tokens_estimated = True
            try:
                labels, rejected = prompt.parse_answer(reply.content, ids)
            except prompt.AnswerError as exc:
                if attempt >= settings.max_retries:
                    self._record(run, exc.kind, len(pending))
                    return found
                attempt += 1
                continue
            with run.lock:
                self.usage.rejected_entries += rejected
            for n, step_id in enumerate(ids):
                if step_id in labels:
                    found[sub.keys[n]] = labels[step_id]
            still = [pending[n] for n, step_id in enumerate(ids) if step_id not in labels]
            if still:
                # max_retries = 0 means one request per batch, whatever comes back.
                if reasks >= (MAX_REASKS if settings.max_retries else 0):
                    # Entries there but invalid are off-schema; none at all, incomplete.
                    self._record(run, "off-schema" if rejected else "incomplete", len(still))
                    return found
                reasks += 1
                with run.lock:
                    self.usage.reasks += 1
            pending = still
        return found

    def _report(self, run: _Run, budget: _Budget, batches: Sequence[_Batch],
                answers: dict[str, prompt.Label]) -> None:
        name = self.settings.backend
        for note in dict.fromkeys(run.notes):
            self.warn(f"{name}: {note}")
        if run.fatal:
            self.warn(f"{name}: stopped sending requests: {run.fatal}")
        for kind, count in sorted(run.failures.items()):
            steps = run.failed_steps[kind]
            text = _FAILURE_TEXT.get(kind, kind)
            retries = self.settings.max_retries
            after = f" after {retries} retr{'y' if retries == 1 else 'ies'}" \
                if kind in _RETRIED and retries else ""
            self.warn(f"{name}: {count} request(s) {text}{after}; {steps} distinct step(s) "
                      "keep their rule labels")
        if budget.stopped:
            left = sum(1 for batch in batches for key in batch.keys if key not in answers)
            self.usage.budget_stop = budget.stopped
            self.warn(f"{name}: budget reached ({budget.stopped}) after {budget.requests} "
                      f"request(s) and {budget.tokens} tokens; {left} distinct step(s) were "
                      "not sent and keep their rule labels")

    # ---------------------------------------------------------------- suggestions

    def word_suggestions(self, suggestions: Sequence[Suggestion],
                         steps: Sequence[Step]) -> list[Suggestion]:
        """The suggestions reworded for this pipeline by the model; the numbers are
        untouched (Suggestion.reworded keeps them), and any suggestion the model did not
        word validly keeps the catalogue's words. Shares the run's request and token
        budget with the relabelling, which has spent its part by now."""
        settings = self.settings
        out = list(suggestions)
        if not settings.reword or not out:
            return out
        usage = self.usage
        at = {(step.file, step.line): step for step in steps}
        keys: list[str] = []
        payloads: dict[str, dict[str, Any]] = {}
        for suggestion in out:
            payload = wording.suggestion_payload(suggestion, at)
            key = cache_key(settings.backend, settings.model, wording.PROMPT_VERSION,
                            prompt.payload_key(payload))
            keys.append(key)
            payloads.setdefault(key, payload)
        found: dict[str, SuggestionWording] = {}
        planned, entries = scoped_batches(list(payloads), settings.batch_size,
                                          settings.base_url or "")
        if self.cache is not None:
            for key in payloads:
                cached = self.cache.get_wording(entries[key], settings.backend, payloads[key])
                if cached is not None:
                    found[key] = cached
        batches = [missing for missing in ([k for k in keys if k not in found] for keys in planned)
                   if missing]
        missing = [key for batch in batches for key in batch]
        sent: dict[str, SuggestionWording] = {}
        for batch in batches:
            ids = [f"g{n}" for n in range(1, len(batch) + 1)]
            messages = wording.messages(ids, [payloads[key] for key in batch])
            estimate = (self.tokenizer.prompt_tokens(messages),
                        self.tokenizer.completion_tokens(len(ids)) * 4)
            stop = self._wording_budget_stop(sum(estimate))
            if stop is not None:
                usage.budget_stop = usage.budget_stop or stop
                self.warn(f"{settings.backend}: budget reached ({stop}); "
                          f"{len(missing) - len(sent)} suggestion(s) keep the catalogue's words")
                break
            cap = completion_cap(len(ids), wording.MAX_COMPLETION_PER_ITEM)
            self._plan_timeout(cap)
            if settings.estimate or self.transport is None:
                usage.requests += 1
                usage.prompt_tokens += estimate[0]
                usage.completion_tokens += estimate[1]
                continue
            answer = self._send_wording(messages, ids, [payloads[key] for key in batch], cap)
            for n, item_id in enumerate(ids):
                if item_id in answer:
                    sent[batch[n]] = answer[item_id]
        if self.cache is not None:
            for key, text in sent.items():
                self.cache.put_wording(entries[key], text)
        found.update(sent)
        reworded = 0
        for n, suggestion in enumerate(out):
            worded = found.get(keys[n])
            if worded is not None:
                out[n] = suggestion.reworded(worded)
                reworded += 1
        usage.suggestions_reworded = reworded
        if not settings.estimate and reworded < len(out) and batches:
            why = "; ".join(problem for problem, _
                            in Counter(self._wording_problems).most_common())
            self.warn(f"{settings.backend}: {len(out) - reworded} suggestion(s) keep the "
                      "catalogue's words (no valid wording from the model"
                      + (f": {why})" if why else ")"))
        return out

    def propose_suggestions(self, lines: Sequence[dict[str, Any]],
                            catalogue: Sequence[dict[str, str]]) -> list[Any]:
        """The model's own replacements for the cost lines no catalogue entry claimed
        (xops_lens/llm/proposals.py): raw items, validated and priced by the tool."""
        from xops_lens.llm import proposals

        return proposals.propose(self, lines, catalogue)

    def _wording_budget_stop(self, estimate: int) -> str | None:
        settings, usage = self.settings, self.usage
        if settings.max_requests is not None and usage.requests >= settings.max_requests:
            return f"--max-requests {settings.max_requests}"
        if settings.max_tokens is not None and \
                usage.prompt_tokens + usage.completion_tokens + estimate > settings.max_tokens:
            return f"--max-tokens {settings.max_tokens}"
        return None

    def _send_wording(self, messages: list[dict[str, str]], ids: Sequence[str],
                      payloads: Sequence[dict[str, Any]],
                      cap: int) -> dict[str, SuggestionWording]:
        """One wording request with the labelling's retry rules; {} when it fails."""
        found = self._send_structured(
            messages, wording.response_format(ids), cap, "suggestion wording",
            lambda content: wording.parse_answer(content, ids, self.settings.backend,
                                                 dict(zip(ids, payloads, strict=True)),
                                                 self._wording_problems))
        return found or {}

    def _send_structured(self, messages: list[dict[str, str]], schema_format: dict[str, Any],
                         cap: int, what: str, parse: Callable[[str | None], _T]) -> _T | None:
        """One request for a structured answer (suggestion wording, proposals) with the
        labelling's retry rules: the next structured-output mode when the server rejects
        one, bounded retries of what can be retried, a re-ask of an unreadable answer;
        None when it fails (a warning names ``what`` was asked)."""
        settings, usage = self.settings, self.usage
        assert self.transport is not None
        run = _Run(mode="none" if settings.structured_output == "none" else (
            "json_schema" if settings.structured_output == "auto" else settings.structured_output))
        attempt = 0
        while True:
            if self._wording_budget_stop(0) is not None:
                return None
            fmt = schema_format if run.mode == "json_schema" else (
                {"type": "json_object"} if run.mode == "json_object" else None)
            try:
                reply = self._send(messages, fmt, cap)
            except TransportError as exc:
                usage.requests += 1
                if exc.status in (400, 422) and run.mode != "none":
                    run.mode = _MODES[_MODES.index(run.mode) + 1]
                    continue
                too_long = exc.retry_after is not None and exc.retry_after > settings.max_retry_wait
                if exc.fatal or not exc.retryable or attempt >= settings.max_retries or too_long:
                    self.warn(f"{settings.backend}: the {what} request "
                              f"{_FAILURE_TEXT.get(exc.kind, exc.kind)} ({exc})")
                    return None
                wait = _backoff(settings, attempt, exc.retry_after)
                attempt += 1
                self._wait(wait, run)
                continue
            usage.requests += 1
            usage.prompt_tokens += reply.prompt_tokens if reply.prompt_tokens is not None \
                else self.tokenizer.prompt_tokens(messages)
            usage.completion_tokens += reply.completion_tokens \
                if reply.completion_tokens is not None else self.tokenizer.count(reply.content or "")
            try:
                return parse(reply.content)
            except prompt.AnswerError:
                if attempt >= settings.max_retries:
                    return None
                attempt += 1
