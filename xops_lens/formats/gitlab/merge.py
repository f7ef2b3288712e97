"""How GitLab assembles one configuration from many pieces: local ``include`` files
deep-merged, then ``extends`` resolved, then ``!reference`` tags (GitLab's own order).

Nothing here mutates what the YAML loader built: aliases share objects between jobs,
so a merge builds new mappings only where both sides have a mapping, and reuses every
other sub-tree as it is (cheap on large files, and each list keeps the file and lines
where its text is written).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from typing import Any

from xops_lens.errors import MissingFileError, ParseError
from xops_lens.formats._yamlshape import text_of
from xops_lens.globmatch import Glob, compile_glob
from xops_lens.model import Source
from xops_lens.yamlload import Reference, YList, YMap, load_documents

# GitLab allows a job plus 10 ancestors ("up to 11 levels of inheritance").
MAX_EXTENDS_DEPTH = 10
# GitLab's limit for !reference tags resolving to further !reference tags, and for
# arrays nested inside script arrays.
MAX_REFERENCE_DEPTH = 10
MAX_LIST_DEPTH = 10
# Items reached through !reference tags, per file: a script of four references, each to
# a script of four references, ten deep, would otherwise expand to a million commands
# (a "billion laughs" made of references, hostile input).
MAX_REFERENCED_ITEMS = 100_000

YAML_SUFFIXES = (".yml", ".yaml")
# GitLab's own limits: 150 includes per pipeline, nested at most 100 deep.
MAX_INCLUDES = 150
MAX_INCLUDE_DEPTH = 100
URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)

Located = tuple[Any, str, int]


class MergedMap(YMap):
    """A mapping built by a merge: its keys may come from different files, so each key
    remembers the file it was written in (``key_lines`` keeps its line)."""

    __slots__ = ("key_files",)

    def __init__(self, line: int, file: str) -> None:
        super().__init__(line, file)
        self.key_files: dict[str, str] = {}


def key_loc(mapping: YMap, key: str) -> tuple[str, int]:
    """File and line where ``key`` of ``mapping`` is written."""
    if isinstance(mapping, MergedMap):
        return mapping.key_files.get(key, mapping.file), mapping.line_of(key)
    return mapping.file, mapping.line_of(key)


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, YMap):
        return "a mapping"
    if isinstance(value, Reference):
        return "a !reference"
    if isinstance(value, list):
        return "a list"
    return f"the value {value!r}"


def _set(dst: MergedMap, key: str, value: Any, src: YMap) -> None:
    dst[key] = value
    dst.key_files[key], dst.key_lines[key] = key_loc(src, key)


def merge_into(acc: MergedMap, over: YMap) -> None:
    """Ruby's ``Hash#deep_merge!`` as GitLab uses it: mappings merge recursively, any
    other value (lists included) replaces; ``over`` wins."""
    for key, value in over.items():
        current = acc.get(key)
        if isinstance(current, YMap) and isinstance(value, YMap):
            value = deep_merge(current, value)
        _set(acc, key, value, over)


def deep_merge(base: YMap, over: YMap) -> MergedMap:
    out = MergedMap(over.line, over.file)
    for key, value in base.items():
        _set(out, key, value, base)
    merge_into(out, over)
    return out


class GitLabDocument:
    """The merged top-level mapping, with ``extends`` and ``!reference`` resolved on
    demand and memoised so each template is resolved once however many jobs use it."""

    def __init__(self, top: YMap) -> None:
        self.top = top
        self.notes: dict[str, None] = {}  # ordered set: the same gap is noted once
        self._extended: dict[str, Any] = {}
        self._height: dict[str, int] = {}
        self._resolving: list[str] = []
        self._referenced = 0

    def note(self, text: str) -> None:
        self.notes.setdefault(text, None)

    # -- extends -------------------------------------------------------------------
    def extended(self, name: str) -> Any:
        """The value of top-level key ``name`` with its ``extends`` chain merged in."""
        if name in self._extended:
            return self._extended[name]
        value = self.top[name]
        if not isinstance(value, YMap) or "extends" not in value:
            self._extended[name] = value
            self._height[name] = 0
            return value
        file, line = key_loc(value, "extends")
        if len(self._resolving) > MAX_EXTENDS_DEPTH:
            raise self._too_deep(name, file, line)
        self._resolving.append(name)
        try:
            merged, height = self._merge_parents(name, value, file, line)
        finally:
            self._resolving.pop()
        if height > MAX_EXTENDS_DEPTH:
            raise self._too_deep(name, file, line)
        self._extended[name] = merged
        self._height[name] = height
        return merged

    def _too_deep(self, name: str, file: str, line: int) -> ParseError:
        return ParseError(
            file,
            f"'extends' of {name!r} nested deeper than {MAX_EXTENDS_DEPTH + 1} levels",
            line,
        )

    def _merge_parents(self, name: str, value: YMap, file: str, line: int) -> tuple[YMap, int]:
        parents = value["extends"]
        if isinstance(parents, str):
            parents = [parents]
        elif not isinstance(parents, YList) or isinstance(parents, Reference) or not all(
            isinstance(p, str) for p in parents
        ):
            raise ParseError(
                file, f"'extends' of {name!r} must be a job name or a list of job names, "
                f"found {kind_of(parents)}", line,
            )
        base: YMap | None = None
        height = 0
        for parent in parents:
            if parent in self._resolving:
                chain = " -> ".join(self._resolving[self._resolving.index(parent):] + [parent])
                raise ParseError(file, f"circular 'extends': {chain}", line)
            if parent not in self.top:
                # GitLab refuses the pipeline; a fragment read alone, or a template from
                # a remote include we do not fetch, makes this normal here.
                self.note(f"{name!r} extends {parent!r}, which is not defined in the files "
                          "read; ignored")
                continue
            resolved = self.extended(parent)
            if not isinstance(resolved, YMap):
                raise ParseError(
                    file, f"{name!r} extends {parent!r}, which is {kind_of(resolved)}, "
                    "not a job mapping", line,
                )
            height = max(height, self._height[parent] + 1)
            base = resolved if base is None else deep_merge(base, resolved)
        if base is None:
            return value, 0
        return deep_merge(base, value), height

    # -- !reference ----------------------------------------------------------------
    def lookup(self, ref: Reference, depth: int) -> Located | None:
        """What ``!reference [key, key, ...]`` points at, with where it is written."""
        if depth > MAX_REFERENCE_DEPTH:
            raise ParseError(
                ref.file,
                f"!reference {_show(ref)} nested deeper than {MAX_REFERENCE_DEPTH} levels "
                "(a reference cycle?)", ref.line,
            )
        if not ref or not all(isinstance(k, str) for k in ref):
            raise ParseError(ref.file, "!reference needs a list of plain key names", ref.line)
        head = ref[0]
        if head not in self.top:
            self.note(f"!reference {_show(ref)} not found in the files read; skipped")
            return None
        value = self.extended(head)
        file, line = key_loc(self.top, head)
        for key in ref[1:]:
            if isinstance(value, Reference):
                found = self.lookup(value, depth + 1)
                if found is None:
                    return None
                value, file, line = found
            if not isinstance(value, YMap) or key not in value:
                self.note(f"!reference {_show(ref)} not found in the files read; skipped")
                return None
            file, line = key_loc(value, key)
            value = value[key]
        return value, file, line

    def resolve(self, value: Any, file: str, line: int, depth: int = 0) -> Located:
        """Follow a value that is itself a ``!reference`` (``tags: !reference [...]``)."""
        while isinstance(value, Reference):
            found = self.lookup(value, depth)
            if found is None:
                return None, file, line
            value, file, line = found
            depth += 1
        return value, file, line

    def items(self, value: Any, file: str, line: int, *, ref_depth: int = 0,
              list_depth: int = 0, referenced: bool = False) -> Iterator[Located]:
        """The leaf items of a list value, each with where it is written.

        References are resolved and nested lists flattened, as GitLab does for
        ``script`` (and ``rules``, ``tags``, ``needs``); a plain value yields itself.
        """
        referenced = referenced or ref_depth > 0 or isinstance(value, Reference)
        value, file, line = self.resolve(value, file, line, ref_depth)
        if value is None:
            return
        if not isinstance(value, YList):
            self._count(referenced, file, line)
            yield value, file, line
            return
        if list_depth > MAX_LIST_DEPTH:
            raise ParseError(file, f"lists nested deeper than {MAX_LIST_DEPTH} levels", line)
        for item, item_line in value.items_with_lines():
            if isinstance(item, Reference):
                yield from self.items(item, value.file, item_line, ref_depth=ref_depth + 1,
                                      list_depth=list_depth)
            elif isinstance(item, YList):
                yield from self.items(item, value.file, item_line, ref_depth=ref_depth,
                                      list_depth=list_depth + 1, referenced=referenced)
            elif item is not None:
                self._count(referenced, value.file, item_line)
                yield item, value.file, item_line

    def _count(self, referenced: bool, file: str, line: int) -> None:
        """Items reached through a !reference are copies: count them against the budget."""
        if referenced:
            self._referenced += 1
            if self._referenced > MAX_REFERENCED_ITEMS:
                raise ParseError(file, f"!reference tags expand to more than "
                                 f"{MAX_REFERENCED_ITEMS:,} items (a reference bomb?); "
                                 "file skipped", line)


def _show(ref: Reference) -> str:
    return "[" + ", ".join(str(k) for k in ref) + "]"


def load_config(text: str, path: str) -> YMap:
    """The configuration document, skipping a ``spec:`` header document (CI inputs)."""
    documents = [doc for doc in load_documents(text, path) if doc is not None]
    if len(documents) == 2 and isinstance(documents[0], YMap) and "spec" in documents[0]:
        documents = documents[1:]
    if not documents:
        raise ParseError(path, "the file is empty (no YAML document)")
    if len(documents) > 1:
        raise ParseError(path, "expected one YAML document (or a spec: header and one), "
                               "found several")
    document = documents[0]
    if not isinstance(document, YMap):
        raise ParseError(path, f"expected a mapping at the top level, found {kind_of(document)}", 1)
    return document


def _is_glob(path: str) -> bool:
    return "*" in path or "?" in path


def _glob(pattern: str) -> Glob:
    """GitLab matches with File.fnmatch and FNM_PATHNAME | FNM_DOTMATCH: ``*`` stays in
    one folder, ``**/`` crosses any number of them. Matched in time linear in the path
    (xops_lens.globmatch): as a regex, ``*a*a*a...*b.yml`` backtracked for minutes."""
    return compile_glob(pattern, double_star_crosses=False)


class Includes:
    """Reads and merges local includes, depth first, with GitLab's precedence.

    A local include that does not exist fails the including file, as it fails the
    pipeline in GitLab; ``missing_ok()`` True makes it a note instead (a fragment read
    alone in a tree that lacks the root file and maybe the fragment's neighbours)."""

    def __init__(self, source: Source, notes: dict[str, None],
                 missing_ok: Callable[[], bool] = lambda: False) -> None:
        self.source = source
        self.notes = notes
        self.missing_ok = missing_ok
        self.included: dict[str, None] = {}
        self.expanded: dict[str, YMap] = {}
        self.stack: list[str] = [source.path]
        self.count = 0
        self._tree: list[str] | None = None

    def expand(self, document: YMap) -> YMap:
        include = document.get("include")
        if include is None:
            return document
        merged = MergedMap(document.line, document.file)
        for path, file, line, globbed in self._targets(include, document):
            if globbed and path in self.stack:
                # A wildcard that also matches a file being read (the including file
                # itself, say) does not ask for that file by name: skip it, not a cycle.
                continue
            if path in self.stack:
                chain = " -> ".join(self.stack[self.stack.index(path):] + [path])
                raise ParseError(file, f"include cycle: {chain}", line)
            part = self._read(path, file, line)
            if part is not None:
                merge_into(merged, part)
        merge_into(merged, document)
        return merged

    def _read(self, path: str, file: str, line: int) -> YMap | None:
        done = self.expanded.get(path)
        if done is not None:
            return done
        if len(self.stack) > MAX_INCLUDE_DEPTH:
            raise ParseError(file, f"includes nested deeper than {MAX_INCLUDE_DEPTH} levels", line)
        try:
            text = self.source.read_local(path)
        except ParseError as exc:
            if isinstance(exc, MissingFileError) and self.missing_ok():
                self.notes.setdefault(f"include of {path} not read: not in the scanned tree",
                                      None)
                return None
            reason = exc.message.removesuffix(f": {path}")
            raise ParseError(file, f"cannot include {path}: {reason}", line) from None
        self.stack.append(path)
        try:
            expanded = self.expand(load_config(text, path))
        finally:
            self.stack.pop()
        self.expanded[path] = expanded
        self.included.setdefault(path, None)
        return expanded

    def _targets(self, include: Any, document: YMap) -> list[tuple[str, str, int, bool]]:
        """(path, file and line of the include entry, whether a wildcard found it)."""
        file, line = key_loc(document, "include")
        if isinstance(include, YList) and not isinstance(include, Reference):
            entries = [(item, include.file, ln) for item, ln in include.items_with_lines()]
        elif isinstance(include, (str, YMap)):
            entries = [(include, file, line)]
        else:
            raise ParseError(file, f"'include' must be a path, a mapping or a list, found "
                                   f"{kind_of(include)}", line)
        targets: list[tuple[str, str, int, bool]] = []
        for entry, entry_file, entry_line in entries:
            local = self._local(entry, entry_file, entry_line)
            if local is None:
                continue
            paths = self._expand_local(local, entry_file, entry_line)
            for path in paths:
                self.count += 1
                if self.count > MAX_INCLUDES:
                    raise ParseError(entry_file, f"more than {MAX_INCLUDES} includes", entry_line)
                targets.append((path, entry_file, entry_line, _is_glob(local)))
        return targets

    def _local(self, entry: Any, file: str, line: int) -> str | None:
        """The local path an include entry names, or None (noted) for remote content."""
        if isinstance(entry, str):
            if URL.match(entry.strip()):
                self._not_fetched(f"remote {entry.strip()}")
                return None
            return entry.strip()
        if not isinstance(entry, YMap):
            raise ParseError(file, f"an include must be a path or a mapping, found "
                                   f"{kind_of(entry)}", line)
        if "local" in entry:
            local = entry["local"]
            if not isinstance(local, str):
                raise ParseError(file, f"include 'local' must be a path, found {kind_of(local)}",
                                 line)
            return local.strip()
        for kind in ("remote", "template", "component"):
            if kind in entry:
                self._not_fetched(f"{kind} {text_of(entry[kind])}")
                return None
        if "project" in entry:
            files = text_of(entry.get("file")) or "(no file)"
            self._not_fetched(f"project {text_of(entry['project'])} file {files}")
            return None
        if "artifact" in entry:
            self._not_fetched(f"artifact {text_of(entry['artifact'])}")
            return None
        raise ParseError(file, "an include needs one of local, remote, project, template, "
                               f"component (found {', '.join(map(str, entry)) or 'nothing'})", line)

    def _not_fetched(self, what: str) -> None:
        self.notes.setdefault(f"include of {what} not fetched (remote content)", None)

    def _expand_local(self, raw: str, file: str, line: int) -> list[str]:
        if "$" in raw:
            self.notes.setdefault(f"include of {raw} not read (its path uses CI variables)", None)
            return []
        # Local include paths are relative to the repository root, with or without '/'.
        path = posixpath.normpath(raw.lstrip("/"))
        if _is_glob(path):
            glob = _glob(path)
            found = [p for p in self._files() if p.endswith(YAML_SUFFIXES) and glob.fullmatch(p)]
            if not found:
                self.notes.setdefault(f"include of {raw} matched no file", None)
            return found
        if not path.endswith(YAML_SUFFIXES):
            raise ParseError(file, f"included file {raw} must end in .yml or .yaml", line)
        return [path]

    def _files(self) -> list[str]:
        # Discovery's own view of the tree (git when present), so a glob sees exactly
        # the files a scan would.
        if self._tree is None:
            self._tree = list(self.source.local_paths())
        return self._tree
