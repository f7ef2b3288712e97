"""The run-history clients against the local server (tests/runs_server.py): listing with
the window filter and pagination, one jobs request per run, the cache, retries, rate
limits and the one-line errors. No request leaves 127.0.0.1."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest

from tests.runs_server import FakeRuns, JobSpec, github_history, gitlab_history
from xops_lens.github.runs import GitHubRuns
from xops_lens.gitlab.runs import GitLabRuns
from xops_lens.runhistory.cache import RunCache
from xops_lens.runhistory.fetch import estimate, fetch
from xops_lens.runhistory.http import ApiError, RateLimited
from xops_lens.runhistory.source import parse_remote

TOKEN = "secret-runs-token-123"
TEST = JobSpec("test", (("Run actions/checkout@v4", 0.3), ("Run pytest", 5.0)),
               cells=("ubuntu-latest, 3.12", "windows-latest, 3.12"), rerun_every=10)


def github(fake: FakeRuns, repo: str = "o/r", **kwargs: object) -> GitHubRuns:
    sleeps: list[float] = []
    client = GitHubRuns(repo, kwargs.pop("token", TOKEN), fake.api_url,  # type: ignore[arg-type]
                        sleep=sleeps.append, **kwargs)
    client.sleeps = sleeps  # type: ignore[attr-defined]
    return client


def test_github_lists_the_window_by_pages_and_reads_each_run_once(fake_runs: FakeRuns) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 250, 30)
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 20, 30,
                   first_id=90_000, now=None)
    # 20 older runs outside a 10-day window must not be read.
    history = fetch(github(fake_runs), 30)
    assert len(history.runs) == 270
    listing = [r for r in fake_runs.requests if r.path.endswith("/actions/runs")]
    assert len(listing) == 3
    assert all(r.query["per_page"] == ["100"] for r in listing)
    assert ".." in listing[0].query["created"][0]
    jobs = [r for r in fake_runs.requests if r.path.endswith("/jobs")]
    assert len(jobs) == 270 and all(r.query["filter"] == ["all"] for r in jobs)
    assert history.requests == len(fake_runs.requests) == 273
    rerun = next(run for run in history.runs if run.attempt == 2)
    assert {job.attempt for job in rerun.jobs} == {1, 2}  # filter=all: every attempt
    step = rerun.jobs[0].steps[2]
    assert step.name == "Run pytest" and abs(step.minutes - 5.0) < 0.02


def test_only_runs_inside_the_window_are_read(fake_runs: FakeRuns) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 30, 30)
    history = fetch(github(fake_runs), 10)
    assert 9 <= len(history.runs) <= 11
    assert len([r for r in fake_runs.requests if r.path.endswith("/jobs")]) == len(history.runs)


def test_more_than_github_lists_for_one_filter_splits_the_window(fake_runs: FakeRuns) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (), 1300, 30)
    history = fetch(github(fake_runs), 30)
    assert len(history.runs) == 1300
    assert len({run.id for run in history.runs}) == 1300


def test_enterprise_server_base_url(fake_runs: FakeRuns) -> None:
    fake_runs.prefix = "/api/v3"
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 3, 30)
    history = fetch(github(fake_runs), 30)
    assert len(history.runs) == 3
    assert all(path.startswith("/api/v3/repos/o/r/") for path in fake_runs.paths())


def test_a_rescan_reads_only_new_or_changed_runs(fake_runs: FakeRuns, tmp_path: Path) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 150, 30, in_progress=2)
    cache = RunCache(tmp_path, "github", fake_runs.api_url, "o/r")
    fetch(github(fake_runs), 30, cache=cache)
    fake_runs.requests.clear()
    fake_runs.github["o/r"][-1]["updated_at"] = "2099-01-01T00:00:00Z"  # re-run since
    fake_runs.github["o/r"][-1]["run_attempt"] = 3
    history = fetch(github(fake_runs), 30, cache=cache)
    jobs = [r.path for r in fake_runs.requests if r.path.endswith("/jobs")]
    # the two runs still in progress (never cached) and the re-run one
    assert len(jobs) == 3 and history.cached == 147
    assert len(fake_runs.requests) == 2 + 3  # two pages of runs
    est = estimate(github(fake_runs), 30, cache=cache)
    assert (est.runs, est.pages) == (150, 2)


def test_the_cache_is_private_and_holds_no_token(fake_runs: FakeRuns, tmp_path: Path) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 5, 30)
    fetch(github(fake_runs), 30, cache=RunCache(tmp_path / "runs", "github", fake_runs.api_url, "o/r"))
    files = list((tmp_path / "runs").rglob("*"))
    folders = [p for p in files if p.is_dir()]
    assert folders and all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in folders)
    entries = [p for p in files if p.is_file()]
    assert len(entries) == 5
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in entries)
    assert not any(TOKEN in p.read_text() for p in entries)


def test_server_errors_are_retried_with_backoff(fake_runs: FakeRuns) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 2, 30)
    fake_runs.fail_next = [502, 503]
    client = github(fake_runs)
    assert len(fetch(client, 30).runs) == 2
    assert client.sleeps == [1.0, 2.0]  # type: ignore[attr-defined]


def test_a_server_that_keeps_failing_stops_with_one_line(fake_runs: FakeRuns) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 2, 30)
    fake_runs.fail_next = [500] * 4
    with pytest.raises(ApiError) as caught:
        fetch(github(fake_runs), 30)
    assert caught.value.status == 500 and "\n" not in str(caught.value)


@pytest.mark.parametrize("kind", ["primary", "secondary"])
def test_a_short_rate_limit_is_waited_out(fake_runs: FakeRuns, kind: str) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 2, 30)
    fake_runs.limit_next, fake_runs.reset_in = [kind], 20
    client = github(fake_runs)
    assert len(fetch(client, 30).runs) == 2
    assert len(client.sleeps) == 1 and client.sleeps[0] <= 21  # type: ignore[attr-defined]


def test_a_long_rate_limit_stops_with_the_reset_time(fake_runs: FakeRuns) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 2, 30)
    fake_runs.limit_next, fake_runs.reset_in = ["primary"], 3600
    client = github(fake_runs)
    with pytest.raises(RateLimited) as caught:
        fetch(client, 30)
    message = str(caught.value)
    assert "rate limit" in message and "resets at" in message and "UTC" in message
    assert client.sleeps == []  # type: ignore[attr-defined]


def test_gitlab_rate_limit_429_is_waited_out(fake_runs: FakeRuns) -> None:
    gitlab_history(fake_runs, "g/p", (TEST,), 3, 30)
    sleeps: list[float] = []
    fake_runs.limit_next = ["gitlab"]
    client = GitLabRuns("g/p", TOKEN, fake_runs.api_url, sleep=sleeps.append)
    assert len(fetch(client, 30).runs) == 3 and sleeps == [0.0]


@pytest.mark.parametrize(("switch", "words"), [
    ("token", "HTTP 401: Bad credentials (the token was refused"),
    ("forbidden", "HTTP 403: Resource not accessible by integration (the token may not read "
                  "Actions runs: it needs the 'actions: read' permission)"),
    ("repo", "HTTP 404: Not Found (no repository o/missing"),
])
def test_refusals_are_one_line_without_the_token(fake_runs: FakeRuns, switch: str,
                                                 words: str) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 2, 30)
    token = "wrong-token-value" if switch == "token" else TOKEN
    fake_runs.forbidden = switch == "forbidden"
    client = github(fake_runs, "o/missing" if switch == "repo" else "o/r", token=token)
    with pytest.raises(ApiError) as caught:
        fetch(client, 30)
    message = str(caught.value)
    assert words in message and "\n" not in message
    assert token not in message and TOKEN not in message


def test_network_down_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = GitHubRuns("o/r", TOKEN, f"http://127.0.0.1:{port}", sleep=lambda s: None)
    with pytest.raises(ApiError) as caught:
        fetch(client, 30)
    assert caught.value.status == 0 and "no answer from" in str(caught.value)


def test_the_token_is_scrubbed_from_anything_the_server_says(fake_runs: FakeRuns) -> None:
    client = github(fake_runs)
    assert client.transport.scrub(f"echo {TOKEN} back") == "echo *** back"


def test_gitlab_pipelines_and_retried_jobs(fake_runs: FakeRuns) -> None:
    fake_runs.prefix = "/api/v4"
    spec = JobSpec("test", (("pytest", 3.0),), cells=("ubuntu, 3.12",), rerun_every=5)
    gitlab_history(fake_runs, "group/sub/project", (spec,), 130, 30)
    client = GitLabRuns("group/sub/project", TOKEN, fake_runs.api_url, header="JOB-TOKEN",
                        sleep=lambda s: None)
    history = fetch(client, 30)
    assert len(history.runs) == 130
    listing = [r for r in fake_runs.requests if r.path.endswith("/pipelines")]
    assert len(listing) == 2 and "updated_after" in listing[0].query
    assert listing[0].path == "/api/v4/projects/group%2Fsub%2Fproject/pipelines"
    jobs = [r for r in fake_runs.requests if r.path.endswith("/jobs")]
    assert all(r.query["include_retried"] == ["true"] for r in jobs)
    assert all(r.headers.get("job-token") == TOKEN for r in fake_runs.requests)
    retried = next(run for run in history.runs if run.attempt == 2)
    assert [job.attempt for job in retried.jobs] == [1, 2]
    assert retried.jobs[1].name == "test: [ubuntu, 3.12]"
    assert abs(retried.jobs[1].minutes - 3.0) < 0.02
    assert estimate(client, 30).runs == 130


def test_gitlab_project_without_pipelines_gives_an_empty_history(fake_runs: FakeRuns) -> None:
    fake_runs.gitlab["g/empty"] = []
    history = fetch(GitLabRuns("g/empty", TOKEN, fake_runs.api_url), 30)
    assert history.runs == [] and history.requests == 1


@pytest.mark.parametrize(("url", "path"), [
    ("git@github.com:owner/name.git", "owner/name"),
    ("https://github.com/owner/name", "owner/name"),
    ("https://x-access-token:abc@github.com/owner/name.git", "owner/name"),
    ("ssh://git@gitlab.example.com:2222/group/sub/project.git", "group/sub/project"),
    ("https://gitlab.com/group/project/", "group/project"),
    ("/local/path", None),
])
def test_remote_urls(url: str, path: str | None) -> None:
    assert parse_remote(url) == path


def test_a_small_quota_shortens_the_window_and_keeps_a_reserve(fake_runs: FakeRuns) -> None:
    github_history(fake_runs, "o/r", ".github/workflows/ci.yml", (TEST,), 150, 30)
    fake_runs.remaining = 162  # 2 pages, then 60 runs leave the reserve of 100
    history = fetch(github(fake_runs), 30)
    assert len(history.runs) == 60 and fake_runs.remaining == 100
    assert 11.5 < history.days < 12.5
    assert history.note and "read the newest 60 of 150 runs" in history.note
    fake_runs.remaining = 50
    with pytest.raises(RateLimited):
        fetch(github(fake_runs), 30)
