"""Broken and hostile file contents, for every registered format.

Each case writes one bad file at the format's canonical path and a good GitHub workflow
beside it, runs ``xops-lens scan --format json`` and checks: the exact one-line error
(file and line where known), the good file still scanned and reported, exit code 1
(0 when the case is valid input that must simply work), and a bounded time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile.hostile_harness import (
    BILLION_LAUGHS,
    CANONICAL,
    CASE_SECONDS,
    GOOD,
    GOOD_PATH,
    GOOD_STEP_LINES,
    Canonical,
    assert_one_line_error,
    registered_formats,
    run_scan,
    write,
)

FORMATS = registered_formats()
OK = "parses"  # the case is valid input: the file's steps must all be reported
DECLINED = "declined"  # the format does not take the content as its own (not reported)


@dataclass(frozen=True)
class Case:
    name: str
    content: Callable[[Canonical], str | bytes]
    expected: str  # OK, DECLINED, or the exact error with {path}
    syntaxes: tuple[str, ...] = ("yaml",)
    # For OK: the step lines, when they are not those of c.body(2).
    lines: Callable[[Canonical], list[int]] | None = None


def _yaml(text: str) -> Callable[[Canonical], str]:
    return lambda c: text + c.marker


def _second_copy(c: Canonical) -> list[int]:
    offset = c.body(2).count("\n")
    return [c.first_step_line + offset, c.first_step_line + offset + 1]


def _both_copies(c: Canonical) -> list[int]:
    return [c.first_step_line, c.first_step_line + 1, *(n + 1 for n in _second_copy(c))]


def _each_copy(c: Canonical) -> list[int]:
    return [c.first_step_line, c.first_step_line + 1, *_second_copy(c)]


def _nul_on_line_3(c: Canonical) -> bytes:
    lines = c.body(2).splitlines(keepends=True)
    lines[2] = lines[2][:-1] + "\0\n"
    return "".join(lines).encode()


BOTH = ("yaml", "groovy")

CASES: list[Case] = [
    # -- not YAML, or not the shape of a CI file
    Case("not-yaml", _yaml("[section]\nkey = value\n"),
         "{path}:2: invalid YAML: did not find expected <document start>"),
    Case("invalid-yaml", _yaml("a: b\n  c: d\n"),
         "{path}:2: invalid YAML: mapping values are not allowed in this context"),
    Case("unclosed-flow", _yaml("jobs:\n  build: [\n"),
         "{path}:3: invalid YAML: did not find expected node content"),
    Case("top-scalar", _yaml("just a string\n"),
         "{path}:1: expected a mapping at the top level, found a single value"),
    Case("top-list", _yaml("- a\n- b\n"),
         "{path}:1: expected a mapping at the top level, found a list"),
    Case("several-documents", lambda c: c.body(2) + "---\n" + c.body(2),
         "{path}: expected one YAML document, found several", lines=_both_copies),
    Case("complex-key", _yaml("? [a, b]\n: c\n"),
         "{path}:1: a mapping key must be a plain value"),
    Case("undefined-alias", _yaml("a: *nowhere\n"), "{path}:1: invalid YAML: found undefined alias"),
    Case("recursive-alias", _yaml("a: &x\n  b: *x\n"),
         "{path}:1: a YAML alias refers to a node that contains it; file skipped"),
    Case("empty", lambda c: "", "{path}: the file is empty (no YAML document)", BOTH),
    Case("whitespace-only", lambda c: "\n  \n\t\n", "{path}: the file is empty (no YAML document)",
         BOTH),
    Case("only-comments", _yaml("# CI is off for now\n# jobs:\n#   build: {}\n"),
         "{path}: the file is empty (no YAML document)"),
    Case("only-groovy-comments", lambda c: "// pipeline {\n/* node { } */\n",
         "{path}: the file is empty (no Groovy code)", ("groovy",)),
    # -- encodings and bytes
    Case("latin-1", lambda c: b"# ok\nname: caf\xe9\n", "{path}:2: not UTF-8 text (byte 0xe9)",
         BOTH),
    Case("utf-16-le-bom", lambda c: c.body(2).encode("utf-16-le").join([b"\xff\xfe", b""]), OK,
         BOTH),
    Case("utf-16-be-bom", lambda c: c.body(2).encode("utf-16-be").join([b"\xfe\xff", b""]), OK,
         BOTH),
    Case("utf-8-bom", lambda c: c.body(2).encode("utf-8-sig"), OK, BOTH),
    Case("utf-16-odd-length", lambda c: b"\xff\xfe" + "a: 1\n".encode("utf-16-le") + b"x",
         "{path}: invalid UTF-16 text", BOTH),
    Case("utf-16-without-bom", lambda c: c.body(2).encode("utf-16-le"),
         "{path}:1: binary content (NUL byte); not a text file", BOTH),
    Case("nul-byte", _nul_on_line_3, "{path}:3: binary content (NUL byte); not a text file", BOTH),
    Case("binary-png", lambda c: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
         "{path}:3: binary content (NUL byte); not a text file", BOTH),
    Case("binary-without-nul", lambda c: bytes(range(1, 256)) * 4,
         "{path}:2: not UTF-8 text (byte 0x80)", BOTH),
    # -- line ends and whitespace
    Case("crlf", lambda c: c.body(2).replace("\n", "\r\n"), OK, BOTH),
    Case("cr-only", lambda c: c.body(2).replace("\n", "\r"), OK),
    Case("tab-indented", _yaml("a:\n\tb: c\n"),
         "{path}:2: invalid YAML: found character that cannot start any token"),
    Case("tabs-in-values", lambda c: c.body(2).replace("make ", "make\t"), OK, BOTH),
    # -- resource limits
    Case("nesting-10000-flow", _yaml("a: " + "[" * 10_000 + "]" * 10_000 + "\n"),
         "{path}:1: YAML nested deeper than 200 levels; file skipped"),
    Case("nesting-10000-block", _yaml("- " * 10_000 + "x\n"),
         "{path}:1: YAML nested deeper than 200 levels; file skipped"),
    Case("billion-laughs", _yaml(BILLION_LAUGHS),
         "{path}:6: YAML aliases expand to more than 1,000,000 nodes (an alias bomb?); "
         "file skipped"),
    # -- duplicate keys: the last one wins, as GitHub and GitLab read them (Cirrus: see
    # LINE_OVERRIDES)
    Case("duplicate-keys", lambda c: c.body(2) + c.body(2), OK, lines=_second_copy),
    # -- Groovy
    Case("unbalanced-open-brace", lambda c: c.body(2).rsplit("}", 1)[0],
         "{path}:1: '{{' is never closed", ("groovy",)),
    Case("unbalanced-close-brace", lambda c: c.body(2) + "}\n",
         "{path}:12: unexpected '}}' with nothing to close", ("groovy",)),
    Case("mismatched-brackets", lambda c: "node {\n  sh('make')\n)\n",
         "{path}:1: '{{' opened here is closed by ')' on line 3", ("groovy",)),
    Case("unclosed-string", lambda c: "node {\n  sh 'make\n}\n", "{path}:2: unclosed string",
         ("groovy",)),
    Case("unclosed-comment", lambda c: "node {\n  /* sh 'make'\n}\n",
         "{path}:2: unclosed /* comment", ("groovy",)),
    Case("nesting-10000-groovy", lambda c: "node " + "{" * 10_000 + "}" * 10_000 + "\n",
         "{path}:1: brackets nested deeper than 100", ("groovy",)),
    Case("nested-interpolation", lambda c: 'node { sh "' + '${"' * 3000 + "a" + '"}' * 3000
         + '" }\n', "{path}:1: strings nested deeper than 100", ("groovy",)),
]

# Where a format says it in its own words (or, for a format that sniffs content, does not
# take the file at all). Every entry is a decision, not a shrug: see the comments.
OVERRIDES: dict[tuple[str, str], str] = {
    # GitLab names the value it found; Buildkite and Drone read a list of steps (or of
    # documents) at the top, so they report what is wrong inside it.
    ("gitlab-ci", "top-scalar"):
        "{path}:1: expected a mapping at the top level, found the value 'just a string'",
    ("buildkite", "top-scalar"):
        "{path}:1: a pipeline needs a 'steps' list at the top level, found the value "
        "'just a string'",
    ("buildkite", "top-list"):
        "{path}:1: a step must be a mapping (or wait, block, input), found the value 'a'",
    ("drone", "top-scalar"): "{path}: each document must be a mapping, found the value "
                             "'just a string'",
    ("drone", "top-list"): "{path}:1: each document must be a mapping, found a list",
    # AppVeyor reads a top-level list as branch-specific configurations (issue 21).
    ("appveyor", "top-list"):
        "{path}:1: a configuration of the list must be a mapping, found the value 'a'",
    # Drone, GitLab (spec: header) and Tekton read several documents by design.
    ("drone", "several-documents"): OK,
    ("gitlab-ci", "several-documents"):
        "{path}: expected one YAML document (or a spec: header and one), found several",
    ("tekton", "several-documents"): OK,
    ("buildkite", "several-documents"):
        "{path}:1: a pipeline needs a 'steps' list at the top level, found several documents",
    # The marker comment after the unclosed '[' moves the end of the file.
    ("tekton", "unclosed-flow"): "{path}:5: invalid YAML: did not find expected node content",
    # Tekton takes a file only when it holds a tekton.dev/ resource: an empty file, only
    # comments, a scalar or a list hold none, so they are not Tekton's to report.
    ("tekton", "top-scalar"): DECLINED,
    ("tekton", "top-list"): DECLINED,
    ("tekton", "empty"): DECLINED,
    ("tekton", "whitespace-only"): DECLINED,
    ("tekton", "only-comments"): DECLINED,
    ("tekton", "complex-key"): "{path}:1: a mapping key must be a plain value",
    ("jenkins", "empty"): "{path}: the file is empty (no Groovy code)",
    ("jenkins", "whitespace-only"): "{path}: the file is empty (no Groovy code)",
}

PARAMS = [
    pytest.param(fmt, case, id=f"{fmt}-{case.name}")
    for fmt in CANONICAL
    for case in CASES
    if CANONICAL[fmt].syntax in case.syntaxes
]


# Step lines where a format reads valid input its own way.
LINE_OVERRIDES: dict[tuple[str, str], Callable[[Canonical], list[int]]] = {
    # Cirrus CI reads each repeated top-level task key as a task of its own.
    ("cirrus", "duplicate-keys"): _each_copy,
}


def expected_of(fmt: str, case: Case) -> str:
    return OVERRIDES.get((fmt, case.name), case.expected)


def test_every_registered_format_has_a_canonical_file() -> None:
    """A new format joins the hostile cases by default: it fails here until it has an
    entry in CANONICAL (a path it claims and a document of n steps)."""
    missing = sorted(set(FORMATS) - set(CANONICAL))
    assert not missing, f"add these formats to tests/hostile/hostile_harness.py: {missing}"


@pytest.mark.parametrize("fmt", sorted(CANONICAL))
def test_canonical_file_is_claimed_and_parses(fmt: str, tmp_path: Path) -> None:
    if fmt not in FORMATS:
        pytest.skip(f"{fmt} is not registered")
    canonical = CANONICAL[fmt]
    first = next(name for name, f in FORMATS.items() if f.claims(canonical.path))
    assert first == fmt, f"{canonical.path} goes to {first}, not {fmt}"
    outcome = run_scan(write(tmp_path, {canonical.path: canonical.body(3), GOOD_PATH: GOOD}),
                       f"{fmt}/canonical")
    assert outcome.exit_code == 0, outcome.errors()
    assert outcome.step_lines(canonical.path) == [canonical.first_step_line + i for i in range(3)]


@pytest.mark.parametrize(("fmt", "case"), PARAMS)
def test_hostile_content(fmt: str, case: Case, tmp_path: Path) -> None:
    if fmt not in FORMATS:
        pytest.skip(f"{fmt} is not registered")
    canonical = CANONICAL[fmt]
    path = canonical.path
    content = case.content(canonical)
    outcome = run_scan(write(tmp_path, {path: content, GOOD_PATH: GOOD}), f"{fmt}/{case.name}")
    expected = expected_of(fmt, case)

    # The good neighbour is always scanned and reported, whatever happened to the bad file.
    assert outcome.step_lines(GOOD_PATH) == GOOD_STEP_LINES
    assert outcome.error_of(GOOD_PATH) is None
    assert outcome.cpu < CASE_SECONDS, f"{outcome.cpu:.2f} s of CPU"

    if expected == OK:
        assert outcome.exit_code == 0, outcome.errors()
        first = canonical.first_step_line
        lines_of = LINE_OVERRIDES.get((fmt, case.name), case.lines)
        lines = lines_of(canonical) if lines_of else [first, first + 1]
        assert outcome.step_lines(path) == lines
    elif expected == DECLINED:
        assert outcome.exit_code == 0, outcome.errors()
        assert path not in outcome.paths()
    else:
        assert outcome.exit_code == 1
        error = outcome.error_of(path)
        assert_one_line_error(error, path)
        assert error == expected.format(path=path)
        assert outcome.step_lines(path) == []
