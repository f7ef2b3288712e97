"""What the repository's own git history says about how often its pipelines run.

Read with GitPython, read-only (``rev-list`` and object reads; nothing is written into
the scanned tree). Counted on the default branch over a window of days:

- *changes*: first-parent commits, i.e. each direct push or merged pull request that
  landed on the branch; each starts a ``push`` pipeline and, in a pull-request workflow,
  came through a reviewed pull request;
- *merges*: those changes that are merge commits (shown, to tell the workflow apart);
- *bumps*: commits that update a dependency (Dependabot, Renovate, "Bump x from 1 to 2");
- *tags*: tags on commits of the window, taken as releases.

When the history cannot be used (not a git repository, a sub-folder of a larger one,
a shallow clone cut inside the window, no commits in the window) :class:`History` says
why and the caller falls back to a documented default.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from xops_lens.cost.cron import MONTHS_PER_YEAR

DAYS_PER_MONTH = 365 / MONTHS_PER_YEAR
NOT_A_REPOSITORY = "not a git repository: no history to count runs from"
# Below this the rate of a young repository is too noisy to extrapolate from.
MIN_WINDOW_DAYS = 7
BUMP_AUTHORS = re.compile(r"dependabot|renovate", re.IGNORECASE)
BUMP_SUBJECT = re.compile(
    r"^(\S+(\(deps?[^)]*\))?!?:\s*)?(bump|update|upgrade)\s+\S+.*\b(from|to)\b\s+v?\d",
    re.IGNORECASE,
)
DEFAULT_BRANCH_NAMES = ("main", "master", "trunk", "develop")


@dataclass(frozen=True, slots=True)
class History:
    """Counts over the window, or why there are none (``available`` False)."""

    available: bool
    note: str
    branch: str | None = None
    days: float = 0.0
    changes: int = 0
    merges: int = 0
    commits: int = 0
    bumps: int = 0
    tags: int = 0

    def per_month(self, count: int) -> float:
        return count * DAYS_PER_MONTH / self.days if self.days else 0.0


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _default_branch(repo: Any) -> str | None:
    """origin's HEAD when known (what landed upstream), else a conventional local
    branch name, else the checked-out branch or commit."""
    try:
        origin_head = repo.git.symbolic_ref("--quiet", "refs/remotes/origin/HEAD").strip()
        if origin_head:
            return origin_head.removeprefix("refs/remotes/")
    except Exception:  # no origin, or origin/HEAD not set: look locally
        pass
    heads = {head.name for head in repo.heads}
    for name in DEFAULT_BRANCH_NAMES:
        if name in heads:
            return name
    if not repo.head.is_valid():
        return None
    return "HEAD" if repo.head.is_detached else repo.head.ref.name


def _shallow_cut(repo: Any, since: datetime) -> datetime | None:
    """The date a shallow clone's history starts at, when that is inside the window."""
    shallow = Path(repo.common_dir) / "shallow"
    if not shallow.is_file():
        return None
    cuts = []
    for sha in shallow.read_text(encoding="ascii", errors="replace").split():
        try:
            cuts.append(repo.commit(sha).committed_datetime)
        except Exception:  # a boundary commit we cannot read: treat the cut as recent
            return datetime.now(timezone.utc)
    inside = [cut for cut in cuts if cut > since]
    return max(inside) if inside else None


def _is_bump(commit: Any) -> bool:
    author = f"{commit.author.name} {commit.author.email}"
    return bool(BUMP_AUTHORS.search(author) or BUMP_SUBJECT.search(commit.summary))


def _outside_any_repository(root: Path) -> bool:
    """True when GitPython would surely find no repository at ``root``: no ``.git`` and
    no ``HEAD`` (a bare repository) in it or any parent, no GIT_DIR, and a git
    executable on the PATH (without one, importing GitPython fails and says so). Saves
    importing GitPython (about 60 ms) in a tree that is not a repository."""
    if os.environ.get("GIT_DIR") or os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") \
            or shutil.which("git") is None:
        return False
    folder = os.path.abspath(root)
    while True:
        if os.path.lexists(os.path.join(folder, ".git")) \
                or os.path.lexists(os.path.join(folder, "HEAD")):
            return False
        parent = os.path.dirname(folder)
        if parent == folder:
            return True
        folder = parent


def read_history(root: Path, *, days: float, now: datetime) -> History:
    """Counts on the default branch over the ``days`` before ``now``."""
    if _outside_any_repository(root):
        return History(False, NOT_A_REPOSITORY)
    try:
        import git
    except ImportError as exc:  # GitPython imports fine but needs a git executable
        return History(False, f"git history not read: {_first_line(exc)}")
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return History(False, NOT_A_REPOSITORY)
    try:
        return _read(repo, root, days, now)
    except git.GitError as exc:  # e.g. "dubious ownership", git missing
        return History(False, f"git history could not be read: {_first_line(exc)}")
    except (ValueError, OSError) as exc:
        return History(False, f"git history could not be read: {_first_line(exc)}")
    finally:
        repo.close()


def _read(repo: Any, root: Path, days: float, now: datetime) -> History:
    if repo.bare or repo.working_tree_dir is None:
        return History(False, "a bare repository: no work tree, no history used")
    if Path(repo.working_tree_dir).resolve() != root.resolve():
        # CI services read their files at the top of a repository, so CI files in a
        # sub-folder do not run on the enclosing repository's commits.
        return History(False, "a folder inside a larger git repository, not its top: "
                              "that repository's commits do not run these files")
    branch = _default_branch(repo)
    if branch is None:
        return History(False, "the repository has no commits yet")
    since = now - timedelta(days=days)
    cut = _shallow_cut(repo, since)
    if cut is not None:
        return History(False, f"shallow clone: history starts at {cut.date().isoformat()}, "
                              f"inside the {days:g}-day window", branch=branch)
    stamp = since.isoformat()
    changes = [c for c in repo.iter_commits(branch, first_parent=True, since=stamp)
               if c.committed_datetime <= now]
    if not changes:
        return History(False, f"no commits on {branch} in the last {days:g} days",
                       branch=branch, days=days)
    commits = [c for c in repo.iter_commits(branch, since=stamp) if c.committed_datetime <= now]
    # A repository younger than the window: rate over its real age (at least a week).
    first = min(c.committed_datetime for c in repo.iter_commits(branch, max_parents=0))
    window = max(MIN_WINDOW_DAYS, min(days, (now - first).total_seconds() / 86400))
    merges = sum(1 for c in changes if len(c.parents) > 1)
    bumps = sum(1 for c in commits if _is_bump(c))
    in_window = {c.hexsha for c in commits}
    tags = sum(1 for tag in repo.tags if _tag_commit(tag) in in_window)
    span = f"{window:.0f} days" if window < days else f"the last {days:g} days"
    note = (f"git history of {branch}: {len(changes)} changes landed in {span} "
            f"({merges} merges), {bumps} dependency bumps, {tags} tags")
    return History(True, note, branch=branch, days=window, changes=len(changes),
                   merges=merges, commits=len(commits), bumps=bumps, tags=tags)


def _tag_commit(tag: Any) -> str | None:
    try:
        return str(tag.commit.hexsha)
    except (ValueError, TypeError):  # a tag of a tree or blob, or a broken tag
        return None
