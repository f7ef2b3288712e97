"""Which format reads a file: the user's ``formats.<name>.paths`` first, then each
format's own conventions; and the files that look like CI configuration but that no
format claimed, with how to include them.

``formats.<name>.paths`` is a list of globs (posix, relative to the scanned root; ``*``
stays within a folder, ``**`` crosses folders), set in ``.xops-lens.toml``
(``[formats.cloudbuild] paths = ["ci/*.yaml"]``), ``pyproject.toml``
(``[tool.xops-lens.formats.cloudbuild]``) or on the command line
(``--set 'formats.cloudbuild.paths=["ci/*.yaml"]'``). A matching file is read by that
format even when its name follows no convention; the format may still decline a file
that is not shaped like its configuration.

Last, a YAML file that nothing claims by path may be claimed by its content: a format
with ``claims_content`` (:class:`xops_lens.sdk.ContentClaimingFormat`: Cloud Build, whose
configs are often called ``deploy/release.yaml``; Tekton, whose resources live in any
folder, ``.lighthouse/jenkins-x/`` for Jenkins X; Azure Pipelines, whose pipeline file is
chosen in the web UI; GitLab CI) is shown the text of such
files. That look is bounded like the rest of discovery: a file is read by
``discover.SmallReader`` (confined to the root; regular files only, no symlink, no FIFO)
and only when it is no larger than MAX_FILE_BYTES and not under ``ignore.paths``; a
scan reads at most MAX_FILES such files and MAX_TOTAL_BYTES of them, then says where it
stopped. A file that cannot be read is nobody's and is not reported. A format may look
only in some trees (:class:`xops_lens.sdk.ContentScopedFormat`): GitLab CI claims YAML
under ``.gitlab/`` (or named with gitlab and ci) by content only when the tree has no
``.gitlab-ci.yml``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from xops_lens.globmatch import Glob, compile_glob

# Words in a file's name (or folder) that CI configuration usually carries, with the
# format they most likely belong to (None: no single guess).
_LOOKS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    # Jenkins X's Lighthouse folder (.lighthouse/jenkins-x/) holds Tekton, not Jenkins.
    (re.compile(r"(^|/)\.lighthouse(/|$)", re.I), "tekton"),
    (re.compile(r"jenkins", re.I), "jenkins"),
    (re.compile(r"cloudbuild|cloud-build", re.I), "cloudbuild"),
    (re.compile(r"azure-pipelines|azure-devops|\.azuredevops|\.vsts", re.I), "azure-pipelines"),
    (re.compile(r"gitlab-ci|\.gitlab-ci", re.I), "gitlab-ci"),
    (re.compile(r"bitbucket-pipelines", re.I), "bitbucket-pipelines"),
    (re.compile(r"\.?travis", re.I), "travis"),
    (re.compile(r"\.?circleci", re.I), "circleci"),
    (re.compile(r"buildkite", re.I), "buildkite"),
    (re.compile(r"\.?drone", re.I), "drone"),
    (re.compile(r"woodpecker", re.I), "woodpecker"),
    (re.compile(r"appveyor", re.I), "appveyor"),
    (re.compile(r"cirrus", re.I), "cirrus"),
    (re.compile(r"tekton", re.I), "tekton"),
    (re.compile(r"(^|[/._-])pipelines?([/._-]|$)", re.I), None),
)
# Configuration files: YAML, Groovy, or no extension (Jenkinsfile-like names).
_CONFIG_SUFFIXES = (".yml", ".yaml", ".groovy", ".jenkinsfile")
_NOT_CI_DIRS = frozenset({"docs", "doc", "test", "tests", "testdata", "fixtures", "examples",
                          "node_modules", "vendor"})
MAX_LISTED = 50  # a tree of thousands of look-alikes is summarised past this
CONTENT_SUFFIXES = (".yml", ".yaml")
# The largest Cloud Build config of the sample corpus is 7.5 KiB: 256 KiB leaves room for
# thirty times that (a larger config is read when formats.<name>.paths names it).
MAX_FILE_BYTES = 256 * 1024
# Reading and looking at a small YAML file costs some 15 to 20 microseconds
# (docs/benchmarks.md, bench/content_claims.py): these bound the look to about a second.
MAX_FILES = 50_000
MAX_TOTAL_BYTES = 128 * 1024 * 1024


class _Format(Protocol):
    name: str

    def claims(self, path: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Unclaimed:
    """A file that looks like CI configuration but that no format read."""

    path: str
    format: str | None  # the format it most likely is, if one

    @property
    def hint(self) -> str:
        name = self.format or "<format>"
        return f"--set 'formats.{name}.paths=[\"{self.path}\"]'"


def compile_path_glob(pattern: str) -> Glob:
    """A ``formats.<name>.paths`` glob, matched in time linear in the path whatever the
    pattern (the scanned repository's own config may write it: xops_lens.globmatch)."""
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    return compile_glob(pattern, double_star_crosses=True)


def configured(setting: Any, formats: Sequence[_Format], warn: Callable[[str], None]
               ) -> list[tuple[Glob, _Format]]:
    """The ``formats.<name>.paths`` globs, each with its format; a bad entry is one
    warning and left out."""
    if setting is None:
        return []
    by_name = {fmt.name: fmt for fmt in formats}
    if not isinstance(setting, dict):
        warn("setting formats: expected a table of formats (formats.<name>.paths); not used")
        return []
    found = []
    for name, table in setting.items():
        fmt = by_name.get(name)
        if fmt is None:
            known = ", ".join(sorted(by_name))
            warn(f"setting formats.{name}: no format named {name!r} (available: {known}); "
                 f"not used")
            continue
        paths = table.get("paths") if isinstance(table, dict) else None
        if isinstance(paths, str):
            paths = [paths]
        if not isinstance(paths, list) or not all(isinstance(p, str) and p.strip()
                                                  for p in paths):
            warn(f"setting formats.{name}.paths: expected a list of globs "
                 f"(for example [\"ci/*.yaml\"]); not used")
            continue
        found.extend((compile_path_glob(p), fmt) for p in paths)
    return found


def claimer(formats: Sequence[_Format], patterns: list[tuple[Glob, _Format]]
            ) -> Callable[[str], Any]:
    """The format that reads a path: a configured glob's first, else the first format
    (registration order) whose conventions claim it, else None."""

    def claim(path: str) -> Any:
        for pattern, fmt in patterns:
            if pattern.fullmatch(path):
                return fmt
        for fmt in formats:
            if fmt.claims(path):
                return fmt
        return None

    return claim


def looks_like_ci(path: str) -> Unclaimed | None:
    """Whether an unclaimed file looks like CI configuration, and which format it may be."""
    parts = path.split("/")
    name = parts[-1].lower()
    if any(part.lower() in _NOT_CI_DIRS for part in parts[:-1]):
        return None
    if "." in name.lstrip(".") and not name.endswith(_CONFIG_SUFFIXES) \
            and "jenkinsfile" not in name:
        return None
    for pattern, fmt in _LOOKS:
        if pattern.search(posixpath.basename(path)) \
                or (fmt is not None and pattern.search(posixpath.dirname(path))):
            return Unclaimed(path, fmt)
    return None


def unclaimed(paths: Sequence[str], claimed: set[str]) -> list[Unclaimed]:
    return [found for path in paths if path not in claimed
            and (found := looks_like_ci(path)) is not None]


def _looking(formats: Sequence[Any], tree: Sequence[str], warn: Callable[[str], None]
             ) -> list[Any]:
    """The formats that look at content in this tree: every ContentClaimingFormat, less
    the ContentScopedFormats that say no to the tree."""
    from xops_lens.sdk import ContentClaimingFormat, ContentScopedFormat

    lookers = []
    paths: frozenset[str] | None = None
    for fmt in formats:
        if not isinstance(fmt, ContentClaimingFormat):
            continue
        if isinstance(fmt, ContentScopedFormat):
            paths = frozenset(tree) if paths is None else paths
            try:
                if not fmt.claims_content_in(paths):
                    continue
            except Exception as exc:  # a plugin's bug must not lose the scan
                warn(f"format {fmt.name!r} failed looking at the tree: "
                     f"{type(exc).__name__}; it claims no file by content in this scan")
                continue
        lookers.append(fmt)
    return lookers


def claim_by_content(root: Path, paths: Sequence[str], formats: Sequence[Any],
                     skip: Callable[[str], bool], warn: Callable[[str], None],
                     tree: Sequence[str] | None = None) -> dict[str, Any]:
    """The formats that claim some of ``paths`` (files no format claimed by path) by their
    content, by path; ``skip(path)`` leaves a file unread (``ignore.paths``). ``tree``
    (every path of the scan, ``paths`` when not given) is what a
    :class:`xops_lens.sdk.ContentScopedFormat` is asked whether it looks at all."""
    from xops_lens.discover import SmallReader

    lookers = _looking(formats, tree if tree is not None else paths, warn)
    found: dict[str, Any] = {}
    if not lookers:
        return found
    files = total = 0
    broken: set[str] = set()
    reader = SmallReader(root)
    for path in paths:
        if not path.lower().endswith(CONTENT_SUFFIXES) or skip(path):
            continue
        if files >= MAX_FILES or total >= MAX_TOTAL_BYTES:
            names = ", ".join(fmt.name for fmt in lookers)
            warn(f"stopped looking for CI configuration by content after {files:,} YAML "
                 f"files ({total / 1048576:.0f} MiB) at {path}; a file of {names} that "
                 f"follows no naming convention can be named with "
                 f"formats.<format>.paths")
            break
        text = reader.read(path, MAX_FILE_BYTES)
        if text is None:  # too large, not a regular file, a symlink, outside the root
            continue
        files += 1
        total += len(text)
        for fmt in lookers:
            try:
                if fmt.claims_content(path, text):
                    found[path] = fmt
                    break
            except Exception as exc:  # a plugin's bug must not lose the scan
                if fmt.name not in broken:
                    broken.add(fmt.name)
                    warn(f"format {fmt.name!r} failed looking at {path}: "
                         f"{type(exc).__name__}; it claims no file by content in this scan")
                lookers = [f for f in lookers if f.name not in broken]
        if not lookers:
            break
    return found
