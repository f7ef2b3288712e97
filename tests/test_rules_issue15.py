"""Patterns of issue 15 ("Labels that hold on repositories never seen") that are not one
command of a family (those are cases in tests/rules/cases/): inputs of reusable units,
expressions that hold a command, names against commands, and the confidence that tells
a sure label from a guess."""

from __future__ import annotations

import textwrap

import pytest

from xops_lens.backends.rules import classify_step
from xops_lens.formats.jenkins import Jenkins
from xops_lens.model import SUBSYSTEM_OF_KIND, Classification, Source, Step

SURE = 0.8  # bench/accuracy.py's CONFIDENT


def run(text: str, name: str = "", job: str = "build") -> Classification:
    return classify_step(Step(file="ci.yml", line=1, job=job, name=name,
                              text=textwrap.dedent(text).strip()))


def uses(action: str, **inputs: str) -> Classification:
    return classify_step(Step(file="ci.yml", line=1, job="build", name="", text=action,
                              uses=action, inputs=tuple(inputs.items())))


def kind(label: Classification) -> str:
    assert label.subsystem == SUBSYSTEM_OF_KIND[label.kind]
    return label.kind


@pytest.mark.parametrize(("action", "inputs", "expected"), [
    # tie-breaker 9: inputs that switch the effect off leave what remains
    ("goreleaser/goreleaser-action@v6", {"install-only": "true"}, "toolchain"),
    ("pypa/gh-action-pypi-publish@release/v1", {"dry-run": "true"}, "build"),
    ("docker/build-push-action@v6", {"push": "false"}, "build"),
    # ... and one that switches it on
    ("actions/attest@v1", {"push-to-registry": "true"}, "publish"),
    ("actions/attest@v1", {}, "build"),
    # tie-breakers 11 and 13 by the tool the action runs
    ("dflook/terraform-apply@v1", {}, "deploy"),
    ("dflook/terraform-plan@v1", {}, "analysis"),
    ("gradle/actions/wrapper-validation@v4", {}, "analysis"),
    # a database started beside the job for its tests (tie-breaker 6)
    ("supercharge/mongodb-github-action@1.10.0", {}, "toolchain"),
])
def test_action_inputs_and_names(action: str, inputs: dict[str, str], expected: str) -> None:
    assert kind(uses(action, **inputs)) == expected


def test_a_plugin_command_list_is_one_command_run_in_the_named_service() -> None:
    # Buildkite's docker-compose plugin: `run: app` is the service, `command:` the argv
    label = uses("docker-compose#v5.0.0", run="app", command="bundle, exec, rspec")
    assert kind(label) == "test", label.why


@pytest.mark.parametrize("text", ["${docs_changed}", "${configure('linux')}",
                                  "${{ inputs.command }}"])
def test_a_command_held_in_an_expression_is_a_guess(text: str) -> None:
    label = run(text)
    assert label.confidence < SURE, label.why
    # the step's name may then say what it is for (tie-breaker 2)
    assert kind(run(text, name="Run unit tests")) == "test"


def test_jenkins_groovy_variable_is_read_as_an_expression() -> None:
    text = ("node {\n  stage('x') {\n    def docs_changed = 'git diff'\n"
            "    sh(script: docs_changed)\n    sh 'make'\n  }\n}\n")
    pipeline = Jenkins().parse(Source(root=".", path="Jenkinsfile", text=text,
                                      read_local=lambda p: ""))
    steps = [s for job in pipeline.jobs for s in job.steps]
    assert [s.text for s in steps] == ["${docs_changed}", "make"]


def test_a_subcommand_named_like_a_builtin_is_the_program_s() -> None:
    assert kind(run("${{ env.CARGO }} test --workspace")) == "test"
    assert kind(run("$CARGO test")) == "test"


def test_only_the_shape_of_a_script_asks_the_step_name() -> None:
    # `exit $RET` is no purpose of its own (issue 15, pattern 4)
    assert kind(run("exit $RET", name="Run tests")) == "test"
    assert run("exit $RET").confidence < SURE


@pytest.mark.parametrize(("text", "name", "expected"), [
    # tie-breaker 8: a flag derived from what was read
    ("""
     if git diff --quiet; then
       echo "changed=false" >> "$GITHUB_OUTPUT"
     else
       echo "changed=true" >> "$GITHUB_OUTPUT"
     fi
     """, "Check for changes", "decide"),
    # ... unless the step is named for the reading and only reads
    ('echo "version=$(git describe --tags)" >> "$GITHUB_OUTPUT"', "Get version", "metadata"),
    # a read-only check that fails the job (pattern 5)
    ("git grep -n 'g_idle_add' src/ && exit 1", "", "lint"),
    ("nm -D build/libfoo.so | grep -q foo_init", "", "test"),
])
def test_reading_deciding_and_checking(text: str, name: str, expected: str) -> None:
    assert kind(run(text, name=name)) == expected


def test_confidence_tells_a_tool_from_a_name() -> None:
    # a known program and its goal: sure
    assert run("mvn -B verify").confidence >= SURE
    assert run("make test-unit").confidence >= SURE
    # a script named for computing work: sure of the subsystem
    assert run("./scripts/run-tests.sh").confidence >= SURE
    # a script named for an effect or preparation, a mode argument, an unknown program:
    # guesses
    assert run("./scripts/release.sh").confidence < SURE
    assert run("ci/run.sh SETUP").confidence < SURE
    assert run("frobnicate --all").confidence < SURE
