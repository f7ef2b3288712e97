"""Scripted ``parallel`` over a map the file builds in a loop:

    def builds = [:]
    for (os in ['linux', 'windows', 'mac']) {
        builds[os] = { node(os) { sh 'make test' } }
    }
    parallel builds

The branch's closure is written once and runs once per entry, so its steps form one job
whose width is the number of entries: the length of the literal list the loop walks
(``for (x in [..])``, ``[..].each { }``, or a variable holding such a list). A map
written out entry by entry (``[linux: { }, windows: { }]``) needs nothing: each entry's
steps are written, and counted, once.
"""

from __future__ import annotations

from xops_lens.formats.jenkins.groovy import Group, Node, Token

LOOP_CALLS = frozenset({"each", "eachWithIndex", "collect", "collectEntries"})


def parallel_maps(tokens: list[Token]) -> set[str]:
    """Names passed to ``parallel`` as a whole (``parallel builds``, ``parallel(builds)``)."""
    names: set[str] = set()
    for i, token in enumerate(tokens[:-1]):
        if token.kind != "id" or token.value != "parallel":
            continue
        j = i + 2 if tokens[i + 1].value == "(" else i + 1
        if j < len(tokens) and tokens[j].kind == "id":
            after = tokens[j + 1] if j + 1 < len(tokens) else None
            if after is None or after.value in (")", "\n") or after.kind == "nl":
                names.add(tokens[j].value)
    return names


def _list_length(group: Group) -> int | None:
    """Entries of a list literal ``[a, b, c]`` (not a map: no ``key:`` entries)."""
    if group.kind != "[" or not group.items:
        return None
    count = 1
    for node in group.items:
        if isinstance(node, Token) and node.kind == "op":
            if node.value == ",":
                count += 1
            elif node.value == ":":
                return None
    return count


def list_literals(tokens: list[Token], tree_groups: dict[int, Group]) -> dict[str, int]:
    """Variables assigned a list literal (``def platforms = ['a', 'b']``), by length."""
    found: dict[str, int] = {}
    for i, token in enumerate(tokens[:-2]):
        if token.kind == "id" and tokens[i + 1].value == "=" and tokens[i + 2].value == "[":
            group = tree_groups.get(tokens[i + 2].start)
            length = _list_length(group) if group is not None else None
            if length:
                found[token.value] = length
    return found


def groups_by_start(nodes: list[Node], into: dict[int, Group] | None = None,
                    limit: int = 200_000) -> dict[int, Group]:
    """Every bracketed group of the tree, by the offset of its opening bracket."""
    into = {} if into is None else into
    stack = list(nodes)
    while stack and len(into) < limit:
        node = stack.pop()
        if isinstance(node, Group):
            into[node.open.start] = node
            stack.extend(node.items)
    return into


def loop_width(nodes: list[Node], index: int, lists: dict[str, int]) -> int | None:
    """The entries a loop walks, when the closure or body at ``nodes[index]`` belongs to
    ``for (x in LIST)`` (``nodes[index - 1]`` the parenthesis) or ``LIST.each`` and LIST
    is a list literal or a variable holding one."""
    before = nodes[index - 1] if index >= 1 else None
    if isinstance(before, Group) and before.kind == "(":
        head = nodes[index - 2] if index >= 2 else None
        items = before.items
        if isinstance(head, Token) and head.value == "for" and len(items) >= 3 \
                and isinstance(items[1], Token) and items[1].value == "in":
            return _source_length(items[2], lists) if len(items) == 3 else None
        return None
    if isinstance(before, Token) and before.value in LOOP_CALLS and index >= 3 \
            and isinstance(nodes[index - 2], Token) and nodes[index - 2].value == ".":
        return _source_length(nodes[index - 3], lists)
    return None


def _source_length(node: Node, lists: dict[str, int]) -> int | None:
    if isinstance(node, Group):
        return _list_length(node)
    if isinstance(node, Token) and node.kind == "id":
        return lists.get(node.value)
    return None
