"""What the repository's own git history says about how often its pipelines run.

Read with GitPython, read-only (``rev-list`` and ``for-each-ref`` through its command
wrapper; nothing is written into the scanned tree). Counted on the default branch over a window of days:

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

from xops_lens.gitsafe import harden

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


def _is_bump(author: str, summary: str) -> bool:
    return bool(BUMP_AUTHORS.search(author) or BUMP_SUBJECT.search(summary))


def _outside_any_repository(root: Path) -> bool:
    """True when GitPython would surely find no repository at ``root``: no ``.git`` and
    no ``HEAD`` (a bare repository) in it or any parent, no GIT_DIR, and a git
    executable on the PATH (without one, importing GitPython fails and says so). Saves
    importing GitPython (docs/benchmarks.md) in a tree that is not a repository."""
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
        harden(repo.git, root)
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
    limit = now.timestamp()
    # One rev-list per question and one for-each-ref for the tags, instead of GitPython
    # reading each commit and tag object in turn, which on a repository with many
    # commits and tags took several times the rest of a small scan (docs/benchmarks.md).
    changes = [c for c in _commits(repo, branch, stamp, first_parent=True)
               if c.committed <= limit]
    if not changes:
        return History(False, f"no commits on {branch} in the last {days:g} days",
                       branch=branch, days=days)
    commits = [c for c in _commits(repo, branch, stamp) if c.committed <= limit]
    window = max(MIN_WINDOW_DAYS, min(days, _age_days(repo, branch, stamp, now)))
    merges = sum(1 for c in changes if c.parents > 1)
    bumps = sum(1 for c in commits if c.bump)
    in_window = {c.sha for c in commits}
    tags = sum(1 for sha in _tagged_commits(repo) if sha in in_window)
    span = f"{window:.0f} days" if window < days else f"the last {days:g} days"
    note = (f"git history of {branch}: {len(changes)} changes landed in {span} "
            f"({merges} merges), {bumps} dependency bumps, {tags} tags")
    return History(True, note, branch=branch, days=window, changes=len(changes),
                   merges=merges, commits=len(commits), bumps=bumps, tags=tags)


# rev-list prints "commit <sha>" before each formatted record; the record starts with
# a byte no commit field holds, so a message can never be taken for a record.
_RECORD = "\x01"
_FIELD = "\x1f"


@dataclass(frozen=True, slots=True)
class _Commit:
    sha: str
    committed: float  # committer time, what ``--since`` and the window compare
    parents: int
    bump: bool


def _commits(repo: Any, branch: str, stamp: str, *, first_parent: bool = False
             ) -> list[_Commit]:
    """The commits of ``branch`` committed since ``stamp``, newest first."""
    options = ["--first-parent"] if first_parent else []
    output = repo.git.rev_list(
        *options, f"--since={stamp}",
        f"--format={_RECORD}%H{_FIELD}%ct{_FIELD}%P{_FIELD}%an %ae{_FIELD}%B",
        branch, "--")
    found = []
    for record in output.split(_RECORD)[1:]:
        sha, committed, parents, author, message = record.split(_FIELD, 4)
        # The subject as GitPython's Commit.summary has it: the first line of the
        # message (%s would join a wrapped first paragraph into one line).
        summary = message.split("\n", 1)[0]
        found.append(_Commit(sha, float(committed), len(parents.split()),
                             _is_bump(author, summary)))
    return found


def _age_days(repo: Any, branch: str, stamp: str, now: datetime) -> float:
    """Days since the branch's first commit, only needed when all of it is younger
    than the window (otherwise any value over the window gives the same result):
    walking to the root commits of a long history costs seconds."""
    older = repo.git.rev_list("-1", f"--until={stamp}", branch, "--").strip()
    if older:
        return float("inf")
    roots = repo.git.rev_list("--max-parents=0", f"--format={_RECORD}%ct", branch, "--")
    first = min(int(record.split()[0]) for record in roots.split(_RECORD)[1:])
    # As datetimes, as the window's other ends are: the same float to the last digit.
    return (now - datetime.fromtimestamp(first, timezone.utc)).total_seconds() / 86400


def _tagged_commits(repo: Any) -> list[str]:
    """The commit each tag names, peeling annotated tags; tags of trees or blobs and
    broken tags name none."""
    output = repo.git.for_each_ref(
        "--format=%(objecttype) %(objectname) %(*objecttype) %(*objectname) %(refname)",
        "refs/tags")
    found = []
    for line in output.splitlines():
        kind, sha, peeled_kind, peeled, name = line.split(" ", 4)
        if kind == "commit":
            found.append(sha)
        elif kind == "tag" and peeled_kind == "commit":
            found.append(peeled)
        elif kind == "tag" and peeled_kind == "tag":  # a tag of a tag: rare, peel fully
            try:
                found.append(str(repo.tags[name.removeprefix("refs/tags/")].commit.hexsha))
            except (ValueError, TypeError, IndexError):
                continue
    return found
