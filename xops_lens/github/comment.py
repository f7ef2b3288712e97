"""``xops-lens comment``: one living comment per pull request.

The comment is found again by a hidden marker on its first line (``<!-- xops-lens:comment
-->``, or ``<!-- xops-lens:comment:KEY -->`` with ``--key`` for several per PR) *and* by
its author: only comments written by the token's own identity are ours. That identity is
``--author`` when given, else the token's user (``GET /user``: a personal token), else the
bot of the GitHub App the token belongs to (``GET /app``: ``SLUG[bot]``), else
``github-actions[bot]``, the author of everything GITHUB_TOKEN writes. A person or another
bot that carries the marker is left alone.

Two runs at once (two pushes in quick succession) can each find no comment and each
create one; so after writing, the thread is read again and, when more than one comment of
ours carries the marker, the oldest is kept (and given this run's body) and the others are
deleted. The documented workflow also sets a ``concurrency:`` group, which makes the race
rare; the convergence makes it harmless.

Exit codes: 0 done (created, updated, unchanged, deleted or nothing to do); 1 the API
failed; 2 usage error; 4 the token may not write (HTTP 403). On a pull request from a
fork GITHUB_TOKEN is read-only; the command then says so in the log and in the job
summary and exits 4, which the Action treats as a notice, not as the job's verdict.

Only click is imported at module level: ``xops-lens --help`` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

MARKER_NAME = "xops-lens:comment"
RESOLVED_MARK = "<!-- xops-lens:resolved -->"
MAX_BODY = 65_536  # GitHub's limit for a comment body, in characters
EXIT_API = 1
EXIT_FORBIDDEN = 4

GITHUB_ACTIONS_BOT = "github-actions[bot]"  # the author of what GITHUB_TOKEN writes
FORK_HELP = (
    "The token may not write to this pull request (HTTP 403): it comes from a fork, and "
    "GitHub gives such a workflow a read-only GITHUB_TOKEN, so no comment can be posted; "
    "the report is in this job's summary instead."
)
FORBIDDEN_HELP = (
    "The token may not write to this pull request (HTTP 403). Give the job "
    "`permissions: pull-requests: write` (or use a token that has it); the report is in "
    "this job's summary instead."
)


def marker(key: str = "") -> str:
    if key and not all(c.isalnum() or c in "-_." for c in key):
        raise click.UsageError("--key may hold letters, digits, '-', '_' and '.' only")
    return f"<!-- {MARKER_NAME}{':' + key if key else ''} -->"


@dataclass
class Outcome:
    action: str  # created | updated | unchanged | deleted | resolved | skipped
    comment_id: int | None = None
    url: str | None = None


def _ours(comment: dict[str, Any], mark: str, login: str) -> bool:
    body = comment.get("body") or ""
    user = comment.get("user") or {}
    author = user.get("login") if isinstance(user, dict) else None
    # Logins are case-insensitive on GitHub.
    return body.startswith(mark) and isinstance(author, str) and author.lower() == login.lower()


def identity(client: Any, author: str | None = None) -> str:
    """The login whose comments are ours (see the module's docstring)."""
    if author:
        return author
    return client.authenticated_login() or client.authenticated_app_bot() or GITHUB_ACTIONS_BOT


def _delete_quietly(client: Any, repo: str, comment_id: int) -> None:
    """Delete a duplicate; another run deleting it first (404) is the same outcome."""
    from xops_lens.github.api import GitHubError

    try:
        client.delete_issue_comment(repo, comment_id)
    except GitHubError as exc:
        if exc.status != 404:
            raise


def _mine(client: Any, repo: str, number: int, mark: str, login: str) -> list[dict[str, Any]]:
    """Our marked comments, oldest first (ids grow with time on GitHub)."""
    comments = client.list_issue_comments(repo, number)
    return sorted((c for c in comments if _ours(c, mark, login)), key=lambda c: int(c["id"]))


def _converge(client: Any, repo: str, number: int, mark: str, login: str,
              made: dict[str, Any], wanted: str) -> Outcome:
    """After creating: if a concurrent run created one too, keep the oldest, delete the rest."""
    mine = _mine(client, repo, number, mark, login)
    if not mine:
        return Outcome("created", made.get("id"), made.get("html_url"))
    # the other run may have listed first and deleted ours already: the survivor is then
    # theirs, and this run's report goes into it
    keep, extra = mine[0], mine[1:]
    for duplicate in extra:
        _delete_quietly(client, repo, int(duplicate["id"]))
    if keep.get("id") == made.get("id"):
        return Outcome("created", made.get("id"), made.get("html_url"))
    if (keep.get("body") or "").strip() != wanted.strip():
        client.update_issue_comment(repo, int(keep["id"]), wanted)
    return Outcome("updated", int(keep["id"]), keep.get("html_url"))


def _full(mark: str, body: str, run_url: str | None) -> str:
    text = f"{mark}\n{body.strip()}\n"
    if len(text) <= MAX_BODY:
        return text
    where = f" in [the job summary]({run_url})" if run_url else " in the job summary"
    return (f"{mark}\n### xops-lens: CI steps by subsystem\n\nThe report is too long for a "
            f"comment; read it{where}.\n")


def _resolved(mark: str, previous: str) -> str:
    earlier = previous[len(mark):].strip()
    return (f"{mark}\n{RESOLVED_MARK}\n### xops-lens: CI steps by subsystem\n\n"
            "Resolved: this pull request no longer changes CI steps.\n\n"
            f"<details><summary>Earlier report</summary>\n\n{earlier}\n\n</details>\n")


def upsert(client: Any, repo: str, number: int, body: str, *, touches_ci: bool,
           mode: str = "on-change", on_clean: str = "update", key: str = "",
           author: str | None = None, run_url: str | None = None) -> Outcome:
    """Create, edit, resolve or delete the one comment, and say which."""
    mark = marker(key)
    login = identity(client, author)
    mine = _mine(client, repo, number, mark, login)
    existing = mine[0] if mine else None
    for duplicate in mine[1:]:  # left by an earlier race: converge now
        _delete_quietly(client, repo, int(duplicate["id"]))
    wanted = _full(mark, body, run_url)
    if not touches_ci:
        if existing is None:
            if mode != "always":
                return Outcome("skipped")
        elif on_clean == "delete":
            client.delete_issue_comment(repo, int(existing["id"]))
            return Outcome("deleted", int(existing["id"]))
        elif on_clean == "resolve":
            if RESOLVED_MARK in (existing.get("body") or ""):
                return Outcome("unchanged", int(existing["id"]), existing.get("html_url"))
            wanted = _resolved(mark, existing.get("body") or "")
    if existing is None:
        made = client.create_issue_comment(repo, number, wanted)
        return _converge(client, repo, number, mark, login, made, wanted)
    if (existing.get("body") or "").strip() == wanted.strip():
        return Outcome("unchanged", int(existing["id"]), existing.get("html_url"))
    made = client.update_issue_comment(repo, int(existing["id"]), wanted)
    action = "resolved" if RESOLVED_MARK in wanted else "updated"
    return Outcome(action, int(existing["id"]), made.get("html_url") or existing.get("html_url"))


def _touches_ci(report: Path | None) -> bool:
    """From the scan's JSON: in PR mode, whether the diff touched a CI file or step;
    otherwise whether there is anything to report at all."""
    if report is None:
        return True
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.UsageError(f"--report {report}: cannot be read as JSON: {exc}") from None
    changes = data.get("changes") if isinstance(data, dict) else None
    if isinstance(changes, dict):
        counts = changes.get("counts") or {}
        return bool(changes.get("files")) or any(counts.values())
    summary = data.get("summary") if isinstance(data, dict) else None
    return bool(isinstance(summary, dict) and (summary.get("steps") or summary.get("gates")))


def _write_outputs(outcome: Outcome) -> None:
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(f"comment-action={outcome.action}\n")
        stream.write(f"comment-id={outcome.comment_id or ''}\n")
        stream.write(f"comment-url={outcome.url or ''}\n")


def _notice_forbidden(step_summary: str | None, in_actions: bool, is_fork: bool) -> None:
    # Blame the fork only when the event says the PR comes from one.
    help_text = FORK_HELP if is_fork else FORBIDDEN_HELP
    click.echo(f"error: {help_text}", err=True)
    if in_actions:
        # A workflow command: shown as a warning on the run's page.
        click.echo(f"::warning title=xops-lens comment not posted::{help_text}")
    if step_summary:
        try:
            with open(step_summary, "a", encoding="utf-8") as stream:
                stream.write(f"\n> [!NOTE]\n> **xops-lens could not post its pull-request "
                             f"comment.** {help_text}\n")
        except OSError:
            pass


@click.command()
@click.option("--body-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, help="The comment's Markdown (scan --format markdown).")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The same scan's JSON: tells whether the pull request touches CI.")
@click.option("--mode", type=click.Choice(["always", "on-change"]), default="on-change",
              show_default=True,
              help="always: comment on every pull request; on-change: only once it touches CI.")
@click.option("--on-clean", type=click.Choice(["update", "resolve", "delete"]),
              default="update", show_default=True,
              help="When the PR no longer touches CI: update the comment, mark it resolved, "
                   "or delete it.")
@click.option("--repo", help="OWNER/NAME (default: GITHUB_REPOSITORY).")
@click.option("--pr", "pr_number", type=int, help="Pull request number (default: the event's).")
@click.option("--key", default="", help="Keep several xops-lens comments apart on one PR.")
@click.option("--author", help="Edit only comments by this login (default: the token's user, "
                               "else its GitHub App's SLUG[bot], else github-actions[bot]).")
@click.option("--token-env", default="GITHUB_TOKEN", show_default=True,
              help="Environment variable holding the token.")
def comment(body_file: Path, report_file: Path | None, mode: str, on_clean: str,
            repo: str | None, pr_number: int | None, key: str, author: str | None,
            token_env: str) -> None:
    """Create or update the one xops-lens comment on a pull request (GitHub REST API;
    GITHUB_API_URL is honoured for GitHub Enterprise Server)."""
    from xops_lens.errors import XopsLensError
    from xops_lens.github.api import ActionsContext, GitHubClient, GitHubError

    ctx = ActionsContext.from_env()
    repo = repo or ctx.repository
    number = pr_number or ctx.pr_number
    if not repo:
        raise click.UsageError("no repository: give --repo OWNER/NAME or set GITHUB_REPOSITORY")
    if number is None:
        if ctx.in_actions:
            click.echo("xops-lens: this run is not for a pull request; no comment to write")
            return
        raise click.UsageError("no pull request: give --pr N or set GITHUB_EVENT_PATH")
    body = body_file.read_text(encoding="utf-8")
    touches = _touches_ci(report_file)
    try:
        client = GitHubClient(os.environ.get(token_env, ""), ctx.api_url)
        outcome = upsert(client, repo, number, body, touches_ci=touches, mode=mode,
                         on_clean=on_clean, key=key, author=author, run_url=ctx.run_url)
    except GitHubError as exc:
        if exc.forbidden:
            _notice_forbidden(ctx.step_summary, ctx.in_actions, ctx.is_fork)
            sys.exit(EXIT_FORBIDDEN)
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_API)
    except XopsLensError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_API)
    _write_outputs(outcome)
    shown = f" {outcome.url}" if outcome.url else ""
    click.echo(f"xops-lens: comment {outcome.action}{shown}")
