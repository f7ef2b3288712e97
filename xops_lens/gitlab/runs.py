"""GitLab pipeline history: pipelines of the window, then each pipeline's jobs.

``GET /projects/:id/pipelines?updated_after=T&per_page=100`` (offset pagination, Link and
X-Next-Page headers, X-Total), then ``GET /projects/:id/pipelines/:pipeline_id/jobs
?include_retried=true&per_page=100``: every job, retried ones too, one request per
pipeline. GitLab records job times only (no step times); a job retried shows up once per
attempt under the same name, so attempts are counted by name.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from xops_lens.runhistory.http import ApiError, RateLimited, Transport
from xops_lens.runhistory.records import JobRun, Run, epoch
from xops_lens.runhistory.source import Summary, remote_path

DEFAULT_API_URL = "https://gitlab.com/api/v4"
PER_PAGE = 100
FINISHED = frozenset({"success", "failed", "canceled", "skipped"})
ENTRY_FILE = ".gitlab-ci.yml"
CHILD = "(child pipeline)"  # started by a trigger job; its file is not the entry file
_PROJECT_RE = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$|^\d+$")


def repository(option: str | None, env: Mapping[str, str], root: str) -> str | None:
    """--repo, else CI_PROJECT_PATH, else the origin remote's GROUP/PROJECT."""
    for value in (option, env.get("CI_PROJECT_PATH")):
        if value:
            return value.strip()
    path = remote_path(root)
    return path if path and _PROJECT_RE.match(path) else None


def token(env: Mapping[str, str]) -> tuple[str, str] | None:
    """The header and token: a personal/project token, else the job's own token."""
    if env.get("GITLAB_TOKEN"):
        return "PRIVATE-TOKEN", env["GITLAB_TOKEN"]
    if env.get("CI_JOB_TOKEN"):
        return "JOB-TOKEN", env["CI_JOB_TOKEN"]
    return None


def api_url(env: Mapping[str, str]) -> str:
    if env.get("CI_API_V4_URL"):
        return env["CI_API_V4_URL"].rstrip("/")
    if env.get("GITLAB_URL"):
        return env["GITLAB_URL"].rstrip("/") + "/api/v4"
    return DEFAULT_API_URL


class GitLabRuns:
    provider = "gitlab"
    label = "GitLab"

    def __init__(self, project: str, token: str, api_url: str = DEFAULT_API_URL, *,
                 header: str = "PRIVATE-TOKEN", **transport: Any) -> None:
        if not _PROJECT_RE.match(project):
            raise ApiError(0, f"--runs gitlab: {project!r} is not a GROUP/PROJECT path")
        self.repository = project
        self.api_url = api_url.rstrip("/")
        self._project = "/projects/" + urllib.parse.quote(project, safe="")
        self.transport = Transport("GitLab", self.api_url, {header: token}, token, **transport)

    def _params(self, since: float) -> dict[str, Any]:
        after = datetime.fromtimestamp(since, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"updated_after": after, "per_page": PER_PAGE, "order_by": "id", "sort": "desc"}

    def total(self, since: float, now: float) -> int | None:
        response = self.transport.get(self._project + "/pipelines", self._params(since))
        total = (response.header("X-Total") or "").strip()
        if total.isdigit():
            return int(total)
        # Past 10,000 rows GitLab leaves X-Total out; one page is all we know then.
        return None if response.header("X-Next-Page") else len(response.data or [])

    def summaries(self, since: float, now: float) -> Iterator[Summary]:
        for _response, pipelines in self.transport.pages(self._project + "/pipelines",
                                                         self._params(since)):
            for pipeline in pipelines:
                summary = _summary(pipeline)
                if summary is not None and summary.created >= since:
                    yield summary

    def read(self, summary: Summary) -> Run:
        raw: list[dict[str, Any]] = []
        path = f"{self._project}/pipelines/{summary.id}/jobs"
        for _response, page in self.transport.pages(
                path, {"include_retried": "true", "per_page": PER_PAGE}):
            raw.extend(job for job in page if isinstance(job, dict)
                       and isinstance(job.get("id"), int))
        attempts: dict[str, int] = {}
        jobs = []
        for job in sorted(raw, key=lambda j: j["id"]):  # oldest attempt first
            name = str(job.get("name") or "")
            attempts[name] = attempts.get(name, 0) + 1
            status = job.get("status") if isinstance(job.get("status"), str) else None
            jobs.append(JobRun(job["id"], name, attempts[name], status,
                               epoch(job.get("created_at")), epoch(job.get("started_at")),
                               epoch(job.get("finished_at")), (),
                               job.get("stage") if isinstance(job.get("stage"), str) else None))
        data = summary.data
        attempt = max(attempts.values(), default=1)
        return Run(summary.id, data["workflow"], data["event"], summary.created, attempt,
                   data["status"], data["status"], summary.version, tuple(jobs))

    def explain(self, error: ApiError) -> str:
        if isinstance(error, RateLimited) or error.status == 0 or error.status >= 500:
            return str(error)
        if error.status == 401:
            return f"{error} (the token was refused: check GITLAB_TOKEN / CI_JOB_TOKEN)"
        if error.status == 403:
            return (f"{error} (the token may not read pipelines: it needs read_api, or "
                    f"CI/CD is disabled for the project)")
        if error.status == 404:
            return f"{error} (no project {self.repository} at {self.api_url}, or the token " \
                   f"cannot see it)"
        return str(error)


def _summary(pipeline: Any) -> Summary | None:
    if not isinstance(pipeline, dict) or not isinstance(pipeline.get("id"), int):
        return None
    created = epoch(pipeline.get("created_at"))
    if created is None:
        return None
    status = str(pipeline.get("status") or "")
    source = str(pipeline.get("source") or "unknown")
    return Summary(id=pipeline["id"], created=created, finished=status in FINISHED,
                   version=f"{pipeline.get('updated_at')}#{status}",
                   data={"workflow": CHILD if source == "parent_pipeline" else ENTRY_FILE,
                         "event": source, "status": status})
