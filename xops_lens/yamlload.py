"""The one hardened YAML loader every format uses.

libyaml composes the node graph (C speed when available); we then build plain Python
containers that remember where each item was written:

* mappings become :class:`YMap` (a ``dict``) with ``line``, ``file`` and ``key_lines``;
* sequences become :class:`YList` (a ``list``) with ``line``, ``file`` and ``item_lines``;
* scalars stay plain ``str`` (``None`` for YAML null). Keeping the raw text avoids the
  YAML 1.1 surprises that bite CI files: ``on:`` read as ``True``, ``3.10`` read as 3.1.

Limits guard against hostile input: the document size, the nesting depth and the
number of nodes after alias expansion (a "billion laughs" file composes to a few dozen
nodes but expands to billions). Duplicate keys are tolerated, the last one winning, as
GitHub and GitLab (Ruby's Psych) both do.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from xops_lens.errors import ParseError

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DOCUMENT_BYTES = 1024 * 1024  # as discover.MAX_FILE_BYTES, for text that came another way
MAX_DEPTH = 200
MAX_EXPANDED_NODES = 1_000_000

_NULL_TAG = "tag:yaml.org,2002:null"
_MERGE_TAG = "tag:yaml.org,2002:merge"
REFERENCE_TAG = "!reference"


class YMap(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers its file, its line and each key's line."""

    __slots__ = ("line", "file", "key_lines")

    def __init__(self, line: int, file: str) -> None:
        super().__init__()
        self.line = line
        self.file = file
        self.key_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class YList(list):  # type: ignore[type-arg]
    """A YAML sequence that remembers its file, its line and each item's line."""

    __slots__ = ("line", "file", "item_lines")

    def __init__(self, line: int, file: str) -> None:
        super().__init__()
        self.line = line
        self.file = file
        self.item_lines: list[int] = []

    def items_with_lines(self) -> Iterator[tuple[Any, int]]:
        return zip(self, self.item_lines)


class Reference(YList):
    """GitLab's ``!reference [job, key, ...]``: resolved later by the GitLab format."""

    __slots__ = ()


_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_NULL_VALUES = frozenset(("", "~", "null", "Null", "NULL"))


class _FastLoader(_Loader):  # type: ignore[valid-type,misc]
    """The C loader with a resolver that tells only what the builder reads.

    PyYAML's resolver tries its regexes (bool, int, float, timestamp...) on every plain
    scalar, about a fifth of the load time; the builder keeps scalars as raw text and
    only needs to know null and the merge key ``<<``, exactly as SafeLoader resolves
    them. Explicit tags (``!reference``) never reach the resolver.
    """

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                if value in _NULL_VALUES:
                    return _NULL_TAG
                if value == "<<":
                    return _MERGE_TAG
            return _STR_TAG
        return _SEQ_TAG if kind is SequenceNode else _MAP_TAG

    # SafeLoader registers no path resolvers, so PyYAML's hooks around every node do
    # nothing but check that; the C composer still calls both for each node (two Python
    # calls per node, about 5% of a load).
    @staticmethod
    def descend_resolver(current_node: Any, current_index: Any) -> None:
        return None

    @staticmethod
    def ascend_resolver() -> None:
        return None


class _Builder:
    """Builds YMap/YList from the node graph in one pass, counting as it goes.

    ``count`` is the number of nodes seen so far with every alias expanded (an alias
    adds the expanded size of the node it names), so an alias bomb is refused as soon
    as the count passes MAX_EXPANDED_NODES, before the work it would cause (merge keys
    copy keys) is done. Built values are shared, never copied, so the cost of building
    stays proportional to the document, not to its expansion.
    """

    __slots__ = ("path", "built", "sizes", "count", "alias_lines", "scalars_seen", "lines")

    def __init__(self, path: str, alias_lines: Iterator[int] | None = None,
                 lines: list[str] | None = None) -> None:
        self.path = path
        # the text's lines when some list item's `-` stands alone on its line (see
        # _dash_line); None otherwise, which is nearly always
        self.lines = lines
        self.built: dict[int, Any] = {}
        self.sizes: dict[int, int] = {}  # expanded size of each finished collection
        self.count = 0
        # Where each alias (``*name``) is written, in document order, when the text has
        # anchors: libyaml's composer hands back the anchored node itself, whose marks
        # are those of the anchor, so a list item ``- *step`` would otherwise be
        # reported at the line of ``&step``. See _alias_line.
        self.alias_lines = alias_lines
        self.scalars_seen: set[int] = set()

    def _bomb(self, node: Node) -> ParseError:
        return ParseError(
            self.path,
            f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes "
            "(an alias bomb?); file skipped",
            node.start_mark.line + 1,
        )

    def build(self, node: Node, depth: int = 0) -> Any:
        key = id(node)
        done = self.built.get(key)
        if done is not None:  # an alias (only collections are remembered)
            size = self.sizes.get(key)
            if size is None:  # `&a [*a]`: the node is still being built
                raise ParseError(self.path, "a YAML alias refers to a node that contains "
                                 "it; file skipped", node.start_mark.line + 1)
            self.count += size
            if self.count > MAX_EXPANDED_NODES:
                raise self._bomb(node)
            return done
        if depth > MAX_DEPTH:
            raise ParseError(
                self.path,
                f"YAML nested deeper than {MAX_DEPTH} levels; file skipped",
                node.start_mark.line + 1,
            )
        cls = node.__class__
        if cls is ScalarNode:
            self.count += 1
            return None if node.tag == _NULL_TAG else node.value
        start = self.count
        self.count += 1
        line = node.start_mark.line + 1
        build = self.build
        result: Any
        # Scalars (two thirds of the nodes) are built here rather than by a call each,
        # exactly as build() would: counted, never remembered, null or their raw text;
        # a scalar past MAX_DEPTH still goes through build(), which refuses it.
        inline = depth < MAX_DEPTH
        if cls is SequenceNode:
            seq = Reference(line, self.path) if node.tag == REFERENCE_TAG else YList(line, self.path)
            self.built[key] = seq
            append, item_lines = seq.append, seq.item_lines
            aliases = self.alias_lines is not None
            for item in node.value:
                alias_line = self._alias_line(item) if aliases else 0
                if inline and item.__class__ is ScalarNode:
                    self.count += 1
                    append(None if item.tag == _NULL_TAG else item.value)
                else:
                    append(build(item, depth + 1))
                item_line = alias_line or item.start_mark.line + 1
                if self.lines is not None and not alias_line and not node.flow_style:
                    item_line = self._dash_line(item, item_line)
                item_lines.append(item_line)
            result = seq
        elif cls is MappingNode:
            mapping = YMap(line, self.path)
            self.built[key] = mapping
            key_lines = mapping.key_lines
            merged: list[YMap] = []
            aliases = self.alias_lines is not None
            for key_node, value_node in node.value:
                if aliases:  # keep the alias lines in step with the document
                    self._alias_line(key_node)
                    self._alias_line(value_node)
                self.count += 1  # the key
                if key_node.tag == _MERGE_TAG:
                    merged.extend(self._merge_sources(value_node, depth))
                    continue
                name = self._key(key_node)
                if inline and value_node.__class__ is ScalarNode:
                    self.count += 1
                    mapping[name] = None if value_node.tag == _NULL_TAG else value_node.value
                else:
                    mapping[name] = build(value_node, depth + 1)
                key_lines[name] = key_node.start_mark.line + 1
            # Merge keys (<<) never override keys written in the mapping itself, and an
            # earlier source in ``<<: [*a, *b]`` wins over a later one.
            for source in merged:
                for name, value in source.items():
                    if name not in mapping:
                        mapping[name] = value
                        key_lines[name] = source.key_lines.get(name, source.line)
            result = mapping
        else:
            raise ParseError(self.path, "unsupported YAML node", line)
        self.sizes[key] = self.count - start
        if self.count > MAX_EXPANDED_NODES:
            raise self._bomb(node)
        return result

    def _dash_line(self, item: Node, line: int) -> int:
        """The line of an item's `-` when it stands alone above the item:

            -
              name: Checkout

        is an item that begins at the `-` (TAXONOMY: "the line of its list item")."""
        lines = self.lines
        assert lines is not None
        text = lines[line - 1] if line - 1 < len(lines) else ""
        if "-" in text[: item.start_mark.column]:
            return line  # `- name: x`: the dash is on the item's own line
        for back in range(line - 2, max(line - 6, -1), -1):
            above = lines[back].strip()
            if not above or above.startswith("#"):
                continue
            return back + 1 if _LONE_DASH.match(lines[back]) else line
        return line

    def _alias_line(self, node: Node) -> int:
        """The line of the alias when ``node`` is reached through one, else 0.

        Nodes are visited in document order, and so are the aliases of the event
        stream: a collection met again (already built) or a scalar met again is the
        next alias. A collection reached through an alias is not descended into, so the
        aliases written inside its anchored definition are counted once, as written."""
        key = id(node)
        if node.__class__ is ScalarNode:
            if key not in self.scalars_seen:
                self.scalars_seen.add(key)
                return 0
        elif key not in self.built:
            return 0
        return next(self.alias_lines, 0)  # type: ignore[arg-type]

    def _merge_sources(self, node: Node, depth: int) -> list[YMap]:
        value = self.build(node, depth + 1)
        sources = value if isinstance(value, list) else [value]
        for source in sources:
            if not isinstance(source, YMap):
                raise ParseError(
                    self.path, "a '<<' merge key must refer to mappings", node.start_mark.line + 1
                )
        return sources

    def _key(self, node: Node) -> str:
        if node.__class__ is ScalarNode:
            return node.value  # type: ignore[no-any-return]
        # Complex keys (a list or map used as a key) are legal YAML and meaningless in CI.
        raise ParseError(self.path, "a mapping key must be a plain value", node.start_mark.line + 1)


def _check_size(text: str, path: str) -> None:
    if len(text) > MAX_DOCUMENT_BYTES:
        raise ParseError(
            path,
            f"YAML document larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB; file skipped",
        )


# Every level of nesting starts at a character of its own: a block mapping at its first
# ':' (or '?'), a block sequence at its '-', a flow collection at its bracket, and a
# single-pair mapping inside a flow sequence (``[a: b]``) at most once per '['. So a text
# with few of them cannot be deep, and libyaml handles up to SAFE_OPENERS levels safely
# (at most a quarter of a second for that many '[').
SAFE_OPENERS = 5000
_OPEN_EVENTS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE_EVENTS = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _max_depth_bound(text: str) -> int:
    return (2 * text.count("[") + text.count("{") + text.count("-") + text.count("?")
            + text.count(":"))


def check_depth(text: str, path: str, *, always: bool = False) -> None:
    """Refuse a text nested deeper than MAX_DEPTH before libyaml composes it.

    libyaml's composer recurses in C: a 200 KB line of ``- - - ...`` (about 40,000
    levels) overflows the C stack and kills the process, which no ``except`` can
    catch; and its scanner is quadratic in flow nesting (docs/benchmarks.md). The
    event stream has neither problem up to the depth where we stop, so a text that
    could be deep is walked as events first. Ordinary files cannot be that deep (one of
    the 897 YAML files of the corpus needs the walk) and skip it: it costs about as much
    as the load itself.
    """
    if not always and _max_depth_bound(text) <= SAFE_OPENERS:
        return
    loader = _FastLoader(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, _OPEN_EVENTS):
                depth += 1
                # Counted from 1 at the root, where the builder counts from 0: the
                # same node trips both.
                if depth > MAX_DEPTH + 1:
                    mark = event.start_mark
                    raise ParseError(path, f"YAML nested deeper than {MAX_DEPTH} levels; "
                                     "file skipped", mark.line + 1 if mark is not None else None)
            elif isinstance(event, _CLOSE_EVENTS):
                depth -= 1
    finally:
        loader.dispose()


_LIBYAML_DEPTH_PROBLEM = "exceeded maximum nesting depth"


def _yaml_error(exc: yaml.YAMLError, path: str, text: str) -> ParseError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    line = mark.line + 1 if mark is not None else None
    if problem == _LIBYAML_DEPTH_PROBLEM:
        # Newer libyaml builds (PyYAML >= 6.0.4) stop at their own depth limit, which
        # may come before ours: report it as our limit, at our limit's line when the
        # event stream reaches it before libyaml gives up.
        try:
            check_depth(text, path, always=True)
        except ParseError as ours:
            return ours
        except yaml.YAMLError:
            pass
        return ParseError(path, f"YAML nested deeper than {MAX_DEPTH} levels; file skipped", line)
    return ParseError(path, f"invalid YAML: {problem}", line)


# A sequence item that is an alias: ``- *name`` in block style, ``[*name`` or ``, *name``
# in flow style. Only a text with one (and with an anchor for it to name) needs the event
# walk of _alias_lines, which costs about as much as the load: anchors used only through
# merge keys (``<<: *defaults``) never make a list item. A false match (a ``- *`` line in
# a script) costs that walk and changes nothing.
_ALIAS_START = re.compile(r"\*[^\s*,\]]")


# a list item's `-` alone on its line (with at most a comment after it)
_LONE_DASH = re.compile(r"^[ \t]*-[ \t]*(#[^\n]*)?$", re.M)


def _has_alias_items(text: str) -> bool:
    if "&" not in text:
        return False
    # Found from each "*x" backwards: a pattern anchored at line starts was slower
    # (docs/benchmarks.md).
    for found in _ALIAS_START.finditer(text):
        before = found.start() - 1
        while before >= 0 and text[before] in " \t":
            before -= 1
        if before < 0:
            continue
        if text[before] in "[,":
            return True
        if text[before] == "-":
            before -= 1
            while before >= 0 and text[before] in " \t":
                before -= 1
            if before < 0 or text[before] == "\n":
                return True
    return False


def _alias_lines(text: str) -> list[int]:
    """The line of every alias of the stream, in order."""
    loader = _FastLoader(text)
    lines = []
    try:
        while loader.check_event():
            event = loader.get_event()
            if event.__class__ is yaml.AliasEvent:
                mark = event.start_mark  # always set by libyaml; 0 keeps the node's line
                lines.append(mark.line + 1 if mark is not None else 0)
    finally:
        loader.dispose()
    return lines


@contextmanager
def _yaml_errors(text: str, path: str) -> Iterator[None]:
    """libyaml's errors (and Python's recursion limit) as the file's one-line error."""
    try:
        yield
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path, text) from None
    except RecursionError:
        raise ParseError(path, f"YAML nested deeper than {MAX_DEPTH} levels; file skipped") from None


def compose_documents(text: str, path: str) -> list[Node]:
    """The node graph of each document, for callers that need marks rather than values
    (PR mode's step spans), behind the same size and depth checks as every load: libyaml
    composing a deep text kills the process below PyYAML 6.0.4. ParseError otherwise."""
    _check_size(text, path)
    if not text.strip():
        return []
    loader = _FastLoader(text)
    try:
        with _yaml_errors(text, path):
            check_depth(text, path)
            nodes = []
            while loader.check_node():
                node = loader.get_node()
                if node is not None:
                    nodes.append(node)
        return nodes
    finally:
        loader.dispose()


def load_documents(text: str, path: str) -> list[Any]:
    """All documents of a YAML stream (Tekton and friends put several in one file)."""
    return [built for _, built, _ in _built_documents(text, path)]


def _built_documents(text: str, path: str) -> Iterator[tuple[Node, Any, _Builder]]:
    """Each document's root node, what was built from it, and the builder (which still
    holds every collection it built, those of overwritten repeated keys included), one
    document at a time so that a caller keeping only what was built frees the rest."""
    _check_size(text, path)
    if not text.strip():  # libyaml calls a tab on a blank line invalid; it is just empty
        return
    loader = _FastLoader(text)
    # The nodes and containers built here hold no cycles the collector could free, yet it
    # walks them again and again as they grow, a large share of a big file's time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with _yaml_errors(text, path):
            check_depth(text, path)
            alias_lines = iter(_alias_lines(text)) if _has_alias_items(text) else None
            lines = text.splitlines() if _LONE_DASH.search(text) else None
            while loader.check_node():
                node = loader.get_node()
                if node is None:
                    continue
                builder = _Builder(path, alias_lines, lines)
                yield node, builder.build(node), builder
    finally:
        loader.dispose()
        if collecting:
            gc.enable()


def load_mapping(text: str, path: str) -> YMap:
    """The single mapping document that a CI file must be; ParseError otherwise."""
    return _single_mapping([doc for doc in load_documents(text, path) if doc is not None], path)


def load_mapping_pairs(text: str, path: str) -> tuple[YMap, list[tuple[str, Any, int]]]:
    """The single mapping document, and its top-level entries as (key, value, key line)
    in the order written, a repeated key once per time it is written.

    Cirrus CI reads each of several ``task:`` keys of a file as a task of its own, where
    YAML (and the mapping returned here) keeps only the last.
    """
    documents = [entry for entry in _built_documents(text, path) if entry[1] is not None]
    document = _single_mapping([built for _, built, _ in documents], path)
    node, _, builder = documents[0]
    pairs: list[tuple[str, Any, int]] = []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        if value_node.__class__ is ScalarNode:
            value = None if value_node.tag == _NULL_TAG else value_node.value
        else:
            # Built already (the builder remembers every collection, an overwritten one
            # too): looked up, not built again, so nothing is counted twice.
            value = builder.built[id(value_node)]
        pairs.append((key_node.value, value, key_node.start_mark.line + 1))
    written = {key for key, _, _ in pairs}
    pairs.extend((key, value, document.line_of(key))
                 for key, value in document.items() if key not in written)  # from `<<:`
    return document, pairs


def _single_mapping(documents: list[Any], path: str) -> YMap:
    if not documents:
        raise ParseError(path, "the file is empty (no YAML document)")
    if len(documents) > 1:
        raise ParseError(path, "expected one YAML document, found several")
    document = documents[0]
    if not isinstance(document, YMap):
        kind = "a list" if isinstance(document, list) else "a single value"
        raise ParseError(path, f"expected a mapping at the top level, found {kind}", 1)
    return document


def as_bool(value: Any) -> bool:
    """YAML 1.1 truthiness for a raw scalar (``true``, ``yes``, ``on``)."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "on"}
    return bool(value)
