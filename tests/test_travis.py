"""Travis CI: phases, the build matrix, jobs.include, deploy providers, imports, corpus."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, write_tree
from tests.corpus_check import check_corpus
from xops_lens.discover import read_text
from xops_lens.errors import ParseError
from xops_lens.formats.travis import TravisCI
from xops_lens.model import Job, Pipeline, Source

FMT = TravisCI()
FILE = ".travis.yml"


def parse_at(root: Path, path: str = FILE) -> Pipeline:
    return FMT.parse(Source(root=str(root), path=path, text=read_text(root, path),
                            read_local=lambda rel: read_text(root, rel, referrer=path)))


def parse(text: str, tmp_path: Path, files: dict[str, str] | None = None) -> Pipeline:
    write_tree(tmp_path, {FILE: textwrap.dedent(text).lstrip("\n"), **(files or {})})
    return parse_at(tmp_path)


def jobs(pipeline: Pipeline) -> dict[str, Job]:
    return {job.id: job for job in pipeline.jobs}


@pytest.mark.parametrize(("path", "claimed"), [
    (".travis.yml", True), ("sub/.travis.yml", True), ("travis.yml", False),
    (".travis.yaml", False),
])
def test_claims(path: str, claimed: bool) -> None:
    assert FMT.claims(path) is claimed


def test_example_repository() -> None:
    pipeline = parse_at(EXAMPLES / "travis")
    found = jobs(pipeline)
    assert list(found) == ["main", "docs", "release"]
    main = found["main"]
    # 3 pythons x 2 os x 2 env jobs, one excluded, plus the include that only sets env.
    assert main.matrix_size == 12
    assert main.runner == "linux, osx jammy"
    assert [(s.file, s.line, s.text) for s in main.steps] == [
        (".travis.yml", 45, "pip install -U pip"),
        (".travis.yml", 46, "pip install -e .[test]"),
        (".travis.yml", 48, "pytest --cov"),
        (".travis.yml", 50, "codecov"),
        ("ci/travis-notify.yml", 3, "./ci/print-logs.sh"),
    ]
    # An include with its own script keeps the other root phases.
    assert [s.text for s in found["docs"].steps][:3] == [
        "pip install -U pip", "pip install -e .[test]", "make docs"]
    assert found["docs"].runner == "linux jammy"
    release = found["release"]
    assert release.notes == ("stage deploy",)
    assert "pytest --cov" not in [s.text for s in release.steps]  # script: skip
    pypi, announce = release.steps[-2:]
    assert (pypi.line, pypi.uses, pypi.kind_hint, pypi.input("password")) == (
        34, "pypi", "publish", "<secure>")
    assert (announce.line, announce.text, announce.uses) == (38, "./scripts/announce.sh", None)
    assert pipeline.includes == ("ci/travis-notify.yml",)
    assert [t.event for t in pipeline.triggers] == ["push", "pull_request"]


def test_language_defaults_run_when_phases_are_not_written(tmp_path: Path) -> None:
    pipeline = parse("""
        language: node_js
        node_js: [18, 20]
        after_script: npm run coverage
    """, tmp_path)
    (job,) = pipeline.jobs
    assert job.matrix_size == 2
    default, after = job.steps
    assert (default.line, default.text, default.name) == (
        1, "npm install\nnpm test", "default install and script for node_js")
    assert (after.line, after.text) == (3, "npm run coverage")


def test_includes_without_phases_widen_the_root_job(tmp_path: Path) -> None:
    pipeline = parse("""
        language: c
        os: osx
        matrix:
          include:
            - env: TOOL=meson
            - env: TOOL=autotools
        script: ./build.sh
    """, tmp_path)
    (job,) = pipeline.jobs
    assert (job.matrix_size, job.runner) == (2, "osx")
    assert job.notes == ("2 jobs.include entries run these phases",)


def test_deploy_mapping_and_env_list(tmp_path: Path) -> None:
    pipeline = parse("""
        language: ruby
        env: [A=1, B=2, C=3]
        script: rake
        deploy:
          provider: pages
          skip_cleanup: true
        if: type = cron
    """, tmp_path)
    (job,) = pipeline.jobs
    assert job.matrix_size == 3
    deploy = job.steps[-1]
    assert (deploy.line, deploy.uses, deploy.kind_hint) == (4, "pages", "deploy")
    assert job.steps[0].text == "bundle install --jobs=3 --retry=3"  # ruby's default install
    assert ("schedule", 7) in [(t.event, t.line) for t in pipeline.triggers]


def test_remote_imports_are_notes_and_cycles_are_errors(tmp_path: Path) -> None:
    pipeline = parse("import: [travis-ci/build-configs:shared.yml@v1]\nscript: make\n",
                     tmp_path)
    assert "not fetched" in pipeline.notes[0]
    with pytest.raises(ParseError) as info:
        parse("import: a.yml\nscript: make\n", tmp_path, {"a.yml": "import: .travis.yml\n"})
    assert "import cycle" in info.value.one_line()


@pytest.mark.parametrize(("text", "expected"), [
    ("script: {a: b}\n", (".travis.yml:1: script must be a command or a list of commands, "
     "found a mapping")),
    ("script:\n  - [[[[[[[[[[[[a]]]]]]]]]]]]\n", "nested too deeply"),
    ("jobs: 5\n", ".travis.yml:1: jobs must be a mapping, found the value '5'"),
    ("jobs:\n  include: 5\n", ".travis.yml:2: jobs.include must be a list"),
    ("jobs:\n  include:\n    - 5\n", ".travis.yml:3: a jobs.include entry must be a mapping"),
    ("deploy: [5]\n", ".travis.yml:1: a deploy provider must be a mapping"),
    ("deploy: 5\n", ""),  # a scalar deploy (`deploy: false`) deploys nothing
    ("import: [{source: 5}]\n", ".travis.yml:1: import 5: file not found: 5"),
    ("import: [[a]]\n", ".travis.yml:1: an import must be a file name, found a list"),
    ("- a\n", ".travis.yml:1: expected a mapping at the top level, found a list"),
])
def test_wrong_types_are_one_line_errors(tmp_path: Path, text: str, expected: str) -> None:
    if not expected:
        parse(text, tmp_path)
        return
    with pytest.raises(ParseError) as info:
        parse(text, tmp_path)
    assert expected in info.value.one_line()


def test_corpus(shared: Path) -> None:
    result = check_corpus(shared, FMT, "travis", "travis")
    assert result.errors == {}
    assert result.unclaimed == []
    assert result.labelled and result.missing == []
