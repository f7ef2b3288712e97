"""GitHub Actions run history: workflow runs of the window, then each run's jobs.

Two endpoints (REST API version 2022-11-28):
``GET /repos/{repo}/actions/runs?created=A..B&per_page=100`` lists runs, newest first,
with ``total_count``; GitHub answers at most 1,000 runs for a ``created`` filter, so a
window holding more is split in two until each half fits. ``GET
/repos/{repo}/actions/runs/{id}/jobs?filter=all&per_page=100`` gives every job of the
run, of every attempt (``run_attempt``), with its steps' names, numbers, conclusions and
times: one request per run (more only past 100 jobs), never one per step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from xops_lens.runhistory.http import ApiError, RateLimited, Response, Transport
from xops_lens.runhistory.records import JobRun, Run, StepRun, epoch
from xops_lens.runhistory.source import Summary, remote_path

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
PER_PAGE = 100
SEARCH_CAP = 1000  # the most runs GitHub lists for one created filter
_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def repository(option: str | None, env: Mapping[str, str], root: str) -> str | None:
    """--repo, else GITHUB_REPOSITORY, else the origin remote's OWNER/NAME."""
    for value in (option, env.get("GITHUB_REPOSITORY")):
        if value:
            return value.strip()
    path = remote_path(root)
    return path if path and _REPO_RE.match(path) else None


def token(env: Mapping[str, str]) -> str | None:
    return env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or None


def api_url(env: Mapping[str, str]) -> str:
    return (env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")


class GitHubRuns:
    provider = "github"
    label = "GitHub"

    def __init__(self, repo: str, token: str, api_url: str = DEFAULT_API_URL, **transport: Any
                 ) -> None:
        if not _REPO_RE.match(repo):
            raise ApiError(0, f"--runs github: {repo!r} is not an OWNER/NAME repository")
        self.repository = repo
        self.api_url = api_url.rstrip("/")
        self.transport = Transport(
            "GitHub", self.api_url,
            {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
             "X-GitHub-Api-Version": API_VERSION}, token, **transport)

    # -- listing -------------------------------------------------------------------------
    def _runs_path(self) -> str:
        return f"/repos/{self.repository}/actions/runs"

    def _first_page(self, first: date, last: date) -> tuple[int, Response]:
        response = self.transport.get(self._runs_path(), _params(first, last))
        data = response.data if isinstance(response.data, dict) else {}
        total = data.get("total_count")
        return (total if isinstance(total, int) else 0), response

    def _ranges(self, first: date, last: date) -> Iterator[tuple[date, date, Response]]:
        """Date ranges that each list at most SEARCH_CAP runs, newest first, with the
        first page of each (which says how many runs the range holds)."""
        total, response = self._first_page(first, last)
        if total <= SEARCH_CAP or first >= last:
            yield first, last, response
            return
        middle = first + (last - first) // 2
        yield from self._ranges(middle + timedelta(days=1), last)
        yield from self._ranges(first, middle)

    def total(self, since: float, now: float) -> int:
        """How many runs the window holds (one request; for --estimate)."""
        first, last = _dates(since, now)
        return self._first_page(first, last)[0]

    def summaries(self, since: float, now: float) -> Iterator[Summary]:
        first, last = _dates(since, now)
        for start, end, page in self._ranges(first, last):
            for _response, runs in self.transport.pages(self._runs_path(), _params(start, end),
                                                        key="workflow_runs", first=page):
                for run in runs:
                    summary = _summary(run)
                    if summary is not None and summary.created >= since:
                        yield summary

    # -- one run -------------------------------------------------------------------------
    def read(self, summary: Summary) -> Run:
        jobs: list[JobRun] = []
        path = f"{self._runs_path()}/{summary.id}/jobs"
        for _response, page in self.transport.pages(path, {"filter": "all", "per_page": PER_PAGE},
                                                     key="jobs"):
            jobs.extend(job for job in map(_job, page) if job is not None)
        data = summary.data
        return Run(summary.id, data["workflow"], data["event"], summary.created,
                   data["attempt"], data["status"], data["conclusion"], summary.version,
                   tuple(jobs))

    def explain(self, error: ApiError) -> str:
        """A one-line reason for the user, from a failed request."""
        if isinstance(error, RateLimited) or error.status in (0,) or error.status >= 500:
            return str(error)
        if error.status == 401:
            return f"{error} (the token was refused: check GITHUB_TOKEN / GH_TOKEN)"
        if error.status == 403:
            return (f"{error} (the token may not read Actions runs: it needs the "
                    f"'actions: read' permission)")
        if error.status == 404:
            return (f"{error} (no repository {self.repository} at {self.api_url}, or the "
                    f"token cannot see it, or Actions is disabled)")
        return str(error)


def _dates(since: float, now: float) -> tuple[date, date]:
    return (datetime.fromtimestamp(since, timezone.utc).date(),
            datetime.fromtimestamp(now, timezone.utc).date())


def _params(first: date, last: date) -> dict[str, Any]:
    return {"created": f"{first.isoformat()}..{last.isoformat()}", "per_page": PER_PAGE}


def _summary(run: Any) -> Summary | None:
    if not isinstance(run, dict) or not isinstance(run.get("id"), int):
        return None
    created = epoch(run.get("created_at"))
    if created is None:
        return None
    attempt = run.get("run_attempt") if isinstance(run.get("run_attempt"), int) else 1
    status = str(run.get("status") or "")
    workflow = run.get("path") if isinstance(run.get("path"), str) else ""
    # A run of a reusable or dynamic workflow names its file with a ref ("x.yml@main").
    workflow = workflow.split("@", 1)[0]
    return Summary(
        id=run["id"], created=created, finished=status == "completed",
        version=f"{run.get('updated_at')}#{attempt}",
        data={"workflow": workflow, "event": str(run.get("event") or "unknown"),
              "attempt": attempt, "status": status,
              "conclusion": run.get("conclusion") if isinstance(run.get("conclusion"), str)
              else None})


def _job(job: Any) -> JobRun | None:
    if not isinstance(job, dict) or not isinstance(job.get("id"), int):
        return None
    steps = tuple(
        StepRun(str(s.get("name") or ""), s["number"] if isinstance(s.get("number"), int) else 0,
                s.get("conclusion") if isinstance(s.get("conclusion"), str) else None,
                epoch(s.get("started_at")), epoch(s.get("completed_at")))
        for s in job.get("steps") or () if isinstance(s, dict))
    attempt = job.get("run_attempt")
    return JobRun(job["id"], str(job.get("name") or ""),
                  attempt if isinstance(attempt, int) else 1,
                  job.get("conclusion") if isinstance(job.get("conclusion"), str) else None,
                  epoch(job.get("created_at")), epoch(job.get("started_at")),
                  epoch(job.get("completed_at")), steps)
