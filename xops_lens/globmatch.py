"""Path globs matched in time linear in the path, whatever the pattern.

A glob turned into a Python regex backtracks: ``ci/*a*a*a...*b.yml`` against a long
name of ``a``'s tries every way to split the name between the stars, and 60 of them ran
for more than five minutes (issue 13). Here a glob is a small automaton (one state per
pattern element, Thompson's construction) run over the path with all its live states
at once, as bits of an integer: each character of the path costs a few integer
operations on ``len(pattern)`` bits, never a retry.

What the elements mean (both users, GitLab includes and ``ignore.paths``, agree on
these; they differ only on a ``**`` that is not followed by ``/``, see
:func:`compile_glob`):

* ``?`` one character other than ``/``; ``*`` any run of them (within one folder);
* ``**/`` any number of whole folders, none included (``**/a`` matches ``a``), where it
  starts a run of stars;
* anything else matches itself.
"""

from __future__ import annotations

from dataclasses import dataclass

# Element kinds, in the order compile_glob writes them.
_LITERAL, _ONE, _STAR, _ANY, _SKIP = range(5)


@dataclass(frozen=True, slots=True)
class Glob:
    """A compiled glob: the masks of its automaton (bit i: "elements before i matched")."""

    pattern: str
    accept: int  # the bit of "every element matched"
    literal: dict[str, int]  # per character: elements that consume exactly it
    one: int  # elements that consume any character but '/'
    star: int  # elements that loop on any character but '/'
    any: int  # elements that loop on any character
    step: int  # elements that may be skipped (a star, any, or a skip's first bit)
    jump: int  # skip elements: from here, past the `.*/` that follows them

    def fullmatch(self, path: str) -> bool:
        """Whether the whole of ``path`` matches."""
        live = self._closure(1)
        literal, one, star, loop_any = self.literal, self.one, self.star, self.any
        for char in path:
            if not live:
                return False
            moved = live & literal.get(char, 0)
            if char == "/":
                stay = live & loop_any
            else:
                moved |= live & one
                stay = live & (star | loop_any)
            live = self._closure((moved << 1) | stay)
        return bool(live & self.accept)

    def _closure(self, live: int) -> int:
        """``live`` with every state reachable without reading a character."""
        while True:
            grown = live | ((live & self.step) << 1) | ((live & self.jump) << 3)
            if grown == live:
                return live
            live = grown


def compile_glob(pattern: str, *, double_star_crosses: bool, anywhere: bool = False) -> Glob:
    """``pattern`` as a :class:`Glob`. ``**/`` is any number of folders; a ``**`` not
    followed by ``/`` is any run of characters, folders included, when
    ``double_star_crosses`` (ignore.paths), else a ``*`` (GitLab's File.fnmatch with
    FNM_PATHNAME). ``anywhere`` puts a ``**/`` in front (a pattern without ``/``
    matches the file name at any depth)."""
    elements: list[tuple[int, str]] = []

    def add(kind: int, char: str = "") -> None:
        last = elements[-1][0] if elements else None
        # Runs of stars are one star (so chains of skippable states stay short).
        if kind in (_STAR, _ANY) and last in (_STAR, _ANY):
            elements[-1] = (_ANY if _ANY in (kind, last) else _STAR, "")
            return
        elements.append((kind, char))

    def folders() -> None:
        # `(.*/)?`: a skip, then any run ending in '/'. Repeated `**/**/` is one.
        if len(elements) >= 3 and elements[-3][0] == _SKIP and elements[-1] == (_LITERAL, "/"):
            return
        elements.extend(((_SKIP, ""), (_ANY, ""), (_LITERAL, "/")))

    if anywhere:
        folders()
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            folders()
            i += 3
        elif double_star_crosses and pattern.startswith("**", i):
            add(_ANY)
            i += 2
        elif pattern[i] == "*":
            i += 1
            if not double_star_crosses:  # GitLab: a run of stars is one star
                while i < len(pattern) and pattern[i] == "*":
                    i += 1
            add(_STAR)
        elif pattern[i] == "?":
            add(_ONE)
            i += 1
        else:
            add(_LITERAL, pattern[i])
            i += 1
    literal: dict[str, int] = {}
    one = star = loop_any = step = jump = 0
    for index, (kind, char) in enumerate(elements):
        bit = 1 << index
        if kind == _LITERAL:
            literal[char] = literal.get(char, 0) | bit
        elif kind == _ONE:
            one |= bit
        elif kind == _STAR:
            star |= bit
            step |= bit
        elif kind == _ANY:
            loop_any |= bit
            step |= bit
        else:  # _SKIP: on to its `.*` (step), or past its `.*/` (jump)
            step |= bit
            jump |= bit
    return Glob(pattern, 1 << len(elements), literal, one, star, loop_any, step, jump)
