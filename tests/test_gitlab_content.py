"""GitLab CI job files without the root ``.gitlab-ci.yml`` (issue 15): in such a tree the
YAML files under ``.gitlab/`` shaped like GitLab CI are read as GitLab CI files of their
own; with the root file they are read only through its includes, once. A fragment read
alone keeps its own steps when a template or an include it names is not in the tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import write_tree
from tests.corpus_check import dedented, stub_scan
from xops_lens.cli import cli
from xops_lens.formats.gitlab import GitLabCI
from xops_lens.formats.gitlab.content import claims_by_content
from xops_lens.model import Pipeline, Source
from xops_lens.result import FileReport, ScanResult


# Shapes of job files that live under .gitlab/ (DataDog/libdatadog's benchmarks.yml and
# fuzz.yml, Kitware's os-linux.yml and rules.yml): jobs, hidden templates, globals.
POSITIVE = {
    "job with script": """
        variables:
          BASE_CI_IMAGE: registry.example.com/ci/bench:latest
        benchmarks:
          parallel: 2
          image: {name: $BASE_CI_IMAGE}
          script:
            - ./benchmark/run.sh
        """,
    "job that only extends": """
        build:linux:
          extends: [.linux, .cmake_build]
        """,
    "hidden templates only": """
        .rules:
          rules:
            - if: '$CI_MERGE_REQUEST_ID'
        .cmake_build:
          stage: build
          script: [cmake --build build]
        """,
    "trigger job": """
        docs:
          trigger:
            include: .gitlab/docs.yml
        """,
    "stages list": "stages: [build, test]\n",
    "include only": "include:\n  - local: .gitlab/ci/jobs.yml\n",
    "workflow": "workflow:\n  rules:\n    - if: $CI_COMMIT_TAG\n",
    "spec header": """
        spec:
          inputs:
            stage: {default: test}
        ---
        lint:
          stage: $[[ inputs.stage ]]
          script: [make lint]
        """,
}

NEGATIVE = {
    "changelog config": """
        date_format: "%Y-%m-%d"
        template: |
          {% each categories %}
        categories:
          feature: Features
        include_groups: [gitlab-org]
        """,
    "route map": """
        - source: /source\\/(.+?\\.html).*/
          public: '\\1'
        """,
    "agent config": """
        ci_access:
          projects:
            - id: group/project
        gitops:
          manifest_projects: []
        """,
    "security policy": """
        scan_execution_policy:
          - name: scan
            rules: [{type: pipeline, branches: [main]}]
            actions: [{scan: secret_detection}]
        """,
    "compose file": """
        services:
          db:
            image: postgres:16
        """,
    "stages that are not a list": "stages: build\n",
    "variables that are not a mapping": "variables: [A, B]\n",
    "broken yaml": "job:\n  script: [a\n",
    "several documents": "a: 1\n---\nb: 2\n",
    "empty": "",
}


@pytest.mark.parametrize("case", sorted(POSITIVE))
def test_gitlab_shaped_files_under_dot_gitlab_are_claimed(case: str) -> None:
    assert claims_by_content(".gitlab/jobs.yml", dedented(POSITIVE[case]))
    assert claims_by_content(".gitlab/deep/er/jobs.yaml", dedented(POSITIVE[case]))


@pytest.mark.parametrize("case", sorted(NEGATIVE))
def test_other_yaml_under_dot_gitlab_is_not_claimed(case: str) -> None:
    assert not claims_by_content(".gitlab/config.yml", dedented(NEGATIVE[case]))


@pytest.mark.parametrize("path", ["ci/jobs.yml", "sub/.gitlab/jobs.yml", ".github/jobs.yml",
                                  ".gitlab/jobs.md", ".gitlab-jobs.yml"])
def test_only_yaml_under_the_root_dot_gitlab_folder(path: str) -> None:
    assert not claims_by_content(path, dedented(POSITIVE["job with script"]))


@pytest.mark.parametrize("path", [".gitlab-docker-ci.yml", "docker/.gitlab-docker-ci.yml",
                                  "ci/gitlab_ci_release.yaml", "ci-gitlab.yml"])
def test_or_named_with_gitlab_and_ci_at_any_level(path: str) -> None:
    assert claims_by_content(path, dedented(POSITIVE["job with script"]))
    assert not claims_by_content(path, dedented(NEGATIVE["compose file"]))


@pytest.mark.parametrize("path", ["gitlab-policies.yml", "ci/gitlab.yml", "gitlabcix.yml",
                                  ".gitlab-docker-ci.yml.txt"])
def test_not_when_ci_is_no_word_of_the_name(path: str) -> None:
    assert not claims_by_content(path, dedented(POSITIVE["job with script"]))


def test_a_named_root_file_is_read_only_without_the_root_file(tmp_path: Path) -> None:
    job = "build:\n  script: [make]\n"
    write_tree(tmp_path, {".gitlab-docker-ci.yml": job})
    assert {f.path: f.format for f in stub_scan(tmp_path).files} == {
        ".gitlab-docker-ci.yml": "gitlab-ci"}
    write_tree(tmp_path, {".gitlab-ci.yml": job})
    assert {f.path for f in stub_scan(tmp_path).files} == {".gitlab-ci.yml"}


def test_the_format_looks_only_in_a_tree_without_the_root_file() -> None:
    fmt = GitLabCI()
    assert fmt.claims_content_in(frozenset({".gitlab/jobs.yml", "README.md"}))
    assert not fmt.claims_content_in(frozenset({".gitlab-ci.yml", ".gitlab/jobs.yml"}))



def _files(result: ScanResult) -> dict[str, FileReport]:
    return {f.path: f for f in result.files}


BENCHMARKS = """\
variables:
  IMAGE: registry.example.com/bench
benchmarks:
  extends: .benchmark_rules
  stage: benchmarks
  script:
    - ./benchmark/run.sh
    - ./benchmark/analyze.sh
benchmarks_combine:
  needs: [benchmarks]
  script: [./benchmark/combine.sh]
"""
FUZZ = """\
include:
  - local: .gitlab/fuzz-templates.yml
fuzz:
  extends: .fuzz
  rules:
    - when: manual
  script: [cargo fuzz run all]
"""


def test_without_the_root_file_job_files_are_read_alone(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        ".gitlab/benchmarks.yml": BENCHMARKS,
        ".gitlab/fuzz.yml": FUZZ,  # its include is not in the tree either
        ".gitlab/ci/lint.yml": "lint:\n  script: [make lint]\n",  # by its folder
        "ci/deploy.gitlab-ci.yml": "deploy:\n  script: [make deploy]\n",  # by its name
        ".gitlab/changelog_config.yml": dedented(NEGATIVE["changelog config"]),
        ".gitlab/issue_templates/bug.md": "## Bug\n",
    })
    result = stub_scan(tmp_path)
    files = _files(result)
    assert {path: f.format for path, f in files.items()} == {
        ".gitlab/benchmarks.yml": "gitlab-ci", ".gitlab/fuzz.yml": "gitlab-ci",
        ".gitlab/ci/lint.yml": "gitlab-ci", "ci/deploy.gitlab-ci.yml": "gitlab-ci"}
    assert not result.failed_files
    steps = [(s.step.file, s.step.line, s.step.text) for s in result.steps]
    assert steps == [
        (".gitlab/benchmarks.yml", 7, "./benchmark/run.sh"),
        (".gitlab/benchmarks.yml", 8, "./benchmark/analyze.sh"),
        (".gitlab/benchmarks.yml", 11, "./benchmark/combine.sh"),
        (".gitlab/ci/lint.yml", 2, "make lint"),
        (".gitlab/fuzz.yml", 7, "cargo fuzz run all"),
        ("ci/deploy.gitlab-ci.yml", 2, "make deploy"),
    ]
    bench: Pipeline | None = files[".gitlab/benchmarks.yml"].pipeline
    fuzz: Pipeline | None = files[".gitlab/fuzz.yml"].pipeline
    assert bench is not None and fuzz is not None
    # a template from an absent file: the job keeps its own script, with a note
    assert "'benchmarks' extends '.benchmark_rules', which is not defined in the files " \
           "read; ignored" in bench.notes
    assert fuzz.notes[:2] == ("include of .gitlab/fuzz-templates.yml not read: not in the "
                              "scanned tree",
                              "'fuzz' extends '.fuzz', which is not defined in the files "
                              "read; ignored")
    (job,) = fuzz.jobs
    assert job.manual


def test_with_the_root_file_job_files_are_read_once_through_its_includes(
        tmp_path: Path) -> None:
    write_tree(tmp_path, {
        ".gitlab-ci.yml": "include:\n  - local: .gitlab/benchmarks.yml\n"
                          "stages: [benchmarks]\n.benchmark_rules:\n  tags: [metal]\n",
        ".gitlab/benchmarks.yml": BENCHMARKS,
        # not included by the root: GitLab does not run it, and neither is it read here
        ".gitlab/unused.yml": "unused:\n  script: [make unused]\n",
    })
    result = stub_scan(tmp_path)
    files = _files(result)
    assert set(files) == {".gitlab-ci.yml", ".gitlab/benchmarks.yml"}
    assert files[".gitlab/benchmarks.yml"].included_by == ".gitlab-ci.yml"
    steps = [(s.step.file, s.step.line) for s in result.steps]
    assert steps == [(".gitlab/benchmarks.yml", 7), (".gitlab/benchmarks.yml", 8),
                     (".gitlab/benchmarks.yml", 11)]
    root = files[".gitlab-ci.yml"].pipeline
    assert root is not None and not any("benchmark_rules" in note for note in root.notes)


def test_with_the_root_file_a_missing_include_is_still_its_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {".gitlab-ci.yml": "include: .gitlab/benchmarks.yml\n"
                                            "lint:\n  script: [make lint]\n",
                          ".gitlab/ci/jobs.yml": "include: .gitlab/ci/gone.yml\n"
                                                 "unit:\n  script: [make test]\n"})
    files = _files(stub_scan(tmp_path))
    assert files[".gitlab-ci.yml"].error == (".gitlab-ci.yml:1: cannot include "
                                             ".gitlab/benchmarks.yml: file not found")
    # a fragment read alone beside the root file: its missing include is its error too
    assert files[".gitlab/ci/jobs.yml"].error == (".gitlab/ci/jobs.yml:1: cannot include "
                                                  ".gitlab/ci/gone.yml: file not found")


def test_without_the_root_file_only_a_missing_include_is_forgiven(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        ".gitlab/a.yml": "include: .gitlab/b.yml\na:\n  script: [a]\n",
        ".gitlab/b.yml": "include: .gitlab/a.yml\nb:\n  script: [b]\n",
        ".gitlab/bad.yml": "include: .gitlab/broken.yml\nc:\n  script: [c]\n",
        ".gitlab/broken.yml": "oops: [\n",
    })
    files = _files(stub_scan(tmp_path))
    assert files[".gitlab/a.yml"].error == (".gitlab/b.yml:1: include cycle: .gitlab/a.yml "
                                            "-> .gitlab/b.yml -> .gitlab/a.yml")
    error = files[".gitlab/bad.yml"].error
    assert error is not None and error.startswith(".gitlab/broken.yml:")


def test_a_fragment_parsed_directly_with_no_tree_forgives_a_missing_include() -> None:
    source = Source(root="/nowhere", path=".gitlab/ci/x.yml",
                    text="include: .gitlab/ci/y.yml\nx:\n  script: [x]\n",
                    read_local=lambda rel: _missing(rel))
    pipeline = GitLabCI().parse(source)
    assert [s.text for s in pipeline.steps] == ["x"]


def _missing(rel: str) -> str:
    from xops_lens.errors import MissingFileError

    raise MissingFileError(".gitlab/ci/x.yml", f"file not found: {rel}")


def test_the_formats_command_says_what_each_format_claims_by_content() -> None:
    lines = {line.split()[0]: line for line in CliRunner().invoke(cli, ["formats"]).output
             .splitlines()}
    assert lines["gitlab-ci"].endswith(
        "and YAML under .gitlab/, or named with gitlab and ci (.gitlab-docker-ci.yml), shaped "
        "like GitLab CI, in a tree without .gitlab-ci.yml")
    assert lines["tekton"].endswith("and YAML files of other names holding Tekton resources "
                                    "(not in examples, samples, tests or docs)")
    assert lines["azure-pipelines"].endswith(
        "and YAML files of other names holding an Azure pipeline or template (not in "
        "examples, samples, tests or docs)")
