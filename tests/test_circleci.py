"""CircleCI format: jobs, commands, executors, orbs, workflows and the corpus labels."""

from __future__ import annotations

import csv
import random
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

from xops_lens.discover import read_text
from xops_lens.errors import Declined, ParseError
from xops_lens.formats.circleci import CircleCI
from xops_lens.model import Classification, Job, Pipeline, Source, Step

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
EXAMPLE = REPO_ROOT / "examples" / "pipelines" / "circleci"
CONFIG = ".circleci/config.yml"


def parse_text(tmp_path: Path, text: str, path: str = CONFIG) -> Pipeline:
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    source = Source(root=str(tmp_path), path=path, text=read_text(tmp_path, path),
                    read_local=lambda rel: read_text(tmp_path, rel))
    return CircleCI().parse(source)


def error(tmp_path: Path, text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_text(tmp_path, text)
    return info.value


def jobs(pipeline: Pipeline) -> dict[str, Job]:
    return {job.id: job for job in pipeline.jobs}


def lines(job: Job) -> list[int]:
    return [step.line for step in job.steps]


# -- steps ---------------------------------------------------------------------------

def test_builtin_steps_carry_the_kind_their_syntax_states(tmp_path: Path) -> None:
    pipeline = parse_text(tmp_path, """
        version: 2.1
        jobs:
          build:
            docker: [{image: cimg/base:current}]
            steps:
              - checkout
              - restore_cache: {keys: [v1-deps]}
              - save_cache: {key: v1-deps, paths: [~/.cache]}
              - store_artifacts: {path: dist}
              - store_test_results: {path: reports}
              - persist_to_workspace: {root: ., paths: [dist]}
              - attach_workspace: {at: .}
              - setup_remote_docker
              - add_ssh_keys: {fingerprints: ["aa"]}
              - run: make
        """)
    build = jobs(pipeline)["build"]
    assert [s.kind_hint for s in build.steps] == [
        "checkout", "cache-restore", "cache-save", "artifact-upload", "report",
        "artifact-upload", "artifact-download", "toolchain", "credentials", None]
    assert lines(build) == list(range(6, 16))
    assert build.runner == "cimg/base:current"


def test_run_takes_a_string_or_a_map_with_name_and_command(tmp_path: Path) -> None:
    pipeline = parse_text(tmp_path, """
        jobs:
          build:
            machine: {image: ubuntu-2204:current}
            steps:
              - run: make test
              - run:
                  name: Build docs
                  command: |
                    # the docs
                    make docs
        """)
    first, second = jobs(pipeline)["build"].steps
    assert (first.name, first.text) == ("make test", "make test")
    assert (second.name, second.text, second.line) == ("Build docs", "# the docs\nmake docs\n", 6)
    assert jobs(pipeline)["build"].runner == "machine ubuntu-2204:current"


def test_a_command_call_is_a_step_of_the_job_and_its_steps_are_reported_once(
        tmp_path: Path) -> None:
    pipeline = parse_text(tmp_path, """
        version: 2.1
        commands:
          deps:
            parameters:
              tool: {type: string, default: pip}
            steps:
              - run: << parameters.tool >> install -r requirements.txt
              - save_cache: {key: deps, paths: [venv]}
        jobs:
          a:
            docker: [{image: python}]
            steps:
              - deps
              - deps: {tool: uv pip}
        """)
    found = jobs(pipeline)
    command = found["commands.deps"]
    assert (command.steps[0].line, command.steps[0].text) == (7, "pip install -r requirements.txt")
    assert command.line == 3 and command.runner is None
    # Never scheduled by itself: the calling steps below carry its cost.
    assert command.reusable and not found["a"].reusable
    plain, with_args = found["a"].steps
    assert (plain.line, plain.name) == (13, "deps")
    assert plain.text.splitlines()[0] == "pip install -r requirements.txt"
    assert with_args.line == 14
    assert with_args.text.splitlines()[0] == "uv pip install -r requirements.txt"
    assert with_args.input("tool") == "uv pip"


def test_commands_calling_commands_expand_and_a_cycle_is_an_error(tmp_path: Path) -> None:
    pipeline = parse_text(tmp_path, """
        commands:
          inner: {steps: [{run: echo inner}]}
          outer: {steps: [checkout, inner]}
        jobs:
          a: {docker: [{image: x}], steps: [outer]}
        """)
    assert jobs(pipeline)["a"].steps[0].text == "checkout\necho inner"
    err = error(tmp_path, """
        commands:
          ping: {steps: [pong]}
          pong: {steps: [ping]}
        jobs:
          a: {docker: [{image: x}], steps: [ping]}
        """)
    assert err.path == CONFIG and err.line is not None and "deep" in err.message


def test_when_and_unless_are_one_step_holding_their_inner_steps(tmp_path: Path) -> None:
    pipeline = parse_text(tmp_path, """
        jobs:
          a:
            parameters:
              verify: {type: boolean, default: false}
            docker: [{image: x}]
            steps:
              - when:
                  condition: << parameters.verify >>
                  steps:
                    - run: git diff --exit-code
              - unless:
                  condition: true
                  steps:
                    - store_artifacts: {path: a}
                    - store_artifacts: {path: b}
        """)
    when, unless = jobs(pipeline)["a"].steps
    assert (when.line, when.name, when.text) == (7, "when false", "git diff --exit-code")
    assert unless.line == 11 and unless.kind_hint == "artifact-upload"


def test_steps_parameters_insert_the_default_and_the_workflow_values(tmp_path: Path) -> None:
    pipeline = parse_text(tmp_path, """
        jobs:
          deploy:
            docker: [{image: x}]
            parameters:
              publish: {type: steps, default: [{run: task release}]}
            steps:
              - steps: << parameters.publish >>
        workflows:
          main:
            jobs:
              - deploy:
                  publish:
                    - run: task dry-run
        """)
    step = jobs(pipeline)["deploy"].steps[0]
    assert (step.line, step.name, step.text) == (7, "steps: publish", "task release\ntask dry-run")


def test_orb_commands_are_steps_that_use_the_orb_command(tmp_path: Path) -> None:
    pipeline = parse_text(tmp_path, """
        orbs:
          node: circleci/node@5.2.0
        jobs:
          a:
            executor: node/default
            steps:
              - node/install-packages: {pkg-manager: npm}
              - slack/notify
        """)
    a = jobs(pipeline)["a"]
    assert [s.uses for s in a.steps] == ["node/install-packages", "slack/notify"]
    assert "circleci/node@5.2.0" in a.steps[0].text
    assert a.steps[0].input("pkg-manager") == "npm"
    assert a.runner == "node/default"
    assert any("circleci/node@5.2.0" in note for note in pipeline.notes)


# -- jobs, executors, parameters -------------------------------------------------------

def test_executors_and_pipeline_parameters_give_the_runner(tmp_path: Path) -> None:
    pipeline = parse_text(tmp_path, """
        parameters:
          image: {type: string, default: "cimg/python:3.12"}
        executors:
          py:
            docker: [{image: << pipeline.parameters.image >>}]
            resource_class: large
          mac:
            macos: {xcode: "15.0"}
        jobs:
          a: {executor: py, steps: [{run: echo << pipeline.parameters.image >>}]}
          b: {executor: {name: mac}, steps: [checkout]}
        """)
    found = jobs(pipeline)
    assert found["a"].runner == "cimg/python:3.12 (large)"
    assert found["a"].steps[0].text == "echo cimg/python:3.12"
    assert found["b"].runner == "macos xcode 15.0"


def test_job_parameters_without_a_literal_default_stay_as_written(tmp_path: Path) -> None:
    pipeline = parse_text(tmp_path, """
        jobs:
          a:
            parameters:
              project: {type: string}
              n: {type: integer, default: "3"}
            docker: [{image: x}]
            steps:
              - run: jest --project "<< parameters.project >>" -w << parameters.n >>
        """)
    assert jobs(pipeline)["a"].steps[0].text == 'jest --project "<< parameters.project >>" -w 3'


def test_approval_jobs_are_manual_gates_at_the_workflow_entry(tmp_path: Path) -> None:
    pipeline = parse_text(tmp_path, """
        jobs:
          deploy: {docker: [{image: x}], steps: [{run: ./deploy.sh}]}
          build: {docker: [{image: x}], steps: [{run: make}]}
        workflows:
          release:
            jobs:
              - build
              - hold:
                  type: approval
                  requires: [build]
              - deploy:
                  requires: [hold]
        """)
    found = jobs(pipeline)
    assert found["hold"].manual and found["hold"].steps == () and found["hold"].line == 8
    assert found["hold"].needs == ("build",)
    assert found["deploy"].needs == ("hold",) and not found["deploy"].manual


def test_parallelism_and_workflow_matrix_multiply(tmp_path: Path) -> None:
    pipeline = parse_text(tmp_path, """
        jobs:
          t:
            parameters:
              os: {type: string}
              py: {type: string}
            parallelism: 3
            docker: [{image: x}]
            steps: [checkout]
        workflows:
          ci:
            jobs:
              - t:
                  matrix:
                    parameters:
                      os: [linux, mac]
                      py: ["3.11", "3.12"]
                    exclude:
                      - {os: mac, py: "3.11"}
        """)
    assert jobs(pipeline)["t"].matrix_size == 9


def test_triggers_schedules_and_push(tmp_path: Path) -> None:
    pipeline = parse_text(tmp_path, """
        jobs:
          t: {docker: [{image: x}], steps: [checkout]}
        workflows:
          ci:
            jobs: [t]
          nightly:
            triggers:
              - schedule:
                  cron: "0 2 * * *"
                  filters: {branches: {only: main}}
            jobs: [t]
        """)
    assert [(t.event, t.cron) for t in pipeline.triggers] == [("push", None),
                                                               ("schedule", "0 2 * * *")]
    assert pipeline.triggers[1].line == 8


def test_setup_true_is_noted_as_dynamic_configuration(tmp_path: Path) -> None:
    pipeline = parse_text(tmp_path, """
        version: 2.1
        setup: true
        jobs:
          generate: {docker: [{image: x}], steps: [checkout, {run: ./gen.sh}]}
        """)
    assert any("dynamic configuration" in note for note in pipeline.notes)


def test_a_redefined_anchor_is_accepted_as_circleci_does(tmp_path: Path) -> None:
    pipeline = parse_text(tmp_path, """
        defaults:
          - a: &img {docker: [{image: one}]}
          - b: &img {docker: [{image: two}]}
        jobs:
          t:
            <<: *img
            steps: [checkout]
        """)
    assert jobs(pipeline)["t"].runner == "two"
    assert jobs(pipeline)["t"].steps[0].line == 7


# -- hostile input -------------------------------------------------------------------

@pytest.mark.parametrize(("text", "line", "words"), [
    ("jobs: 5\n", 1, "'jobs' must be a mapping"),
    ("jobs:\n  a: [x]\n", 2, "job 'a' must be a mapping"),
    ("jobs:\n  a:\n    steps: checkout\n", 3, "must be a list"),
    ("jobs:\n  a:\n    steps:\n      - 5\n      - {run: a, x: b}\n", 5, "one key"),
    ("jobs:\n  a:\n    steps:\n      - run: [a, b]\n", 4, "'run' must be"),
    ("jobs:\n  a:\n    steps:\n      - when: yes\n", 4, "'when' must be a mapping"),
    ("commands: [a]\njobs: {}\n", 1, "'commands' must be a mapping"),
    ("commands:\n  c: {steps: 3}\njobs:\n  a: {steps: [c]}\n", 2, "must be a list"),
    ("jobs: {}\nworkflows:\n  w:\n    jobs: build\n", 4, "must be a list"),
    ("jobs: {}\nworkflows:\n  w:\n    jobs:\n      - a: [1]\n", 5, "mapping of settings"),
])
def test_wrong_types_are_parse_errors_with_file_and_line(
        tmp_path: Path, text: str, line: int, words: str) -> None:
    err = error(tmp_path, text)
    assert (err.path, err.line) == (CONFIG, line)
    assert words in err.message


def test_a_list_or_an_unrelated_mapping_is_not_a_config(tmp_path: Path) -> None:
    assert error(tmp_path, "- a\n- b\n").line == 1
    assert "needs 'jobs'" in error(tmp_path, "version: 2.1\n").message


def test_other_yaml_in_circleci_folder_is_declined_unless_shaped_like_a_config(
        tmp_path: Path) -> None:
    with pytest.raises(Declined):
        parse_text(tmp_path, "name: suite\n---\nname: other\n", ".circleci/test-suites.yml")
    with pytest.raises(Declined):
        parse_text(tmp_path, "name: suite\nrun: go test\n", ".circleci/suite.yml")
    pipeline = parse_text(tmp_path, "jobs:\n  a: {docker: [{image: x}], steps: [checkout]}\n",
                          ".circleci/continue.yml")
    assert jobs(pipeline)["a"].steps


def test_claims_only_the_circleci_folder() -> None:
    fmt = CircleCI()
    assert fmt.claims(".circleci/config.yml") and fmt.claims(".circleci/config.yaml")
    assert fmt.claims(".circleci/continue_config.yml")
    assert not fmt.claims(".circleci/orbs/x.yml")
    assert not fmt.claims("config.yml") and not fmt.claims(".github/workflows/ci.yml")
    assert not fmt.claims("sub/.circleci/config.yml")
    assert not fmt.claims(".circleci/script.sh")


_KEYS = ["jobs", "workflows", "commands", "executors", "orbs", "steps", "run", "checkout",
         "when", "condition", "parameters", "default", "type", "executor", "docker", "matrix",
         "requires", "parallelism", "triggers", "schedule", "cron", "a", "c", "setup"]


def _random_value(rng: random.Random, depth: int) -> str:
    choice = rng.random()
    if depth > 3 or choice < 0.35:
        return rng.choice(["x", "5", "a", "c", "checkout", "~", "[]", "{}", "steps",
                           "<< parameters.a >>", "[a, c]", "approval", "'0 1 * * *'"])
    indent = "  " * (depth + 1)
    if choice < 0.65:
        items = [f"\n{indent}- {_random_value(rng, depth + 1)}" for _ in range(rng.randint(0, 3))]
        return "".join(items) or "[]"
    keys = rng.sample(_KEYS, rng.randint(1, 4))
    return "".join(f"\n{indent}{k}: {_random_value(rng, depth + 1)}" for k in keys)


def test_random_documents_raise_only_user_errors(tmp_path: Path) -> None:
    rng = random.Random(7)
    for _ in range(1500):
        keys = rng.sample(_KEYS, rng.randint(1, 6))
        text = "".join(f"{k}: {_random_value(rng, 0)}\n" for k in keys)
        try:
            parse_text(tmp_path, text)
        except (ParseError, Declined):
            pass
        except Exception as exc:  # pragma: no cover - the failure report
            pytest.fail(f"{type(exc).__name__}: {exc}\n--- input ---\n{text}")


# -- example and corpus ----------------------------------------------------------------

class _StubBackend:
    name = "stub"

    def classify(self, steps: Sequence[Step]) -> list[Classification]:
        return [Classification("model", "build", 0.1, "stub", "test") for _ in steps]


def _registry() -> object:
    from xops_lens.plugins import Registry

    return Registry(formats={"circleci": CircleCI()}, backends={"stub": _StubBackend()})


def test_the_example_repository_scans_with_every_feature() -> None:
    from xops_lens.scan import scan

    result = scan(EXAMPLE, backend="stub", registry=_registry())  # type: ignore[arg-type]
    assert [f.error for f in result.files] == [None]
    pipeline = result.files[0].pipeline
    assert pipeline is not None
    found = jobs(pipeline)
    assert found["hold"].manual
    assert found["test"].matrix_size == 4
    assert found["test"].runner == "cimg/python:3.12 (medium)"
    assert [s.uses for s in found["docs"].steps if s.uses] == ["node/install-packages"]
    assert {t.event for t in pipeline.triggers} == {"push", "schedule"}


def _labelled() -> list[tuple[str, int]]:
    with open(SHARED / "labels" / "dev.tsv", encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [(row["file"], int(row["line"])) for row in rows if row["format"] == "circleci"]


def _corpus_dirs() -> list[str]:
    with open(SHARED / "corpus" / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return sorted({row["dir"] for row in rows if row["format"] == "circleci"})


@pytest.mark.skipif(not (SHARED / "labels" / "dev.tsv").is_file()
                    or not (SHARED / "corpus" / "MANIFEST.tsv").is_file(), reason="shared/ absent")
def test_corpus_parses_and_every_labelled_circleci_step_is_found_by_a_scan() -> None:
    from xops_lens.scan import scan

    labelled = _labelled()
    assert labelled
    found: set[tuple[str, int]] = set()
    dirs = sorted(set(_corpus_dirs()) | {file.split("/", 1)[0] for file, _ in labelled})
    for repo_dir in dirs:
        result = scan(SHARED / "corpus" / repo_dir, backend="stub",
                      registry=_registry())  # type: ignore[arg-type]
        assert [f.error for f in result.files if f.error] == [], repo_dir
        assert result.steps, repo_dir
        found |= {(f"{repo_dir}/{s.step.file}", s.step.line) for s in result.steps}
    assert [label for label in labelled if label not in found] == []
