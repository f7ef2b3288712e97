"""The geometry of the HTML report's pictures, computed in Python.

Only numbers and the names they belong to leave this module; the template writes the
SVG elements, so every name passes through the template's escaping like any other text.
Drawing in Python rather than inlining a chart library keeps the page small, static
(nothing to run before the pictures exist, which also makes them printable and
testable from the DOM) and free of third-party script in a page about untrusted input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from xops_lens.model import SUBSYSTEMS

# --- shares: two 100% bars (steps, money) --------------------------------------------

BAR_WIDTH = 640.0


@dataclass(frozen=True, slots=True)
class Segment:
    subsystem: str
    x: float
    width: float
    value: float
    share: float


def bar(values: Mapping[str, float]) -> list[Segment]:
    """One 100% bar: a segment per subsystem, in SUBSYSTEMS order (empty ones too, at
    width 0, so each picture names all three)."""
    total = sum(values.get(name, 0.0) for name in SUBSYSTEMS)
    out, x = [], 0.0
    for name in SUBSYSTEMS:
        value = values.get(name, 0.0)
        share = value / total if total else 0.0
        width = share * BAR_WIDTH
        out.append(Segment(name, round(x, 2), round(width, 2), value, share))
        x += width
    return out


# --- the money flow: subsystem -> kind -> suggestion ---------------------------------

SANKEY_COLUMNS = (150.0, 400.0, 650.0)
NODE_WIDTH = 14.0
SANKEY_SPAN = 360.0  # the height the largest column's money fills
MIN_NODE = 3.0  # a tiny amount still shows as a visible node
SLOT = 16.0  # the least room a node takes, so that labels never overlap
GAP = 8.0
TOP = 10.0


@dataclass(slots=True)
class Node:
    key: str
    column: int
    label: str
    value: float
    subsystem: str | None = None
    anchor: str | None = None
    x: float = 0.0
    y: float = 0.0
    height: float = 0.0
    _out: float = 0.0  # how much of the node's height the links drawn so far use
    _in: float = 0.0


@dataclass(frozen=True, slots=True)
class Link:
    source: str
    target: str
    value: float
    subsystem: str
    path: str = ""


@dataclass(slots=True)
class Sankey:
    nodes: list[Node]
    links: list[Link]
    width: float = 1000.0
    height: float = 0.0
    dropped: int = field(default=0)


def _band(x0: float, y0: float, x1: float, y1: float, h0: float, h1: float) -> str:
    """A filled band from (x0, y0..y0+h0) to (x1, y1..y1+h1) with curved edges."""
    mid = (x0 + x1) / 2
    return (f"M{x0:.1f},{y0:.1f}C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"
            f"V{y1 + h1:.1f}C{mid:.1f},{y1 + h1:.1f} {mid:.1f},{y0 + h0:.1f} {x0:.1f},"
            f"{y0 + h0:.1f}Z")


def sankey(nodes: Sequence[Node], links: Sequence[Link]) -> Sankey:
    """Lay out nodes (in the order given, per column) and links; values are money.

    A node's height is its value to scale (at least MIN_NODE); a link's width at each
    end is its share of that node, so bands meet nodes exactly. Links leave and enter
    a node in the order of the node at their other end, which keeps crossings few.
    """
    shown = [n for n in nodes if n.value > 0]
    keys = {n.key for n in shown}
    kept = [l for l in links if l.value > 0 and l.source in keys and l.target in keys]
    columns = [[n for n in shown if n.column == c] for c in range(len(SANKEY_COLUMNS))]
    largest = max((sum(n.value for n in col) for col in columns), default=0.0)
    scale = SANKEY_SPAN / largest if largest else 0.0
    bottom = TOP
    for index, column in enumerate(columns):
        y = TOP
        for node in column:
            node.x = SANKEY_COLUMNS[index]
            node.height = max(node.value * scale, MIN_NODE)
            node.y = y
            y += max(node.height, SLOT) + GAP
        bottom = max(bottom, y)
    by_key = {n.key: n for n in shown}
    drawn: list[Link] = []
    order = sorted(kept, key=lambda l: (by_key[l.source].column, by_key[l.source].y,
                                        by_key[l.target].y))
    incoming = sorted(kept, key=lambda l: (by_key[l.target].y, by_key[l.source].y))
    entry: dict[int, float] = {}
    for link in incoming:  # where each link enters its target, from the top down
        target = by_key[link.target]
        h1 = target.height * link.value / _total_in(kept, link.target)
        entry[id(link)] = target.y + target._in
        target._in += h1
    for link in order:
        source, target = by_key[link.source], by_key[link.target]
        h0 = source.height * link.value / _total_out(kept, link.source)
        h1 = target.height * link.value / _total_in(kept, link.target)
        y0 = source.y + source._out
        source._out += h0
        path = _band(source.x + NODE_WIDTH, y0, target.x, entry[id(link)], h0, h1)
        drawn.append(Link(link.source, link.target, link.value, link.subsystem, path))
    return Sankey(shown, drawn, height=round(bottom + TOP, 1),
                  dropped=len(nodes) - len(shown))


def _total_out(links: Sequence[Link], key: str) -> float:
    return sum(l.value for l in links if l.source == key) or 1.0


def _total_in(links: Sequence[Link], key: str) -> float:
    return sum(l.value for l in links if l.target == key) or 1.0


# --- pipelines: jobs in columns by their needs, steps as rows -------------------------

JOB_WIDTH = 260.0
JOB_GAP = 36.0
HEADER = 40.0
ROW = 18.0
PAD = 6.0


@dataclass(slots=True)
class Box:
    """A job's place in its pipeline's drawing; ``rows`` steps follow its header."""

    index: int
    needs: tuple[int, ...]
    rows: int
    stage: int = 0
    x: float = 0.0
    y: float = 0.0
    height: float = 0.0


@dataclass(frozen=True, slots=True)
class Edge:
    path: str


def stages(boxes: Sequence[Box]) -> None:
    """Each job's column: one past the furthest job it needs (a cycle, which a CI would
    reject, is cut where it closes)."""
    by_index = {b.index: b for b in boxes}
    done: dict[int, int] = {}

    def depth(box: Box, seen: frozenset[int]) -> int:
        if box.index in done:
            return done[box.index]
        needed = [by_index[n] for n in box.needs if n in by_index and n not in seen]
        value = 1 + max((depth(n, seen | {box.index}) for n in needed), default=-1)
        done[box.index] = value
        return value

    for box in boxes:
        box.stage = depth(box, frozenset())


def layout_pipeline(boxes: Sequence[Box]) -> tuple[float, float, list[Edge]]:
    """Place the boxes (columns by stage, stacked in order); the drawing's width and
    height, and a curve from each needed job to the job that needs it."""
    stages(boxes)
    heights: dict[int, float] = {}
    for box in boxes:
        box.height = HEADER + box.rows * ROW + PAD
        box.x = PAD + box.stage * (JOB_WIDTH + JOB_GAP)
        box.y = PAD + heights.get(box.stage, 0.0)
        heights[box.stage] = heights.get(box.stage, 0.0) + box.height + PAD * 2
    by_index = {b.index: b for b in boxes}
    edges = []
    for box in boxes:
        for need in box.needs:
            other = by_index.get(need)
            if other is None or other.stage >= box.stage:
                continue
            x0, y0 = other.x + JOB_WIDTH, other.y + HEADER / 2
            x1, y1 = box.x, box.y + HEADER / 2
            mid = (x0 + x1) / 2
            edges.append(Edge(f"M{x0:.1f},{y0:.1f}C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} "
                              f"{x1:.1f},{y1:.1f}"))
    width = PAD + (max((b.stage for b in boxes), default=0) + 1) * (JOB_WIDTH + JOB_GAP)
    height = max(heights.values(), default=0.0) + PAD
    return round(width, 1), round(height, 1), edges
