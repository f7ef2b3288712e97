"""A small GitHub-REST-API-speaking server on 127.0.0.1 for the comment tests.

It implements what ``xops-lens comment`` uses, the way GitHub answers it: issue comments
(list with ``per_page``/``page`` and a ``Link`` header, create, update, delete), ``GET
/user`` (403 for an installation token such as GITHUB_TOKEN, as on GitHub), bearer-token
checks, and switches for a read-only token (403 on writes, as on a fork's pull request)
and for transient failures. Every request is recorded for assertions. It listens on the
loopback interface only and is shut down by the fixture that starts it.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.localhttp import FakeHandler, LocalServer

FORBIDDEN = {"message": "Resource not accessible by integration",
             "documentation_url": "https://docs.github.com/rest/issues/comments"}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    authorization: str | None


@dataclass
class FakeGitHub(LocalServer):
    token: str = "test-token"
    login: str | None = None  # a user token (PAT) when set; else an installation token
    app_slug: str | None = None  # an app token: GET /app answers, comments by SLUG[bot]
    # Two runs racing: each waits here after its first listing of the comments, so both
    # have read the (empty) thread before either writes.
    list_barrier: threading.Barrier | None = None
    racing: int = 0  # how many listings wait at the barrier (one per racing run)
    lock: threading.Lock = field(default_factory=threading.Lock)
    prefix: str = ""  # "/api/v3" to play GitHub Enterprise Server
    forbid_writes: bool = False
    fail_next: list[int] = field(default_factory=list)  # statuses to answer before serving
    foreign_next_link: bool = False  # a Link header pointing at another host
    comments: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    next_id: int = 1000

    # -- control ---------------------------------------------------------------------------
    def __post_init__(self) -> None:
        LocalServer.__init__(self, _Handler)

    @property
    def api_url(self) -> str:
        return self.root + self.prefix

    def author(self) -> dict[str, Any]:
        if self.login:
            return {"login": self.login, "type": "User"}
        if self.app_slug:
            return {"login": f"{self.app_slug}[bot]", "type": "Bot"}
        return {"login": "github-actions[bot]", "type": "Bot"}

    def add_comment(self, repo: str, number: int, body: str, login: str = "someone",
                    type_: str = "User") -> dict[str, Any]:
        self.next_id += 1
        comment = {"id": self.next_id, "body": body, "user": {"login": login, "type": type_},
                   "html_url": f"https://github.invalid/{repo}/pull/{number}#issuecomment-{self.next_id}"}
        self.comments.setdefault((repo, number), []).append(comment)
        return comment

    def thread(self, repo: str, number: int) -> list[dict[str, Any]]:
        return self.comments.get((repo, number), [])

    def calls(self, method: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method]


_COMMENTS_RE = re.compile(r"^/repos/([^/]+/[^/]+)/issues/(\d+)/comments$")
_COMMENT_RE = re.compile(r"^/repos/([^/]+/[^/]+)/issues/comments/(\d+)$")


class _Handler(FakeHandler):
    fake: FakeGitHub

    def _send(self, status: int, data: Any = None, headers: dict[str, str] | None = None) -> None:
        raw = b"" if data is None else json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)

    def _handle(self, method: str) -> None:
        fake = self.fake
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        fake.requests.append(Recorded(method, url.path, parse_qs(url.query), body,
                                      self.headers.get("Authorization")))
        if fake.fail_next:
            status = fake.fail_next.pop(0)
            self._send(status, {"message": "try again"}, {"Retry-After": "0"})
            return
        if self.headers.get("Authorization") != f"Bearer {fake.token}":
            self._send(401, {"message": "Bad credentials"})
            return
        if not url.path.startswith(fake.prefix):
            self._send(404, {"message": "Not Found"})
            return
        path = url.path[len(fake.prefix):]
        if path == "/user" and method == "GET":
            if fake.login:
                self._send(200, {"login": fake.login, "type": "User"})
            else:
                self._send(403, FORBIDDEN)
            return
        if path == "/app" and method == "GET":
            if fake.app_slug:
                self._send(200, {"slug": fake.app_slug, "name": fake.app_slug.title()})
            else:  # GITHUB_TOKEN: no app to describe
                self._send(403, FORBIDDEN)
            return
        if (match := _COMMENTS_RE.match(path)):
            repo, number = match.group(1), int(match.group(2))
            if method == "GET":
                barrier = fake.list_barrier
                with fake.lock:
                    racing = barrier is not None and fake.racing > 0
                    fake.racing -= 1 if racing else 0
                if racing and barrier is not None:
                    # Answer only after the racing run has listed too.
                    chunk = fake.thread(repo, number)[:]
                    barrier.wait(timeout=10)
                    self._list(repo, number, parse_qs(url.query), path, chunk)
                    return
                self._list(repo, number, parse_qs(url.query), path)
                return
            if method == "POST":
                if fake.forbid_writes:
                    self._send(403, FORBIDDEN)
                    return
                made = fake.add_comment(repo, number, body["body"], fake.author()["login"],
                                        fake.author()["type"])
                self._send(201, made)
                return
        if (match := _COMMENT_RE.match(path)):
            repo, comment_id = match.group(1), int(match.group(2))
            found = next((c for thread in fake.comments.values() for c in thread
                          if c["id"] == comment_id), None)
            if found is None:
                self._send(404, {"message": "Not Found"})
                return
            if fake.forbid_writes:
                self._send(403, FORBIDDEN)
                return
            if method == "PATCH":
                found["body"] = body["body"]
                self._send(200, found)
                return
            if method == "DELETE":
                for thread in fake.comments.values():
                    if found in thread:
                        thread.remove(found)
                self._send(204)
                return
        self._send(404, {"message": "Not Found"})

    def _list(self, repo: str, number: int, query: dict[str, list[str]], path: str,
              snapshot: list[dict[str, Any]] | None = None) -> None:
        fake = self.fake
        per_page = min(int(query.get("per_page", ["30"])[0]), 100)
        page = int(query.get("page", ["1"])[0])
        thread = fake.thread(repo, number) if snapshot is None else snapshot
        chunk = thread[(page - 1) * per_page: page * per_page]
        last = max(1, -(-len(thread) // per_page))
        links = []
        host = "http://elsewhere.invalid" if fake.foreign_next_link else fake.root
        if page < last:
            links.append(f'<{host}{fake.prefix}{path}?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{fake.root}{fake.prefix}{path}?per_page={per_page}&page={last}>; rel="last"')
        self._send(200, chunk, {"Link": ", ".join(links)} if links else None)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")
