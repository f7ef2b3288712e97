"""AppVeyor: phase items, MSBuild, artifacts and deploy providers, the matrix, for:, corpus."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.corpus_check import check_corpus
from xops_lens.errors import ParseError
from xops_lens.formats.appveyor import AppVeyor
from xops_lens.model import Pipeline, Source

FMT = AppVeyor()


def parse(text: str, path: str = "appveyor.yml") -> Pipeline:
    text = textwrap.dedent(text).lstrip("\n")
    return FMT.parse(Source(root=".", path=path, text=text, read_local=lambda p: ""))


@pytest.mark.parametrize(("path", "claimed"), [
    ("appveyor.yml", True), (".appveyor.yml", True), ("ci/appveyor.yml", True),
    ("appveyor.yaml", False), ("my-appveyor.yml", False),
])
def test_claims(path: str, claimed: bool) -> None:
    assert FMT.claims(path) is claimed


def test_example_repository() -> None:
    pipeline = parse((EXAMPLES / "appveyor" / "appveyor.yml").read_text())
    main, release = pipeline.jobs
    # 2 images x 2 platforms x 2 configurations x 2 toolchains, less Ubuntu on x86.
    assert main.matrix_size == 12
    assert main.runner == "Visual Studio 2022, Ubuntu2204"
    assert [(s.line, s.text, s.input("shell")) for s in main.steps[:3]] == [
        (26, "git submodule update --init --recursive", "cmd"),
        (27, "Install-Module Pester -Force -Scope CurrentUser", "ps"),
        (28, "dotnet restore", None)]
    msbuild = main.steps[3]
    assert (msbuild.line, msbuild.text, msbuild.kind_hint) == (30, "msbuild src/Library.sln",
                                                              "build")
    kinds = [(s.line, s.kind_hint, s.uses) for s in main.steps[5:7]]
    assert kinds == [(39, "artifact-upload", None), (43, "publish", "NuGet")]
    assert main.steps[-1].text == "cat build.log"
    assert release.id == r"for branches only: /release\/.*/"
    assert [s.line for s in release.steps] == [57]
    assert [(t.event, t.line) for t in pipeline.triggers] == [("push", 21), ("pull_request", 21)]


def test_build_off_and_build_script_mean_no_msbuild_step() -> None:
    off = parse("build: off\ntest_script:\n  - make test\n")
    assert [s.text for s in off.steps] == ["make test"]
    assert "build: off (no MSBuild step)" in off.jobs[0].notes
    scripted = parse("build:\n  project: a.sln\nbuild_script:\n  - make\n")
    assert [s.text for s in scripted.steps] == ["make"]


def test_environment_list_is_the_matrix_and_scalar_phase_is_one_step() -> None:
    pipeline = parse("""
        environment:
          - PY: 3.11
          - PY: 3.12
        platform: x64
        test_script: pytest
        deploy: off
    """)
    (job,) = pipeline.jobs
    assert job.matrix_size == 2
    assert [(s.line, s.text) for s in job.steps] == [(5, "pytest")]


def test_matrix_only_keeps_matching_jobs() -> None:
    pipeline = parse("""
        configuration: [Debug, Release]
        platform: [x86, x64]
        matrix:
          only:
            - configuration: Release
        build_script: [make]
    """)
    assert pipeline.jobs[0].matrix_size == 2


@pytest.mark.parametrize(("text", "expected"), [
    ("install: {a: b, c: d}\n", "appveyor.yml:1: install must be a list, found a mapping"),
    ("install:\n  - [a]\n", ("appveyor.yml:2: each item of install must be a command or a "
     "cmd/ps/sh mapping, found a list")),
    ("install:\n  - {cmd: a, ps: b, x: c}\n", ""),
    ("deploy:\n  - 5\n", "appveyor.yml:2: a deploy provider must be a mapping"),
    ("for: 5\n", "appveyor.yml:1: for must be a list, found the value '5'"),
    ("for:\n  - 5\n", "appveyor.yml:2: a for entry must be a mapping"),
    ("environment: 5\nmatrix: 5\nimage: 7\n", ""),
])
def test_wrong_types_are_one_line_errors(text: str, expected: str) -> None:
    if not expected:
        parse(text)
        return
    with pytest.raises(ParseError) as info:
        parse(text)
    assert expected in info.value.one_line()


def test_corpus(shared: Path) -> None:
    result = check_corpus(shared, FMT, "appveyor", "appveyor")
    assert result.errors == {}
    assert result.unclaimed == []
    assert result.labelled and result.missing == []
