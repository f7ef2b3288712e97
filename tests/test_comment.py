"""``xops-lens comment`` against a GitHub-API-speaking server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from tests.github_server import FakeGitHub
from xops_lens.cli import cli
from xops_lens.github.comment import RESOLVED_MARK, marker, upsert
from xops_lens.errors import XopsLensError
from xops_lens.github.api import ActionsContext, GitHubClient, GitHubError, next_link

REPO = "octo/widgets"
PR = 7
MARK = "<!-- xops-lens:comment -->"


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        yield fake


def _env(tmp_path: Path, fake: FakeGitHub, **extra: str | None) -> dict[str, str | None]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": PR, "pull_request": {"number": PR}}))
    env: dict[str, str | None] = {
        "GITHUB_API_URL": fake.api_url, "GITHUB_TOKEN": fake.token, "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_PATH": str(event), "GITHUB_ACTIONS": None, "GITHUB_STEP_SUMMARY": None,
        "GITHUB_OUTPUT": None, "GITHUB_RUN_ID": None,
    }
    env.update(extra)
    return env


def _comment(tmp_path: Path, fake: FakeGitHub, body: str, *args: str,
             report: dict[str, Any] | None = None, **env: str | None) -> Any:
    body_file = tmp_path / "body.md"
    body_file.write_text(body)
    argv = ["comment", "--body-file", str(body_file), *args]
    if report is not None:
        report_file = tmp_path / "report.json"
        report_file.write_text(json.dumps(report))
        argv += ["--report", str(report_file)]
    return CliRunner().invoke(cli, argv, env=_env(tmp_path, fake, **env), catch_exceptions=False)


TOUCHES = {"changes": {"files": [".github/workflows/ci.yml"], "counts": {"added": 1}}}
CLEAN = {"changes": {"files": [], "counts": {"added": 0, "changed": 0, "removed": 0}}}


def test_first_run_creates_second_edits_the_same_comment(tmp_path: Path, github: FakeGitHub) -> None:
    first = _comment(tmp_path, github, "### report one\n", report=TOUCHES)
    assert first.exit_code == 0, first.output
    assert "comment created" in first.stdout
    [made] = github.thread(REPO, PR)
    assert made["body"] == f"{MARK}\n### report one\n"

    second = _comment(tmp_path, github, "### report two\n", report=TOUCHES)
    assert second.exit_code == 0 and "comment updated" in second.stdout
    assert [c["id"] for c in github.thread(REPO, PR)] == [made["id"]]
    assert github.thread(REPO, PR)[0]["body"].endswith("### report two\n")
    assert [r.path for r in github.calls("PATCH")] == [f"/repos/{REPO}/issues/comments/{made['id']}"]

    # The same body again: no edit at all (no "edited" noise on the PR).
    third = _comment(tmp_path, github, "### report two\n", report=TOUCHES)
    assert "comment unchanged" in third.stdout
    assert len(github.calls("PATCH")) == 1 and len(github.calls("POST")) == 1
    assert all(r.authorization == "Bearer test-token" for r in github.requests)


def test_finds_its_comment_beyond_the_first_pages(tmp_path: Path, github: FakeGitHub) -> None:
    for i in range(230):
        github.add_comment(REPO, PR, f"comment {i} by a person")
    ours = github.add_comment(REPO, PR, f"{MARK}\nold report", "github-actions[bot]", "Bot")
    for i in range(5):
        github.add_comment(REPO, PR, f"late comment {i}")
    outcome = _comment(tmp_path, github, "new report", report=TOUCHES)
    assert outcome.exit_code == 0, outcome.output
    assert ours["body"] == f"{MARK}\nnew report\n"
    assert not github.calls("POST")
    pages = [r.query.get("page", ["1"])[0] for r in github.calls("GET") if r.path.endswith("/comments")]
    assert pages == ["1", "2", "3"]
    assert all(r.query["per_page"] == ["100"] for r in github.calls("GET") if r.path.endswith("/comments"))


def test_a_forged_marker_in_a_person_s_comment_is_not_edited(tmp_path: Path, github: FakeGitHub) -> None:
    forged = github.add_comment(REPO, PR, f"{MARK}\nI pasted the marker", "mallory", "User")
    outcome = _comment(tmp_path, github, "report", report=TOUCHES)
    assert outcome.exit_code == 0
    assert forged["body"] == f"{MARK}\nI pasted the marker"
    assert len(github.thread(REPO, PR)) == 2 and len(github.calls("POST")) == 1


def test_with_a_user_token_only_that_user_s_comment_is_ours(tmp_path: Path) -> None:
    with FakeGitHub(login="release-bot-user") as fake:
        other_bot = fake.add_comment(REPO, PR, f"{MARK}\nanother bot", "some-app[bot]", "Bot")
        mine = fake.add_comment(REPO, PR, f"{MARK}\nmine", "release-bot-user", "User")
        outcome = _comment(tmp_path, fake, "fresh", report=TOUCHES)
        assert outcome.exit_code == 0, outcome.output
        assert mine["body"] == f"{MARK}\nfresh\n" and other_bot["body"].endswith("another bot")


def test_key_keeps_two_comments_apart(tmp_path: Path, github: FakeGitHub) -> None:
    _comment(tmp_path, github, "root report", report=TOUCHES)
    _comment(tmp_path, github, "docs report", "--key", "docs", report=TOUCHES)
    bodies = [c["body"] for c in github.thread(REPO, PR)]
    assert bodies == [f"{MARK}\nroot report\n", "<!-- xops-lens:comment:docs -->\ndocs report\n"]
    with pytest.raises(click.UsageError):
        marker("bad key -->")


def test_forbidden_token_is_a_clear_error_in_log_and_summary(tmp_path: Path, github: FakeGitHub) -> None:
    github.forbid_writes = True
    summary = tmp_path / "summary.md"
    summary.write_text("the report\n")
    fork = tmp_path / "fork.json"
    fork.write_text(json.dumps({"number": PR, "pull_request": {
        "number": PR, "head": {"repo": {"full_name": "stranger/widgets"}},
        "base": {"repo": {"full_name": REPO}}}}))
    outcome = _comment(tmp_path, github, "report", report=TOUCHES, GITHUB_ACTIONS="true",
                       GITHUB_STEP_SUMMARY=str(summary), GITHUB_EVENT_PATH=str(fork))
    assert outcome.exit_code == 4
    assert "HTTP 403" in outcome.stderr and "fork" in outcome.stderr
    assert "Traceback" not in outcome.output
    assert outcome.stdout.startswith("::warning title=xops-lens comment not posted::")
    text = summary.read_text()
    assert text.startswith("the report\n") and "could not post its pull-request comment" in text
    assert "test-token" not in outcome.output + text


def test_on_change_skips_a_pr_that_does_not_touch_ci(tmp_path: Path, github: FakeGitHub) -> None:
    outcome = _comment(tmp_path, github, "nothing", report=CLEAN)
    assert outcome.exit_code == 0 and "comment skipped" in outcome.stdout
    assert not github.calls("POST")
    always = _comment(tmp_path, github, "no CI change", "--mode", "always", report=CLEAN)
    assert "comment created" in always.stdout


@pytest.mark.parametrize("on_clean", ["update", "resolve", "delete"])
def test_when_the_pr_no_longer_touches_ci(tmp_path: Path, github: FakeGitHub, on_clean: str) -> None:
    _comment(tmp_path, github, "the first report", report=TOUCHES)
    outcome = _comment(tmp_path, github, "no CI change now", "--on-clean", on_clean, report=CLEAN)
    assert outcome.exit_code == 0, outcome.output
    thread = github.thread(REPO, PR)
    if on_clean == "delete":
        assert thread == [] and "comment deleted" in outcome.stdout
        return
    [comment] = thread
    assert comment["body"].startswith(MARK)
    if on_clean == "update":
        assert comment["body"] == f"{MARK}\nno CI change now\n"
    else:
        assert RESOLVED_MARK in comment["body"] and "the first report" in comment["body"]
        again = _comment(tmp_path, github, "still none", "--on-clean", on_clean, report=CLEAN)
        assert "comment unchanged" in again.stdout


def test_outputs_and_not_a_pull_request(tmp_path: Path, github: FakeGitHub) -> None:
    output = tmp_path / "out.txt"
    _comment(tmp_path, github, "r", report=TOUCHES, GITHUB_OUTPUT=str(output))
    values = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert values["comment-action"] == "created" and values["comment-id"].isdigit()
    event = tmp_path / "push.json"
    event.write_text(json.dumps({"ref": "refs/heads/main"}))
    push = _comment(tmp_path, github, "r", GITHUB_EVENT_PATH=str(event), GITHUB_ACTIONS="true")
    assert push.exit_code == 0 and "not for a pull request" in push.stdout
    manual = _comment(tmp_path, github, "r", GITHUB_EVENT_PATH=str(event))
    assert manual.exit_code == 2 and "--pr" in manual.stderr


def test_missing_token_and_bad_token(tmp_path: Path, github: FakeGitHub) -> None:
    missing = _comment(tmp_path, github, "r", report=TOUCHES, GITHUB_TOKEN=None)
    assert missing.exit_code == 1 and "no GitHub token" in missing.stderr
    bad = _comment(tmp_path, github, "r", report=TOUCHES, GITHUB_TOKEN="wrong")
    assert bad.exit_code == 1 and "HTTP 401: Bad credentials" in bad.stderr


def test_github_enterprise_api_prefix_is_honoured(tmp_path: Path) -> None:
    with FakeGitHub(prefix="/api/v3") as fake:
        outcome = _comment(tmp_path, fake, "ghes", report=TOUCHES)
        assert outcome.exit_code == 0, outcome.output
        assert all(r.path.startswith("/api/v3/") for r in fake.requests)


def test_client_retries_transient_failures_and_refuses_foreign_links(github: FakeGitHub) -> None:
    waits: list[float] = []
    client = GitHubClient(github.token, github.api_url, sleep=waits.append)
    github.fail_next = [502, 429]
    assert client.list_issue_comments(REPO, PR) == []
    assert len(waits) == 2
    github.fail_next = [500, 500, 500]
    with pytest.raises(GitHubError) as failed:
        client.list_issue_comments(REPO, PR)
    assert failed.value.status == 500
    for i in range(120):
        github.add_comment(REPO, PR, f"c{i}")
    github.foreign_next_link = True
    with pytest.raises(GitHubError, match="another host"):
        client.list_issue_comments(REPO, PR)
    assert all(r.path.startswith("/repos/") for r in github.requests)


def test_upsert_with_a_fake_client_and_oversized_bodies() -> None:
    class Client:
        def __init__(self) -> None:
            self.created: list[str] = []

        def list_issue_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
            return []

        def authenticated_login(self) -> None:
            return None

        def authenticated_app_bot(self) -> None:
            return None

        def create_issue_comment(self, repo: str, number: int, body: str) -> dict[str, Any]:
            self.created.append(body)
            return {"id": 1, "html_url": "u"}

    client = Client()
    outcome = upsert(client, REPO, PR, "x" * 70_000, touches_ci=True,
                     run_url="https://github.com/octo/widgets/actions/runs/5")
    assert outcome.action == "created"
    assert len(client.created[0]) < 1000 and "too long" in client.created[0]
    assert "actions/runs/5" in client.created[0]


def test_helpers() -> None:
    assert next_link('<https://a/x?page=2>; rel="next", <https://a/x?page=9>; rel="last"') == \
        "https://a/x?page=2"
    assert next_link('<https://a/x?page=9>; rel="last"') is None
    with pytest.raises(XopsLensError):
        GitHubClient("t", "ftp://example")
    ctx = ActionsContext.from_env({"GITHUB_REPOSITORY": "bad repo/x", "GITHUB_SHA": "zz",
                                   "GITHUB_SERVER_URL": "javascript:alert(1)"})
    assert ctx.repository is None and ctx.sha is None and ctx.server_url == "https://github.com"
    assert ctx.blob_url("a.yml", 3) is None


def _race(fake: FakeGitHub, bodies: list[str]) -> list[Any]:
    """Run one upsert per body at the same time; the server holds every first listing
    until all runs have listed, so each sees an empty thread (the race of two pushes)."""
    import threading

    fake.list_barrier = threading.Barrier(len(bodies))
    fake.racing = len(bodies)
    outcomes: list[Any] = [None] * len(bodies)

    def run(i: int) -> None:
        client = GitHubClient(fake.token, fake.api_url)
        outcomes[i] = upsert(client, REPO, PR, bodies[i], touches_ci=True)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_concurrent_runs_converge_on_one_comment(github: FakeGitHub) -> None:
    outcomes = _race(github, ["same report", "same report"])
    assert len(github.calls("POST")) == 2  # the race really happened: both created
    [left] = github.thread(REPO, PR)
    assert left["body"] == f"{MARK}\nsame report\n"
    assert sorted(o.action for o in outcomes) == ["created", "updated"]
    assert {o.comment_id for o in outcomes} == {left["id"]}
    # The next push edits that one comment, and there is still one.
    client = GitHubClient(github.token, github.api_url)
    assert upsert(client, REPO, PR, "later", touches_ci=True).action == "updated"
    assert [c["body"] for c in github.thread(REPO, PR)] == [f"{MARK}\nlater\n"]


def test_a_run_whose_comment_the_other_run_deleted_updates_the_survivor(
        github: FakeGitHub) -> None:
    # The interleaving the threaded race cannot force: the other run listed after both
    # posts, kept the oldest and deleted ours before we listed again.
    from xops_lens.github.comment import _converge, _full
    survivor = github.add_comment(REPO, PR, f"{MARK}\nold report\n", "github-actions[bot]",
                                  "Bot")
    client = GitHubClient(github.token, github.api_url)
    wanted = _full(MARK, "new report", None)
    outcome = _converge(client, REPO, PR, MARK, "github-actions[bot]",
                        {"id": survivor["id"] + 1}, wanted)
    assert (outcome.action, outcome.comment_id) == ("updated", survivor["id"])
    assert [c["body"] for c in github.thread(REPO, PR)] == [wanted]


def test_duplicates_left_by_an_old_race_are_deleted_on_the_next_run(
        tmp_path: Path, github: FakeGitHub) -> None:
    first = github.add_comment(REPO, PR, f"{MARK}\nA", "github-actions[bot]", "Bot")
    github.add_comment(REPO, PR, f"{MARK}\nB", "github-actions[bot]", "Bot")
    outcome = _comment(tmp_path, github, "fresh", report=TOUCHES)
    assert outcome.exit_code == 0, outcome.output
    assert [(c["id"], c["body"]) for c in github.thread(REPO, PR)] == [(first["id"], f"{MARK}\nfresh\n")]


def test_another_bot_s_marker_is_ignored_with_github_token(tmp_path: Path, github: FakeGitHub) -> None:
    other = github.add_comment(REPO, PR, f"{MARK}\nanother bot's report", "some-app[bot]", "Bot")
    outcome = _comment(tmp_path, github, "ours", report=TOUCHES, GITHUB_ACTIONS="true")
    assert outcome.exit_code == 0, outcome.output
    assert "comment created" in outcome.stdout and "fork" not in outcome.output
    assert other["body"].endswith("another bot's report")
    assert not github.calls("PATCH") and not github.calls("DELETE")
    assert [c["user"]["login"] for c in github.thread(REPO, PR)] == ["some-app[bot]",
                                                                      "github-actions[bot]"]


def test_an_app_token_s_comments_are_its_bot_s(tmp_path: Path) -> None:
    with FakeGitHub(app_slug="cost-lens") as fake:
        actions = fake.add_comment(REPO, PR, f"{MARK}\nby GITHUB_TOKEN", "github-actions[bot]", "Bot")
        mine = fake.add_comment(REPO, PR, f"{MARK}\nby the app", "cost-lens[bot]", "Bot")
        outcome = _comment(tmp_path, fake, "fresh", report=TOUCHES)
        assert outcome.exit_code == 0, outcome.output
        assert mine["body"] == f"{MARK}\nfresh\n"
        assert actions["body"].endswith("by GITHUB_TOKEN")
        assert [r.path for r in fake.calls("GET") if r.path == "/app"] == ["/app"]


def test_a_403_outside_a_fork_does_not_blame_a_fork(tmp_path: Path, github: FakeGitHub) -> None:
    github.forbid_writes = True
    outcome = _comment(tmp_path, github, "report", report=TOUCHES)
    assert outcome.exit_code == 4
    assert "pull-requests: write" in outcome.stderr and "fork" not in outcome.stderr
