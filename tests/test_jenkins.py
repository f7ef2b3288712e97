"""Jenkinsfile format: the Groovy lexer, declarative and scripted pipelines, the corpus."""

from __future__ import annotations

import csv
import random
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

from xops_lens.errors import Declined, ParseError
from xops_lens.formats.jenkins import Jenkins
from xops_lens.formats.jenkins.groovy import MAX_NESTING, build_tree, statements, tokenize
from xops_lens.model import Classification, Job, Pipeline, Source, Step

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
EXAMPLE = REPO_ROOT / "examples" / "pipelines" / "jenkins"

# Step lines checked by hand in corpus files (dev.tsv has no Jenkins labels); the
# parser evaluation in xops_lens/formats/jenkins/__init__.py is measured against these.
HAND_CHECKED: dict[str, list[int]] = {
    "jenkinsci__git-plugin/Jenkinsfile": [5],
    # block steps (timeout, withEnv, dir, withCredentials, withChecks, ...) included
    "apache__maven/Jenkinsfile": [32, 33, 34, 36, 38, 41, 67, 70, 71, 72, 76],
    "apache__struts/Jenkinsfile": [41, 61, 80, 103, 107, 108, 115, 136, 141, 145, 146, 158,
                                   159, 161, 172, 173, 185, 186, 204, 213, 236, 259],
    "apache__mxnet/ci/jenkins/Jenkinsfile_unix_cpu": [28, 29, 30, 32, 36, 46, 69],
    "jenkinsci__jenkins/Jenkinsfile": [11, 22, 24, 29, 35, 42, 43, 50, 51, 53, 54, 79, 82, 89,
                                       90, 92, 93, 114, 117, 120, 125, 126, 127, 129, 138],
}
HAND_CHECKED_UP_TO = {"jenkinsci__jenkins/Jenkinsfile": 140}


def parse(text: str, path: str = "Jenkinsfile") -> Pipeline:
    text = textwrap.dedent(text).lstrip("\n")
    return Jenkins().parse(Source(root="/", path=path, text=text, read_local=lambda rel: ""))


def error(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(text)
    return info.value


def jobs(pipeline: Pipeline) -> dict[str, Job]:
    return {job.id: job for job in pipeline.jobs}


def lines(job: Job) -> list[int]:
    return [s.line for s in job.steps]


# -- the lexer -----------------------------------------------------------------------

def test_strings_of_every_kind_hide_their_braces_and_keep_their_lines() -> None:
    text = textwrap.dedent('''\
        a = 'x { y'
        b = "x ${ "}" } y"
        c = \'\'\'
        {
        \'\'\'
        d = """
        ${ [1, 2].collect { "$it}" } }
        """
        e = /a{b\\/c/
        f = $/ { /$
        g = 1 / 2 / 3
        // } comment
        /* { */ h = '\\'' + "\\""
        ''')
    tokens = tokenize(text, "J")
    strings = [(t.line, t.value) for t in tokens if t.kind == "str"]
    assert strings == [
        (1, "x { y"), (2, 'x ${ "}" } y'), (3, "\n{\n"),
        (6, '\n${ [1, 2].collect { "$it}" } }\n'), (9, "a{b/c"), (10, " { "),
        (13, "'"), (13, '"')]
    assert [t.value for t in tokens if t.kind == "num"] == ["1", "2", "3"]
    assert build_tree(tokens, "J")  # balanced: no brace inside a string or comment counts


def test_statements_join_continued_lines() -> None:
    tree = build_tree(tokenize("a = b +\n  c\nfoo()\n  .bar()\nif (x)\n  y()\nelse\n  z()\n",
                               "J"), "J")
    assert len(statements(tree)) == 3


@pytest.mark.parametrize(("text", "line", "words"), [
    ("pipeline {\n  stages {\n    stage('a') {\n  }\n}\n", 1, "never closed"),
    ("node {\n  sh 'a'\n}\n}\n", 4, "nothing to close"),
    ("node {\n  sh('a'\n}\n", 2, "closed by"),
    ("node {\n  sh 'a\n}\n", 2, "unclosed string"),
    ("node {\n  sh '''a\n}\n", 2, "unclosed string"),
    ("node {\n  /* a\n}\n", 2, "unclosed /* comment"),
    ('node {\n  sh "${a\n}\n', 2, "unclosed"),
])
def test_unbalanced_input_is_a_parse_error_at_the_opening_line(
        text: str, line: int, words: str) -> None:
    err = error(text)
    assert (err.path, err.line) == ("Jenkinsfile", line)
    assert words in err.message


def test_hostile_nesting_is_an_error_not_a_crash() -> None:
    deep = "node {\n" + "x(" * (MAX_NESTING + 5) + ")" * (MAX_NESTING + 5) + "\n}\n"
    assert "nested deeper" in error(deep).message
    ok = "node {\n" + "dir('a') {\n" * 40 + "sh 'x'\n" + "}\n" * 40 + "}\n"
    # each `dir` is a step of its own (a block step), and so is the `sh` it holds
    assert [s.line for s in parse(ok).steps] == [*range(2, 42), 42]
    brackets = "node {\n  sh " + "[" * 90 + "{ sh 'y' }" + "]" * 90 + "\n}\n"
    parse(brackets)


def test_random_token_soup_raises_only_user_errors() -> None:
    rng = random.Random(5)
    pieces = ["pipeline", "node", "stage('a')", "steps", "sh 'x'", "{", "}", "(", ")", "[",
              "]", "'", '"', "'''", "${", "/", "//", "/*", "*/", "\n", "def f()", "=", ",",
              ":", "parallel", "a:", "script", "matrix", "axes", "axis", "values 'a'", "->",
              "input", "post", "always", "if (x)", "else", "try", "catch (e)", ".", "x"]
    for _ in range(3000):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        try:
            Jenkins().parse(Source("/", "Jenkinsfile", text, lambda rel: ""))
        except (ParseError, Declined):
            pass
        except Exception as exc:  # pragma: no cover - the failure report
            pytest.fail(f"{type(exc).__name__}: {exc}\n--- input ---\n{text}")


# -- declarative ---------------------------------------------------------------------

def test_declarative_stages_steps_and_their_hints() -> None:
    pipeline = parse("""
        pipeline {
          agent { label 'linux' }
          stages {
            stage('Build') {
              steps {
                checkout scm
                git url: 'https://x/y.git'
                sh 'make'
                bat "build.cmd"
                powershell 'Write-Host hi'
                archiveArtifacts artifacts: 'out/**'
                junit 'reports/*.xml'
                stash name: 'out', includes: 'out/**'
                unstash 'out'
                input message: 'Go on?'
                slackSend channel: '#ci', message: 'done'
                mail to: 'a@b.c', subject: 's', body: 'b'
                emailext to: 'a@b.c', subject: 's', body: 'b'
                echo 'hello'
                error 'stop'
                build job: 'downstream', wait: false
                customThing(a: 1)
                otherThing 'x'
              }
            }
          }
        }
        """)
    build = jobs(pipeline)["Build"]
    assert build.runner == "linux" and build.line == 4
    assert lines(build) == list(range(6, 24))
    assert [s.kind_hint for s in build.steps] == [
        "checkout", "checkout", None, None, None, "artifact-upload", "report",
        "artifact-upload", "artifact-download", "approve", "notify", "notify", "notify",
        None, None, None, None, None]
    assert [s.uses for s in build.steps][-5:] == ["echo", "error", "build", "customThing",
                                                  "otherThing"]
    assert build.steps[2].uses is None and build.steps[2].text == "make"
    assert build.steps[-3].input("job") == "downstream"


def test_shell_text_is_the_script_in_every_string_form() -> None:
    pipeline = parse('''
        pipeline {
          agent any
          stages {
            stage('s') {
              steps {
                sh 'one'
                sh "two ${env.X}"
                sh """
                    three
                    ${params.Y}
                """
                sh(script: \'\'\'four\'\'\', label: 'Fourth')
                sh script: "five", returnStatus: true
                sh "six " + suffix
              }
            }
          }
        }
        ''')
    steps = jobs(pipeline)["s"].steps
    assert [s.text for s in steps] == [
        "one", "two ${env.X}", "three\n${params.Y}", "four", "five", '"six " + suffix']
    assert steps[3].name == "Fourth"
    assert [s.line for s in steps] == [6, 7, 8, 12, 13, 14]


def test_block_steps_are_steps_and_script_blocks_are_not() -> None:
    pipeline = parse("""
        pipeline {
          agent any
          stages {
            stage('s') {
              steps {
                withCredentials([string(credentialsId: 'c', variable: 'T')]) {
                  sh 'login'
                }
                dir('sub') { sh 'a' }
                timeout(time: 5, unit: 'MINUTES') {
                  retry(3) {
                    withEnv(['A=1']) { sh 'b' }
                  }
                }
                script {
                  def files = findFiles(glob: '*.txt')
                  files.each { f -> echo f.name }
                  env.V = sh(returnStdout: true, script: 'git describe').trim()
                  if (isRelease()) { sh 'release' } else { sh 'snapshot' }
                  docker.image('node:20').inside('-u root') {
                    sh 'npm test'
                  }
                  docker.build('app:latest')
                }
              }
            }
          }
        }
        """)
    s = jobs(pipeline)["s"]
    assert [(st.line, st.name if st.uses else st.text) for st in s.steps] == [
        (6, "withCredentials"), (7, "login"), (9, "dir"), (9, "a"), (10, "timeout"),
        (11, "retry"), (12, "withEnv"), (12, "b"), (16, "findFiles"), (17, "echo"),
        (18, "git describe"), (19, "release"), (19, "snapshot"),
        (20, "docker.image().inside"), (21, "npm test"), (23, "docker.build")]
    # a block step's text is its call, never its body
    assert [st.text for st in s.steps if st.line in (9, 10, 20) and st.uses][:3] == [
        "dir('sub')", "timeout(time: 5, unit: 'MINUTES')",
        "docker.image('node:20').inside('-u root')"]
    assert dict(s.steps[4].inputs) == {"time": "5", "unit": "MINUTES"}


@pytest.mark.parametrize(("excludes", "width"), [
    # notValues: every OS but linux, on arm
    ("exclude { axis { name 'OS'; notValues 'linux' }\n axis { name 'ARCH'; values 'arm' } }", 7),
    # an exclude naming one axis removes that value with every value of the others
    ("exclude { axis { name 'ARCH'; values 'arm' } }", 6),
    # combinations matched by two excludes are removed once
    ("exclude { axis { name 'OS'; values 'mac' } }\n"
     "exclude { axis { name 'ARCH'; values 'arm' } }", 4),
])
def test_matrix_excludes_with_not_values_and_partial_axes(excludes: str, width: int) -> None:
    pipeline = parse(f"""
        pipeline {{
          agent any
          stages {{
            stage('m') {{
              matrix {{
                axes {{
                  axis {{ name 'OS'; values 'linux', 'mac', 'windows' }}
                  axis {{ name 'ARCH'; values 'x86', 'arm', 'ppc' }}
                }}
                excludes {{
                  {excludes}
                }}
                stages {{ stage('build') {{ steps {{ sh 'make' }} }} }}
              }}
            }}
          }}
        }}
        """)
    assert jobs(pipeline)["build"].matrix_size == width


def test_post_blocks_parallel_matrix_input_and_agents() -> None:
    pipeline = parse("""
        pipeline {
          agent none
          stages {
            stage('checks') {
              parallel {
                stage('lint') {
                  agent { docker { image 'python:3.12' } }
                  steps { sh 'ruff check' }
                }
                stage('unit') {
                  agent { label 'big' }
                  steps { sh 'pytest' }
                  post { always { junit 'r.xml' } }
                }
              }
            }
            stage('matrix') {
              matrix {
                agent { label "${OS}" }
                axes {
                  axis { name 'OS'; values 'linux', 'mac', 'windows' }
                  axis { name 'PY'; values '3.11', '3.12' }
                }
                excludes {
                  exclude {
                    axis { name 'OS'; values 'mac' }
                    axis { name 'PY'; values '3.11' }
                  }
                }
                stages {
                  stage('test') { steps { sh 'tox' } }
                }
              }
            }
            stage('deploy') {
              when { branch 'main' }
              input { message 'Deploy?' }
              steps { sh './deploy.sh' }
            }
          }
          post {
            failure { mail to: 'a@b.c', subject: 'x', body: 'y' }
            cleanup { deleteDir() }
          }
        }
        """)
    found = jobs(pipeline)
    assert found["lint"].runner == "python:3.12" and found["unit"].runner == "big"
    assert lines(found["unit"]) == [12, 13]
    assert found["test"].matrix_size == 5 and found["test"].runner == "${OS}"
    assert found["deploy"].manual and found["deploy"].line == 35
    assert lines(found["post"]) == [42, 43]
    assert "checks" not in found and "matrix" not in found


def test_triggers_cron_and_poll() -> None:
    pipeline = parse("""
        pipeline {
          agent any
          triggers {
            cron('H 3 * * *')
            pollSCM 'H/5 * * * *'
          }
          stages { stage('a') { steps { sh 'x' } } }
        }
        """)
    events = {(t.event, t.cron) for t in pipeline.triggers}
    # pollSCM builds when a poll finds changes: polls instead of pushes; Jenkins' hash H
    # read as the field's first value (the number of firings is what counts)
    assert events == {("poll", "*/5 * * * *"), ("schedule", "0 3 * * *")}
    assert next(t for t in pipeline.triggers if t.event == "poll").line == 5


def test_cron_from_a_variable_is_a_schedule_of_unknown_times() -> None:
    pipeline = parse("""
        def cron_string = env.BRANCH_NAME == 'main' ? 'H 2 * * *' : ''
        pipeline {
          agent any
          triggers { cron(cron_string) }
          stages { stage('a') { steps { sh 'x' } } }
        }
        """)
    assert {(t.event, t.cron, t.line) for t in pipeline.triggers} == {
        ("push", None, 1), ("schedule", None, 4)}


# -- scripted --------------------------------------------------------------------------

def test_scripted_nodes_stages_and_parallel_branches() -> None:
    pipeline = parse("""
        properties([pipelineTriggers([cron('@daily')])])
        def branches = [:]
        branches['a'] = { node('x') { sh 'a' } }
        parallel branches
        node('linux') {
          checkout scm
          stage('Build') {
            sh 'make'
          }
          stage 'Test'
          sh 'make test'
        }
        parallel(
          one: { sh 'one' },
          two: { sh 'two' }
        )
        """)
    found = jobs(pipeline)
    assert lines(found["(top level)"]) == [1]
    assert lines(found["node x"]) == [3]
    assert lines(found["node linux"]) == [6] and found["node linux"].runner == "linux"
    assert lines(found["Build"]) == [8] and found["Build"].runner == "linux"
    assert lines(found["Test"]) == [11]
    assert lines(found["one"]) == [14] and lines(found["two"]) == [15]
    assert ("schedule", "@daily") in {(t.event, t.cron) for t in pipeline.triggers}


def test_helper_functions_are_jobs_and_their_calls_are_steps() -> None:
    pipeline = parse("""
        pipeline {
          agent any
          stages {
            stage('b') {
              steps {
                build_it('x')
                script {
                  if (isMain()) { echo 'main' }
                  def opts = ['-q']
                  opts.add('-v')
                  utils.notify('done')
                }
              }
            }
          }
        }

        def build_it(String target) {
          sh "make ${target}"
          archiveArtifacts 'out/*'
        }

        boolean isMain() {
          return env.BRANCH_NAME == 'main'
        }
        """)
    found = jobs(pipeline)
    assert lines(found["build_it()"]) == [19, 20]
    assert found["build_it()"].reusable and not found["b"].reusable  # runs where called
    call, echo, notify = found["b"].steps
    assert (call.line, call.uses) == (6, "build_it")
    assert call.text.splitlines() == ["build_it('x')", "make ${target}",
                                      "archiveArtifacts 'out/*'"]
    assert (echo.line, notify.uses) == (8, "utils.notify")
    assert "isMain()" not in found



def test_known_steps_whose_value_is_assigned_are_steps_at_their_call() -> None:
    """Issue 15: a step call whose result is kept (in command syntax too) is a step at
    its line, labelled by the step or its command; Groovy values and helpers are not."""
    from xops_lens.backends.rules import classify_step

    pipeline = parse("""
        pipeline {
          agent any
          stages {
            stage('version') {
              steps {
                script {
                  def pom = readMavenPom file: 'pom.xml'
                  def v = sh(script: 'git describe --tags', returnStdout: true).trim()
                  version = readFile('VERSION').trim()
                  env.SHA = sh(returnStdout: true, script: 'git rev-parse HEAD')
                  def cfg = readJSON file: 'config.json'
                  def stamp = sh script: 'date +%s', returnStdout: true
                  def m = [:]
                  m.putAll([a: 1])
                  def names = []
                  names.add(pom.version)
                  def x = 1
                  def branch = env.BRANCH_NAME
                  def next = nextVersion(v)
                  String tag = "v${x}"
                }
              }
            }
          }
        }
        node('win') {
          stage('meta') {
            def props = readYaml(file: 'meta.yml')
            WIN = bat(returnStdout: true, script: '@git log -1 --format=%H').trim()
            def ps = powershell returnStdout: true, script: 'git rev-parse --short HEAD'
            def info = readMavenPom(file: 'pom.xml')
          }
        }
        """)
    found = jobs(pipeline)
    version, meta = found["version"], found["meta"]
    assert [(s.line, s.uses or s.text) for s in version.steps] == [
        (7, "readMavenPom"), (8, "git describe --tags"), (9, "readFile"),
        (10, "git rev-parse HEAD"), (11, "readJSON"), (12, "date +%s")]
    assert version.steps[0].text == "readMavenPom file: 'pom.xml'"
    assert [(s.line, s.uses or s.text) for s in meta.steps] == [
        (28, "readYaml"), (29, "@git log -1 --format=%H"),
        (30, "git rev-parse --short HEAD"), (31, "readMavenPom")]
    # Each reads the repository or asks a command for a value: information/metadata.
    labels = {(s.line, (c := classify_step(s)).subsystem, c.kind)
              for s in (*version.steps, *meta.steps)}
    assert labels == {(line, "information", "metadata")
                      for line in (7, 8, 9, 10, 11, 12, 28, 29, 30, 31)}
    assert set(found) == {"version", "meta"}  # no helper or top-level job either


# -- discovery ---------------------------------------------------------------------------

def test_claims_jenkinsfiles_and_groovy_only_in_jenkins_folders() -> None:
    fmt = Jenkins()
    for path in ("Jenkinsfile", "ci/Jenkinsfile.release", "Jenkinsfile_nightly",
                 "JenkinsfileForBinaries", "deploy.Jenkinsfile", "x/build.jenkinsfile",
                 "jenkins/release.groovy", ".jenkins/pipelines/a.groovy"):
        assert fmt.claims(path), path
    for path in ("src/Main.groovy", "vars/build.groovy", "Jenkinsfile.md", "docs/jenkins.md",
                 "jenkins/config.yml", "build.gradle"):
        assert not fmt.claims(path), path


def test_groovy_in_a_jenkins_folder_without_a_pipeline_is_declined() -> None:
    with pytest.raises(Declined):
        parse("def helper() { return 1 }\n", "jenkins/lib.groovy")
    assert parse("node { sh 'x' }\n", "jenkins/job.groovy").steps


# -- example and corpus ----------------------------------------------------------------

class _StubBackend:
    name = "stub"

    def classify(self, steps: Sequence[Step]) -> list[Classification]:
        return [Classification("model", "build", 0.1, "stub", "test") for _ in steps]


def _registry() -> object:
    from xops_lens.plugins import Registry

    return Registry(formats={"jenkins": Jenkins()}, backends={"stub": _StubBackend()})


def test_the_example_repository_scans_with_every_feature() -> None:
    from xops_lens.scan import scan

    result = scan(EXAMPLE, backend="stub", registry=_registry())  # type: ignore[arg-type]
    assert [(f.path, f.error) for f in result.files] == [
        ("Jenkinsfile", None), ("jenkins/nightly.groovy", None)]
    declarative = result.files[0].pipeline
    scripted = result.files[1].pipeline
    assert declarative is not None and scripted is not None
    found = jobs(declarative)
    assert found["Release"].manual and found["pytest"].matrix_size == 2
    assert [s.kind_hint for s in found["post"].steps] == ["notify"]
    assert "integration()" in jobs(scripted)
    assert {t.event for t in scripted.triggers} == {"push", "schedule"}


def _corpus_files() -> list[tuple[str, str]]:
    with open(SHARED / "corpus" / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return sorted((row["dir"], row["path"]) for row in rows if row["format"] == "jenkins")


@pytest.mark.skipif(not (SHARED / "corpus" / "MANIFEST.tsv").is_file(), reason="shared/ absent")
def test_corpus_scans_and_the_hand_checked_step_lines_are_found() -> None:
    from xops_lens.scan import scan

    files = _corpus_files()
    assert files
    found: set[tuple[str, int]] = set()
    for repo_dir in sorted({d for d, _ in files}):
        result = scan(SHARED / "corpus" / repo_dir, backend="stub",
                      registry=_registry())  # type: ignore[arg-type]
        assert [f.error for f in result.files if f.error] == [], repo_dir
        scanned = {f.path for f in result.files if f.pipeline is not None}
        assert {p for d, p in files if d == repo_dir} <= scanned, repo_dir
        found |= {(f"{repo_dir}/{s.step.file}", s.step.line) for s in result.steps}
    for file, expected in HAND_CHECKED.items():
        limit = HAND_CHECKED_UP_TO.get(file, 10**9)
        got = sorted(line for f, line in found if f == file and line <= limit)
        assert got == expected, file
