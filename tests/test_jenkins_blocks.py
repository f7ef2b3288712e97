"""Jenkins block steps (``withCredentials { }``, ``timeout { }``, ``dir { }``, ...): each is a
step of its own at its call, labelled by its own effect and priced as a small step of its
kind, while the steps of its body stay steps (TAXONOMY: every step call in a ``steps { }``
or a scripted node/stage body)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from xops_lens.backends.rules import classify_step
from xops_lens.backends.rules.data.plugins import JENKINS_STEPS
from xops_lens.cli import cli
from xops_lens.cost.defaults import DEFAULT_MINUTES
from xops_lens.formats.jenkins import Jenkins
from xops_lens.formats.jenkins.steps import MAX_TEXT, STEP_WRAPPERS
from xops_lens.model import SUBSYSTEM_OF_KIND, Pipeline, Source, Step


def parse(text: str) -> Pipeline:
    text = textwrap.dedent(text).lstrip("\n")
    return Jenkins().parse(Source(root="/", path="Jenkinsfile", text=text,
                                  read_local=lambda rel: ""))


def labelled(steps: tuple[Step, ...]) -> list[tuple[int, str, str]]:
    out = []
    for step in steps:
        label = classify_step(step)
        out.append((step.line, step.name, f"{label.subsystem}/{label.kind}"))
    return out


DECLARATIVE = """\
pipeline {
  agent any
  stages {
    stage('s') {
      steps {
        CALL {
          sh 'make'
        }
      }
    }
  }
}
"""
SCRIPTED = """\
node('linux') {
  stage('s') {
    CALL {
      sh 'make'
    }
  }
}
"""

FAMILIES = [
    ("withCredentials([string(credentialsId: 'c', variable: 'T')])", "information/credentials"),
    ("withDockerRegistry([credentialsId: 'hub', url: ''])", "information/credentials"),
    ("withKubeConfig([credentialsId: 'kube'])", "information/credentials"),
    ("withAWS(region: 'eu-west-1', credentials: 'aws')", "information/credentials"),
    ("sshagent(['deploy-key'])", "information/credentials"),
    ("withEnv(['A=1'])", "information/toolchain"),
    ("withMaven(maven: 'mvn3')", "information/toolchain"),
    ("withGradle", "information/toolchain"),
    ("nodejs(nodeJSInstallationName: 'node20')", "information/toolchain"),
    ("ansiColor('xterm')", "information/toolchain"),
    ("wrap([$class: 'Xvfb'])", "information/toolchain"),
    ("container('maven')", "information/toolchain"),
    ("timeout(time: 1, unit: 'HOURS')", "information/metadata"),
    ("retry(3)", "information/metadata"),
    ("dir('sub')", "information/metadata"),
    ("ws('workspace/x')", "information/metadata"),
    ("lock('shared-db')", "information/metadata"),
    ("catchError(buildResult: 'SUCCESS', stageResult: 'FAILURE')", "information/metadata"),
    ("warnError('flaky')", "information/metadata"),
]


@pytest.mark.parametrize("template", [DECLARATIVE, SCRIPTED], ids=["declarative", "scripted"])
@pytest.mark.parametrize(("call", "label"), FAMILIES, ids=[c.split("(")[0] for c, _ in FAMILIES])
def test_each_block_step_is_a_step_labelled_by_its_own_effect(
        template: str, call: str, label: str) -> None:
    steps = parse(template.replace("CALL", call)).steps
    line = 6 if template is DECLARATIVE else 3
    name = call.split("(")[0]
    assert labelled(steps) == [(line, name, label), (line + 1, "make", "model/build")]
    assert steps[0].text == call  # the call and its arguments, not the body
    assert "runs Jenkins step" in classify_step(steps[0]).why


def test_nested_block_steps_are_one_step_each_at_their_lines() -> None:
    pipeline = parse("""
        pipeline {
          agent any
          stages {
            stage('build') {
              steps {
                timeout(time: 30, unit: 'MINUTES') {
                  withMaven(maven: 'mvn3') {
                    sh 'mvn verify'
                  }
                }
              }
            }
          }
        }
        """)
    assert labelled(pipeline.steps) == [
        (6, "timeout", "information/metadata"), (7, "withMaven", "information/toolchain"),
        (8, "mvn verify", "model/test")]
    assert [s.text for s in pipeline.steps[:2]] == [
        "timeout(time: 30, unit: 'MINUTES')", "withMaven(maven: 'mvn3')"]


def test_script_options_environment_and_wrappers_around_nodes_are_not_steps() -> None:
    declarative = parse("""
        pipeline {
          agent any
          options { timeout(time: 1, unit: 'HOURS'); timestamps(); retry(2) }
          environment { A = '1' }
          stages {
            stage('s') {
              options { lock('db'); timeout(time: 5, unit: 'MINUTES') }
              environment { B = credentials('c') }
              steps {
                script {
                  sh 'make'
                }
              }
            }
          }
        }
        """)
    assert [(s.line, s.text) for s in declarative.steps] == [(11, "make")]
    # around a scripted pipeline's nodes, outside every node and stage body
    scripted = parse("""
        timestamps {
          timeout(time: 1, unit: 'HOURS') {
            node('linux') {
              sh 'make'
            }
          }
        }
        """)
    assert [(s.line, s.text) for s in scripted.steps] == [(4, "make")]


def test_docker_pipeline_blocks_and_the_other_plugins() -> None:
    pipeline = parse("""
        node {
          docker.withRegistry('https://registry.example.com', 'registry-creds') {
            docker.image('postgres:16').withRun('-e POSTGRES_PASSWORD=x') { c ->
              docker.image('python:3.12').inside("--link ${c.id}:db") {
                sh 'pytest'
              }
            }
          }
          withSonarQubeEnv('sonar') { sh 'mvn sonar:sonar' }
          gitlabCommitStatus('build') { sh 'make' }
          waitUntil { fileExists 'ready' }
          milestone 1
        }
        """)
    assert labelled(pipeline.steps) == [
        (2, "docker.withRegistry", "information/credentials"),
        (3, "docker.image().withRun", "information/toolchain"),
        (4, "docker.image().inside", "information/toolchain"),
        (5, "pytest", "model/test"),
        (9, "withSonarQubeEnv", "information/credentials"),
        (9, "mvn sonar:sonar", "model/analysis"),
        (10, "gitlabCommitStatus", "action/notify"),
        (10, "make", "model/build"),
        (11, "waitUntil", "information/metadata"),
        (11, "fileExists", "information/metadata"),
        (12, "milestone", "information/metadata"),
    ]


def test_a_local_closure_or_a_library_block_is_not_a_step() -> None:
    pipeline = parse("""
        def dirs = ['a', 'b']
        node {
          dirs.each { d ->
            dir(d) { sh 'make' }
          }
          infra.withArtifactCachingProxy { sh 'mvn package' }
        }
        """)
    assert [(s.line, s.name) for s in pipeline.steps] == [
        (4, "dir"), (4, "make"), (6, "mvn package")]


def test_in_a_post_block_the_block_step_runs_when_its_body_does() -> None:
    pipeline = parse("""
        pipeline {
          agent any
          stages {
            stage('x') { steps { sh 'make' } }
            stage('x') {
              steps { sh 'make test' }
              post {
                failure {
                  withCredentials([string(credentialsId: 'hook', variable: 'URL')]) {
                    sh 'curl -X POST "$URL"'
                  }
                }
              }
            }
          }
        }
        """)
    second = next(job for job in pipeline.jobs if job.id == "x#2")
    # the renamed stage keeps its steps' conditions (they were dropped with the rename)
    assert [(s.line, s.job, s.outcome) for s in second.steps] == [
        (6, "x#2", None), (9, "x#2", "failure"), (10, "x#2", "failure")]


def test_a_helper_call_is_judged_by_the_helpers_work_not_its_blocks() -> None:
    pipeline = parse("""
        def build() {
          withMaven(maven: 'mvn3') {
            sh 'mvn package'
          }
        }
        node { build() }
        """)
    call = next(s for s in pipeline.steps if s.name == "build")
    assert call.text == "build()\nmvn package"
    helper = next(job for job in pipeline.jobs if job.reusable)
    assert [s.name for s in helper.steps] == ["withMaven", "mvn package"]


def test_every_block_step_has_a_kind_in_the_rules_table() -> None:
    missing = sorted(STEP_WRAPPERS - set(JENKINS_STEPS))
    assert not missing
    assert {JENKINS_STEPS[name] for name in STEP_WRAPPERS} <= set(SUBSYSTEM_OF_KIND)


def test_a_block_steps_text_is_bounded_whatever_its_arguments() -> None:
    huge = ", ".join(f"'V{i}=1'" for i in range(60_000))  # ~600 KB of arguments
    deep = "dir('a') {\n" * 90
    pipeline = parse(f"node {{\n{deep}withEnv([{huge}]) {{\nsh 'make'\n}}\n"
                     + "}\n" * 90 + "}\n")
    wrapper = pipeline.steps[90]
    assert wrapper.name == "withEnv" and len(wrapper.text) <= MAX_TEXT
    assert len(pipeline.steps) == 92
    assert sum(len(s.text) for s in pipeline.steps) < 2 * MAX_TEXT


# -- cost: a block step is priced as a small step of its kind, its body as before ----------

def scan_json(tmp_path: Path, name: str, jenkinsfile: str) -> dict[str, Any]:
    root = tmp_path / name
    root.mkdir()
    (root / "Jenkinsfile").write_text(textwrap.dedent(jenkinsfile).lstrip("\n"))
    outcome = CliRunner().invoke(cli, ["scan", str(root), "--format", "json"],
                                 env={"COLUMNS": "120", "NO_COLOR": "1"},
                                 catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.stderr
    return json.loads(outcome.stdout)


ALONE = """
    pipeline {
      agent any
      stages { stage('b') { steps {
        BEFORE
        sh 'make'
      } } }
    }
    """


@pytest.mark.parametrize(("wrapper", "chore", "kind"), [
    ("timeout(time: 1, unit: 'HOURS')", "echo start", "metadata"),
    ("withEnv(['CC=clang'])", "export CC=clang", "toolchain"),
])
def test_a_block_step_costs_like_a_shell_chore_and_its_body_as_alone(
        tmp_path: Path, wrapper: str, chore: str, kind: str) -> None:
    alone = scan_json(tmp_path, "alone", ALONE.replace("BEFORE", ""))
    chored = scan_json(tmp_path, "chore", ALONE.replace("BEFORE", f"sh '{chore}'"))
    wrapped = scan_json(tmp_path, "wrapped", f"""
        pipeline {{
          agent any
          stages {{ stage('b') {{ steps {{
            {wrapper} {{
              sh 'make'
            }}
          }} }} }}
        }}
        """)
    body = {name: next(s for s in report["steps"] if s["name"] == "make")
            for name, report in (("alone", alone), ("wrapped", wrapped))}
    block = wrapped["steps"][0]
    assert (block["line"], block["kind"]) == (4, kind)
    assert block["cost"]["compute_minutes_per_run"] == DEFAULT_MINUTES[kind]
    assert block["cost"]["human_minutes_per_run"] == 0
    # the body is priced as it is without the block: nothing moved or counted twice
    assert body["wrapped"]["cost"] == body["alone"]["cost"]
    total = {name: report["summary"]["cost"]["monthly"]
             for name, report in (("alone", alone), ("chore", chored), ("wrapped", wrapped))}
    assert total["wrapped"] == pytest.approx(total["alone"] + block["cost"]["monthly"], abs=1e-3)
    chore_step = next(s for s in chored["steps"] if s["line"] == 4)
    assert chore_step["kind"] == kind
    assert block["cost"]["monthly"] == chore_step["cost"]["monthly"]
    assert total["wrapped"] == pytest.approx(total["chore"], abs=1e-3)
