"""Requests and time of ``scan --runs`` fetching a 30-day history of 1,000 runs.

Serves the history from the local run-history server of the tests (127.0.0.1, the
documented GitHub and GitLab response shapes), fetches it cold (empty cache) and warm
(every run cached), then measures and prices a workflow from it, and prints a table.
The server answers at once, so the times are this process's own work (listing,
parsing, caching, matching), not the network's: against api.github.com each request
adds its round trip, divided by cost.runs.concurrency.

    python bench/runs_fetch.py [--runs 1000] [--days 30] [--workers 4]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.runs_server import FakeRuns, JobSpec, github_history, gitlab_history  # noqa: E402
from xops_lens.github.runs import GitHubRuns  # noqa: E402
from xops_lens.gitlab.runs import GitLabRuns  # noqa: E402
from xops_lens.runhistory.cache import RunCache  # noqa: E402
from xops_lens.runhistory.fetch import fetch  # noqa: E402

STEPS = (("Run actions/checkout@v4", 0.3), ("Set up Python", 0.5),
         ("Run pip install -e .", 1.5), ("Run pytest -q", 6.0), ("Post Set up Python", 0.1))
JOBS = (JobSpec("test", STEPS, cells=("ubuntu-latest, 3.11", "ubuntu-latest, 3.12",
                                      "windows-latest, 3.12"), rerun_every=12, fail_every=25),
        JobSpec("lint", (("Run actions/checkout@v4", 0.3), ("Run ruff check .", 0.8))),
        JobSpec("deploy", (("Run ./deploy.sh", 3.0),), only_every=20, wait_minutes=30))
TOKEN = "bench-token"


def timed(label: str, provider: str, make: object, days: float, workers: int,
          cache: RunCache, server: FakeRuns) -> None:
    before = len(server.requests)
    start = time.perf_counter()
    history = fetch(make(), days, cache=cache, workers=workers)  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    print(f"| {provider} | {label} | {len(history.runs):,} | {history.requests:,} | "
          f"{len(server.requests) - before:,} | {elapsed:.2f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    server = FakeRuns(token=TOKEN)
    server.start()
    try:
        github_history(server, "o/r", ".github/workflows/ci.yml", JOBS, args.runs, args.days)
        gitlab_history(server, "g/p", JOBS, args.runs, args.days)
        jobs = sum(len(j) for j in server.github_jobs.values())
        print(f"{args.runs:,} runs in {args.days:g} days, {jobs:,} job executions, "
              f"{args.workers} workers, Python {sys.version.split()[0]}\n")
        print("| provider | cache | runs | requests counted | requests served | time |")
        print("|:--|:--|--:|--:|--:|--:|")
        with tempfile.TemporaryDirectory() as folder:
            for provider, make, repo in (
                    ("github", lambda: GitHubRuns("o/r", TOKEN, server.api_url), "o/r"),
                    ("gitlab", lambda: GitLabRuns("g/p", TOKEN, server.api_url), "g/p")):
                cache = RunCache(Path(folder), provider, server.api_url, repo)
                timed("cold", provider, make, args.days, args.workers, cache, server)
                timed("warm", provider, make, args.days, args.workers, cache, server)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
