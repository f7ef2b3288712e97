"""The transport both run-history clients use: GET with a token header, JSON answers,
pagination, retries on 5xx and on a dropped connection with backoff, and rate limits
honoured: a short wait is waited, a long one stops the fetch with a one-line message.

On urllib (no new dependency, nothing to import before ``--runs`` is given). The token
goes only to the API's own origin (a pagination link to another host is refused) and
never into a message: every error text is scrubbed of it before it is raised.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from xops_lens import __version__
from xops_lens.errors import XopsLensError

RETRIES = 3
BACKOFF = 1.0  # seconds before the first retry; doubled each time
MAX_PAGES = 1000


class ApiError(XopsLensError):
    """A request failed; ``status`` is the HTTP status (0: no answer at all)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


class RateLimited(ApiError):
    """The quota is spent for longer than we are willing to wait."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    data: Any

    def header(self, name: str) -> str | None:
        return _header(self.headers, name)


def _header(headers: Mapping[str, str] | Any, name: str) -> str | None:
    if headers is None:
        return None
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` URL of an RFC 8288 Link header (GitHub and GitLab send one)."""
    for part in (header or "").split(","):
        url, _, params = part.partition(";")
        url = url.strip()
        if url.startswith("<") and url.endswith(">") and "next" in params.replace('"', " ").split():
            return url[1:-1]
    return None


class Transport:
    """GETs against one API base URL. Thread-safe: a fetch shares one transport among
    its workers, and ``requests`` counts what all of them sent."""

    def __init__(self, provider: str, base_url: str, auth: Mapping[str, str], token: str, *,
                 timeout: float = 30.0, retries: int = RETRIES, max_wait: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        parsed = urllib.parse.urlsplit(self.base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ApiError(0, f"{provider} API URL {self.base_url!r} is not an http(s) URL")
        self._origin = (parsed.scheme, parsed.netloc)
        self._auth = dict(auth)
        self._token = token
        self.timeout = timeout
        self.retries = retries
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        self._lock = threading.Lock()
        self.requests = 0
        self.remaining: int | None = None  # the quota left, as the last answer said

    def scrub(self, text: str) -> str:
        """``text`` without the token (a server may echo what it was sent)."""
        return text.replace(self._token, "***") if self._token else text

    def _error(self, status: int, path: str, message: str, cls: type[ApiError] = ApiError
               ) -> ApiError:
        shown = f"{self.provider} API GET {path}: " + (f"HTTP {status}: " if status else "")
        return cls(status, self.scrub(shown + message))

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        if path.startswith(("http://", "https://")):
            parsed = urllib.parse.urlsplit(path)
            if (parsed.scheme, parsed.netloc) != self._origin:
                raise self._error(0, parsed.path, "refusing to follow a link to another host")
            url = path
        else:
            url = self.base_url + path
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        return url

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Response:
        url = self.url(path, params)
        shown = urllib.parse.urlsplit(url).path
        headers = {"Accept": "application/json", "User-Agent": f"xops-lens/{__version__}",
                   **self._auth}
        failures = waits = 0
        while True:
            with self._lock:
                self.requests += 1
            request = urllib.request.Request(url, headers=headers, method="GET")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    raw = answer.read()
                    headers_in = dict(answer.headers.items())
                    status = answer.status
            except urllib.error.HTTPError as exc:
                raw = exc.read()
                wait = self._rate_limit_wait(exc.code, exc.headers, raw)
                if wait is not None:
                    if wait > self.max_wait or waits >= self.retries:
                        raise self._error(exc.code, shown, self._limit_message(wait),
                                          RateLimited) from None
                    waits += 1
                    self.sleep(wait)
                    continue
                if exc.code >= 500 and failures < self.retries:
                    failures += 1
                    self.sleep(BACKOFF * 2 ** (failures - 1))
                    continue
                raise self._error(exc.code, shown, _message(raw, exc.reason)) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                if failures < self.retries:
                    failures += 1
                    self.sleep(BACKOFF * 2 ** (failures - 1))
                    continue
                reason = getattr(exc, "reason", exc)
                raise self._error(0, shown, f"no answer from {self.base_url}: {reason}") from None
            left = _header(headers_in, "X-RateLimit-Remaining") or _header(
                headers_in, "RateLimit-Remaining")
            if left is not None and left.strip().isdigit():
                self.remaining = int(left)
            try:
                data = json.loads(raw) if raw.strip() else None
            except (ValueError, UnicodeDecodeError):
                raise self._error(status, shown, "the answer is not JSON") from None
            return Response(status, headers_in, data)

    def _rate_limit_wait(self, status: int, headers: Any, raw: bytes) -> float | None:
        """Seconds until the quota allows another request, or None when ``status`` is no
        rate limit. GitHub answers 403 or 429 with x-ratelimit-remaining: 0 (primary
        limit) or retry-after (secondary limit); GitLab 429 with Retry-After and
        RateLimit-Reset. A 403 without those is a refusal, not a limit."""
        if status not in (403, 429):
            return None
        retry_after = _header(headers, "Retry-After")
        if retry_after is not None:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                pass
        remaining = _header(headers, "X-RateLimit-Remaining") or _header(
            headers, "RateLimit-Remaining")
        reset = _header(headers, "X-RateLimit-Reset") or _header(headers, "RateLimit-Reset")
        if status == 429 or remaining == "0":
            try:
                return max(0.0, float(reset or 0) - self.clock()) if reset else 60.0
            except ValueError:
                return 60.0
        return None

    def _limit_message(self, wait: float) -> str:
        until = datetime.fromtimestamp(self.clock() + wait, timezone.utc).strftime("%H:%M UTC")
        return (f"rate limit reached; it resets at {until} (in {wait / 60:.0f} min), "
                f"longer than cost.runs.max_wait ({self.max_wait:g} s): stopped")

    def pages(self, path: str, params: Mapping[str, Any] | None = None,
              key: str | None = None, first: Response | None = None
              ) -> Iterator[tuple[Response, list[Any]]]:
        """Every page of a list: by the Link header's next URL, else GitLab's
        X-Next-Page. ``key`` names the list inside an object answer (GitHub wraps
        runs and jobs as ``{"total_count": n, "workflow_runs": [...]}``). ``first``:
        the first page when the caller has read it already (to learn a count)."""
        url: str | None = self.url(path, params)
        for _ in range(MAX_PAGES):
            if url is None:
                return
            response, first = (first, None) if first is not None else (self.get(url), None)
            items = response.data.get(key) if key and isinstance(response.data, dict) \
                else response.data
            if not isinstance(items, list):
                raise self._error(response.status, urllib.parse.urlsplit(url).path,
                                  "expected a list in the answer")
            yield response, items
            url = self._next(url, response)
        raise self._error(0, path, f"more than {MAX_PAGES} pages; stopped")

    def _next(self, url: str, response: Response) -> str | None:
        link = next_link(response.header("Link"))
        if link is not None:
            return self.url(link)
        page = (response.header("X-Next-Page") or "").strip()
        if not page.isdigit():
            return None
        parts = urllib.parse.urlsplit(url)
        query = dict(urllib.parse.parse_qsl(parts.query))
        query["page"] = page
        return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _message(raw: bytes, reason: str) -> str:
    """The provider's own words: GitHub's ``message``, GitLab's ``message`` or ``error``,
    one line, bounded."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return str(reason)
    text = None
    if isinstance(data, dict):
        text = data.get("message") or data.get("error")
    if not isinstance(text, str):
        text = json.dumps(text) if text else str(reason)
    return " ".join(text.split())[:200]
