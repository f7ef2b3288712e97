"""The rule backend's speed-ups keep their promises: a lazily compiled pattern behaves as
the compiled one, the tokenizer's groups are where split_commands reads them, and the
substring pre-checks before regexes never skip a match."""

from __future__ import annotations

import re

import pytest

from xops_lens.backends.rules import script as _script, shell as _shell
from xops_lens.backends.rules.shell import LazyPattern, split_commands


def test_lazy_pattern_acts_as_compiled() -> None:
    lazy = LazyPattern(r"(a+)(b)?", re.IGNORECASE)
    plain = re.compile(r"(a+)(b)?", re.IGNORECASE)
    assert lazy.pattern == plain.pattern and lazy.groups == plain.groups
    assert lazy.search("xxAab").group(0) == plain.search("xxAab").group(0)
    assert lazy.match("aab").span() == plain.match("aab").span()
    assert lazy.fullmatch("aa") is not None and lazy.fullmatch("aac") is None
    assert lazy.sub("-", "caab") == plain.sub("-", "caab")
    assert lazy.split("xaay") == plain.split("xaay")
    assert lazy.findall("aab a") == plain.findall("aab a")
    assert [m.span() for m in lazy.finditer("aab a")] == [m.span() for m in plain.finditer("aab a")]
    assert lazy.compiled() is lazy.compiled()


def test_lazy_pattern_hides_no_private_attribute() -> None:
    with pytest.raises(AttributeError):
        _ = LazyPattern("x")._missing


def test_token_groups_in_the_order_split_commands_unpacks() -> None:
    assert _shell._TOKEN.groups == 6
    assert list(_shell._TOKEN.groupindex) == ["nl", "comment", "test", "op", "word", "other"]


Tokens = list[tuple[tuple[str, ...], bool, str]]


@pytest.mark.parametrize("text, commands", [
    ("a b | c\n# note\nif [[ -n x ]]; then d; fi",
     [(("a", "b"), False, "c"), (("c",), True, ""), (("if", "[[ -n x ]]"), False, ""),
      (("then", "d"), False, ""), (("fi",), False, "")]),
    ("curl -s u | METHOD=x bash",
     [(("curl", "-s", "u"), False, "bash"), (("METHOD=x", "bash"), True, "")]),
    ("echo ${{ inputs.x }} \\\n  more", [(("echo", "GHX", "more"), False, "")]),
    ("case $x in\n  linux|darwin) make ;;\nesac",
     [(("case", "$x", "in"), False, ""), (("make",), False, ""), (("esac",), False, "")]),
])
def test_split_commands_tokens(text: str, commands: Tokens) -> None:
    assert [(c.words, c.piped_from, c.piped_to) for c in split_commands(text)] == commands


@pytest.mark.parametrize("text", [
    "exit 1", "git diff --exit-code", "git status --porcelain", "cmp a b",
    "$( cat f)", "grep -q x f", "[ -s f ]", "jq -e .x f",
    "chmod +x tool", "mv tool /usr/local/bin", "cp t $HOME/bin",
    "if [ $GITHUB_REF = x ]; then echo A=1 >> $GITHUB_ENV; fi",
])
def test_script_facts_prechecks_agree_with_the_regexes(text: str) -> None:
    facts = _script._ScriptFacts(text, False, ())
    assert facts.fails == (_script._EXIT_FAILURE.search(text) is not None)
    assert facts.compares_files == (_script._DIRTY_TREE.search(text) is not None)
    assert facts.content_check == (_script._CONTENT_CHECK.search(text) is not None)
    assert facts.installs_binary == (_script._BINARY_INSTALL.search(text) is not None)
    assert facts.env_from_ref == ("github_env" in text.lower()
                                  and _script._REF_CONDITION.search(text) is not None)
