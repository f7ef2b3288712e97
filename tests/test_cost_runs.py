"""Runs per month: cron firings checked against croniter step by step, and git history
read from repositories the tests build with GitPython, with known commit dates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import git
import pytest
from croniter import croniter

from tests.conftest import write_tree
from xops_lens.config import load_config
from xops_lens.cost.cron import (
    REFERENCE_END,
    REFERENCE_START,
    CronError,
    firings_per_month,
    firings_per_year,
)
from xops_lens.cost.history import DAYS_PER_MONTH, read_history
from xops_lens.scan import scan

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def brute_force(expression: str) -> int:
    """Every firing in the reference year, one croniter step each."""
    it = croniter(expression, REFERENCE_START - timedelta(seconds=1))
    count = 0
    while it.get_next(datetime) < REFERENCE_END:
        count += 1
    return count


@pytest.mark.parametrize("expression", [
    "17 3 * * 1-5", "0 0 1 * *", "0 * * * *", "*/30 * * * *", "0 0 29 2 *", "0 0 31 * *",
    "@daily", "@monthly", "@weekly", "0 0 * * 0,7", "0 12 * * MON-FRI", "0 0 1-7 * 1",
    "15,45 9-17 * * 1-5", "0 0 1,15 1,7 *", "30 2 * * 6",
])
def test_cron_count_matches_croniter(expression: str) -> None:
    assert firings_per_year(expression) == brute_force(expression)


@pytest.mark.parametrize(("expression", "per_month"), [
    ("0 * * * *", 24 * 365 / 12),          # hourly: 730
    ("* * * * *", 24 * 60 * 365 / 12),     # every minute, counted without 525,600 steps
    ("*/5 * 1-15 * *", 288 * 15),          # dense on some days: 15 days × 288 a day
    ("17 3 * * 1-5", 261 / 12),            # 2025 has 261 weekdays
    ("0 0 29 2 *", 0.0),                   # not in a non-leap year
])
def test_cron_by_hand(expression: str, per_month: float) -> None:
    assert firings_per_month(expression) == pytest.approx(per_month)


@pytest.mark.parametrize("expression", ["61 * * * *", "every day", "", "* * *"])
def test_bad_cron(expression: str) -> None:
    with pytest.raises(CronError):
        firings_per_month(expression)


# -- git history ---------------------------------------------------------------------

def commit(repo: git.Repo, message: str, when: datetime, *,
           author: str = "Dev <dev@example.invalid>") -> git.Commit:
    path = Path(repo.working_tree_dir or ".") / "log.txt"
    with path.open("a", encoding="utf-8") as stream:
        stream.write(message + "\n")
    repo.index.add(["log.txt"])
    stamp = git_date(when)
    return repo.index.commit(message, author=git.Actor._from_string(author),
                             author_date=stamp, commit_date=stamp)


def git_date(when: datetime) -> str:
    """Git's raw date format (seconds and offset), which GitPython passes on as is."""
    return f"{int(when.timestamp())} +0000"


def build_history(root: Path, now: datetime) -> Path:
    """main: one old commit, six in the 90 days before ``now`` (one a Dependabot bump, one
    tagged), and a feature branch of two commits merged with a merge commit."""

    def day(n: int) -> datetime:
        return now - timedelta(days=n)

    repo = git.Repo.init(root, initial_branch="main")
    commit(repo, "start", day(400))
    for n in (80, 60, 40, 30):
        commit(repo, f"change {n}", day(n))
    commit(repo, "Bump requests from 2.31.0 to 2.32.0", day(25),
           author="dependabot[bot] <support@github.invalid>")
    tagged = commit(repo, "change 20", day(20))
    repo.create_tag("v1.0.0", ref=tagged)
    main = repo.head.commit
    feature = repo.create_head("feature", main)
    feature.checkout()
    commit(repo, "feature 1", day(15))
    commit(repo, "feature 2", day(12))
    repo.heads.main.checkout()
    repo.index.merge_tree(feature.commit, base=repo.merge_base(main, feature.commit)[0])
    stamp = git_date(day(10))
    repo.index.commit("Merge branch 'feature'", parent_commits=(main, feature.commit),
                      author_date=stamp, commit_date=stamp)
    repo.head.reset(index=True, working_tree=True)
    repo.close()
    return root


def day(n: int) -> datetime:
    """n days before NOW."""
    return NOW - timedelta(days=n)


@pytest.fixture
def history_repo(tmp_path: Path) -> Path:
    return build_history(tmp_path, NOW)


def test_history_counts(history_repo: Path) -> None:
    history = read_history(history_repo, days=90, now=NOW)
    assert history.available, history.note
    assert history.branch == "main"
    assert history.changes == 7  # 6 on main + the merge; feature commits are not landings
    assert history.merges == 1
    assert history.commits == 9
    assert history.bumps == 1
    assert history.tags == 1
    assert history.days == 90
    assert history.per_month(history.changes) == pytest.approx(7 * DAYS_PER_MONTH / 90)
    assert "7 changes landed in the last 90 days (1 merges)" in history.note


def test_history_window_moves_with_now(history_repo: Path) -> None:
    history = read_history(history_repo, days=22, now=NOW)
    assert (history.changes, history.merges, history.tags) == (2, 1, 1)  # days 20 and 10


def test_no_commits_in_window(history_repo: Path) -> None:
    history = read_history(history_repo, days=30, now=NOW + timedelta(days=365))
    assert not history.available
    assert history.note == "no commits on main in the last 30 days"


def test_young_repository_rate_uses_its_age(tmp_path: Path) -> None:
    repo = git.Repo.init(tmp_path, initial_branch="main")
    for n in (20, 15, 10, 5):
        commit(repo, f"c{n}", day(n))
    history = read_history(tmp_path, days=90, now=NOW)
    assert history.available and history.changes == 4
    assert history.days == pytest.approx(20)
    assert history.per_month(4) == pytest.approx(4 * DAYS_PER_MONTH / 20)


def test_not_a_repository_and_sub_folder(tmp_path_factory: pytest.TempPathFactory,
                                         history_repo: Path) -> None:
    outside = tmp_path_factory.mktemp("elsewhere")
    assert read_history(outside, days=90, now=NOW).note.startswith("not a git repository")
    sub = history_repo / "examples"
    sub.mkdir()
    history = read_history(sub, days=90, now=NOW)
    assert not history.available and "not its top" in history.note


def test_empty_repository(tmp_path: Path) -> None:
    git.Repo.init(tmp_path, initial_branch="main").close()
    history = read_history(tmp_path, days=90, now=NOW)
    assert not history.available and "no commits" in history.note


def test_shallow_clone_cut_inside_the_window(history_repo: Path,
                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    target = tmp_path_factory.mktemp("shallow") / "clone"
    git.Repo.clone_from(history_repo.as_uri(), target, depth=1).close()
    history = read_history(target, days=90, now=NOW)
    assert not history.available
    assert history.note.startswith("shallow clone: history starts at")
    # A shallow clone whose cut is older than the window is complete for it.
    assert read_history(target, days=5, now=NOW).note.startswith("no commits")


WORKFLOW = """\
on:
  push:
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: pip install -r requirements.txt
      - run: pytest
"""


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}


def test_scan_counts_runs_from_history_and_writes_nothing(tmp_path: Path) -> None:
    # scan() ends the window at the real now, so the dates here are relative to it.
    now = datetime.now(timezone.utc)
    history_repo = build_history(tmp_path, now)
    write_tree(history_repo, {".github/workflows/ci.yml": WORKFLOW})
    repo = git.Repo(history_repo)
    repo.index.add([".github/workflows/ci.yml"])
    stamp = git_date(now - timedelta(days=1))
    repo.index.commit("add CI", author_date=stamp, commit_date=stamp)
    repo.close()
    before = snapshot(history_repo)
    result = scan(history_repo, config=load_config(history_repo))
    after = snapshot(history_repo)
    assert after == before  # the scan wrote nothing, not even into .git

    report = result.cost
    assert report is not None and report.history_used, report.history_note
    # 7 landings of the fixture + "add CI" in 90 days
    changes = next(a for a in report.assumptions if a.key == "cost.changes_per_month")
    assert changes.source == "git history"
    assert changes.value == pytest.approx(8 * DAYS_PER_MONTH / 90)
    runs = report.runs[".github/workflows/ci.yml"].by_event()
    assert runs["pull_request"] == pytest.approx(runs["push"] * 2)
    bumps = next(a for a in report.assumptions if a.key == "cost.dependency_bumps_per_month")
    assert bumps.source == "git history"


def test_history_missing_falls_back_to_defaults(tmp_path: Path) -> None:
    write_tree(tmp_path, {".github/workflows/ci.yml": WORKFLOW})
    report = scan(tmp_path, config=load_config(tmp_path)).cost
    assert report is not None and not report.history_used
    assert report.history_note.startswith("not a git repository")
    changes = next(a for a in report.assumptions if a.key == "cost.changes_per_month")
    assert (changes.value, changes.source) == (40.0, "default")
