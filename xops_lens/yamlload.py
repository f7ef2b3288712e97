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

from collections.abc import Iterator
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from xops_lens.errors import ParseError

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
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


def _expanded_size(root: Node, path: str) -> None:
    """Refuse documents whose aliases expand past MAX_EXPANDED_NODES, before building."""
    sizes: dict[int, int] = {}
    # Iterative post-order walk: the node graph is a DAG once aliases are shared.
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        if isinstance(node, ScalarNode):
            sizes[key] = 1
            continue
        children: list[Node]
        if isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            children = list(node.value)
        if children_done:
            total = 1 + sum(sizes.get(id(c), 1) for c in children)
            if total > MAX_EXPANDED_NODES:
                raise ParseError(
                    path,
                    f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes "
                    "(an alias bomb?); file skipped",
                    node.start_mark.line + 1,
                )
            sizes[key] = total
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.built: dict[int, Any] = {}

    def build(self, node: Node, depth: int = 0) -> Any:
        done = self.built.get(id(node))
        if done is not None:
            return done
        if depth > MAX_DEPTH:
            raise ParseError(
                self.path,
                f"YAML nested deeper than {MAX_DEPTH} levels; file skipped",
                node.start_mark.line + 1,
            )
        if isinstance(node, ScalarNode):
            if node.tag == _NULL_TAG:
                return None
            return node.value
        line = node.start_mark.line + 1
        if isinstance(node, SequenceNode):
            seq = Reference(line, self.path) if node.tag == REFERENCE_TAG else YList(line, self.path)
            self.built[id(node)] = seq
            for item in node.value:
                seq.append(self.build(item, depth + 1))
                seq.item_lines.append(item.start_mark.line + 1)
            return seq
        if isinstance(node, MappingNode):
            mapping = YMap(line, self.path)
            self.built[id(node)] = mapping
            merged: list[YMap] = []
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    merged.extend(self._merge_sources(value_node, depth))
                    continue
                key = self._key(key_node)
                mapping[key] = self.build(value_node, depth + 1)
                mapping.key_lines[key] = key_node.start_mark.line + 1
            # Merge keys (<<) never override keys written in the mapping itself, and an
            # earlier source in ``<<: [*a, *b]`` wins over a later one.
            for source in merged:
                for key, value in source.items():
                    if key not in mapping:
                        mapping[key] = value
                        mapping.key_lines[key] = source.key_lines.get(key, source.line)
            return mapping
        raise ParseError(self.path, "unsupported YAML node", node.start_mark.line + 1)

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
        if isinstance(node, ScalarNode):
            return node.value
        # Complex keys (a list or map used as a key) are legal YAML and meaningless in CI.
        raise ParseError(self.path, "a mapping key must be a plain value", node.start_mark.line + 1)


def _check_size(text: str, path: str) -> None:
    if len(text) > MAX_DOCUMENT_BYTES:
        raise ParseError(
            path,
            f"YAML document larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB; file skipped",
        )


def _yaml_error(exc: yaml.YAMLError, path: str) -> ParseError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    line = mark.line + 1 if mark is not None else None
    return ParseError(path, f"invalid YAML: {problem}", line)


def load_documents(text: str, path: str) -> list[Any]:
    """All documents of a YAML stream (Tekton and friends put several in one file)."""
    _check_size(text, path)
    loader = _Loader(text)
    documents: list[Any] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            _expanded_size(node, path)
            documents.append(_Builder(path).build(node))
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path) from None
    except RecursionError:
        raise ParseError(path, f"YAML nested deeper than {MAX_DEPTH} levels; file skipped") from None
    finally:
        loader.dispose()
    return documents


def load_mapping(text: str, path: str) -> YMap:
    """The single mapping document that a CI file must be; ParseError otherwise."""
    documents = [doc for doc in load_documents(text, path) if doc is not None]
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
