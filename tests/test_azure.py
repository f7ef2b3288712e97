"""Azure Pipelines format: stages, jobs, steps, templates, discovery and the corpus labels."""

from __future__ import annotations

import csv
import random
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

from xops_lens.discover import read_text
from xops_lens.errors import Declined, ParseError
from xops_lens.formats.azure import AzurePipelines, template_looking
from xops_lens.model import Classification, Job, Pipeline, Source, Step

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
EXAMPLE = REPO_ROOT / "examples" / "pipelines" / "azure"
MAIN = "azure-pipelines.yml"


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def parse(root: Path, files: dict[str, str], path: str = MAIN) -> Pipeline:
    write(root, files)
    source = Source(root=str(root), path=path, text=read_text(root, path),
                    read_local=lambda rel: read_text(root, rel, referrer=path))
    return AzurePipelines().parse(source)


def error(root: Path, files: dict[str, str], path: str = MAIN) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(root, files, path)
    return info.value


def jobs(pipeline: Pipeline) -> dict[str, Job]:
    return {job.id: job for job in pipeline.jobs}


def where(job: Job) -> list[tuple[str, int]]:
    return [(s.file, s.line) for s in job.steps]


# -- steps ---------------------------------------------------------------------------

def test_every_kind_of_step_with_the_kind_its_syntax_states(tmp_path: Path) -> None:
    pipeline = parse(tmp_path, {MAIN: """
        steps:
        - checkout: self
        - script: make
        - bash: ./test.sh
          displayName: Run tests
        - pwsh: Write-Host hi
        - powershell: dir
        - task: PublishPipelineArtifact@1
          inputs: {targetPath: dist}
        - download: current
        - publish: dist
        - task: ManualValidation@0
        - task: ManualIntervention@8
        """})
    (job,) = pipeline.jobs
    assert [s.line for s in job.steps] == [2, 3, 4, 6, 7, 8, 10, 11, 12, 13]
    assert [s.kind_hint for s in job.steps] == [
        "checkout", None, None, None, None, "artifact-upload", "artifact-download",
        "artifact-upload", "approve", "approve"]
    assert job.steps[2].name == "Run tests" and job.steps[2].text == "./test.sh"
    assert job.steps[5].uses == "PublishPipelineArtifact@1"
    assert job.steps[5].input("targetPath") == "dist"


def test_a_script_task_has_its_inline_script_as_text(tmp_path: Path) -> None:
    pipeline = parse(tmp_path, {MAIN: """
        steps:
        - task: PowerShell@2
          displayName: Build
          inputs:
            targetType: inline
            script: cmake --build out
        - task: AzureCLI@2
          inputs: {azureSubscription: x, scriptType: bash, inlineScript: az login}
        """})
    first, second = pipeline.jobs[0].steps
    assert (first.uses, first.text, first.name) == ("PowerShell@2", "cmake --build out", "Build")
    assert (second.uses, second.text) == ("AzureCLI@2", "az login")


def test_a_conditional_item_is_one_step_at_its_line(tmp_path: Path) -> None:
    pipeline = parse(tmp_path, {MAIN: """
        parameters:
        - name: sign
          type: boolean
          default: false
        steps:
        - ${{ if eq(parameters.sign, true) }}:
          - script: ./sign.sh
        - ${{ else }}:
          - script: echo unsigned
          - script: echo really
        - ${{ each s in parameters.extra }}:
          - ${{ s }}
        """})
    steps = pipeline.jobs[0].steps
    assert [(s.line, s.text) for s in steps] == [
        (6, "./sign.sh"), (8, "echo unsigned\necho really")]


def test_a_step_template_is_a_step_followed_by_the_template_steps_where_written(
        tmp_path: Path) -> None:
    pipeline = parse(tmp_path, {
        MAIN: """
            jobs:
            - job: build
              steps:
              - template: ci/steps.yml
                parameters: {target: x}
              - script: make
            """,
        "ci/steps.yml": """
            parameters:
            - name: target
              default: all
            steps:
            - script: make ${{ parameters.target }}
            - template: more.yml@self
            """,
        "ci/more.yml": "steps:\n- bash: echo more\n",
    })
    build = jobs(pipeline)["build"]
    assert where(build) == [(MAIN, 4), ("ci/steps.yml", 5), ("ci/steps.yml", 6),
                            ("ci/more.yml", 2), (MAIN, 6)]
    reference = build.steps[0]
    assert reference.uses == "ci/steps.yml"
    assert reference.text == "make ${{ parameters.target }}\necho more"
    # The template's steps follow in the job: they carry the work, not the references.
    assert [s.expanded for s in build.steps] == [True, False, True, False, False]
    assert not build.reusable
    assert pipeline.includes == ("ci/steps.yml", "ci/more.yml")


def test_a_missing_or_remote_template_is_itself_a_step_with_a_note(tmp_path: Path) -> None:
    pipeline = parse(tmp_path, {MAIN: """
        steps:
        - template: steps/missing.yml
        - template: build.yml@templates
        """})
    missing, remote = pipeline.jobs[0].steps
    assert missing.line == 2 and "not found" in missing.text
    assert not missing.expanded and not remote.expanded  # nothing follows: they carry it
    assert remote.line == 3 and remote.uses == "build.yml@templates"
    assert any("missing.yml" in n for n in pipeline.notes)
    assert any("'templates'" in n and "not fetched" in n for n in pipeline.notes)


def test_stage_and_job_templates_resolve_relative_to_the_including_file(
        tmp_path: Path) -> None:
    pipeline = parse(tmp_path, {
        MAIN: """
            stages:
            - template: ci/stages.yml
            """,
        "ci/stages.yml": """
            stages:
            - stage: test
              jobs:
              - template: jobs/unit.yml
                parameters: {name: unit}
            """,
        "ci/jobs/unit.yml": """
            parameters:
              name: ''
            jobs:
            - job: ${{ parameters.name }}
              pool: {vmImage: windows-2022}
              steps:
              - script: pytest
            """,
    })
    unit = jobs(pipeline)["test.unit"]
    assert where(unit) == [("ci/jobs/unit.yml", 7)]
    assert unit.runner == "windows-2022" and unit.file == "ci/jobs/unit.yml"
    assert pipeline.includes == ("ci/stages.yml", "ci/jobs/unit.yml")


def test_steps_handed_to_a_template_are_reported_where_written(tmp_path: Path) -> None:
    pipeline = parse(tmp_path, {
        MAIN: """
            extends:
              template: v1/Official.yml@governed
              parameters:
                stages:
                - stage: build
                  jobs:
                  - job: a
                    steps:
                    - script: make
            jobs:
            - template: ci/job.yml
              parameters:
                name: signing
                preSteps:
                - checkout: self
                steps:
                - script: ./sign.sh
            """,
        "ci/job.yml": """
            jobs:
            - job: ${{ parameters.name }}
              steps:
              - ${{ each step in parameters.steps }}:
                - ${{ step }}
              - script: echo done
            """,
    })
    found = jobs(pipeline)
    assert where(found["build.a"]) == [(MAIN, 9)]
    assert where(found["signing"]) == [("ci/job.yml", 6)]
    assert where(found["signing#2"]) == [(MAIN, 15), (MAIN, 17)]
    assert not found["signing#2"].reusable  # they run inside the template's job
    assert any("governed" in n for n in pipeline.notes)


def test_a_template_read_alone_is_reusable_unless_it_has_triggers_of_its_own(
        tmp_path: Path) -> None:
    # No scanned pipeline includes it: it runs where another repository references it.
    steps = "parameters:\n- name: x\n  default: ''\nsteps:\n- script: make\n"
    alone = parse(tmp_path, {"ci/steps/build.yml": steps}, "ci/steps/build.yml")
    assert [job.reusable for job in alone.jobs] == [True] and not alone.triggers
    scheduled = parse(tmp_path, {"ci/templates/nightly.yml": "trigger: [main]\n" + steps},
                      "ci/templates/nightly.yml")
    assert [job.reusable for job in scheduled.jobs] == [False]
    assert not any(job.reusable for job in parse(tmp_path, {MAIN: steps}).jobs)


def test_a_template_cycle_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    err = error(tmp_path, {
        MAIN: "steps:\n- template: a.yml\n",
        "a.yml": "steps:\n- script: x\n- template: b.yml\n",
        "b.yml": "steps:\n- template: a.yml\n",
    })
    assert (err.path, err.line) == ("b.yml", 2)
    assert "cycle" in err.message and "a.yml -> b.yml -> a.yml" in err.message


def test_template_depth_is_limited(tmp_path: Path) -> None:
    files = {MAIN: "steps:\n- template: t0.yml\n"}
    for i in range(30):
        files[f"t{i}.yml"] = f"steps:\n- template: t{i + 1}.yml\n"
    assert "deep" in error(tmp_path, files).message


def test_a_template_outside_the_repository_is_noted(tmp_path: Path) -> None:
    pipeline = parse(tmp_path, {MAIN: "steps:\n- template: ../../etc/x.yml\n"})
    assert any("outside the repository" in n for n in pipeline.notes)


# -- jobs ----------------------------------------------------------------------------

def test_deployment_jobs_read_every_lifecycle_hook_and_the_environment(tmp_path: Path) -> None:
    pipeline = parse(tmp_path, {MAIN: """
        jobs:
        - deployment: web
          environment: {name: production, resourceType: VirtualMachine}
          pool: {name: Deployers}
          strategy:
            canary:
              increments: [10, 20]
              preDeploy:
                steps:
                - script: echo pre
              deploy:
                steps:
                - script: ./deploy.sh
              on:
                failure:
                  steps:
                  - script: ./rollback.sh
        """})
    web = jobs(pipeline)["web"]
    assert web.environment == "production" and web.runner == "Deployers"
    assert [s.text for s in web.steps] == ["echo pre", "./deploy.sh", "./rollback.sh"]


def test_matrix_parallel_depends_on_and_pool(tmp_path: Path) -> None:
    pipeline = parse(tmp_path, {MAIN: """
        pool: {vmImage: ubuntu-latest}
        jobs:
        - job: a
          strategy:
            matrix:
              linux: {image: ubuntu-latest}
              mac: {image: macos-latest}
              win: {image: windows-latest}
          steps: [{script: x}]
        - job: b
          dependsOn: [a]
          strategy: {parallel: 4}
          pool: self-hosted
          steps: [{script: y}]
        - job: c
          dependsOn: a
          strategy:
            matrix: $[ dependencies.a.outputs['m.legs'] ]
          steps: [{script: z}]
        """})
    found = jobs(pipeline)
    assert (found["a"].matrix_size, found["a"].runner) == (3, "ubuntu-latest")
    assert (found["b"].matrix_size, found["b"].runner, found["b"].needs) == (
        4, "self-hosted", ("a",))
    assert found["c"].matrix_size == 1 and found["c"].notes and found["c"].needs == ("a",)


def test_conditional_job_keys_are_read(tmp_path: Path) -> None:
    pipeline = parse(tmp_path, {MAIN: """
        jobs:
        - job: a
          ${{ if eq(variables.os, 'win') }}:
            pool: {vmImage: windows-latest}
          ${{ else }}:
            pool: {vmImage: ubuntu-latest}
          steps: [{script: x}]
        """})
    assert jobs(pipeline)["a"].runner == "windows-latest"


def test_triggers(tmp_path: Path) -> None:
    pipeline = parse(tmp_path, {MAIN: """
        trigger: none
        pr: [main]
        schedules:
        - cron: "0 0 * * *"
          branches: {include: [main]}
        resources:
          pipelines:
          - pipeline: upstream
            source: Build
            trigger: true
        steps: [{script: x}]
        """})
    assert [(t.event, t.line, t.cron) for t in pipeline.triggers] == [
        ("pull_request", 2, None), ("schedule", 4, "0 0 * * *"), ("pipeline", 8, None)]
    default = parse(tmp_path, {MAIN: "steps: [{script: x}]\n"})
    # Azure: every push, and every pull request of a GitHub or Bitbucket repository
    assert [t.event for t in default.triggers] == ["push", "pull_request"]
    manual = parse(tmp_path, {MAIN: "trigger: none\npr: none\nsteps: [{script: x}]\n"})
    assert [t.event for t in manual.triggers] == ["workflow_dispatch"]


# -- hostile input ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "line", "words"), [
    ("stages: 5\n", 1, "'stages' must be a list"),
    ("stages:\n- just-a-name\n", 2, "a stage must be a mapping"),
    ("jobs:\n- 3\n", 2, "a job must be a mapping"),
    ("jobs:\n- job: a\n  steps: make\n", 3, "'steps' must be a list"),
    ("steps:\n- make\n", 2, "a step must be a mapping"),
    ("steps:\n- script: [a, b]\n", 2, "'script' must be a script"),
    ("steps:\n- task: {name: x}\n", 2, "'task' must be a name"),
    ("steps:\n- task: X@1\n  inputs: [a]\n", 3, "'inputs' must be a mapping"),
    ("steps:\n- template: [a]\n", 2, "'template' must be a path"),
    ("steps:\n- name: x\n  foo: bar\n", 2, "a step needs one of"),
    ("extends: base.yml\n", 1, "'extends' must be a mapping"),
    ("- a\n- b\n", 1, "expected a mapping"),
    ("name: x\n", 1, "needs 'stages'"),
])
def test_wrong_types_are_parse_errors_with_file_and_line(
        tmp_path: Path, text: str, line: int, words: str) -> None:
    err = error(tmp_path, {MAIN: text})
    assert (err.path, err.line) == (MAIN, line)
    assert words in err.message


def test_a_broken_template_names_the_template(tmp_path: Path) -> None:
    err = error(tmp_path, {MAIN: "steps:\n- template: t.yml\n", "t.yml": "steps: {a: 1}\n"})
    assert err.path == "t.yml" and err.line == 1


def test_yaml_in_a_pipelines_folder_that_is_not_a_pipeline_is_declined(tmp_path: Path) -> None:
    with pytest.raises(Declined):
        parse(tmp_path, {".pipelines/config.yml": "owners: [a, b]\n"}, ".pipelines/config.yml")
    with pytest.raises(Declined):
        parse(tmp_path, {"eng/Versions.yml": "a: [\n"}, "eng/Versions.yml")
    with pytest.raises(Declined):
        parse(tmp_path, {"eng/chart.yml": "parameters: {a: 1}\nreplicas: 3\n"}, "eng/chart.yml")
    variables = parse(tmp_path, {"eng/vars.yml": "variables:\n- name: a\n  value: b\n"},
                      "eng/vars.yml")
    assert variables.jobs == ()


_KEYS = ["stages", "jobs", "steps", "stage", "job", "deployment", "template", "script",
         "task", "inputs", "pool", "strategy", "matrix", "parallel", "dependsOn",
         "environment", "extends", "parameters", "trigger", "pr", "schedules", "checkout",
         "${{ if true }}", "runOnce", "deploy"]


def _random_value(rng: random.Random, depth: int) -> str:
    choice = rng.random()
    if depth > 3 or choice < 0.35:
        return rng.choice(["x", "5", "t.yml", "none", "~", "[]", "{}", "X@1", "self",
                           "'${{ parameters.a }}'", "[a, b]", "u.yml@self", "r.yml@other"])
    indent = "  " * (depth + 1)
    if choice < 0.65:
        items = [f"\n{indent}- {_random_value(rng, depth + 1)}" for _ in range(rng.randint(0, 3))]
        return "".join(items) or "[]"
    keys = rng.sample(_KEYS, rng.randint(1, 4))
    return "".join(f"\n{indent}{k}: {_random_value(rng, depth + 1)}" for k in keys)


def test_random_documents_raise_only_user_errors(tmp_path: Path) -> None:
    rng = random.Random(11)
    write(tmp_path, {"t.yml": "steps:\n- template: u.yml\n", "u.yml": "jobs:\n- job: a\n"})
    for _ in range(1500):
        keys = rng.sample(_KEYS, rng.randint(1, 6))
        text = "".join(f"{k}: {_random_value(rng, 0)}\n" for k in keys)
        try:
            parse(tmp_path, {MAIN: text})
        except (ParseError, Declined):
            pass
        except Exception as exc:  # pragma: no cover - the failure report
            pytest.fail(f"{type(exc).__name__}: {exc}\n--- input ---\n{text}")


# -- discovery -------------------------------------------------------------------------

def test_claims_pipelines_by_name_and_by_folder_but_not_other_formats() -> None:
    fmt = AzurePipelines()
    for path in ("azure-pipelines.yml", "src/lib/azure-pipelines.yaml",
                 "azure-pipelines-pr.yml", ".azure-pipelines/ci.yml",
                 ".pipelines/templates/x.yml", ".vsts-ci/linux.yml", "azure-devops/config.yml",
                 "eng/common/templates/steps/a.yml", "build/.azuredevops/ci.yaml"):
        assert fmt.claims(path), path
    for path in (".github/workflows/ci.yml", ".gitlab-ci.yml", ".circleci/config.yml",
                 "ci.yml", "docs/config.yml", ".pipelines/action.yml", "azure-pipelines.json",
                 ".github/azure-pipelines/x.yml", "src/eng/x.yml"):
        assert not fmt.claims(path), path


def test_entry_is_false_for_template_looking_paths() -> None:
    fmt = AzurePipelines()
    assert fmt.entry("azure-pipelines.yml") and fmt.entry(".pipelines/Official.yml")
    assert fmt.entry(".vsts-ci/linux.yml") and fmt.entry("eng/pipelines/runtime.yml")
    for path in (".pipelines/templates/build.yml", "ci/steps/build.yml",
                 "eng/common/templates/job/job.yml", "eng/build.yml",
                 ".azure-pipelines/azure-pipelines-linux.yml", "build-template.yml",
                 "azure-devops/checkout-self.yml"):
        assert not fmt.entry(path), path
    assert template_looking(".azure-pipelines/azure-pipelines-osx.yml")
    assert not template_looking(".azure-pipelines/azure-pipelines.yml")


# -- example and corpus ----------------------------------------------------------------

class _StubBackend:
    name = "stub"

    def classify(self, steps: Sequence[Step]) -> list[Classification]:
        return [Classification("model", "build", 0.1, "stub", "test") for _ in steps]


def _registry() -> object:
    from xops_lens.plugins import Registry

    return Registry(formats={"azure-pipelines": AzurePipelines()},
                    backends={"stub": _StubBackend()})


def test_the_example_repository_scans_with_every_feature() -> None:
    from xops_lens.scan import scan

    result = scan(EXAMPLE, backend="stub", registry=_registry())  # type: ignore[arg-type]
    reports = {f.path: f for f in result.files}
    assert [f.error for f in result.files] == [None, None, None]
    assert reports["ci/templates/install.yml"].included_by == MAIN
    pipeline = reports[MAIN].pipeline
    assert pipeline is not None
    found = jobs(pipeline)
    assert found["Build.test"].matrix_size == 2
    assert found["Release.publish"].environment == "pypi"
    assert [s.kind_hint for s in found["Release.approve"].steps] == ["approve"]
    assert {t.event for t in pipeline.triggers} == {"push", "pull_request", "schedule"}
    assert ("ci/templates/install.yml", 7) in where(found["Build.package"])


def _labelled() -> list[tuple[str, int]]:
    with open(SHARED / "labels" / "dev.tsv", encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [(row["file"], int(row["line"])) for row in rows if row["format"] == "azure"]


def _corpus_dirs() -> list[str]:
    with open(SHARED / "corpus" / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return sorted({row["dir"] for row in rows if row["format"] == "azure-pipelines"})


@pytest.mark.skipif(not (SHARED / "labels" / "dev.tsv").is_file()
                    or not (SHARED / "corpus" / "MANIFEST.tsv").is_file(), reason="shared/ absent")
def test_corpus_parses_and_every_labelled_azure_step_is_found_by_a_scan() -> None:
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
