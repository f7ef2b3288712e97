"""The default assumptions of the cost model, each with the reason for its value.

Every key can be overridden in ``[tool.xops-lens]`` (pyproject.toml), ``.xops-lens.toml``,
a ``--config`` file or ``--set key=value``; the report prints the value it used and where
it came from. The values are deliberately round: they are starting points a team
replaces with its own figures, not measurements.
"""

from __future__ import annotations

from typing import Any

# Step durations cannot be read from a config file, so each kind gets a typical length
# in minutes (per matrix cell). Model work (build, test) dominates; information steps
# are short when caches work; an approval gate waits without occupying a runner on the
# hosted platforms, so it costs no compute minutes (its human minutes are counted apart).
DEFAULT_MINUTES: dict[str, float] = {
    "checkout": 0.5,
    "toolchain": 1.0,
    "dependencies": 2.0,
    "cache-restore": 0.5,
    "artifact-download": 0.5,
    "credentials": 0.3,
    "metadata": 0.1,
    "build": 4.0,
    "test": 8.0,
    "lint": 2.0,
    "analysis": 4.0,
    "generate": 2.0,
    "decide": 0.2,
    "deploy": 4.0,
    "publish": 2.0,
    "artifact-upload": 0.5,
    "cache-save": 0.5,
    "report": 0.5,
    "notify": 0.2,
    "approve": 0.0,
}

# key -> (default value, what it means). A value of None means "not set": the model
# computes the figure (for example runs per month from triggers and git history).
DEFAULTS: dict[str, tuple[Any, str]] = {
    "cost.currency": ("USD", "currency of every price and rate below"),
    "cost.human_rate": (100.0, "fully loaded cost of one hour of an engineer's time"),
    "cost.runner_prices.linux": (0.008, "per minute, Linux hosted runner (2 cores)"),
    "cost.runner_prices.windows": (0.016, "per minute, Windows hosted runner"),
    "cost.runner_prices.macos": (0.08, "per minute, macOS hosted runner"),
    "cost.runner_prices.default": (
        0.008, "per minute, any runner whose label names no known family"),
    "cost.job_overhead_minutes": (
        0.5, "minutes per job and matrix cell for runner start-up and billing round-up"),
    **{
        f"cost.default_minutes.{kind}": (minutes, f"assumed minutes of one {kind} step per "
                                                  "matrix cell (durations are not in CI files)")
        for kind, minutes in DEFAULT_MINUTES.items()
    },
    "cost.runs_per_month": (
        None, "runs per month of every triggered pipeline; unset: from triggers and history"),
    "cost.runs.days": (30, "scan --runs: days of CI run history read (GitHub, GitLab)"),
    "cost.runs.max_wait": (
        60, "scan --runs: longest wait in seconds for a rate limit to reset before stopping"),
    "cost.runs.concurrency": (4, "scan --runs: requests sent at once"),
    "cost.history.days": (90, "window of git history read on the default branch, in days"),
    "cost.changes_per_month": (
        40.0, "changes landing on the default branch per month, when git history is missing"),
    "cost.pushes_per_pr": (2.0, "pipeline runs per pull request (initial push and fix-ups)"),
    "cost.schedule_runs_per_month": (30.0, "runs of a schedule whose cron is not in the file"),
    "cost.dispatch_runs_per_month": (2.0, "manual (workflow_dispatch) runs per month"),
    "cost.other_event_runs_per_month": (
        2.0, "runs per month of any other event (a comment, a label, ...)"),
    "cost.gates_on_pull_requests": (
        False, "whether gated jobs (manual, protected environment) also run for pull requests"),
    "cost.environment_approval": (
        True, "whether a job's deployment environment requires a person's approval"),
    "cost.approvals_per_run": (
        1.0, "decisions a person makes per pipeline run, shared by its gated jobs"),
    "cost.human_minutes.approve": (
        10.0, "minutes a person spends deciding whether a gated run (deploy) is safe"),
    "cost.human_minutes.dispatch": (2.0, "minutes to fill a workflow_dispatch form"),
    "cost.human_minutes.triage": (15.0, "minutes to read a failed step's log and triage it"),
    "cost.human_minutes.rerun": (5.0, "minutes to notice a flaky failure and re-run the job"),
    "cost.human_minutes.release_notes": (20.0, "minutes to write the notes of one release"),
    "cost.human_minutes.dependency_review": (10.0, "minutes to review one dependency bump"),
    "cost.failure_rate.test": (0.05, "share of runs in which a test step fails"),
    "cost.failure_rate.lint": (0.03, "share of runs in which a lint step fails"),
    "cost.failure_rate.build": (0.02, "share of runs in which a build step fails"),
    "cost.failure_rate.analysis": (0.02, "share of runs in which an analysis step fails"),
    "cost.flaky_rate": (0.02, "share of test job cells that fail spuriously and are re-run"),
    "cost.releases_per_month": (
        2.0, "releases (tags) per month, when git history is missing; also the runs of "
             "tag and release events"),
    "cost.dependency_bumps_per_month": (
        4.0, "dependency bump changes per month, when git history is missing"),
}

# Tables whose keys are names found in the scanned files (runner labels, job ids) rather
# than names we know in advance; any key under them is a valid setting.
OPEN_TABLES: tuple[str, ...] = ("cost.runner_prices.", "cost.job_minutes.", "cost.event_runs.",
                                 "cost.job_runs.")
