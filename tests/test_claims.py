"""Discovery (issue 21): real naming conventions are claimed, files that look like CI
configuration but that no format read are listed with how to include them, and
``formats.<name>.paths`` has a format read any file."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import REPO_ROOT, write_tree
from xops_lens.claims import compile_path_glob, looks_like_ci
from xops_lens.cli import cli
from xops_lens.formats.cloudbuild import CloudBuild
from xops_lens.formats.jenkins import Jenkins

SCHEMA = json.loads((REPO_ROOT / "xops_lens/schemas/scan.schema.json").read_text())
CLOUDBUILD = "steps:\n  - name: gcr.io/cloud-builders/docker\n    args: [build, .]\n"
# A build whose only image is one built earlier under a bare name: nothing in the file
# tells it from other YAML, so only its name or formats.cloudbuild.paths can claim it.
CLOUDBUILD_UNTOLD = "steps:\n  - name: make-builder\n    args: [make, all]\n"
DRONE = "kind: pipeline\nsteps:\n  - name: test\n    image: golang\n    commands: [go test]\n"
JENKINS = "pipeline {\n  agent any\n  stages { stage('a') { steps { sh 'make' } } }\n}\n"


@pytest.mark.parametrize("path", ["int.cloudbuild.yaml", "ci/lint.cloudbuild.yml",
                                  "cloudbuild.yaml", "cloudbuild-e2e.yaml"])
def test_cloudbuild_conventions_are_claimed(path: str) -> None:
    assert CloudBuild().claims(path)


@pytest.mark.parametrize("path", ["Jmh_Jenkinsfile", "ci/nightly.Jenkinsfile",
                                  "Jenkinsfile", "Jenkinsfile.release"])
def test_jenkinsfile_names_are_claimed(path: str) -> None:
    assert Jenkins().claims(path)


@pytest.mark.parametrize("path", ["docs/Jenkinsfile.md", "cloudbuild.json", "Jenkinsfile.yml"])
def test_other_files_are_not_claimed(path: str) -> None:
    assert not Jenkins().claims(path) and not CloudBuild().claims(path)


def test_globs() -> None:
    assert compile_path_glob("ci/*.yaml").fullmatch("ci/build.yaml")
    assert not compile_path_glob("ci/*.yaml").fullmatch("ci/sub/build.yaml")
    assert compile_path_glob("**/*.gcb.yaml").fullmatch("a/b/x.gcb.yaml")
    assert compile_path_glob("./**/*.gcb.yaml").fullmatch("x.gcb.yaml")


def test_what_looks_like_ci() -> None:
    assert looks_like_ci("ci/pipeline.yml") is not None
    assert looks_like_ci("build/jenkins/deploy.gvy") is None  # not a config suffix
    assert looks_like_ci("src/pipeline.py") is None
    assert looks_like_ci("docs/azure-pipelines.yml") is None  # documentation
    found = looks_like_ci("ops/drone-build.yaml")
    assert found is not None and found.format == "drone"


def _scan(root: Path, *extra: str) -> tuple[int, str, str]:
    outcome = CliRunner().invoke(cli, ["scan", str(root), *extra], env={"NO_COLOR": "1"},
                                 catch_exceptions=False)
    return outcome.exit_code, outcome.stdout, outcome.stderr


def test_a_scan_that_finds_nothing_says_what_looked_like_ci(tmp_path: Path) -> None:
    write_tree(tmp_path, {"ci/build-pipeline.yml": DRONE, "README.md": "hello\n"})
    code, out, _ = _scan(tmp_path)
    assert code == 0
    assert "No CI steps found" in out
    assert "ci/build-pipeline.yml" in out and "formats.<format>.paths" in out
    code, out, _ = _scan(tmp_path, "--format", "json")
    data = json.loads(out)
    jsonschema.validate(data, SCHEMA)
    assert data["unclaimed"] == [{"path": "ci/build-pipeline.yml", "format": None,
                                  "hint": "--set 'formats.<format>.paths=[\"ci/build-pipeline.yml\"]'"}]


def test_paths_setting_has_a_format_read_a_file(tmp_path: Path) -> None:
    write_tree(tmp_path, {"ci/build-pipeline.yml": CLOUDBUILD_UNTOLD,
                          "ci/gcb.yaml": CLOUDBUILD_UNTOLD,
                          ".xops-lens.toml": '[formats.cloudbuild]\npaths = ["ci/gcb.yaml"]\n'})
    code, out, _ = _scan(tmp_path, "--format", "json", "--set",
                         'formats.cloudbuild.paths=["ci/*-pipeline.yml"]')
    data = json.loads(out)
    jsonschema.validate(data, SCHEMA)
    # --set replaces the file's list: the two sources name the same key
    assert {f["path"]: f["format"] for f in data["files"]} == {
        "ci/build-pipeline.yml": "cloudbuild"}
    assert "unclaimed" not in data
    code, out, _ = _scan(tmp_path, "--format", "json")
    data = json.loads(out)
    assert {f["path"] for f in data["files"]} == {"ci/gcb.yaml"}
    assert [u["path"] for u in data["unclaimed"]] == ["ci/build-pipeline.yml"]


def test_a_bad_paths_setting_is_one_warning(tmp_path: Path) -> None:
    write_tree(tmp_path, {"cloudbuild.yaml": CLOUDBUILD})
    code, out, err = _scan(tmp_path, "--set", "formats.nosuch.paths=['x']",
                           "--set", "formats.jenkins.paths=5")
    assert code == 0
    assert "formats.nosuch: no format named 'nosuch'" in err
    assert "formats.jenkins.paths: expected a list of globs" in err
    assert "cloudbuild.yaml" in out
