"""Git history read through rev-list and for-each-ref: every kind of tag, wrapped
subjects, bump authors, and a history older than the window."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.test_cost_runs import NOW, commit, day
from xops_lens.cost.history import read_history

git = pytest.importorskip("git")


def test_every_kind_of_tag_is_peeled_to_its_commit(tmp_path: Path) -> None:
    repo = git.Repo.init(tmp_path, initial_branch="main")
    commit(repo, "start", day(200))
    light = commit(repo, "lightweight tag here", day(50))
    annotated = commit(repo, "annotated tag here", day(40))
    commit(repo, "untagged", day(30))
    repo.create_tag("v1", ref=light)
    repo.create_tag("v2", ref=annotated, message="release 2")
    # A tag of a tag still names the commit under it; a tag of a tree names none.
    repo.create_tag("v2-signed", ref=repo.tags["v2"].tag, message="re-tag")
    repo.git.tag("-a", "-m", "a tree", "tree-tag", "HEAD^{tree}")
    commit(repo, "newest", day(5))
    repo.create_tag("v0", ref=repo.commit("HEAD~4"))  # outside the window
    history = read_history(tmp_path, days=90, now=NOW)
    repo.close()
    assert history.available, history.note
    assert history.tags == 3  # v1, v2, v2-signed; not v0 (too old), not tree-tag
    assert history.changes == 4 and history.days == 90


def test_bumps_by_author_or_by_first_line_only(tmp_path: Path) -> None:
    repo = git.Repo.init(tmp_path, initial_branch="main")
    commit(repo, "start", day(100))
    commit(repo, "chore(deps): bump lodash from 4.17.20 to 4.17.21", day(9))
    commit(repo, "Refresh lockfile", day(8), author="renovate[bot] <bot@renovate.invalid>")
    # The subject is the first line: a wrapped first paragraph does not make a bump.
    commit(repo, "Bump the minimum supported\nversion from 3.8 to 3.9 later", day(7))
    commit(repo, "Fix typo\n\nBump x from 1 to 2 in the notes", day(6))
    history = read_history(tmp_path, days=90, now=NOW)
    repo.close()
    assert (history.commits, history.bumps) == (4, 2)


def test_young_repository_rate_uses_its_age(tmp_path: Path) -> None:
    repo = git.Repo.init(tmp_path, initial_branch="main")
    for n in (30, 20, 10):
        commit(repo, f"change {n}", day(n))
    history = read_history(tmp_path, days=90, now=NOW)
    repo.close()
    assert history.days == pytest.approx(30)
    assert history.days == (timedelta(days=30)).total_seconds() / 86400
