"""PR mode: ``xops-lens scan PATH --base REF`` reports only what a change to CI did.

The head side is the scan of the work tree (in CI, the checked-out PR). The base side
is the same scan of the files of REF (its merge base with HEAD when git can find one,
as GitHub's "Files changed" does), written from git objects into a temporary directory
*outside* the scanned tree, which is never written to. Then:

* ``git diff <base>`` (base against the work tree, so that line numbers match the
  scanned files; untracked files count as added) gives changed line ranges per file;
* a head step is *changed* when a changed line falls inside the step's YAML node, or
  when lines were removed from the same step (found by its identity: file, job, name,
  and occurrence) on the base side; *added* when no base step has its identity;
* a base step touched by removed lines with no head counterpart is *removed*;
* job-level gates are compared by (file, job id, label).

The result then holds only the added and changed steps and gates; ``result.changes``
holds the rest: removed steps, the changed CI files, and the subsystem shares (and the
monthly cost, when the cost model reports one) of the whole pipeline before and after.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xops_lens.config import UserSettings
from xops_lens.errors import ConfigError
from xops_lens.plugins import Registry
from xops_lens.prmode.compare import compare
from xops_lens.prmode.git import GitRepo
from xops_lens.result import ChangeSet, ScanResult

# Besides the files a format claims, the base tree needs the files they may include
# (GitLab includes, Azure templates, composite actions...): those are YAML. Writing every
# blob of a monorepo would be wasteful, so only these suffixes are materialised.
INCLUDE_SUFFIXES = (".yml", ".yaml", ".toml", ".json")


def _reestimate(base: ScanResult, root: Path) -> None:
    """The cost model reads runs per month from the git history of the root it is given;
    the base was scanned in a temporary folder without history, so price it again with
    the real repository's history, else before and after would rest on different runs."""
    if getattr(base, "cost", None) is None:
        return
    from datetime import datetime, timezone

    from xops_lens.cost import estimate

    base.cost = estimate(base, root, now=datetime.now(timezone.utc))


def apply_base(root: Path, result: ScanResult, base_ref: str, *, backend: str,
               registry: Registry, config: UserSettings,
               backend_options: Mapping[str, Any] | None = None) -> ChangeSet:
    """Scan the base revision, compare, and cut ``result`` down to what changed."""
    from xops_lens.scan import scan

    git = GitRepo(root)
    base_sha, is_merge_base, head_sha = git.resolve(base_ref)
    formats = list(registry.formats.values())

    def wanted(path: str) -> bool:
        return path.endswith(INCLUDE_SUFFIXES) or any(fmt.claims(path) for fmt in formats)

    temp = Path(tempfile.mkdtemp(prefix="xops-lens-base-"))
    try:
        root_real = root.resolve()
        if temp.resolve() == root_real or root_real in temp.resolve().parents:
            raise ConfigError(f"the temporary directory {temp} is inside the scanned tree; "
                              "set TMPDIR to a folder outside it")
        try:
            git.materialise(base_sha, temp, wanted)
            diffs = git.diff(base_sha)
        except git.git_errors as exc:
            raise ConfigError(f"--base {base_ref!r}: git failed: {exc}") from None
        scan_kwargs: dict[str, Any] = {"backend": backend, "registry": registry, "config": config}
        if backend_options:
            scan_kwargs["backend_options"] = backend_options
        base_result = scan(temp, **scan_kwargs)
        _reestimate(base_result, root)
        return compare(root, result, base_result, diffs, temp,
                       (base_ref, base_sha, is_merge_base, head_sha))
    finally:
        shutil.rmtree(temp, ignore_errors=True)
