"""The linear glob matcher against the regex translation it replaced (kept here as the
reference: same answers, without its backtracking)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from xops_lens.globmatch import compile_glob


def reference(pattern: str, *, double_star_crosses: bool, anywhere: bool = False) -> str:
    """The regexes ignore.py and the GitLab includes used before (backtracking)."""
    out: list[str] = ["(?:.*/)?"] if anywhere else []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif double_star_crosses and pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            i += 1
            while not double_star_crosses and i < len(pattern) and pattern[i] == "*":
                i += 1
            out.append("[^/]*")
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


PATTERN = st.lists(st.sampled_from(["a", "b", "/", "*", "**", "**/", "?", ".", "***"]),
                   max_size=8).map("".join)
PATH = st.lists(st.sampled_from(["a", "b", "/", ".", "ab", "//"]), max_size=8).map("".join)


@settings(max_examples=3000, deadline=None)
@given(PATTERN, PATH, st.booleans(), st.booleans())
def test_same_answers_as_the_regex(pattern: str, path: str, crosses: bool,
                                   anywhere: bool) -> None:
    expected = re.fullmatch(reference(pattern, double_star_crosses=crosses, anywhere=anywhere),
                            path) is not None
    glob = compile_glob(pattern, double_star_crosses=crosses, anywhere=anywhere)
    assert glob.fullmatch(path) is expected


def test_the_backtracking_pattern() -> None:
    glob = compile_glob("ci/" + "*a" * 60 + "*b.yml", double_star_crosses=False)
    assert not glob.fullmatch("ci/" + "a" * 100 + ".yml")
    assert glob.fullmatch("ci/" + "a" * 100 + "b.yml")
    assert not glob.fullmatch("ci/x/" + "a" * 100 + "b.yml")  # `*` stays in its folder


def test_folders() -> None:
    crossing = compile_glob("ci/**", double_star_crosses=True)
    assert crossing.fullmatch("ci/a/b.yml") and not crossing.fullmatch("cix/a.yml")
    gitlab = compile_glob("**/*.yml", double_star_crosses=False)
    assert gitlab.fullmatch("a.yml") and gitlab.fullmatch("a/b/c.yml")
    assert not compile_glob("a**b", double_star_crosses=False).fullmatch("a/b")
    assert compile_glob("a**b", double_star_crosses=True).fullmatch("a/b")
