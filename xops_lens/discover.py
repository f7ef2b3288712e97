"""Which files of a tree could be CI configuration, and reading them safely.

Inside a git work tree git decides (tracked plus untracked-not-ignored files), so a
scan sees what the repository holds and not build output; elsewhere the tree is walked.
Symlinks are never followed out of the root, vendored folders are skipped, and files
over a size limit are reported rather than read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from xops_lens.errors import MissingFileError, ParseError
from xops_lens.gitsafe import harden

SKIPPED_DIRS = frozenset(
    {".git", "node_modules", "vendor", "third_party", ".venv", "venv", "__pycache__",
     ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages"}
)
# Eight times the largest CI file of the sample corpus; the parsers' time grows with
# the size (docs/benchmarks.md), and a scan must stay bounded.
MAX_FILE_BYTES = 1024 * 1024


@dataclass
class Discovery:
    paths: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    used_git: bool = False


def _in_skipped_dir(path: str) -> bool:
    return any(part in SKIPPED_DIRS for part in PurePosixPath(path).parts[:-1])


def _git_paths(root: Path) -> list[str] | None:
    """Paths git knows under ``root`` (relative to it), or None outside a work tree."""
    if not (root / ".git").exists() and not any((p / ".git").exists() for p in root.parents):
        return None
    try:
        import git
    except ImportError:  # git executable missing: GitPython refuses to import
        return None
    try:
        command = git.Git(str(root))
        harden(command, root)
        output = command.ls_files(
            "-z", "--cached", "--others", "--exclude-standard", "--deduplicate"
        )
    except (git.GitCommandError, git.GitCommandNotFound, OSError):
        return None
    return sorted({p for p in output.split("\0") if p})


def _walk_paths(root: Path) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        rel_dir = os.path.relpath(dirpath, root)
        for name in filenames:
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            found.append(rel.replace(os.sep, "/"))
    return sorted(found)


def discover(root: Path) -> Discovery:
    """List candidate files under ``root`` (posix paths relative to it), sorted."""
    result = Discovery()
    paths = _git_paths(root)
    if paths is not None:
        result.used_git = True
    else:
        paths = _walk_paths(root)
    for path in paths:
        if _in_skipped_dir(path):
            continue
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:  # bytes that are not UTF-8, kept as surrogates by os
            # No report can name it (JSON, SARIF and Markdown are UTF-8) and no CI system
            # reads it: it is listed as skipped, not scanned.
            result.skipped.append(path)
            continue
        result.paths.append(path)
    return result


def _real_inside(root: Path, rel_path: str, referrer: str | None) -> str:
    """The real path of ``rel_path`` as a string, refusing anything that leaves ``root``.

    Strings and os.path rather than pathlib: ``Path.resolve()`` twice and a walk over
    ``real.parents`` took most of the time of reading a small file (docs/benchmarks.md)."""
    shown = rel_path
    joined = os.path.join(root, rel_path)
    root_real = os.path.normcase(os.path.realpath(root))

    def outside(path: str) -> bool:
        path = os.path.normcase(path)
        return path != root_real and not path.startswith(os.path.join(root_real, ""))

    # Outside first, whether the target exists or not: "file not found" for a path out
    # of the root would tell a stranger's pull request which files the runner has.
    if outside(os.path.realpath(joined)):
        raise ParseError(referrer or shown, f"{shown} points outside the scanned root; not read")
    try:
        real = os.path.realpath(joined, strict=True)
    except FileNotFoundError:
        raise MissingFileError(referrer or shown, f"file not found: {shown}") from None
    except OSError as exc:  # ELOOP: a symlink loop; ENOTDIR: a file used as a folder
        raise ParseError(referrer or shown,
                         f"cannot resolve {shown}: {exc.strerror or exc}") from None
    if outside(real):  # changed since the first look
        raise ParseError(referrer or shown, f"{shown} points outside the scanned root; not read")
    return real


def read_text(root: Path, rel_path: str, *, referrer: str | None = None,
              max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a text file under ``root`` with the size, encoding and binary checks."""
    real = _real_inside(root, rel_path, referrer)
    where = referrer or rel_path
    # "x.yml: x.yml is 50 MiB" says the name twice; an included file is named.
    name = rel_path if referrer and referrer != rel_path else "the file"
    try:
        info: os.stat_result | None = os.stat(real)
    except OSError:
        info = None
    # Checked before opening: opening a FIFO or a device could block or never end.
    if info is None or not stat.S_ISREG(info.st_mode):
        raise ParseError(where, f"{name} is not a regular file")

    def too_big(size: int) -> ParseError:
        return ParseError(where, f"{name} is {size / 1048576:.1f} MiB, over the "
                          f"{max_bytes // 1048576} MiB limit; skipped")

    try:
        if info.st_size > max_bytes:
            raise too_big(info.st_size)
        with open(real, "rb") as stream:
            # Bounded even if the file grew after the stat (or a file system reports 0).
            data = stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise too_big(max(len(data), os.path.getsize(real)))
    except PermissionError:
        raise ParseError(where, f"{name} cannot be read (permission denied)") from None
    except OSError as exc:
        raise ParseError(where, f"{name} cannot be read: {exc.strerror}") from None
    # Lines of an encoding error are lines of this file, so name it (an including file
    # wraps the message with its own line).
    return decode(data, rel_path)


class SmallReader:
    """Reads many small files under one root for a look at their content, cheaply and
    without leaving the root: what claims.claim_by_content reads YAML files with.

    :func:`read_text` resolves the root and every component of each path (its realpath
    calls were most of the look's time on a tree of 2,000 YAML files,
    docs/benchmarks.md). Here the root and each folder are resolved once, and the file
    itself is opened without following a symlink (``O_NOFOLLOW``), as a regular file
    only: a symlink is not looked at (what it points to inside the root is looked at
    under its own name), nor is a FIFO or a device. Nothing is reported for a file
    skipped: none was claimed.
    """

    _FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
              | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))

    def __init__(self, root: Path) -> None:
        self._root = str(root)
        self._root_real = os.path.normcase(os.path.realpath(root))
        self._folders: dict[str, str | None] = {}

    def _folder(self, rel_dir: str) -> str | None:
        """The real path of a folder of the tree, None when it is outside the root."""
        try:
            return self._folders[rel_dir]
        except KeyError:
            pass
        real: str | None = os.path.realpath(os.path.join(self._root, rel_dir))
        normal = os.path.normcase(real)  # type: ignore[arg-type]
        if normal != self._root_real and not normal.startswith(
                os.path.join(self._root_real, "")):
            real = None
        self._folders[rel_dir] = real
        return real

    def read(self, rel_path: str, max_bytes: int) -> str | None:
        """The text of ``rel_path`` when it is a regular file inside the root of at most
        ``max_bytes``, not a symlink, and text; None otherwise."""
        rel_dir, name = os.path.split(rel_path)
        folder = self._folder(rel_dir)
        if folder is None or name in ("", ".", ".."):
            return None
        path = os.path.join(folder, name)
        if not getattr(os, "O_NOFOLLOW", 0) and os.path.islink(path):
            return None  # a platform without O_NOFOLLOW: looked at before opening
        try:
            descriptor = os.open(path, self._FLAGS)
        except OSError:  # ELOOP: a symlink; missing, unreadable
            return None
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
                return None
            # Bounded even if the file grew after the fstat.
            chunks: list[bytes] = []
            left = max_bytes + 1
            while left > 0 and (chunk := os.read(descriptor, left)):
                chunks.append(chunk)
                left -= len(chunk)
            data = b"".join(chunks)
        except OSError:
            return None
        finally:
            os.close(descriptor)
        if len(data) > max_bytes:
            return None
        try:
            return decode(data, rel_path)
        except ParseError:
            return None


def decode(data: bytes, path: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ParseError(path, "invalid UTF-16 text") from None
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise ParseError(path, "binary content (NUL byte); not a text file", line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ParseError(path, f"not UTF-8 text (byte 0x{data[exc.start]:02x})", line) from None
