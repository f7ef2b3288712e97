"""GitLab CI format: include, extends, !reference, default:, jobs and the corpus labels."""

from __future__ import annotations

import csv
import random
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from xops_lens.discover import discover, read_text
from xops_lens.errors import Declined, ParseError
from xops_lens.formats.gitlab import GitLabCI
from xops_lens.formats.gitlab.rules import UNKNOWN, evaluate
from xops_lens.model import Classification, Job, Pipeline, Source, Step

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
EXAMPLE = REPO_ROOT / "examples" / "pipelines" / "gitlab"


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def parse(root: Path, path: str = ".gitlab-ci.yml") -> Pipeline:
    def read_local(rel: str) -> str:
        return read_text(root, rel, referrer=path)

    tree = discover(root).paths
    source = Source(root=str(root), path=path, text=read_text(root, path), read_local=read_local,
                    local_paths=lambda: tree)
    return GitLabCI().parse(source)


def repo(tmp_path: Path, files: dict[str, str], path: str = ".gitlab-ci.yml") -> Pipeline:
    write(tmp_path, files)
    return parse(tmp_path, path)


def error(tmp_path: Path, files: dict[str, str], path: str = ".gitlab-ci.yml") -> str:
    with pytest.raises(ParseError) as info:
        repo(tmp_path, files, path)
    return info.value.one_line()


def jobs(pipeline: Pipeline) -> dict[str, Job]:
    return {job.id: job for job in pipeline.jobs}


def where(job: Job) -> list[tuple[str, int, str]]:
    return [(step.file, step.line, step.text) for step in job.steps]


# -- extends -------------------------------------------------------------------------

def test_extends_deep_merges_hashes_and_replaces_lists(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        .base:
          image: {name: ruby, entrypoint: [""]}
          tags: [a, b]
          script:
            - echo base
          environment: {name: staging, url: https://x}
        job:
          extends: .base
          tags: [c]
          environment: {name: production}
        """})
    job = jobs(pipeline)["job"]
    assert job.runner == "c"
    assert job.environment == "production"
    assert where(job) == [(".gitlab-ci.yml", 5, "echo base")]


def test_extends_multiple_parents_later_wins_and_own_keys_win(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        .one:
          script: [one]
          tags: [one]
          environment: first
        .two:
          script: [two]
          when: manual
        job:
          extends: [.one, .two]
          environment: mine
        """})
    job = jobs(pipeline)["job"]
    assert [s.text for s in job.steps] == ["two"]
    assert job.runner == "one"
    assert job.manual
    assert job.environment == "mine"


def test_extends_multi_level_keeps_the_location_of_inherited_steps(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {
        ".gitlab-ci.yml": """
            include: ci/base.yml
            .middle:
              extends: .root
              after_script: [cleanup]
            job:
              extends: .middle
            """,
        "ci/base.yml": """
            .root:
              before_script:
                - setup
              script: run
            """,
    })
    assert where(jobs(pipeline)["job"]) == [
        ("ci/base.yml", 3, "setup"),
        ("ci/base.yml", 4, "run"),
        (".gitlab-ci.yml", 4, "cleanup"),
    ]


def _chain(levels: int) -> str:
    lines = [".t0:\n  script: [x]\n"]
    lines += [f".t{i}:\n  extends: .t{i - 1}\n" for i in range(1, levels)]
    lines.append(f"job:\n  extends: .t{levels - 1}\n")
    return "".join(lines)


def test_extends_allows_eleven_levels(tmp_path: Path) -> None:
    # job + .t9 ... .t0: eleven levels of inheritance, GitLab's documented maximum
    pipeline = repo(tmp_path, {".gitlab-ci.yml": _chain(10)})
    assert [s.text for s in jobs(pipeline)["job"].steps] == ["x"]


def test_extends_deeper_than_eleven_levels_is_an_error(tmp_path: Path) -> None:
    message = error(tmp_path, {".gitlab-ci.yml": _chain(11)})
    assert "nested deeper than 11 levels" in message
    assert message.startswith(".gitlab-ci.yml:")


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    message = error(tmp_path, {".gitlab-ci.yml": """
        .a:
          extends: .b
        .b:
          extends: .a
        job:
          extends: .a
          script: [x]
        """})
    assert message == ".gitlab-ci.yml:4: circular 'extends': .a -> .b -> .a"


def test_extends_itself_is_an_error(tmp_path: Path) -> None:
    message = error(tmp_path, {".gitlab-ci.yml": "job:\n  script: [x]\n  extends: job\n"})
    assert message == ".gitlab-ci.yml:3: circular 'extends': job -> job"


def test_extends_unknown_target_is_a_note(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        job:
          extends: .from-a-remote-template
          script: [x]
        """})
    assert [s.text for s in jobs(pipeline)["job"].steps] == ["x"]
    assert any(".from-a-remote-template" in note for note in pipeline.notes)


# -- anchors and !reference -----------------------------------------------------------

def test_anchor_and_merge_key_steps_keep_where_they_are_written(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        .common: &common
          script:
            - make
        a:
          <<: *common
        b:
          <<: *common
          tags: [b]
        """})
    assert where(jobs(pipeline)["a"]) == where(jobs(pipeline)["b"]) == [
        (".gitlab-ci.yml", 3, "make")]


def test_reference_in_script_is_flattened_with_original_lines(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {
        ".gitlab-ci.yml": """
            include: ci/setup.yml
            job:
              before_script: !reference [.setup, before_script]
              script:
                - echo first
                - !reference [.setup, script]
                - - nested one
                  - nested two
                - echo last
            """,
        "ci/setup.yml": """
            .setup:
              before_script:
                - apt-get update
              script:
                - !reference [.deeper, script]
                - make
            .deeper:
              script: configure
            """,
    })
    assert where(jobs(pipeline)["job"]) == [
        ("ci/setup.yml", 3, "apt-get update"),
        (".gitlab-ci.yml", 5, "echo first"),
        ("ci/setup.yml", 8, "configure"),
        ("ci/setup.yml", 6, "make"),
        (".gitlab-ci.yml", 7, "nested one"),
        (".gitlab-ci.yml", 8, "nested two"),
        (".gitlab-ci.yml", 9, "echo last"),
    ]


def test_reference_sees_extends_resolved(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        .base:
          script: [from-base]
        .child:
          extends: .base
        job:
          script:
            - !reference [.child, script]
        """})
    assert [s.text for s in jobs(pipeline)["job"].steps] == ["from-base"]


def test_reference_to_a_top_level_list_and_for_tags(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        .commands:
          - one
          - two
        .tags: [x86, docker]
        job:
          tags: !reference [.tags]
          script:
            - !reference [.commands]
        """})
    job = jobs(pipeline)["job"]
    assert job.runner == "x86, docker"
    assert where(job) == [(".gitlab-ci.yml", 2, "one"), (".gitlab-ci.yml", 3, "two")]


def test_reference_cycle_is_an_error(tmp_path: Path) -> None:
    message = error(tmp_path, {".gitlab-ci.yml": """
        .a:
          script:
            - !reference [.a, script]
        job:
          script: !reference [.a, script]
        """})
    assert "nested deeper than 10 levels (a reference cycle?)" in message
    assert message.startswith(".gitlab-ci.yml:3: !reference [.a, script]")


def test_unknown_reference_is_a_note(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        job:
          script:
            - !reference [.elsewhere, script]
            - make
        """})
    assert [s.text for s in jobs(pipeline)["job"].steps] == ["make"]
    assert "!reference [.elsewhere, script] not found in the files read; skipped" in pipeline.notes


# -- include --------------------------------------------------------------------------

def test_include_forms_glob_nested_and_the_includes_list(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {
        ".gitlab-ci.yml": """
            include:
              - ci/one.yml
              - local: /ci/two.yml
              - local: /ci/globbed/*.yml
            main:
              script: [main]
            """,
        "ci/one.yml": "one:\n  script: [one]\n",
        "ci/two.yml": "include: '/ci/nested/three.yml'\ntwo:\n  script: [two]\n",
        "ci/nested/three.yml": "three:\n  script: [three]\n",
        "ci/globbed/b.yml": "b:\n  script: [b]\n",
        "ci/globbed/a.yml": "a:\n  script: [a]\n",
        "ci/globbed/deeper/c.yml": "c:\n  script: [c]\n",
        "ci/globbed/readme.md": "not yaml",
    })
    assert list(jobs(pipeline)) == ["one", "three", "two", "a", "b", "main"]
    assert jobs(pipeline)["three"].steps[0].file == "ci/nested/three.yml"
    assert set(pipeline.includes) == {
        "ci/one.yml", "ci/two.yml", "ci/nested/three.yml", "ci/globbed/a.yml", "ci/globbed/b.yml"}


def test_include_single_mapping_form_and_double_star_glob(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {
        ".gitlab-ci.yml": "include: {local: 'ci/**/*.yml'}\n",
        "ci/top.yml": "top:\n  script: [t]\n",
        "ci/sub/deep.yml": "deep:\n  script: [d]\n",
    })
    assert set(jobs(pipeline)) == {"top", "deep"}


def test_including_file_wins_and_job_keys_deep_merge(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {
        ".gitlab-ci.yml": """
            include: ci/jobs.yml
            test:
              when: manual
            """,
        "ci/jobs.yml": """
            test:
              tags: [shared]
              when: on_success
              script:
                - pytest
            """,
    })
    job = jobs(pipeline)["test"]
    assert job.manual and job.runner == "shared"
    assert (job.file, job.line) == (".gitlab-ci.yml", 2)
    assert where(job) == [("ci/jobs.yml", 5, "pytest")]


def test_the_same_file_included_twice_is_not_a_cycle(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {
        ".gitlab-ci.yml": "include: [ci/a.yml, ci/b.yml]\n",
        "ci/a.yml": "include: ci/common.yml\na:\n  extends: .common\n",
        "ci/b.yml": "include: ci/common.yml\nb:\n  extends: .common\n",
        "ci/common.yml": ".common:\n  script: [shared]\n",
    })
    assert [s.line for j in pipeline.jobs for s in j.steps] == [2, 2]


def test_include_cycle_names_file_and_line(tmp_path: Path) -> None:
    message = error(tmp_path, {
        ".gitlab-ci.yml": "include:\n  - ci/a.yml\n",
        "ci/a.yml": "include: ci/b.yml\n",
        "ci/b.yml": "x:\n  script: [x]\ninclude:\n  - local: /ci/a.yml\n",
    })
    assert message == "ci/b.yml:4: include cycle: ci/a.yml -> ci/b.yml -> ci/a.yml"


def test_a_wildcard_matching_the_including_file_is_not_a_cycle(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {
        ".gitlab-ci.yml": "include: /ci/*.yml\n",
        "ci/a.yml": "include: /ci/*.yml\na:\n  script: [a]\n",
        "ci/b.yml": "b:\n  script: [b]\n",
    })
    assert set(jobs(pipeline)) == {"a", "b"}
    assert set(pipeline.includes) == {"ci/a.yml", "ci/b.yml"}


def test_self_include_is_an_error(tmp_path: Path) -> None:
    message = error(tmp_path, {".gitlab-ci.yml": "include: /.gitlab-ci.yml\n"})
    assert message == ".gitlab-ci.yml:1: include cycle: .gitlab-ci.yml -> .gitlab-ci.yml"


def test_missing_include_is_an_error(tmp_path: Path) -> None:
    message = error(tmp_path, {".gitlab-ci.yml": "include:\n  - local: ci/none.yml\n"})
    assert message == ".gitlab-ci.yml:2: cannot include ci/none.yml: file not found"


def test_broken_included_file_is_reported_at_its_own_line(tmp_path: Path) -> None:
    message = error(tmp_path, {
        ".gitlab-ci.yml": "include: ci/bad.yml\n",
        "ci/bad.yml": "job:\n  script: [a\n",
    })
    assert message.startswith("ci/bad.yml:")
    assert "invalid YAML" in message


def test_remote_includes_are_noted_not_fetched(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        include:
          - template: Auto-DevOps.gitlab-ci.yml
          - remote: https://example.com/ci.yml
          - https://example.com/short.yml
          - project: group/tools
            file: [/a.yml, /b.yml]
          - component: $CI_SERVER_FQDN/group/comp/lint@1.0
          - local: ci/$CI_JOB_NAME.yml
        job:
          script: [x]
        """})
    assert pipeline.notes[:6] == (
        "include of template Auto-DevOps.gitlab-ci.yml not fetched (remote content)",
        "include of remote https://example.com/ci.yml not fetched (remote content)",
        "include of remote https://example.com/short.yml not fetched (remote content)",
        "include of project group/tools file /a.yml, /b.yml not fetched (remote content)",
        "include of component $CI_SERVER_FQDN/group/comp/lint@1.0 not fetched (remote content)",
        "include of ci/$CI_JOB_NAME.yml not read (its path uses CI variables)",
    )
    assert pipeline.includes == ()


def test_spec_header_document_is_skipped(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        spec:
          inputs:
            env: {default: dev}
        ---
        job:
          script:
            - echo $[[ inputs.env ]]
        """})
    assert where(jobs(pipeline)["job"]) == [(".gitlab-ci.yml", 7, "echo $[[ inputs.env ]]")]


# -- default and inherit ----------------------------------------------------------------

def test_default_is_inherited_unless_the_job_sets_its_own(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        default:
          image: python:3.12
          before_script: [pip install .]
          after_script: [echo done]
        a:
          script: [pytest]
        b:
          before_script: [own]
          image: {name: node:20}
          script: [npm test]
        """})
    a, b = jobs(pipeline)["a"], jobs(pipeline)["b"]
    assert [s.text for s in a.steps] == ["pip install .", "pytest", "echo done"]
    assert a.steps[0].line == 3 and a.runner == "python:3.12"
    assert [s.text for s in b.steps] == ["own", "npm test", "echo done"]
    assert b.runner == "node:20"


def test_legacy_global_keywords_act_as_defaults(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        image: alpine
        before_script:
          - apk add make
        job:
          script: [make]
        """})
    job = jobs(pipeline)["job"]
    assert where(job) == [(".gitlab-ci.yml", 3, "apk add make"), (".gitlab-ci.yml", 5, "make")]
    assert job.runner == "alpine"


def test_inherit_default_false_and_list(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        default:
          image: python
          before_script: [setup]
        none:
          inherit: {default: false}
          script: [a]
        some:
          inherit:
            default: [image]
          script: [b]
        """})
    none, some = jobs(pipeline)["none"], jobs(pipeline)["some"]
    assert [s.text for s in none.steps] == ["a"] and none.runner is None
    assert [s.text for s in some.steps] == ["b"] and some.runner == "python"


# -- jobs -------------------------------------------------------------------------------

def test_hidden_jobs_and_keywords_are_not_jobs_but_pages_is(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        stages: [test]
        variables: {A: b}
        workflow: {rules: [{when: always}]}
        cache: {paths: [x]}
        services: [postgres]
        .hidden:
          script: [nope]
        pages:
          script: [mkdocs build]
        """})
    assert list(jobs(pipeline)) == ["pages"]


def test_manual_jobs(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        deploy:
          when: manual
          script: [deploy]
        sometimes:
          rules:
            - if: $CI_COMMIT_TAG
            - if: $CI_MERGE_REQUEST_IID
              when: manual
          script: [x]
        auto:
          rules: [{if: $CI_COMMIT_BRANCH, when: on_success}]
          script: [x]
        """})
    found = jobs(pipeline)
    assert found["deploy"].manual and found["sometimes"].manual and not found["auto"].manual
    assert "manual in the pipelines its rules select" in found["sometimes"].notes


def test_shared_rules_make_only_the_jobs_that_select_manual_manual(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        variables:
          DEPLOY_MODE: auto
        .rules:
          rules:
            - if: $CI_MERGE_REQUEST_ID && $RUN_MANUALLY == "true"
              when: manual
            - if: $DEPLOY_MODE == "auto"
              when: on_success
            - when: manual
        build:
          extends: .rules
          script: [make]
        slow:
          extends: .rules
          variables: {RUN_MANUALLY: "true"}
          script: [make slow]
        """})
    found = jobs(pipeline)
    # for build: RUN_MANUALLY is unset (only `slow` sets it), and the always-true rule on
    # DEPLOY_MODE decides before the final manual fallback
    assert not found["build"].manual
    assert found["slow"].manual


@pytest.mark.parametrize(("condition", "expected"), [
    ('$A == "1"', True),
    ('$A != "1"', False),
    ("$A == null", False),
    ("$UNSET == null", True),
    ("$UNSET", False),
    ("$A", True),
    ('$CI_COMMIT_BRANCH == "main"', None),
    ('$CI_COMMIT_BRANCH == "main" && $A == "2"', False),
    ('$CI_COMMIT_BRANCH == "main" || $A == "1"', True),
    ('($CI_X || $A == "2") && $B =~ /^rel-[0-9]+$/', None),
    ("$B =~ /^REL/i", True),
    ("$B !~ /^rel/", False),
    ('$CI_JOB_NAME == "job"', True),
    ("$[[ inputs.go ]] == 'yes'", None),
    ("$A ==", None),
])
def test_rule_conditions_three_valued(condition: str, expected: bool | None) -> None:
    variables = {"A": "1", "B": "rel-12", "UNSET": None, "CI_JOB_NAME": "job"}
    result = evaluate(condition, variables)
    assert (None if result is UNKNOWN else result) is expected


def test_parallel_number_and_matrix(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        n:
          parallel: 5
          script: [x]
        m:
          parallel:
            matrix:
              - OS: [linux, mac]
                PY: ["3.10", "3.11", "3.12"]
              - OS: windows
                PY: ["3.12"]
          script: [x]
        """})
    assert jobs(pipeline)["n"].matrix_size == 5
    assert jobs(pipeline)["m"].matrix_size == 7


def test_trigger_jobs_call_downstream_and_read_local_children(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {
        ".gitlab-ci.yml": """
            build:
              script: [make]
            docs:
              trigger:
                include:
                  - local: /ci/child.yml
            other-project:
              trigger: group/deployer
            itself:
              trigger:
                include: .gitlab-ci.yml
            """,
        "ci/child.yml": """
            compile:
              script: [make docs]
            publish:
              needs: [compile]
              script: [upload]
            """,
    })
    found = jobs(pipeline)
    assert found["docs"].calls == "ci/child.yml" and found["docs"].steps == ()
    assert found["other-project"].calls == "group/deployer"
    assert found["itself"].calls == ".gitlab-ci.yml"
    child = found["docs > publish"]
    assert child.needs == ("docs > compile",)
    assert where(child) == [("ci/child.yml", 5, "upload")]
    assert child.steps[0].job == "docs > publish"
    assert "ci/child.yml" in pipeline.includes


def test_needs_environment_and_runner_forms(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        job:
          needs:
            - build
            - job: test
              artifacts: false
            - project: other/project
              job: remote
              ref: main
          environment: review/$CI_COMMIT_REF_SLUG
          image: {name: "registry/image:1"}
          script: [x]
        """})
    job = jobs(pipeline)["job"]
    assert job.needs == ("build", "test")
    assert job.environment == "review/$CI_COMMIT_REF_SLUG"
    assert job.runner == "registry/image:1"


def test_step_names_and_plain_string_scripts(tmp_path: Path) -> None:
    long = "x" * 120
    pipeline = repo(tmp_path, {".gitlab-ci.yml": f"""
        job:
          script: |
            # set things up

            ./configure --prefix=/usr
            make
        other:
          script:
            - echo {long}
            - ""
        """})
    step = jobs(pipeline)["job"].steps[0]
    assert (step.line, step.name) == (2, "./configure --prefix=/usr")
    assert step.text.startswith("# set things up\n")
    other = jobs(pipeline)["other"]
    assert len(other.steps[0].name) == 80 and other.steps[0].name.endswith("...")
    assert len(other.steps) == 1  # the blank command is not a step


def test_triggers_from_rules(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        workflow:
          rules:
            - if: $CI_PIPELINE_SOURCE == "merge_request_event"
            - if: $CI_COMMIT_BRANCH
        nightly:
          only: [schedules]
          script: [x]
        lint:
          rules:
            - when: always
          script: [y]
        """})
    # The workflow rules let branch, merge request and schedule pipelines exist, not tag
    # ones ($CI_COMMIT_BRANCH is unset for a tag); lint runs in all of them.
    assert [(t.event, t.line) for t in pipeline.triggers] == [
        ("push", 1), ("merge_request_event", 3), ("schedule", 6)]
    assert [t.event for t in jobs(pipeline)["nightly"].triggers or ()] == ["schedule"]
    assert [t.event for t in jobs(pipeline)["lint"].triggers or ()] == [
        "push", "merge_request_event", "schedule"]


def test_triggers_from_rules_kept_under_hidden_keys(tmp_path: Path) -> None:
    # Rules written once under hidden keys and pulled in with !reference still tell which
    # pipelines run: a hidden list, and a list inside a hidden map.
    pipeline = repo(tmp_path, {".gitlab-ci.yml": """
        .if-merge-request:
          - if: '$CI_PIPELINE_SOURCE == "merge_request_event"'
        .rules:
          nightly:
            - if: '$CI_PIPELINE_SOURCE == "schedule"'
        build:
          rules: !reference [.if-merge-request]
          script: [make]
        fuzz:
          rules:
            - !reference [.rules, nightly]
          script: [make fuzz]
        """})
    # No job runs for a plain push: GitLab creates merge request and schedule pipelines
    # only.
    assert [(t.event, t.line) for t in pipeline.triggers] == [
        ("merge_request_event", 2), ("schedule", 5)]


# -- errors -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("job: 5\n", ".gitlab-ci.yml:1: job 'job' must be a mapping, found the value '5'"),
    ("job:\n  script:\n    run: x\n",
     ".gitlab-ci.yml:2: 'script' of job 'job' must be a string or a list of strings, "
     "found a mapping"),
    ("job:\n  script:\n    - ok\n    - {a: b}\n",
     ".gitlab-ci.yml:4: 'script' of job 'job' must be a string or a list of strings, "
     "found a mapping"),
    ("job:\n  extends: {a: b}\n  script: [x]\n",
     ".gitlab-ci.yml:2: 'extends' of 'job' must be a job name or a list of job names, "
     "found a mapping"),
    (".t: [a]\njob:\n  extends: .t\n",
     ".gitlab-ci.yml:3: 'job' extends '.t', which is a list, not a job mapping"),
    ("job:\n  parallel: lots\n  script: [x]\n",
     ".gitlab-ci.yml:2: 'parallel' must be a number or a mapping with 'matrix', "
     "found the value 'lots'"),
    ("include:\n  - [a.yml]\n", ".gitlab-ci.yml:2: an include must be a path or a mapping, "
     "found a list"),
    ("include: [{file: a.yml}]\n",
     ".gitlab-ci.yml:1: an include needs one of local, remote, project, template, component "
     "(found file)"),
    ("include: ci/config.json\n", ".gitlab-ci.yml:1: included file ci/config.json must end "
     "in .yml or .yaml"),
    ("default: [a]\njob:\n  script: [x]\n",
     ".gitlab-ci.yml:1: 'default' must be a mapping, found a list"),
    ("- a\n- b\n", ".gitlab-ci.yml:1: expected a mapping at the top level, found a list"),
    ("", ".gitlab-ci.yml: the file is empty (no YAML document)"),
])
def test_wrong_types_are_one_line_errors(tmp_path: Path, text: str, expected: str) -> None:
    assert error(tmp_path, {".gitlab-ci.yml": text}) == expected


def test_type_error_in_an_included_job_names_the_included_file(tmp_path: Path) -> None:
    message = error(tmp_path, {
        ".gitlab-ci.yml": "include: ci/jobs.yml\n",
        "ci/jobs.yml": "# jobs\n\njob:\n  script: {a: 1}\n",
    })
    assert message.startswith("ci/jobs.yml:4: 'script' of job 'job'")


# -- claims and fragments -------------------------------------------------------------

def test_claims_and_entry() -> None:
    fmt = GitLabCI()
    assert fmt.claims(".gitlab-ci.yml") and fmt.entry(".gitlab-ci.yml")
    for fragment in ("ci/build.gitlab-ci.yml", ".gitlab/ci/jobs/test.yml", ".gitlab-ci/x.yaml",
                     "sub/project/.gitlab-ci.yml"):
        assert fmt.claims(fragment) and not fmt.entry(fragment), fragment
    for other in ("ci/build.yml", ".github/workflows/ci.yml", ".gitlab/issue_templates/a.md",
                  "docs/.gitlab/ci/x.yml"):
        assert not fmt.claims(other), other


def test_fragment_alone_notes_unknown_extends(tmp_path: Path) -> None:
    pipeline = repo(tmp_path, {".gitlab/ci/test.yml": """
        unit:
          extends: .defined-in-the-entry
          script: [pytest]
        """}, path=".gitlab/ci/test.yml")
    assert [s.text for s in jobs(pipeline)["unit"].steps] == ["pytest"]
    assert any("defined-in-the-entry" in note for note in pipeline.notes)


def test_fragment_that_is_not_gitlab_ci_is_declined(tmp_path: Path) -> None:
    write(tmp_path, {".gitlab-ci/commit-rules.yml": "patterns:\n  deny:\n    - regex: x\n"})
    with pytest.raises(Declined):
        parse(tmp_path, ".gitlab-ci/commit-rules.yml")


# -- size --------------------------------------------------------------------------------

def test_large_pipeline_stays_fast(tmp_path: Path) -> None:
    parts = [".base:\n  variables: {A: '1'}\n  before_script: [setup]\n"]
    for i in range(200):
        parts.append(f".t{i}:\n  extends: .base\n  variables: {{B{i}: x}}\n  script:\n"
                     + "".join(f"    - step {i} {k}\n" for k in range(20)))
    # 470 jobs of 21 steps: just under the per-file step limit (MAX_STEPS_PER_FILE).
    for i in range(470):
        parts.append(f"job{i}:\n  extends: [.t{i % 200}]\n  tags: [t]\n")
    started = time.perf_counter()
    pipeline = repo(tmp_path, {".gitlab-ci.yml": "".join(parts)})
    elapsed = time.perf_counter() - started
    assert len(pipeline.jobs) == 470 and len(pipeline.steps) == 470 * 21
    assert elapsed < 5, elapsed


# -- the shipped example and the labelled corpus ---------------------------------------

def test_example_repository() -> None:
    pipeline = parse(EXAMPLE)
    found = jobs(pipeline)
    assert list(found) == ["build", "test", "lint", "deploy", "docs", "docs > pages"]
    assert found["deploy"].manual and found["deploy"].environment == "production"
    assert found["test"].matrix_size == 7
    assert found["docs"].calls == "ci/docs-pipeline.yml"
    assert [s.file for s in found["test"].steps] == [
        ".gitlab-ci.yml", "ci/templates.yml", "ci/templates.yml", ".gitlab-ci.yml"]
    assert [s.text for s in found["lint"].steps] == ["ruff check ."]
    assert pipeline.includes == ("ci/templates.yml", "ci/docs-pipeline.yml")
    assert pipeline.notes == ()


class _StubBackend:
    name = "stub"

    def classify(self, steps: Sequence[Step]) -> list[Classification]:
        return [Classification("model", "build", 0.1, "stub", "test") for _ in steps]


def _labelled() -> list[tuple[str, int]]:
    with open(SHARED / "labels" / "dev.tsv", encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [(row["file"], int(row["line"])) for row in rows if row["format"] == "gitlab"]


def _corpus_dirs() -> list[str]:
    with open(SHARED / "corpus" / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return sorted({row["dir"] for row in rows if row["format"] == "gitlab-ci"})


@pytest.mark.skipif(not (SHARED / "labels" / "dev.tsv").is_file()
                    or not (SHARED / "corpus" / "MANIFEST.tsv").is_file(), reason="shared/ absent")
def test_corpus_parses_and_every_labelled_gitlab_step_is_found_by_a_scan() -> None:
    from xops_lens.plugins import Registry
    from xops_lens.scan import scan

    labelled = _labelled()
    assert labelled
    registry = Registry(formats={"gitlab-ci": GitLabCI()}, backends={"stub": _StubBackend()})
    found: set[tuple[str, int]] = set()
    dirs = sorted(set(_corpus_dirs()) | {file.split("/", 1)[0] for file, _ in labelled})
    for repo_dir in dirs:
        result = scan(SHARED / "corpus" / repo_dir, backend="stub", registry=registry)
        assert [f.error for f in result.files if f.error] == [], repo_dir
        assert result.steps or repo_dir == "GNOME__gnome-builder", repo_dir
        found |= {(f"{repo_dir}/{s.step.file}", s.step.line) for s in result.steps}
    assert [label for label in labelled if label not in found] == []


# -- robustness ------------------------------------------------------------------------

_KEYS = ["script", "before_script", "after_script", "extends", "default", "include", "image",
         "tags", "when", "rules", "parallel", "matrix", "needs", "trigger", "environment",
         "inherit", "local", "job", "name", "if", ".a", ".b", "j1", "pages", "variables"]


def _random_value(rng: random.Random, depth: int) -> str:
    choice = rng.random()
    if depth > 3 or choice < 0.35:
        return rng.choice(["x", "5", "manual", ".a", ".b", "j1", "ci/x.yml", "'*.yml'", "~",
                           "[.a, script]", "false", "[]", "{}"])
    if choice < 0.45:
        return "!reference " + rng.choice(["[.a, script]", "[.b]", "[j1, rules]", "[.a]"])
    indent = "  " * (depth + 1)
    if choice < 0.7:
        items = [f"\n{indent}- {_random_value(rng, depth + 1)}" for _ in range(rng.randint(0, 3))]
        return "".join(items) or "[]"
    keys = rng.sample(_KEYS, rng.randint(1, 4))
    return "".join(f"\n{indent}{k}: {_random_value(rng, depth + 1)}" for k in keys)


def test_random_documents_raise_only_user_errors(tmp_path: Path) -> None:
    rng = random.Random(20240601)
    write(tmp_path, {"ci/x.yml": ".a:\n  script: [x]\n"})
    for _ in range(1500):
        keys = rng.sample(_KEYS, rng.randint(1, 6))
        text = "".join(f"{k}: {_random_value(rng, 0)}\n" for k in keys)
        (tmp_path / ".gitlab-ci.yml").write_text(text, encoding="utf-8")
        try:
            parse(tmp_path)
        except (ParseError, Declined):
            pass
        except Exception as exc:  # pragma: no cover - the failure report
            pytest.fail(f"{type(exc).__name__}: {exc}\n--- input ---\n{text}")
