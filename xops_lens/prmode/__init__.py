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

import codecs
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from xops_lens.config import Config
from xops_lens.discover import MAX_FILE_BYTES, read_text
from xops_lens.errors import ConfigError, ParseError, XopsLensError
from xops_lens.gitsafe import command_options, harden
from xops_lens.model import SUBSYSTEMS, Step
from xops_lens.plugins import Registry
from xops_lens.result import ChangeSet, GateResult, ScanResult, Side, StepChange, StepResult

# Besides the files a format claims, the base tree needs the files they may include
# (GitLab includes, Azure templates, composite actions...): those are YAML. Writing every
# blob of a monorepo would be wasteful, so only these suffixes are materialised.
INCLUDE_SUFFIXES = (".yml", ".yaml", ".toml", ".json")
HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_BLANK_OR_COMMENT_RE = re.compile(r"^\s*(?:#.*)?$")


# -- where a step ends -------------------------------------------------------------------
def _node_last_line(node: Any, lines: Sequence[str]) -> int:
    """The last line (1-based) holding the node's own text.

    PyYAML ends a block node at the next token, often the start of the next item, so
    an end mark at the first non-blank column of its line means "the line before". Blank
    and comment lines at the end belong to what follows (a comment above a step is
    about that step)."""
    mark = node.end_mark
    start: int = node.start_mark.line + 1
    line_text = lines[mark.line] if mark.line < len(lines) else ""
    last: int = mark.line if not line_text[: mark.column].strip() else mark.line + 1
    while last > start and last - 1 < len(lines) and _BLANK_OR_COMMENT_RE.match(lines[last - 1]):
        last -= 1
    return max(last, start)


def yaml_node_ends(text: str) -> dict[int, int]:
    """For every line where a YAML list item or mapping entry starts, the last line of the
    largest such node starting there (a step item, a job entry). Empty when the text is
    not YAML this loader can compose (the caller then falls back)."""
    import yaml

    from xops_lens.yamlload import compose_documents

    lines = text.splitlines()
    ends: dict[int, int] = {}
    try:
        # The hardened loader's checks: this text is the scanned tree's (a Jenkinsfile
        # read as YAML too), and a deep one crashed the interpreter here.
        documents = compose_documents(text, "")
    except ParseError:
        return {}
    seen: set[int] = set()
    stack = [doc for doc in documents if doc is not None]
    while stack:  # iterative: hostile nesting must not hit the recursion limit
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        starts: list[tuple[int, Any]] = []
        if isinstance(node, yaml.SequenceNode):
            starts = [(item.start_mark.line + 1, item) for item in node.value]
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                starts.append((key.start_mark.line + 1, value))
                stack.append(value)
        for start, child in starts:
            last = _node_last_line(child, lines)
            if last >= start and last > ends.get(start, 0):
                ends[start] = last
    return ends


class Spans:
    """Line spans of steps and jobs, per file, computed once per file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._ends: dict[str, tuple[dict[int, int], int]] = {}

    def _file(self, file: str) -> tuple[dict[int, int], int]:
        cached = self._ends.get(file)
        if cached is None:
            try:
                text = read_text(self.root, file)
            except XopsLensError:
                text = ""
            cached = (yaml_node_ends(text), len(text.splitlines()))
            self._ends[file] = cached
        return cached

    def span(self, file: str, line: int, anchors: Sequence[int], end_line: int | None = None
             ) -> tuple[int, int]:
        """``[line, end]`` of the unit starting at ``line``. Without a YAML node there
        (a Jenkinsfile), the unit runs to the line before the next anchor (the next step
        or job start in the same file) or to the end of the file."""
        if end_line is not None:
            return line, max(line, end_line)
        ends, length = self._file(file)
        if line in ends:
            return line, ends[line]
        following = [a for a in anchors if a > line]
        return line, max(line, (min(following) - 1) if following else length)


def _anchors(result: ScanResult) -> dict[str, list[int]]:
    anchors: dict[str, set[int]] = {}
    for report in result.files:
        for job in report.pipeline.jobs if report.pipeline else ():
            anchors.setdefault(job.file, set()).add(job.line)
            for step in job.steps:
                anchors.setdefault(step.file, set()).add(step.line)
    return {file: sorted(lines) for file, lines in anchors.items()}


# -- git -------------------------------------------------------------------------------
@dataclass
class FileDiff:
    old_path: str | None
    new_path: str | None
    removed: set[int] = field(default_factory=set)  # base-side line numbers
    added: set[int] = field(default_factory=set)  # work-tree-side line numbers
    whole: bool = False  # an untracked file: every line is new
    # (base lines, work-tree lines) of each hunk: a hunk with both sides replaced text
    hunks: list[tuple[range, range]] = field(default_factory=list)


def _unquote(path: str) -> str:
    """Git's C-style quoting of unusual file names."""
    if len(path) >= 2 and path[0] == '"' and path[-1] == '"':
        raw = codecs.escape_decode(path[1:-1].encode("utf-8"))[0]
        return raw.decode("utf-8", errors="replace")
    return path


def _strip_side(path: str, prefix: str) -> str | None:
    path = _unquote(path.rstrip("\t"))
    if path == "/dev/null":
        return None
    return path.removeprefix(prefix)


def parse_diff(text: str) -> list[FileDiff]:
    """Files and changed line numbers of ``git diff --unified=0`` output."""
    files: list[FileDiff] = []
    current: FileDiff | None = None
    for raw in text.splitlines():
        if raw.startswith("diff --git "):
            current = FileDiff(None, None)
            files.append(current)
            continue
        if current is None:
            continue
        if raw.startswith("rename from "):
            current.old_path = _unquote(raw[len("rename from "):])
        elif raw.startswith("rename to "):
            current.new_path = _unquote(raw[len("rename to "):])
        elif raw.startswith("--- "):
            current.old_path = _strip_side(raw[4:], "a/")
        elif raw.startswith("+++ "):
            current.new_path = _strip_side(raw[4:], "b/")
        elif raw.startswith("new file mode"):
            current.old_path = None
        elif raw.startswith("@@"):
            match = HUNK_RE.match(raw)
            if match is None:
                continue
            old_start, old_len, new_start, new_len = match.groups()
            old_n = 1 if old_len is None else int(old_len)
            new_n = 1 if new_len is None else int(new_len)
            old_range = range(int(old_start), int(old_start) + old_n)
            new_range = range(int(new_start), int(new_start) + new_n)
            current.removed.update(old_range)
            current.added.update(new_range)
            current.hunks.append((old_range, new_range))
    return files


class _Git:
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


# -- comparing the two sides -----------------------------------------------------------------
def _identity_keys(steps: Iterable[Step], rename: Mapping[str, str]) -> dict[int, tuple[str, ...]]:
    """(file, job, name, n-th occurrence) for each step, with base files renamed."""
    seen: Counter[tuple[str, str, str]] = Counter()
    keys: dict[int, tuple[str, ...]] = {}
    for step in steps:
        base = (rename.get(step.file, step.file), step.job, step.name)
        keys[id(step)] = (*base, str(seen[base]))
        seen[base] += 1
    return keys


def _side(result: ScanResult) -> Side:
    cost = monthly_cost(result)
    return Side(dict(result.subsystem_counts()), len(result.steps), len(result.gates),
                cost[0] if cost else None, cost[1] if cost else None)


def monthly_cost(result: ScanResult) -> tuple[float, str | None] | None:
    """The pipeline's monthly cost from the JSON summary, when the cost model gives one.

    Read through the JSON contract rather than internals, and defensively: the cost
    model is newer than PR mode and its field names may grow."""
    try:
        from xops_lens.reporters.json import to_dict

        summary = to_dict(result, lazy=True).get("summary", {})  # lazy: no entries built
    except Exception:  # noqa: BLE001 - a cost figure must never cost the PR report
        return None
    return cost_from_summary(summary)


def cost_from_summary(summary: Mapping[str, Any]) -> tuple[float, str | None] | None:
    cost = summary.get("cost")
    candidates: list[tuple[Mapping[str, Any], str]] = []
    if isinstance(cost, Mapping):
        candidates += [(cost, "monthly"), (cost, "monthly_total"), (cost, "total_monthly"),
                       (cost, "marginal_monthly")]
    candidates += [(summary, "monthly_cost"), (summary, "cost_monthly")]
    for table, key in candidates:
        value = table.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            currency = (cost.get("currency") if isinstance(cost, Mapping) else None) or \
                summary.get("currency")
            return float(value), currency if isinstance(currency, str) else None
    return None


def compare(root: Path, head: ScanResult, base: ScanResult, diffs: Sequence[FileDiff],
            base_root: Path, info: tuple[str, str, bool, str | None]) -> ChangeSet:
    """Fill a ChangeSet and cut ``head`` down to the steps and gates that changed."""
    base_ref, base_sha, is_merge_base, head_sha = info
    rename = {d.old_path: d.new_path for d in diffs if d.old_path and d.new_path}
    added_lines = {d.new_path: d.added for d in diffs if d.new_path}
    whole = {d.new_path for d in diffs if d.new_path and d.whole}
    removed_lines = {d.old_path: d.removed for d in diffs if d.old_path}
    ci_files = {f.path for f in head.files} | {f.path for f in base.files}
    changed_files = sorted({p for d in diffs for p in (d.new_path, d.old_path)
                            if p is not None and p in ci_files})

    head_spans, base_spans = Spans(root), Spans(base_root)
    head_anchors, base_anchors = _anchors(head), _anchors(base)
    head_keys = _identity_keys((s.step for s in head.steps), {})
    base_keys = _identity_keys((s.step for s in base.steps), rename)
    base_identities = set(base_keys.values())
    head_identities = set(head_keys.values())

    seen_spans: dict[int, tuple[int, int]] = {}

    def touched(spans: Spans, anchors: dict[str, list[int]], step: Step,
                lines: Mapping[str, set[int]]) -> bool:
        changed = lines.get(step.file)
        if not changed:
            return False
        start, end = spans.span(step.file, step.line, anchors.get(step.file, ()),
                                step.end_line)
        seen_spans[id(step)] = (start, end)
        return any(start <= n <= end for n in changed)

    # Base steps whose lines were removed: their head counterpart changed, or they left.
    base_touched: set[tuple[str, ...]] = set()
    removed: list[tuple[StepResult, StepChange]] = []
    for item in base.steps:
        if touched(base_spans, base_anchors, item.step, removed_lines):
            key = base_keys[id(item.step)]
            if key in head_identities:
                base_touched.add(key)
            else:
                removed.append((item, _change("removed", item)))
    hunks = {d.new_path: d.hunks for d in diffs if d.new_path}
    changes: list[StepChange] = []
    kept: list[StepResult] = []
    for item in head.steps:
        key = head_keys[id(item.step)]
        is_new = key not in base_identities
        if item.step.file in whole or key in base_touched \
                or touched(head_spans, head_anchors, item.step, added_lines):
            kept.append(item)
            status = "added" if is_new else "changed"
            if is_new:
                # The same step rewritten (a GitLab script line is named by its command):
                # one hunk replaced a removed step's lines with this step's lines.
                twin = _replaced(item, removed, hunks.get(item.step.file, ()), seen_spans,
                                 rename)
                if twin is not None:
                    removed.remove(twin)
                    status = "changed"
            changes.append(_change(status, item))
    changes += [change for _, change in removed]

    base_gates = {(g.job.file, g.job.id): g for g in base.gates}
    head_gates = {(g.job.file, g.job.id): g for g in head.gates}
    kept_gates: list[GateResult] = []
    for key, gate in head_gates.items():
        before = base_gates.get(key)
        if before is None or (before.label.kind, before.label.why) != (gate.label.kind, gate.label.why):
            kept_gates.append(gate)
            changes.append(StepChange("added" if before is None else "changed", gate.job.file,
                                      gate.job.line, gate.job.id, "(job gate) " + gate.job.name,
                                      gate.label.subsystem, gate.label.kind))
    removed_gates = [
        StepChange("removed", gate.job.file, gate.job.line, gate.job.id,
                   "(job gate) " + gate.job.name, gate.label.subsystem, gate.label.kind)
        for key, gate in base_gates.items() if key not in head_gates
    ]

    changeset = ChangeSet(base_ref, base_sha, is_merge_base, head_sha, changed_files,
                          sorted(changes, key=lambda c: (c.file, c.line, c.status)),
                          removed_gates, before=_side(base), after=_side(head))
    head.steps = kept
    head.gates = kept_gates
    head.changes = changeset
    _keep_suggestions_of(head, {(c.file, c.line) for c in changes if c.status != "removed"})
    return changeset


def _replaced(item: StepResult, removed: list[tuple[StepResult, StepChange]],
              hunks: Sequence[tuple[range, range]], spans: Mapping[int, tuple[int, int]],
              rename: Mapping[str, str]) -> tuple[StepResult, StepChange] | None:
    """The removed base step of the same job that one hunk replaced by ``item``."""
    head_span = spans.get(id(item.step))
    if head_span is None:
        return None
    for pair in removed:
        base_step = pair[0].step
        base_span = spans.get(id(base_step))
        if (base_span is None or base_step.job != item.step.job
                or rename.get(base_step.file, base_step.file) != item.step.file):
            continue
        for old_lines, new_lines in hunks:
            if _overlaps(old_lines, base_span) and _overlaps(new_lines, head_span):
                return pair
    return None


def _overlaps(lines: range, span: tuple[int, int]) -> bool:
    return bool(lines) and lines.start <= span[1] and span[0] <= lines[-1]


def _change(status: str, item: StepResult) -> StepChange:
    step = item.step
    return StepChange(status, step.file, step.line, step.job, step.name, item.label.subsystem,
                      item.label.kind)


def _keep_suggestions_of(result: ScanResult, locations: set[tuple[str, int]]) -> None:
    """In PR mode a suggestion is shown when it applies to a changed step or gate. The
    cost model's totals of the whole pipeline stay as they are (they are the "after")."""
    for holder in (result, getattr(result, "cost", None)):
        suggestions = getattr(holder, "suggestions", None)
        if isinstance(suggestions, list):
            suggestions[:] = [
                s for s in suggestions
                if any((a.file, a.line) in locations for a in getattr(s, "applies_to", ()))
            ]


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
               registry: Registry, config: Config,
               backend_options: Mapping[str, Any] | None = None) -> ChangeSet:
    """Scan the base revision, compare, and cut ``result`` down to what changed."""
    from xops_lens.scan import scan

    git = _Git(root)
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


def describe(changes: ChangeSet) -> list[str]:
    """Plain lines for the terminal report."""
    short = changes.base_sha[:12]
    lines = [
        (f"PR mode: compared with {changes.base_ref} ({short}"
        f"{', merge base' if changes.merge_base else ''}): "
        f"{changes.count('added')} added, {changes.count('changed')} changed, "
        f"{changes.count('removed')} removed step(s) or gate(s) in {len(changes.files)} CI "
        "file(s)")
    ]
    shares = ", ".join(
        f"{name} {changes.before.share(name):.0%} → {changes.after.share(name):.0%}"
        for name in SUBSYSTEMS
    )
    lines.append(f"shares of the whole pipeline, before → after: {shares}")
    if changes.before.monthly_cost is not None and changes.after.monthly_cost is not None:
        currency = changes.after.currency or ""
        lines.append(f"monthly cost, before → after: {changes.before.monthly_cost:,.2f} → "
                     f"{changes.after.monthly_cost:,.2f} {currency}".rstrip())
    return lines
