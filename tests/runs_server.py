"""A local server on 127.0.0.1 speaking the run-history parts of the GitHub REST API and
the GitLab API v4, for the ``--runs`` tests and bench/runs_fetch.py.

GitHub (docs: "REST API endpoints for workflow runs" and "... workflow jobs"):
``GET /repos/{o}/{r}/actions/runs`` with ``created`` (``>=D``, ``D..D``), ``per_page``,
``page``; answers ``{"total_count", "workflow_runs"}`` newest first, at most 1,000 runs
per filter as GitHub does, with a ``Link`` header. ``GET .../runs/{id}/jobs`` with
``filter`` (latest|all) answers ``{"total_count", "jobs"}`` with steps.
GitLab (docs: "Pipelines API", "Jobs API"): ``GET /projects/:id/pipelines`` with
``updated_after``, ``per_page``, ``page``; ``X-Total``, ``X-Next-Page``, ``Link``.
``GET /projects/:id/pipelines/:pid/jobs`` with ``include_retried``.

Switches: a bearer/PRIVATE-TOKEN check (401), ``fail_next`` statuses (5xx), rate limits
(``limit_next``: 403 with x-ratelimit-remaining 0 and a reset time, or 429 with
retry-after), ``forbidden`` (403, a token without actions: read). Every request is
recorded. Data is built with :func:`github_history` / :func:`gitlab_history`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from tests.localhttp import FakeHandler, LocalServer

GH_RUNS = re.compile(r"^/repos/([^/]+/[^/]+)/actions/runs$")
GH_JOBS = re.compile(r"^/repos/([^/]+/[^/]+)/actions/runs/(\d+)/jobs$")
GL_PIPELINES = re.compile(r"^/projects/([^/]+)/pipelines$")
GL_JOBS = re.compile(r"^/projects/([^/]+)/pipelines/(\d+)/jobs$")


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Recorded:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class FakeRuns(LocalServer):
    token: str = "runs-token"
    prefix: str = ""  # "/api/v3" (GitHub Enterprise Server) or "/api/v4" (GitLab)
    github: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # repo -> runs
    github_jobs: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    gitlab: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # path -> pipelines
    gitlab_jobs: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    fail_next: list[int] = field(default_factory=list)
    limit_next: list[str] = field(default_factory=list)  # "primary", "secondary", "gitlab"
    reset_in: float = 0.0  # seconds until a primary limit resets
    forbidden: bool = False
    remaining: int | None = None  # a quota: sent as x-ratelimit-remaining, one less a request
    requests: list[Recorded] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        LocalServer.__init__(self, _Handler)

    @property
    def api_url(self) -> str:
        return self.root + self.prefix

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


class _Handler(FakeHandler):
    fake: FakeRuns
    protocol_version = "HTTP/1.1"

    def _send(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if self.fake.remaining is not None:
            with self.fake._lock:
                self.fake.remaining = max(0, self.fake.remaining - 1)
                self.send_header("x-ratelimit-remaining", str(self.fake.remaining))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        fake = self.fake
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        with fake._lock:
            fake.requests.append(Recorded(url.path, query, {k.lower(): v for k, v in self.headers.items()}))
            fail = fake.fail_next.pop(0) if fake.fail_next else None
            limit = fake.limit_next.pop(0) if fake.limit_next and fail is None else None
        if fail is not None:
            self._send(fail, {"message": "Server Error"})
            return
        if limit == "primary":
            self._send(403, {"message": "API rate limit exceeded for installation."},
                       {"x-ratelimit-remaining": "0", "x-ratelimit-limit": "5000",
                        "x-ratelimit-reset": str(int(time.time() + fake.reset_in))})
            return
        if limit == "secondary":
            self._send(403, {"message": "You have exceeded a secondary rate limit."},
                       {"retry-after": "0"})
            return
        if limit == "gitlab":
            self._send(429, {"message": "Retry later"}, {"Retry-After": "0",
                                                        "RateLimit-Remaining": "0"})
            return
        if not url.path.startswith(fake.prefix):
            self._send(404, {"message": "Not Found"})
            return
        path = url.path[len(fake.prefix):]
        github_auth = self.headers.get("Authorization") == f"Bearer {fake.token}"
        gitlab_auth = fake.token in (self.headers.get("PRIVATE-TOKEN"),
                                     self.headers.get("JOB-TOKEN"))
        if path.startswith("/repos/"):
            if not github_auth:
                self._send(401, {"message": "Bad credentials",
                                 "documentation_url": "https://docs.github.com/rest"})
                return
            if fake.forbidden:
                self._send(403, {"message": "Resource not accessible by integration"})
                return
            self._github(path, query)
            return
        if path.startswith("/projects/"):
            if not gitlab_auth:
                self._send(401, {"message": "401 Unauthorized"})
                return
            if fake.forbidden:
                self._send(403, {"message": "403 Forbidden"})
                return
            self._gitlab(path, query)
            return
        self._send(404, {"message": "Not Found"})

    # -- GitHub --------------------------------------------------------------------------
    def _github(self, path: str, query: dict[str, list[str]]) -> None:
        fake = self.fake
        if (match := GH_RUNS.match(path)):
            runs = fake.github.get(match.group(1))
            if runs is None:
                self._send(404, {"message": "Not Found"})
                return
            chosen = [r for r in runs if _created_matches(r["created_at"],
                                                          (query.get("created") or [""])[0])]
            chosen.sort(key=lambda r: r["created_at"], reverse=True)
            total = len(chosen)
            chosen = chosen[:1000]  # GitHub lists at most 1,000 runs per filter
            page, per_page = _page(query, 30)
            items = chosen[(page - 1) * per_page: page * per_page]
            headers = _link(self, path, query, page, per_page, len(chosen))
            self._send(200, {"total_count": total, "workflow_runs": items}, headers)
            return
        if (match := GH_JOBS.match(path)):
            run_id = int(match.group(2))
            if run_id not in fake.github_jobs:
                self._send(404, {"message": "Not Found"})
                return
            jobs = fake.github_jobs[run_id]
            if (query.get("filter") or ["latest"])[0] != "all":
                last = max((j["run_attempt"] for j in jobs), default=1)
                jobs = [j for j in jobs if j["run_attempt"] == last]
            page, per_page = _page(query, 30)
            items = jobs[(page - 1) * per_page: page * per_page]
            headers = _link(self, path, query, page, per_page, len(jobs))
            self._send(200, {"total_count": len(jobs), "jobs": items}, headers)
            return
        self._send(404, {"message": "Not Found"})

    # -- GitLab --------------------------------------------------------------------------
    def _gitlab(self, path: str, query: dict[str, list[str]]) -> None:
        fake = self.fake
        if (match := GL_PIPELINES.match(path)):
            pipelines = fake.gitlab.get(unquote(match.group(1)))
            if pipelines is None:
                self._send(404, {"message": "404 Project Not Found"})
                return
            after = (query.get("updated_after") or [""])[0]
            chosen = [p for p in pipelines if not after or p["updated_at"] >= after]
            chosen.sort(key=lambda p: p["id"], reverse=True)
            page, per_page = _page(query, 20)
            items = chosen[(page - 1) * per_page: page * per_page]
            headers = _link(self, path, query, page, per_page, len(chosen))
            headers["X-Total"] = str(len(chosen))
            headers["X-Page"] = str(page)
            headers["X-Next-Page"] = str(page + 1) if page * per_page < len(chosen) else ""
            self._send(200, items, headers)
            return
        if (match := GL_JOBS.match(path)):
            pipeline_id = int(match.group(2))
            if pipeline_id not in fake.gitlab_jobs:
                self._send(404, {"message": "404 Not found"})
                return
            jobs = fake.gitlab_jobs[pipeline_id]
            if (query.get("include_retried") or ["false"])[0] != "true":
                newest: dict[str, dict[str, Any]] = {}
                for job in jobs:
                    if job["name"] not in newest or job["id"] > newest[job["name"]]["id"]:
                        newest[job["name"]] = job
                jobs = list(newest.values())
            page, per_page = _page(query, 20)
            items = jobs[(page - 1) * per_page: page * per_page]
            headers = _link(self, path, query, page, per_page, len(jobs))
            headers["X-Next-Page"] = str(page + 1) if page * per_page < len(jobs) else ""
            self._send(200, items, headers)
            return
        self._send(404, {"message": "404 Not found"})


def _page(query: dict[str, list[str]], default: int) -> tuple[int, int]:
    page = int((query.get("page") or ["1"])[0])
    per_page = min(100, int((query.get("per_page") or [str(default)])[0]))
    return page, per_page


def _link(handler: _Handler, path: str, query: dict[str, list[str]], page: int,
          per_page: int, total: int) -> dict[str, str]:
    if page * per_page >= total:
        return {}
    flat = {k: v[0] for k, v in query.items()}
    flat["page"] = str(page + 1)
    host = handler.headers.get("Host")
    url = f"http://{host}{handler.fake.prefix}{path}?{urlencode(flat)}"
    return {"Link": f'<{url}>; rel="next"'}


def _created_matches(created: str, spec: str) -> bool:
    day = created[:10]
    if not spec:
        return True
    if spec.startswith(">="):
        return day >= spec[2:12]
    if ".." in spec:
        first, last = spec.split("..", 1)
        return first[:10] <= day <= last[:10]
    return day == spec[:10]


# -- data --------------------------------------------------------------------------------
@dataclass(frozen=True)
class JobSpec:
    """A job to make runs of: its name, matrix cells, steps (name, minutes) and how
    often it fails or is re-run (every n-th run; 0: never)."""

    name: str
    steps: tuple[tuple[str, float], ...]
    cells: tuple[str, ...] = ("",)
    fail_every: int = 0
    rerun_every: int = 0
    wait_minutes: float = 0.1
    only_every: int = 1  # runs in one run of n (a tag-only job)


def github_history(fake: FakeRuns, repo: str, workflow: str, jobs: tuple[JobSpec, ...],
                   runs: int, days: float, *, now: datetime | None = None,
                   first_id: int = 1000, in_progress: int = 0) -> None:
    """``runs`` runs of ``workflow`` spread evenly over the last ``days`` days, newest
    ``in_progress`` of them still running."""
    now = now or datetime.now(timezone.utc)
    listing = fake.github.setdefault(repo, [])
    job_id = first_id * 1000
    for n in range(runs):
        run_id = first_id + n
        created = now - timedelta(days=days) * (n + 0.5) / runs
        running = n < in_progress
        run_jobs: list[dict[str, Any]] = []
        attempts = 1
        failed = False
        for spec in jobs:
            if spec.only_every > 1 and n % spec.only_every:
                continue
            rerun = bool(spec.rerun_every) and n % spec.rerun_every == 0
            attempts = max(attempts, 2 if rerun else 1)
            for cell in spec.cells:
                name = f"{spec.name} ({cell})" if cell else spec.name
                for attempt in ((1, 2) if rerun else (1,)):
                    job_id += 1
                    fails = (attempt == 1 and rerun) or (
                        bool(spec.fail_every) and n % spec.fail_every == 1)
                    failed = failed or (fails and not rerun)
                    run_jobs.append(_github_job(job_id, run_id, attempt, name, spec, created,
                                                fails, running))
        fake.github_jobs[run_id] = run_jobs
        listing.append({
            "id": run_id, "name": workflow.rsplit("/", 1)[-1], "path": workflow,
            "event": "push", "status": "in_progress" if running else "completed",
            "conclusion": None if running else ("failure" if failed else "success"),
            "run_attempt": attempts, "created_at": iso(created),
            "updated_at": iso(created + timedelta(minutes=30)),
            "run_started_at": iso(created), "head_branch": "main",
        })


def _github_job(job_id: int, run_id: int, attempt: int, name: str, spec: JobSpec,
                created: datetime, fails: bool, running: bool) -> dict[str, Any]:
    start = created + timedelta(minutes=spec.wait_minutes + (attempt - 1) * 40)
    clock = start
    steps = []
    names = [("Set up job", 0.2), *spec.steps, ("Complete job", 0.1)]
    # the last step of the job's own (not a post step) is the one that fails
    failing = max(n for n, (name, _) in enumerate(names, 1)
                  if not name.startswith("Post ") and name != "Complete job")
    for number, (step_name, step_minutes) in enumerate(names, 1):
        end = clock + timedelta(minutes=step_minutes)
        steps.append({"name": step_name, "status": "completed",
                      "conclusion": "failure" if fails and number == failing
                      else "success", "number": number,
                      "started_at": iso(clock), "completed_at": iso(end)})
        clock = end
    return {"id": job_id, "run_id": run_id, "run_attempt": attempt, "name": name,
            "status": "in_progress" if running else "completed",
            "conclusion": None if running else ("failure" if fails else "success"),
            "created_at": iso(created + timedelta(minutes=(attempt - 1) * 40)),
            "started_at": iso(start), "completed_at": None if running else iso(clock),
            "steps": steps, "labels": ["ubuntu-latest"], "runner_name": "GitHub Actions 1"}


def gitlab_history(fake: FakeRuns, project: str, jobs: tuple[JobSpec, ...], runs: int,
                   days: float, *, now: datetime | None = None, first_id: int = 5000) -> None:
    now = now or datetime.now(timezone.utc)
    listing = fake.gitlab.setdefault(project, [])
    job_id = first_id * 1000
    for n in range(runs):
        pipeline_id = first_id + n
        created = now - timedelta(days=days) * (n + 0.5) / runs
        made: list[dict[str, Any]] = []
        failed = False
        for spec in jobs:
            if spec.only_every > 1 and n % spec.only_every:
                continue
            rerun = bool(spec.rerun_every) and n % spec.rerun_every == 0
            for cell in spec.cells:
                name = f"{spec.name}: [{cell}]" if cell else spec.name
                for attempt in ((1, 2) if rerun else (1,)):
                    job_id += 1
                    fails = (attempt == 1 and rerun) or (
                        bool(spec.fail_every) and n % spec.fail_every == 1)
                    failed = failed or (fails and not rerun)
                    begin = created + timedelta(minutes=(attempt - 1) * 40)
                    start = begin + timedelta(minutes=spec.wait_minutes)
                    length = sum(m for _, m in spec.steps)
                    made.append({"id": job_id, "name": name, "stage": "test",
                                 "status": "failed" if fails else "success",
                                 "created_at": iso(begin), "started_at": iso(start),
                                 "finished_at": iso(start + timedelta(minutes=length)),
                                 "duration": length * 60, "queued_duration": 1.5,
                                 "allow_failure": False, "retried": attempt == 1 and rerun})
        fake.gitlab_jobs[pipeline_id] = made
        listing.append({"id": pipeline_id, "iid": n + 1, "project_id": 1, "ref": "main",
                        "sha": f"{pipeline_id:040x}", "source": "push",
                        "status": "failed" if failed else "success",
                        "created_at": iso(created),
                        "updated_at": iso(created + timedelta(minutes=30)),
                        "web_url": f"https://gitlab.invalid/{quote(project)}/-/pipelines/{pipeline_id}"})
