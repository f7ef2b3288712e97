"""What both provider clients share: the listing's view of a run, and the repository
path of the ``origin`` remote."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from xops_lens.runhistory.http import ApiError, Transport
from xops_lens.runhistory.records import Run

# git@host:group/name.git, ssh://git@host[:port]/group/name.git, https://host/group/name
_REMOTE_RE = re.compile(r"^(?:[a-z+]+://(?:[^@/]+@)?[^/]+/|[^@/:]+@[^:/]+:)(?P<path>.+?)(?:\.git)?/?$")


@dataclass(frozen=True)
class Summary:
    """One run as the list of runs shows it: enough to decide whether the cached copy
    is current (``version``) and to read the rest (``data``)."""

    id: int
    created: float
    finished: bool
    version: str
    data: dict[str, Any] = field(default_factory=dict)


class Client(Protocol):
    provider: str  # github, gitlab
    label: str  # for messages
    repository: str
    transport: Transport

    def total(self, since: float, now: float) -> int | None: ...

    def summaries(self, since: float, now: float) -> Any: ...

    def read(self, summary: Summary) -> Run: ...

    def explain(self, error: ApiError) -> str: ...


def remote_path(root: str) -> str | None:
    """``group/name`` of the ``origin`` remote of the repository holding ``root``."""
    try:
        import git

        repo = git.Repo(root, search_parent_directories=True)
        url = repo.remotes.origin.url if "origin" in [r.name for r in repo.remotes] else ""
    except Exception:  # not a repository, no git binary: the user gives --repo instead
        return None
    return parse_remote(url)


def parse_remote(url: str) -> str | None:
    match = _REMOTE_RE.match(url.strip())
    if not match:
        return None
    path = match.group("path").strip("/")
    return path if "/" in path else None
