"""Finished runs on disk, so that a re-scan fetches only what is new.

``<user cache>/runs/<provider>/<sha256 of API URL and repository>/<run id>.json``,
folders 0700 and files 0600 (run names and job names of a private repository are not
everyone's to read). Each entry is the normalised run (records.Run) and the version it
was fetched at: a finished run changes only when it is re-run, which changes its
version, and then it is fetched again. Nothing of the request (no header, no token) is
written. A broken or unwritable cache never fails a scan: it only costs requests.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from xops_lens.cachedir import atomic_write, default_cache_dir
from xops_lens.runhistory.records import Run

CACHE_FORMAT = 1


def default_runs_dir() -> Path:
    return default_cache_dir() / "runs"


class RunCache:
    def __init__(self, directory: Path, provider: str, api_url: str, repository: str) -> None:
        digest = hashlib.sha256(f"{api_url.rstrip('/')}\n{repository}".encode()).hexdigest()[:24]
        self.root = directory
        self.directory = directory / provider / digest
        self.write_errors = 0

    def _path(self, run_id: int) -> Path:
        return self.directory / f"{int(run_id)}.json"

    def get(self, run_id: int, version: str) -> Run | None:
        try:
            data = json.loads(self._path(run_id).read_text(encoding="utf-8"))
            if data.get("format") != CACHE_FORMAT or data.get("version") != version:
                return None
            return Run.from_json(data["run"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, run: Run) -> None:
        body = json.dumps({"format": CACHE_FORMAT, "version": run.version, "run": run.to_json()},
                          separators=(",", ":"))
        try:
            atomic_write(self._path(run.id), body, self.root)
        except OSError:
            self.write_errors += 1

    def count(self) -> int:
        try:
            return sum(1 for p in self.directory.iterdir() if p.suffix == ".json")
        except OSError:
            return 0

