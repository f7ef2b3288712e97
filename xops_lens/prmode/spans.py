"""Where a step ends in its file: the line span a changed line must fall inside for the
step to count as changed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xops_lens.discover import read_text
from xops_lens.errors import ParseError, XopsLensError
from xops_lens.result import ScanResult

_BLANK_OR_COMMENT_RE = re.compile(r"^\s*(?:#.*)?$")


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


def anchors(result: ScanResult) -> dict[str, list[int]]:
    anchors: dict[str, set[int]] = {}
    for report in result.files:
        for job in report.pipeline.jobs if report.pipeline else ():
            anchors.setdefault(job.file, set()).add(job.line)
            for step in job.steps:
                anchors.setdefault(step.file, set()).add(step.line)
    return {file: sorted(lines) for file, lines in anchors.items()}
