"""The persistent answer cache: an unchanged re-scan makes zero requests.

One small JSON file per answer, named by the SHA-256 of (backend, model, prompt version,
redacted step payload) scoped by the server and the whole request it was answered in
(:func:`scoped_batches`). Files are written with ``cachedir.atomic_write`` (a temporary
name in the same directory moved into place with ``os.replace``): two scans sharing the
cache directory at the same time can only ever see a whole old file or a whole new one,
and a crash leaves at most a stray temporary file. A file that does not read back as a
valid label is treated as a miss, so a damaged cache costs requests, never wrong labels.

The default location is the user's cache directory, never the scanned tree: a scan must
not write into the repository it reads.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from xops_lens.cachedir import atomic_write
from xops_lens.llm.prompt import Label, validate_label
from xops_lens.model import SuggestionWording

CACHE_FORMAT = 1


def cache_key(backend: str, model: str, prompt_version: str, payload_text: str) -> str:
    """The identity of one step's (or suggestion's) question, whatever it is sent with."""
    material = json.dumps([CACHE_FORMAT, backend, model, prompt_version, payload_text],
                          ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def scoped_batches(keys: Sequence[str], size: int, server: str
                   ) -> tuple[list[list[str]], dict[str, str]]:
    """The request batches of ``keys`` (in order, ``size`` each) and, for each key, the
    cache entry its answer is stored under.

    One batch is one request, and every item of a request is untrusted text that can
    steer the answers to the others. So an answer is cached under what produced it: the
    server, and every question of its batch (each key already names backend, model and
    prompt version). Another scan reuses it only for exactly the same request to the
    same server: an injected instruction never outlives the scan and the request it
    came in, nor reaches steps of another repository."""
    batches = [list(keys[i:i + size]) for i in range(0, len(keys), size)]
    entries: dict[str, str] = {}
    for batch in batches:
        scope = hashlib.sha256(json.dumps([server, batch]).encode("utf-8")).hexdigest()
        for key in batch:
            entries[key] = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()
    return batches, entries


class LabelCache:
    """Answers on disk under ``<dir>/labels/<2 hex>/<sha256>.json`` (step labels),
    ``<dir>/wordings/...`` (suggestion wordings) and ``<dir>/proposals/...`` (a scan's
    proposals, raw: the tool checks them on every use)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.write_errors = 0

    def _path(self, key: str, folder: str = "labels") -> Path:
        return self.directory / folder / key[:2] / f"{key}.json"

    def _read(self, path: Path, field: str) -> object:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return None
        return data.get(field)

    def get(self, key: str) -> Label | None:
        return validate_label(self._read(self._path(key), "label"))

    def put(self, key: str, label: Label) -> None:
        self._write(self._path(key), json.dumps({"format": CACHE_FORMAT, "label": {
            "subsystem": label.subsystem, "kind": label.kind,
            "confidence": label.confidence, "why": label.why}}, ensure_ascii=False))

    def get_wording(self, key: str, author: str,
                    payload: Mapping[str, Any] | None = None) -> SuggestionWording | None:
        from xops_lens.llm.wording import validate_wording

        # Validated again on the way out: a cache file is no more trusted than an answer.
        return validate_wording(self._read(self._path(key, "wordings"), "wording"), author,
                                payload)

    def put_wording(self, key: str, wording: SuggestionWording) -> None:
        self._write(self._path(key, "wordings"), json.dumps({"format": CACHE_FORMAT, "wording": {
            "title": wording.title, "description": wording.description}}, ensure_ascii=False))

    def get_proposals(self, key: str) -> list[dict[str, Any]] | None:
        from xops_lens.llm.proposals import parse_answer
        from xops_lens.llm.prompt import AnswerError

        items = self._read(self._path(key, "proposals"), "proposals")
        if not isinstance(items, list):
            return None
        try:  # checked again on the way out (and by the tool after that)
            return parse_answer(json.dumps({"proposals": items}))
        except AnswerError:
            return None

    def put_proposals(self, key: str, items: list[dict[str, Any]]) -> None:
        self._write(self._path(key, "proposals"), json.dumps(
            {"format": CACHE_FORMAT, "proposals": items}, ensure_ascii=False))

    def _write(self, path: Path, body: str) -> None:
        try:
            atomic_write(path, body, self.directory)
        except OSError:
            # A read-only or full cache must not fail the scan; the label is still used.
            self.write_errors += 1

