from __future__ import annotations

import pytest

from xops_lens.errors import ParseError
from xops_lens.yamlload import (
    Reference,
    YList,
    YMap,
    load_documents,
    load_mapping,
    load_mapping_pairs,
)


def test_lines_of_keys_items_and_raw_scalars() -> None:
    doc = load_mapping("on:\n  push:\nversions:\n  - 3.10\n  - name: x\n    run: y\n", "w.yml")
    assert isinstance(doc, YMap)
    assert "on" in doc  # YAML 1.1 would have made this key True
    versions = doc["versions"]
    assert isinstance(versions, YList)
    assert versions[0] == "3.10"  # not the float 3.1
    assert versions.item_lines == [4, 5]
    assert doc.line_of("versions") == 3
    assert versions.file == "w.yml"


def test_merge_keys_keep_explicit_keys_and_lines() -> None:
    text = "base: &b\n  a: 1\n  b: 2\njob:\n  <<: *b\n  b: 3\n"
    doc = load_mapping(text, "x.yml")
    assert doc["job"] == {"a": "1", "b": "3"}
    assert doc["job"].key_lines["a"] == 2


def test_anchored_list_keeps_where_its_text_is_written() -> None:
    doc = load_mapping("t: &s\n  - echo hi\njob:\n  script: *s\n", "x.yml")
    assert doc["job"]["script"].item_lines == [2]


def test_an_alias_list_item_is_at_the_alias_line() -> None:
    """``- *name`` is a step written where the alias is, not where its anchor is."""
    text = (
        "defs:\n"
        "  say: &say echo hi\n"           # 2
        "  step: &step {run: make}\n"     # 3
        "  both: &both\n"                 # 4
        "    - *say\n"                    # 5: an alias inside an anchored definition
        "job:\n"                          # 6
        "  <<: {x: *say}\n"               # 7: aliases in keys' values and merges count too
        "  script:\n"                     # 8
        "    - *say\n"                    # 9
        "    - make && make install 2>&1\n"  # 10
        "    - *step\n"                   # 11
        "    - [*say, *step]\n"           # 12
        "    - *both\n"                   # 13
        "---\n"
        "a: [*x]\n"                       # 15: an undefined alias in a later document
    )
    with pytest.raises(ParseError, match="undefined alias"):
        load_documents(text, "x.yml")
    doc = load_mapping(text.split("---")[0], "x.yml")
    script = doc["job"]["script"]
    assert script.item_lines == [9, 10, 11, 12, 13]
    assert script[2] is doc["defs"]["step"]  # still the one shared value
    assert script[3].item_lines == [12, 12]
    assert doc["defs"]["both"].item_lines == [5]
    assert script[4].item_lines == [5]  # the anchored list's own items stay where written
    (second,) = [d for d in load_documents("- &a x\n- *a\n- *a\n", "y.yml")]
    assert second.item_lines == [1, 2, 3]


def test_shell_ampersands_are_not_anchors() -> None:
    doc = load_mapping("s:\n  - a && b &\n  - c 2>&1 | d\n", "x.yml")
    assert doc["s"].item_lines == [2, 3]


def test_reference_tag_is_kept() -> None:
    doc = load_mapping("j:\n  script:\n    - !reference [.t, script]\n", "x.yml")
    ref = doc["j"]["script"][0]
    assert isinstance(ref, Reference) and list(ref) == [".t", "script"]


def test_duplicate_keys_last_wins() -> None:
    assert load_mapping("a: 1\na: 2\n", "x.yml")["a"] == "2"


def test_null_values() -> None:
    assert load_mapping("a:\nb: ~\n", "x.yml") == {"a": None, "b": None}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "x.yml: the file is empty (no YAML document)"),
        ("# only a comment\n", "x.yml: the file is empty (no YAML document)"),
        ("- a\n- b\n", "x.yml:1: expected a mapping at the top level, found a list"),
        ("just text\n", "x.yml:1: expected a mapping at the top level, found a single value"),
        # libyaml and pure-Python PyYAML word this one differently; the prefix is ours.
        ("a: [1, 2\n", "x.yml:2: invalid YAML: "),
        ("a: 1\n---\nb: 2\n", "x.yml: expected one YAML document, found several"),
    ],
)
def test_errors_are_one_line_with_file_and_line(text: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        load_mapping(text, "x.yml")
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)
    if not message.endswith(": "):
        assert str(info.value) == message


def test_alias_bomb_is_refused() -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    with pytest.raises(ParseError, match="alias bomb"):
        load_mapping("\n".join(lines) + "\n", "bomb.yml")


def test_merge_key_bomb_is_refused_before_copying() -> None:
    # Each level merges the previous one: keys grow linearly, the expansion much faster.
    lines = ["l0: &l0 {k0: x}"]
    for i in range(1, 2000):
        lines.append(f"l{i}: &l{i} {{<<: *l{i - 1}, k{i}: x}}")
    with pytest.raises(ParseError, match="alias bomb"):
        load_mapping("\n".join(lines) + "\n", "merge-bomb.yml")


def test_alias_inside_its_own_anchor_is_refused() -> None:
    with pytest.raises(ParseError, match="refers to a node that contains it") as info:
        load_mapping("a: &a [1, *a]\n", "loop.yml")
    assert str(info.value).startswith("loop.yml:1:")


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(ParseError, match="nested deeper"):
        load_mapping("a: " + "[" * 10_000 + "]" * 10_000 + "\n", "deep.yml")


def test_several_documents() -> None:
    assert load_documents("a: 1\n---\nb: 2\n", "x.yml") == [{"a": "1"}, {"b": "2"}]


def test_load_mapping_pairs_keeps_repeated_top_level_keys() -> None:
    text = "base: &b {x: 1}\ntask: {a: 1}\ntask: {a: 2}\nlast: 3\n<<: *b\n"
    document, pairs = load_mapping_pairs(text, "f.yml")
    assert document["task"] == {"a": "2"}
    assert [(key, value, line) for key, value, line in pairs] == [
        ("base", {"x": "1"}, 1), ("task", {"a": "1"}, 2), ("task", {"a": "2"}, 3),
        ("last", "3", 4), ("x", "1", 1)]


def test_an_item_whose_dash_stands_alone_begins_at_the_dash() -> None:
    # TAXONOMY: a step begins at "the line of its list item `-`", also when the item's
    # keys start on the next line; flow lists and `- key:` items are unchanged
    text = ("steps:\n"
            "  -\n"
            "    name: Checkout\n"
            "    uses: actions/checkout@v4\n"
            "  - # set up\n"
            "    uses: actions/setup-go@v5\n"
            "  - run: make\n"
            "  -\n"
            "\n"
            "    run: make test\n"
            "flow: [{a: 1},\n"
            "  {b: 2}]\n")
    doc = load_mapping(text, "ci.yml")
    assert doc["steps"].item_lines == [2, 5, 7, 8]
    assert doc["flow"].item_lines == [11, 12]
