"""``scan --runs github|gitlab``: choose the client from the options and the environment,
fetch the history with a progress bar on a terminal, or only estimate the requests.

Every failure is one line on stderr and the scan goes on with its assumptions.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from xops_lens.config import UserSettings
from xops_lens.cost.settings import Settings
from xops_lens.runhistory.cache import RunCache, default_runs_dir
from xops_lens.runhistory.fetch import History, estimate, fetch
from xops_lens.runhistory.http import ApiError
from xops_lens.runhistory.source import Client

PROVIDERS = ("github", "gitlab")
MAX_DAYS = 400  # GitHub keeps runs for 400 days at most; GitLab's default is no longer


def withhold_repo_run_settings(config: UserSettings, trusted: bool) -> list[str]:
    """Drop the cost.runs.* keys the scanned repository's own files set: a pull request
    must not make the scan send thousands of requests or wait an hour."""
    from xops_lens.config import is_repo_source

    if trusted:
        return []
    dropped = sorted(key for key, source in config.origin.items()
                     if key.startswith("cost.runs.") and is_repo_source(source))
    table = config.get("cost.runs")
    for key in dropped:
        if isinstance(table, dict):
            table.pop(key.removeprefix("cost.runs."), None)
        del config.origin[key]
    return dropped
Warn = Callable[[str], None]


def make_client(provider: str, repo: str | None, root: str, env: Mapping[str, str],
                settings: Settings) -> Client:
    """Raises ApiError with the one-line reason (no repository, no token)."""
    transport: dict[str, Any] = {"max_wait": settings.number("cost.runs.max_wait",
                                                             maximum=3600)}
    if provider == "github":
        from xops_lens.github import runs as github

        repository = github.repository(repo, env, root)
        if not repository:
            raise ApiError(0, "no repository: give --repo OWNER/NAME (or set GITHUB_REPOSITORY)")
        token = github.token(env)
        if not token:
            raise ApiError(0, "no GitHub token: set GITHUB_TOKEN or GH_TOKEN (in a workflow: "
                              "GITHUB_TOKEN: ${{ github.token }}, with permissions: actions: read)")
        return github.GitHubRuns(repository, token, github.api_url(env), **transport)
    from xops_lens.gitlab import runs as gitlab

    repository = gitlab.repository(repo, env, root)
    if not repository:
        raise ApiError(0, "no project: give --repo GROUP/PROJECT (or set CI_PROJECT_PATH)")
    found = gitlab.token(env)
    if not found:
        raise ApiError(0, "no GitLab token: set GITLAB_TOKEN (read_api) or run in a job "
                          "with CI_JOB_TOKEN")
    header, token = found
    return gitlab.GitLabRuns(repository, token, gitlab.api_url(env), header=header, **transport)


def load_history(provider: str, repo: str | None, root: str, config: UserSettings, *,
                 estimate_only: bool, warn: Warn, say: Warn,
                 env: Mapping[str, str] | None = None,
                 cache_dir: str | None = None, trusted: bool = False) -> History | None:
    """The run history to measure with, or None (estimate only, or it failed: warned)."""
    env = os.environ if env is None else env
    dropped = withhold_repo_run_settings(config, trusted)
    if dropped:
        warn(f"the scanned repository's settings {', '.join(dropped)} are not used: how many "
             f"requests --runs sends and how long it waits are chosen by whoever runs the "
             f"scan (--trust-repo-config uses them)")
    settings = Settings(config)
    try:
        days = settings.number("cost.runs.days", minimum=1, maximum=MAX_DAYS)
        workers = int(settings.number("cost.runs.concurrency", minimum=1, maximum=16))
        client = make_client(provider, repo, root, env, settings)
        cache = RunCache(default_runs_dir() if cache_dir is None else _path(cache_dir),
                         client.provider, client.transport.base_url, client.repository)
        if estimate_only:
            say(estimate(client, days, cache=cache).describe(client.label, days))
            return None
        with _progress(client.label) as progress:
            history = fetch(client, days, cache=cache, workers=workers, progress=progress)
    except ApiError as exc:
        warn(f"--runs {provider}: {exc}; costs stay assumed")
        return None
    except Exception as exc:  # noqa: BLE001 - a config error: one line, the scan goes on
        from xops_lens.errors import XopsLensError

        if not isinstance(exc, XopsLensError):
            raise
        warn(f"--runs {provider}: {exc}; costs stay assumed")
        return None
    if history.note:
        warn(f"--runs {provider}: {history.note}")
    if not history.runs:
        warn(f"--runs {provider}: no runs of {history.repository} in the last {days:g} days "
             f"({'Actions disabled, or nothing ran' if provider == 'github' else 'no pipelines'})"
             f"; costs stay assumed")
        return None
    return history


def _path(text: str) -> Any:
    from pathlib import Path

    return Path(text).expanduser()


class _progress:
    """A rich progress bar on stderr when it is a terminal, else nothing at all."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not sys.stderr.isatty():
            return None
        from rich.console import Console
        from rich.progress import Progress

        self.bar = Progress(console=Console(stderr=True), transient=True)
        self.bar.__enter__()
        self.task = self.bar.add_task(f"{self.label} runs", total=None)
        return self._update

    def _update(self, done: int, total: int) -> None:
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
