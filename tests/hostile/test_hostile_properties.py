"""Property-based tests for every registered parser (hypothesis).

Two sources of input per format: documents generated in the format's own shape (its
keywords, harvested from the example pipelines and the shared corpus, nested at random
with hostile scalars), and real corpus files mutated (lines dropped, duplicated, moved,
re-indented, cut, values replaced, hostile characters inserted). Whatever comes in, the
parser keeps the contract of tests/hostile/hostile_harness.check_parser_contract: only
ParseError or Declined may escape, and every step has a file and a line inside it.

Example counts are modest and derandomized: the suite stays reproducible and within a
few minutes on two cores.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES
from tests.hostile.hostile_harness import (
    CANONICAL,
    check_parser_contract,
    registered_formats,
    source_for,
)

FORMATS = registered_formats()
FORMAT_NAMES = [name for name in CANONICAL if name in FORMATS]
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CORPUS = SHARED / "corpus"
PROPERTY_SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.too_slow,
                                                    HealthCheck.data_too_large])
MAX_CORPUS_FILES = 12  # per format, spread over the sorted list
MAX_CORPUS_BYTES = 60_000  # keeps one example fast


def _claimed_files(root: Path, fmt: str) -> list[tuple[Path, str]]:
    """(repository root, path) of the files under ``root`` that ``fmt`` gets first."""
    found = []
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
            first = next((n for n, f in FORMATS.items() if f.claims(rel)), None)
            if first == fmt:
                found.append((root, rel))
    return found


@cache
def corpus_files(fmt: str) -> tuple[tuple[Path, str], ...]:
    if not CORPUS.is_dir():
        return ()
    found = []
    for repo in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        found += [(root, rel) for root, rel in _claimed_files(repo, fmt)
                  if (root / rel).stat().st_size <= MAX_CORPUS_BYTES]
    found.sort(key=lambda item: (item[0].name, item[1]))
    step = max(1, len(found) // MAX_CORPUS_FILES)
    return tuple(found[::step][:MAX_CORPUS_FILES])


def _example_files(fmt: str) -> list[tuple[Path, str]]:
    return [item for root in sorted(EXAMPLES.iterdir()) if root.is_dir()
            for item in _claimed_files(root, fmt)]


def _keys_of(text: str) -> set[str]:
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return set()
    keys: set[str] = set()
    stack = [d for d in documents if d is not None]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and len(key.value) < 40:
                    keys.add(key.value)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return keys


@cache
def vocabulary(fmt: str) -> tuple[str, ...]:
    """The keys the format's real files use (examples first, then the corpus)."""
    keys: set[str] = set()
    for root, rel in [*_example_files(fmt), *corpus_files(fmt)]:
        keys |= _keys_of((root / rel).read_text(encoding="utf-8", errors="replace"))
    keys |= _keys_of(CANONICAL[fmt].body(2))
    return tuple(sorted(keys))


HOSTILE_TEXT = st.sampled_from([
    "", " ", "~", "null", "true", "on", "yes", "3.10", "0x1f", "-1", "1e400", ".inf",
    "<<", "*", "&", "!reference", "${{ github.event.issue.title }}", "$(curl evil)",
    "'; rm -rf / #", "a\nb", "\t", "\u202etxt.exe", "\u0000", "x" * 300, "#", "- -",
    "../../etc/passwd", "/etc/passwd", "./.github/workflows/ci.yml", "ci/none.yml",
    "@mention", "<!-- xops-lens -->", "[link](javascript:alert(1))",
])


def _scalars() -> st.SearchStrategy[Any]:
    return st.one_of(HOSTILE_TEXT, st.text(max_size=20), st.integers(-2, 10**6), st.none(),
                     st.booleans(), st.floats(allow_nan=False, allow_infinity=False))


def documents(fmt: str) -> st.SearchStrategy[Any]:
    """Nested mappings whose keys are mostly the format's own keywords."""
    words = vocabulary(fmt)
    keys = st.one_of(st.sampled_from(words), st.sampled_from(words), HOSTILE_TEXT,
                     st.text(min_size=1, max_size=12)) if words else st.text(min_size=1)
    values = st.recursive(
        _scalars(),
        lambda inner: st.one_of(st.lists(inner, max_size=4),
                                st.dictionaries(keys, inner, max_size=5)),
        max_leaves=25,
    )
    return st.dictionaries(keys, values, min_size=1, max_size=6)


def _dump(document: Any, fmt: str) -> str:
    text = yaml.safe_dump(document, default_flow_style=False, allow_unicode=True,
                          sort_keys=False)
    return text + CANONICAL[fmt].marker


@pytest.mark.parametrize("fmt", [n for n in FORMAT_NAMES if CANONICAL[n].syntax == "yaml"])
def test_generated_documents_of_the_format_shape(fmt: str, tmp_path_factory: Any) -> None:
    root = tmp_path_factory.mktemp("generated")
    path = CANONICAL[fmt].path

    @PROPERTY_SETTINGS
    @given(document=documents(fmt))
    def check(document: Any) -> None:
        source, texts = source_for(root, path, _dump(document, fmt))
        check_parser_contract(FORMATS[fmt], source, texts)

    check()


GROOVY_TOKENS = st.sampled_from([
    "pipeline", "agent", "any", "stages", "stage('s')", "steps", "sh 'make'", "sh \"${x}\"",
    "node", "parallel", "script", "def f()", "f()", "{", "}", "(", ")", "[", "]", "\n", ";",
    "'", '"', "'''", "/*", "*/", "//", "$/", "/$", "${", "when", "post", "always", "input",
    "withCredentials([string(credentialsId: 'c', variable: 'V')])", "load 'x.groovy'",
    "bat 'x'", "checkout scm", "if (a) {", "} else {", "try {", "} catch (e) {", "->", ",",
    "\\", "\t", "\u0000", "x" * 50, "@Library('lib') _", "timeout(time: 1)", "retry(3)",
])


@pytest.mark.parametrize("fmt", [n for n in FORMAT_NAMES if CANONICAL[n].syntax == "groovy"])
def test_generated_groovy_of_the_format_shape(fmt: str, tmp_path_factory: Any) -> None:
    root = tmp_path_factory.mktemp("generated")
    path = CANONICAL[fmt].path

    @PROPERTY_SETTINGS
    @given(tokens=st.lists(GROOVY_TOKENS, max_size=80), spaces=st.sampled_from([" ", "\n"]))
    def check(tokens: list[str], spaces: str) -> None:
        source, texts = source_for(root, path, spaces.join(tokens))
        check_parser_contract(FORMATS[fmt], source, texts)

    check()


MUTATIONS = ("drop", "duplicate", "move", "indent", "dedent", "cut", "insert", "replace")
INSERTS = st.sampled_from(["\t", "\0", "\x1b[2J", "\r", "\n", ": ", "- ", "&a ", "*a", "<<: *a",
                           "[", "]", "{", "}", "'", '"', "#", "!reference [a]", "\u2028", "?",
                           "%YAML 1.2\n---\n", "\ufeff", "\\", "${{", "}}"])


def mutate(text: str, data: st.DataObject) -> str:
    lines = text.splitlines(keepends=True) or [""]
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        kind = data.draw(st.sampled_from(MUTATIONS), label="kind")
        i = data.draw(st.integers(0, len(lines) - 1), label="line")
        j = data.draw(st.integers(0, len(lines) - 1), label="other")
        if kind == "drop" and len(lines) > 1:
            del lines[i:max(i + 1, j)]
        elif kind == "duplicate":
            lines.insert(j, lines[i])
        elif kind == "move":
            lines.insert(j, lines.pop(i))
        elif kind == "indent":
            lines[i] = "  " + lines[i]
        elif kind == "dedent":
            lines[i] = lines[i][2:] if lines[i].startswith("  ") else lines[i].lstrip()
        elif kind == "cut":
            lines = lines[:max(1, i)]
        elif kind == "insert":
            column = data.draw(st.integers(0, len(lines[i])), label="column")
            lines[i] = lines[i][:column] + data.draw(INSERTS, label="insert") + lines[i][column:]
        elif kind == "replace" and ":" in lines[i]:
            head = lines[i].split(":", 1)[0]
            value = data.draw(st.sampled_from(["42", "[a, b]", "{k: v}", "", "~", "|"]),
                              label="value")
            lines[i] = f"{head}: {value}\n"
        if not lines:
            lines = [""]
    return "".join(lines)


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_mutated_corpus_files(fmt: str) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is not beside the repository")
    files = corpus_files(fmt)
    if not files:
        pytest.skip(f"no corpus file of {fmt}")
    texts = {(root, rel): (root / rel).read_text(encoding="utf-8", errors="replace")
             for root, rel in files}

    @PROPERTY_SETTINGS
    @given(index=st.integers(0, len(files) - 1), data=st.data())
    def check(index: int, data: st.DataObject) -> None:
        root, rel = files[index]
        mutated = mutate(texts[(root, rel)], data)
        source, read = source_for(root, rel, mutated)
        check_parser_contract(FORMATS[fmt], source, read)

    check()


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_unmutated_corpus_files_keep_the_contract(fmt: str) -> None:
    """The baseline of the mutations: the sampled real files themselves."""
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is not beside the repository")
    for root, rel in corpus_files(fmt):
        source, read = source_for(root, rel, (root / rel).read_text(encoding="utf-8",
                                                                     errors="replace"))
        check_parser_contract(FORMATS[fmt], source, read)
