"""The user's cache folder for xops-lens, and folders in it that only the user can list.

Cached answers and run histories say what a private repository's CI does; on a shared
machine (a self-hosted runner, a build server) other accounts must not read them, so
every folder created here is 0700 whatever the umask, and files are written 0600
before they are moved into place (:func:`atomic_write`, the one writer of cache files).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/xops-lens`` (``~/.cache/xops-lens``), or the platform's place."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "xops-lens" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "xops-lens"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base_dir = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base_dir / "xops-lens"


def make_private_dirs(folder: Path, root: Path) -> None:
    """Create ``folder`` and every missing folder between it and ``root`` (``root``
    included) with mode 0700; folders that exist already are left as they are."""
    # Above the cache root (~/.cache) is the user's own business: usual permissions.
    root.parent.mkdir(parents=True, exist_ok=True)
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current == root or current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:  # another scan sharing the cache made it first
            continue
        # mkdir's mode is masked by the umask; chmod is not.
        os.chmod(path, PRIVATE_DIR_MODE)


def atomic_write(path: Path, text: str, root: Path) -> None:
    """Write ``text`` (UTF-8) to ``path`` under the cache folder ``root``: missing folders
    made private, the text written to a 0600 temporary file beside ``path`` and moved over
    it with ``os.replace``, which is atomic: two scans sharing the cache only ever see a
    whole old file or a whole new one, and a failure leaves neither a partial file nor
    the temporary one. Raises OSError; callers decide what an unwritable cache costs."""
    make_private_dirs(path.parent, root)
    fd, temp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    try:
        # mkstemp asks for 0600, which the umask can narrow; fchmod sets exactly that.
        if hasattr(os, "fchmod"):
            os.fchmod(fd, PRIVATE_FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
