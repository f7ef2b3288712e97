"""The git calls of PR mode: resolve the base, diff it against the work tree, and write
its files into a folder. The scanned repository is untrusted: every command runs with the
hardening of :mod:`xops_lens.gitsafe`."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from xops_lens.discover import MAX_FILE_BYTES
from xops_lens.errors import ConfigError
from xops_lens.gitsafe import command_options, harden
from xops_lens.prmode.diff import FileDiff, parse_diff


class GitRepo:
    """The few git calls PR mode needs, run at the top of the work tree."""

    def __init__(self, root: Path) -> None:
        try:
            import git
        except ImportError as exc:  # GitPython refuses to import without a git binary
            raise ConfigError(f"--base needs git: {exc}") from None
        try:
            self.repo = git.Repo(root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise ConfigError(f"--base needs a git work tree; {root} is not in one") from None
        if self.repo.working_tree_dir is None:
            raise ConfigError("--base needs a work tree, not a bare repository")
        self.git_errors: tuple[type[BaseException], ...] = (git.GitCommandError, ValueError)
        # What GitPython raises for a revision it cannot find or a HEAD without commits.
        self.lookup_errors: tuple[type[BaseException], ...] = (
            git.BadName, git.BadObject, git.GitCommandError, ValueError, IndexError)
        top = Path(self.repo.working_tree_dir).resolve()
        try:
            rel = root.resolve().relative_to(top).as_posix()
        except ValueError:
            raise ConfigError(f"{root} is outside the git work tree {top}") from None
        self.prefix = "" if rel == "." else rel + "/"
        # The scanned repository chooses its own fsmonitor hook and filter drivers.
        harden(self.repo.git, top)
        self.safe_options = command_options(top)

    def run(self, *args: str) -> str:
        # -c options keep the user's git configuration from changing the output format.
        return str(self.repo.git.execute(
            ["git", *self.safe_options, "-c", "core.quotePath=false",
             "-c", "diff.noprefix=false", *args],
            strip_newline_in_stdout=False,
        ))

    def resolve(self, ref: str) -> tuple[str, bool, str | None]:
        """(base sha, whether it is the merge base, head sha or None)."""
        try:
            commit = self.repo.commit(ref)
        except self.lookup_errors:
            raise ConfigError(
                f"--base {ref!r}: no such revision here. In GitHub Actions fetch it first "
                f"(actions/checkout with fetch-depth: 0, or git fetch origin {ref})"
            ) from None
        try:
            head = self.repo.head.commit
        except self.lookup_errors:  # unborn HEAD: compare with the base itself
            return commit.hexsha, False, None
        try:
            bases = self.repo.merge_base(commit, head)
        except self.lookup_errors:  # shallow clones may have no common ancestor locally
            bases = []
        if bases and bases[0].hexsha != commit.hexsha:
            return bases[0].hexsha, True, head.hexsha
        return commit.hexsha, bool(bases), head.hexsha

    def diff(self, base_sha: str) -> list[FileDiff]:
        pathspec = self.prefix or "."
        text = self.run("diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M",
                        "--unified=0", "--src-prefix=a/", "--dst-prefix=b/", base_sha, "--",
                        pathspec)
        files = parse_diff(text)
        untracked = self.run("ls-files", "-z", "--others", "--exclude-standard", "--", pathspec)
        for path in filter(None, untracked.split("\0")):
            files.append(FileDiff(None, path, whole=True))
        return [self._relative(f) for f in files if self._inside(f)]

    def _inside(self, diff: FileDiff) -> bool:
        return any(p is not None and p.startswith(self.prefix)
                   for p in (diff.old_path, diff.new_path))

    def _relative(self, diff: FileDiff) -> FileDiff:
        def rel(path: str | None) -> str | None:
            if path is None or not path.startswith(self.prefix):
                return None
            return path[len(self.prefix):]

        return FileDiff(rel(diff.old_path), rel(diff.new_path), diff.removed, diff.added,
                        diff.whole, diff.hunks)

    def materialise(self, sha: str, target: Path, wanted: Any) -> None:
        """Write the base revision's wanted files (under the scan root) into ``target``."""
        commit = self.repo.commit(sha)
        tree = commit.tree
        if self.prefix:
            try:
                tree = tree / self.prefix.rstrip("/")
            except KeyError:
                return  # the scanned folder did not exist at the base
        from git import Blob

        target_real = target.resolve()
        for item in tree.traverse():
            if not isinstance(item, Blob) or item.mode == 0o120000:  # never recreate symlinks
                continue
            rel = str(item.path)[len(self.prefix):]
            parts = PurePosixPath(rel).parts
            if not parts or ".." in parts or not wanted(rel) or item.size > MAX_FILE_BYTES:
                continue
            dest = target_real.joinpath(*parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(item.data_stream.read())
