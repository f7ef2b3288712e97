"""Just enough of the GitHub REST API for the pull-request comment, on urllib.

No SDK dependency: the comment needs four endpoints. ``GITHUB_API_URL`` is honoured, so
GitHub Enterprise Server works (``https://HOST/api/v3``). The token is sent only to that
API's own origin: a pagination ``Link`` pointing anywhere else is refused.

Also here: :class:`ActionsContext`, what the GitHub Actions environment says about the
run (repository, pull request, head commit), read once from the environment and the
event file, with every value validated before it goes into a URL.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from xops_lens import __version__
from xops_lens.errors import XopsLensError

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"
API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_PAGES = 100  # 10,000 comments: past that something is wrong, not a real PR
MAX_EVENT_BYTES = 25 * 1024 * 1024
MAX_RETRY_WAIT = 60.0
_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SHA_RE = re.compile(r"^[0-9a-fA-F]{7,64}$")
_LINK_RE = re.compile(r'<([^>]+)>\s*;\s*rel="([^"]+)"')


class GitHubError(XopsLensError):
    """An API call failed; ``status`` is the HTTP status (0: no answer)."""

    def __init__(self, status: int, method: str, path: str, message: str) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.message = message
        super().__init__(f"GitHub API {method} {path}: " +
                         (f"HTTP {status}: {message}" if status else message))

    @property
    def forbidden(self) -> bool:
        """The token may not do this (a fork's read-only token, missing permissions)."""
        return self.status == 403


@dataclass
class Response:
    status: int
    headers: Mapping[str, str]
    data: Any


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` URL of a Link header."""
    for url, rel in _LINK_RE.findall(header or ""):
        if "next" in rel.split():
            return str(url)
    return None


class GitHubClient:
    def __init__(self, token: str, api_url: str | None = None, *, timeout: float = 30.0,
                 retries: int = 2, sleep: Callable[[float], None] = time.sleep) -> None:
        if not token:
            raise XopsLensError("no GitHub token: set GITHUB_TOKEN (in a workflow: "
                                "env: GITHUB_TOKEN: ${{ github.token }})")
        self.token = token
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        parsed = urllib.parse.urlsplit(self.api_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise XopsLensError(f"GITHUB_API_URL {self.api_url!r} is not an http(s) URL")
        self._origin = (parsed.scheme, parsed.netloc)
        self.timeout = timeout
        self.retries = retries
        self.sleep = sleep

    # -- transport -----------------------------------------------------------------------
    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            parsed = urllib.parse.urlsplit(path_or_url)
            if (parsed.scheme, parsed.netloc) != self._origin:
                # Never hand the token to another host, whatever a response says.
                raise GitHubError(0, "GET", path_or_url,
                                  "refusing to follow a link to another host")
            return path_or_url
        return self.api_url + path_or_url

    def request(self, method: str, path_or_url: str, body: Any = None) -> Response:
        url = self._url(path_or_url)
        shown = urllib.parse.urlsplit(url).path
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.token}",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"xops-lens/{__version__}",
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    raw = answer.read()
                    return Response(answer.status, dict(answer.headers.items()),
                                    json.loads(raw) if raw.strip() else None)
            except urllib.error.HTTPError as exc:
                raw = exc.read()
                wait = _retry_wait(exc.code, exc.headers)
                if wait is not None and attempt < self.retries:
                    attempt += 1
                    self.sleep(min(wait, MAX_RETRY_WAIT))
                    continue
                raise GitHubError(exc.code, method, shown, _message(raw, exc.reason)) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                if attempt < self.retries:
                    attempt += 1
                    self.sleep(float(attempt))
                    continue
                reason = getattr(exc, "reason", exc)
                raise GitHubError(0, method, shown, f"no answer from {self.api_url}: {reason}") from None
            except json.JSONDecodeError:
                raise GitHubError(0, method, shown, "the answer is not JSON") from None

    def paginate(self, path: str) -> Iterator[Any]:
        url: str | None = path
        for _ in range(MAX_PAGES):
            if url is None:
                return
            response = self.request("GET", url)
            if not isinstance(response.data, list):
                raise GitHubError(response.status, "GET", path, "expected a list")
            yield from response.data
            url = next_link(_header(response.headers, "Link"))
        raise GitHubError(0, "GET", path, f"more than {MAX_PAGES} pages; stopped")

    # -- endpoints ---------------------------------------------------------------------------
    def authenticated_login(self) -> str | None:
        """The token's user, or None for tokens that have no user (GITHUB_TOKEN, apps)."""
        try:
            data = self.request("GET", "/user").data
        except GitHubError as exc:
            if exc.status in (401, 403, 404):
                return None
            raise
        return data.get("login") if isinstance(data, dict) else None

    def authenticated_app_bot(self) -> str | None:
        """The bot login (``SLUG[bot]``) of the GitHub App the token belongs to, or None.
        GitHub answers ``GET /app`` for an app's JWT; where it refuses (an installation
        token on some servers), the caller falls back to a login it is told."""
        try:
            data = self.request("GET", "/app").data
        except GitHubError as exc:
            if exc.status in (401, 403, 404):
                return None
            raise
        slug = data.get("slug") if isinstance(data, dict) else None
        return f"{slug}[bot]" if isinstance(slug, str) and slug else None

    def list_issue_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        return list(self.paginate(f"/repos/{_repo(repo)}/issues/{int(number)}/comments"
                                  f"?per_page={PER_PAGE}"))

    def create_issue_comment(self, repo: str, number: int, body: str) -> dict[str, Any]:
        data = self.request("POST", f"/repos/{_repo(repo)}/issues/{int(number)}/comments",
                            {"body": body}).data
        return data if isinstance(data, dict) else {}

    def update_issue_comment(self, repo: str, comment_id: int, body: str) -> dict[str, Any]:
        data = self.request("PATCH", f"/repos/{_repo(repo)}/issues/comments/{int(comment_id)}",
                            {"body": body}).data
        return data if isinstance(data, dict) else {}

    def delete_issue_comment(self, repo: str, comment_id: int) -> None:
        self.request("DELETE", f"/repos/{_repo(repo)}/issues/comments/{int(comment_id)}")


def _repo(repo: str) -> str:
    if not _REPO_RE.match(repo):
        raise XopsLensError(f"{repo!r} is not an OWNER/NAME repository")
    return repo


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _retry_wait(status: int, headers: Any) -> float | None:
    """Seconds to wait before retrying, or None when retrying cannot help.

    5xx and 429 are transient; a 403 is a rate limit (not a refusal) only when GitHub
    says so with Retry-After or an exhausted quota."""
    retry_after = headers.get("Retry-After") if headers is not None else None
    remaining = headers.get("X-RateLimit-Remaining") if headers is not None else None
    if status in (500, 502, 503, 504):
        return 1.0
    if status == 429 or (status == 403 and (retry_after or remaining == "0")):
        try:
            return float(retry_after) if retry_after else 5.0
        except ValueError:
            return 5.0
    return None


def _message(raw: bytes, reason: str) -> str:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return str(reason)
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return str(reason)


# -- the Actions environment ---------------------------------------------------------------
@dataclass(frozen=True)
class ActionsContext:
    """What a GitHub Actions run tells about itself; every field may be missing."""

    server_url: str = DEFAULT_SERVER_URL
    api_url: str = DEFAULT_API_URL
    repository: str | None = None
    event_name: str | None = None
    event: Mapping[str, Any] = field(default_factory=dict)
    sha: str | None = None
    run_id: str | None = None
    workspace: str | None = None
    step_summary: str | None = None
    in_actions: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ActionsContext:
        env = os.environ if env is None else env
        server = env.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL
        if not re.match(r"^https?://[^\s\"'<>()]+$", server):
            server = DEFAULT_SERVER_URL
        repository = env.get("GITHUB_REPOSITORY") or None
        if repository and not _REPO_RE.match(repository):
            repository = None
        sha = env.get("GITHUB_SHA") or None
        if sha and not _SHA_RE.match(sha):
            sha = None
        return cls(
            server_url=server.rstrip("/"),
            api_url=(env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
            repository=repository,
            event_name=env.get("GITHUB_EVENT_NAME") or None,
            event=_read_event(env.get("GITHUB_EVENT_PATH")),
            sha=sha,
            run_id=env.get("GITHUB_RUN_ID") if (env.get("GITHUB_RUN_ID") or "").isdigit() else None,
            workspace=env.get("GITHUB_WORKSPACE") or None,
            step_summary=env.get("GITHUB_STEP_SUMMARY") or None,
            in_actions=env.get("GITHUB_ACTIONS") == "true",
        )

    @property
    def pull_request(self) -> Mapping[str, Any]:
        pr = self.event.get("pull_request")
        return pr if isinstance(pr, Mapping) else {}

    @property
    def pr_number(self) -> int | None:
        number = self.pull_request.get("number", self.event.get("number"))
        return number if isinstance(number, int) and number > 0 else None

    def _pr_sha(self, side: str) -> str | None:
        part = self.pull_request.get(side)
        sha = part.get("sha") if isinstance(part, Mapping) else None
        return sha if isinstance(sha, str) and _SHA_RE.match(sha) else None

    @property
    def head_sha(self) -> str | None:
        """The PR's head commit (what a reader of the PR sees), else the run's commit."""
        return self._pr_sha("head") or self.sha

    @property
    def base_sha(self) -> str | None:
        return self._pr_sha("base")

    @property
    def is_fork(self) -> bool:
        def full_name(side: str) -> Any:
            part = self.pull_request.get(side)
            repo = part.get("repo") if isinstance(part, Mapping) else None
            return repo.get("full_name") if isinstance(repo, Mapping) else None

        head = full_name("head")
        return bool(head) and head != full_name("base")

    def blob_url(self, path: str, line: int | None = None) -> str | None:
        """A link to ``path`` (repository-relative) at the head commit, or None."""
        sha = self.head_sha
        if not (self.repository and sha):
            return None
        url = f"{self.server_url}/{self.repository}/blob/{sha}/{urllib.parse.quote(path)}"
        return f"{url}#L{line}" if line else url

    @property
    def run_url(self) -> str | None:
        if not (self.repository and self.run_id):
            return None
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"


def _read_event(path: str | None) -> Mapping[str, Any]:
    if not path:
        return {}
    try:
        if os.path.getsize(path) > MAX_EVENT_BYTES:
            return {}
        with open(path, encoding="utf-8") as stream:
            data = json.load(stream)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
