"""The local HTTP server under every fake API the tests speak to (tests/runs_server.py,
github_server.py, llm_server.py, llamacpp.py's proxy): a threading server on 127.0.0.1
on a port the system picks, so tests make no network call outside the machine and never
collide on a port. A fake extends it; its handler class reads the fake as ``self.fake``."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

S = TypeVar("S", bound="LocalServer")


class FakeHandler(BaseHTTPRequestHandler):
    """A fake's request handler: ``self.fake`` is the LocalServer serving it."""

    fake: Any

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the tests' output stays clean


class LocalServer:
    """Serves ``handler`` from a daemon thread between ``start()`` and ``stop()`` (or
    as a context manager); ``url`` is the server's root followed by ``path``."""

    def __init__(self, handler: type[FakeHandler], path: str = "") -> None:
        self.handler: type[FakeHandler] = type(handler.__name__, (handler,), {"fake": self})
        self.path = path
        self._httpd: ThreadingHTTPServer | None = None

    def start(self) -> str:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self.handler)
        # A short poll: stop() waits for the serving loop to notice, once per test.
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def root(self) -> str:
        assert self._httpd is not None, "the server is not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def url(self) -> str:
        return self.root + self.path

    def __enter__(self: S) -> S:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
