from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from xops_lens.errors import Declined, ParseError
from xops_lens.formats.github import GitHubActions, matrix_size
from xops_lens.model import Pipeline, Source
from xops_lens.yamlload import load_mapping

FMT = GitHubActions()


def parse(path: str, text: str) -> Pipeline:
    if "/" not in path and not path.startswith("action."):
        path = ".github/workflows/" + path
    return FMT.parse(Source(root=".", path=path, text=text, read_local=lambda p: ""))


def strategy(text: str) -> object:
    return load_mapping(text, "m.yml")["strategy"]


@pytest.mark.parametrize(
    ("path", "claimed"),
    [
        (".github/workflows/ci.yml", True),
        (".github/workflows/release.yaml", True),
        (".github/workflows/sub/ci.yml", False),
        (".github/workflows/README.md", False),
        (".github/actions/setup/action.yml", True),
        ("action.yaml", True),
        ("ci.yml", False),
        ("docs/.github/workflows/ci.yml", False),
    ],
)
def test_claims(path: str, claimed: bool) -> None:
    assert FMT.claims(path) is claimed


def test_example_workflow() -> None:
    text = (EXAMPLES / "github/.github/workflows/ci.yml").read_text()
    pipeline = parse(".github/workflows/ci.yml", text)
    assert [j.id for j in pipeline.jobs] == ["lint", "test", "build", "deploy", "docs"]
    events = [(t.event, t.cron) for t in pipeline.triggers]
    assert events == [("push", None), ("pull_request", None), ("schedule", "17 3 * * 1-5"),
                      ("workflow_dispatch", None)]
    jobs = {j.id: j for j in pipeline.jobs}
    # 3 x 3 = 9, one excluded, and the include adds a python the matrix did not have.
    assert jobs["test"].matrix_size == 9
    assert jobs["deploy"].environment == "production"
    assert jobs["build"].needs == ("lint", "test")
    assert jobs["docs"].calls == ".github/workflows/docs.yml"
    assert jobs["docs"].steps == ()
    first = jobs["lint"].steps[0]
    assert (first.line, first.uses, first.name) == (19, "actions/checkout@v4", "actions/checkout@v4")
    lint = jobs["lint"].steps[2]
    assert lint.line == 21 and lint.name == "Lint and type-check"
    assert lint.text == "ruff check .\nmypy src\n"
    setup = jobs["test"].steps[1]
    assert setup.input("python-version") == "${{ matrix.python }}"


def test_composite_action() -> None:
    text = (EXAMPLES / "github/.github/actions/setup-env/action.yml").read_text()
    pipeline = parse(".github/actions/setup-env/action.yml", text)
    (job,) = pipeline.jobs
    assert [s.line for s in job.steps] == [6, 9, 13]
    assert job.steps[2].text.startswith("pip install")
    assert job.reusable  # runs only as a step of the workflows that use it


def test_javascript_action_has_no_steps() -> None:
    pipeline = parse("action.yml", "name: x\nruns:\n  using: node20\n  main: index.js\n")
    assert pipeline.jobs == () and "node20 action" in pipeline.notes[0]


def test_action_yml_of_another_tool_is_declined() -> None:
    with pytest.raises(Declined):
        parse("tools/action.yml", "description: not a GitHub action\n")


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("strategy:\n  matrix:\n    a: [1, 2]\n    b: [x, y, z]\n", 6),
        ("strategy:\n  matrix:\n    a: [1, 2]\n    exclude:\n      - a: 1\n", 1),
        # An include that only adds a key extends existing combinations: no new job.
        ("strategy:\n  matrix:\n    a: [1, 2]\n    include:\n      - a: 1\n        extra: y\n", 2),
        ("strategy:\n  matrix:\n    include:\n      - a: 1\n      - a: 2\n", 2),
        ("strategy:\n  matrix: ${{ fromJson(needs.setup.outputs.m) }}\n", 1),
        ("strategy:\n  matrix:\n    a: ${{ fromJson(x) }}\n", 1),
        ("strategy:\n  fail-fast: false\n", 1),
        ("strategy:\n  matrix:\n    a: []\n", 1),
    ],
)
def test_matrix_size(text: str, size: int) -> None:
    assert matrix_size(strategy(text))[0] == size


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("on: push\n", ".github/workflows/w.yml:1: a workflow needs a 'jobs' mapping"),
        ("on: push\njobs:\n  a: 3\n", ".github/workflows/w.yml:3: job 'a' must be a mapping"),
        ("on: push\njobs:\n  a:\n    steps:\n      - echo hi\n",
         ".github/workflows/w.yml:5: a step must be a mapping with 'uses' or 'run'"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse("w.yml", text)
    assert str(info.value) == message


def test_on_as_list_and_string() -> None:
    assert [t.event for t in parse("w.yml", "on: [push, pull_request]\njobs: {}\n").triggers] == [
        "push", "pull_request"]
    assert [t.event for t in parse("w.yml", "on: push\njobs: {}\n").triggers] == ["push"]


def test_every_corpus_workflow_parses(shared: Path) -> None:
    from xops_lens.discover import discover, read_text

    parsed = 0
    for repo in sorted(p for p in (shared / "corpus").iterdir() if p.is_dir()):
        for path in discover(repo).paths:
            if not FMT.claims(path):
                continue
            source = Source(str(repo), path, read_text(repo, path), lambda p: "")
            try:
                pipeline = FMT.parse(source)
            except Declined:
                continue
            parsed += 1
            for step in pipeline.steps:
                assert step.line >= 1 and step.file == path
    assert parsed > 500
