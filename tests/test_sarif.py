"""``--format sarif``, validated against the official SARIF 2.1.0 schema (vendored in
tests/data with its notice: the tests run offline)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLES, write_tree
from xops_lens.cli import cli

SCHEMA_FILE = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def sarif(path: Path, *args: str) -> dict[str, Any]:
    outcome = CliRunner().invoke(cli, ["scan", str(path), "-f", "sarif", *args],
                                 catch_exceptions=False)
    assert outcome.exit_code in (0, 1), outcome.stderr
    data = json.loads(outcome.stdout)
    errors = sorted(VALIDATOR.iter_errors(data), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    return data


def test_the_vendored_schema_is_the_official_one() -> None:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256
    assert SCHEMA["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    # The validator does reject what the schema forbids.
    assert list(VALIDATOR.iter_errors({"version": "2.1.0", "runs": [{"tool": {}}]}))


@pytest.mark.parametrize("example", ["github", "gitlab"])
def test_examples_are_valid_sarif(example: str) -> None:
    data = sarif(EXAMPLES / example)
    run = data["runs"][0]
    assert data["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "xops-lens"
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rule_ids == sorted(set(rule_ids))
    for result in run["results"]:
        assert result["level"] == "note"
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert not location["artifactLocation"]["uri"].startswith("/")
        assert location["region"]["startLine"] >= 1


def test_one_result_per_gate_and_per_suggestion() -> None:
    data = sarif(EXAMPLES / "github")
    results = data["runs"][0]["results"]
    gates = [r for r in results if r["ruleId"] == "xops-lens/human-gate"]
    assert [(g["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             g["locations"][0]["physicalLocation"]["region"]["startLine"]) for g in gates] == [
        ("examples/pipelines/github/.github/workflows/ci.yml", 65)]  # repository paths
    suggestions = [r for r in results if r["ruleId"].startswith("xops-lens/suggestion/")]
    report = json.loads(CliRunner().invoke(cli, ["scan", str(EXAMPLES / "github"), "-f", "json"])
                        .stdout)
    assert len(suggestions) == len(report["suggestions"]) > 0
    risk = next(r for r in suggestions if r["ruleId"].endswith("/risk-summary-approval"))
    assert "saving" in risk["message"]["text"] and risk["properties"]["currency"] == "USD"
    fingerprints = [r["partialFingerprints"]["xopsLensLocation/v1"] for r in results]
    assert len(fingerprints) == len(set(fingerprints))


def test_hostile_text_and_unreadable_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
                                    "      - name: \"[click](https://evil.example) \\u202e\"\n"
                                    "        uses: trstringer/manual-approval@v1\n",
        ".github/workflows/bad.yml": "jobs: [\n",
    })
    data = sarif(tmp_path)
    run = data["runs"][0]
    [gate] = run["results"]
    text = gate["message"]["text"]
    assert "\\[click\\]" in text and "\u202e" not in text
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "error" and "bad.yml" in note["message"]["text"]


def test_pr_mode_reports_only_what_the_pr_added(tmp_path: Path) -> None:
    git = pytest.importorskip("git")
    repo = git.Repo.init(tmp_path / "r", initial_branch="main")
    root = Path(repo.working_tree_dir)
    workflow = root / ".github/workflows/ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("on: push\njobs:\n  a:\n    runs-on: x\n    environment: prod\n"
                        "    steps:\n      - run: make\n")
    repo.index.add([".github/workflows/ci.yml"])
    repo.index.commit("base")
    workflow.write_text(workflow.read_text() + "      - uses: trstringer/manual-approval@v1\n")
    data = sarif(root, "--base", "HEAD")
    gates = [r for r in data["runs"][0]["results"] if r["ruleId"] == "xops-lens/human-gate"]
    assert [g["locations"][0]["physicalLocation"]["region"]["startLine"] for g in gates] == [8]


def _uri_line(location: dict[str, Any]) -> tuple[str, int]:
    phys = location["physicalLocation"]
    return phys["artifactLocation"]["uri"], phys["region"]["startLine"]


def test_every_rule_has_help_text_and_markdown() -> None:
    run = sarif(EXAMPLES / "github")["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) > 1
    for rule in rules:
        assert rule["help"]["text"].strip() and rule["help"]["markdown"].strip(), rule["id"]
        assert "`" not in rule["help"]["text"]


def test_automation_details_only_with_category() -> None:
    assert "automationDetails" not in sarif(EXAMPLES / "github")["runs"][0]
    run = sarif(EXAMPLES / "github", "--category", "monorepo/api")["runs"][0]
    assert run["automationDetails"] == {"id": "monorepo/api/"}


def test_saving_sentence_has_its_space() -> None:
    for result in sarif(EXAMPLES / "github")["runs"][0]["results"]:
        text = result["message"]["text"]
        assert ".Estimated" not in text
        if "Estimated saving" in text:
            assert ". Estimated saving: " in text


def test_a_template_included_from_two_pipelines_is_one_result(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "azure-pipelines.yml": "trigger: [main]\njobs:\n  - job: build\n    steps:\n"
                               "      - template: templates/release.yml\n",
        "azure-pipelines-nightly.yml": "schedules:\n  - cron: '0 3 * * *'\n"
                                       "    branches: { include: [main] }\njobs:\n"
                                       "  - job: nightly\n    steps:\n"
                                       "      - template: templates/release.yml\n",
        "templates/release.yml": "steps:\n  - task: ManualValidation@0\n"
                                 "    displayName: Approve the release\n",
    })
    results = sarif(tmp_path)["runs"][0]["results"]
    [gate] = [r for r in results if r["ruleId"] == "xops-lens/human-gate"]
    assert _uri_line(gate["locations"][0]) == ("templates/release.yml", 2)
    related = {_uri_line(loc): loc["id"] for loc in gate["relatedLocations"]}
    assert related == {("azure-pipelines-nightly.yml", 5): 1, ("azure-pipelines.yml", 3): 2}
    text = gate["message"]["text"]
    # Each related location is linked from the message, or GitHub does not show it.
    assert "[azure-pipelines-nightly.yml:5](1)" in text and "[azure-pipelines.yml:3](2)" in text
    assert "of job" not in text  # it runs in both pipelines' jobs
    # Results at distinct places stay distinct.
    places = [(_uri_line(r["locations"][0]), r["ruleId"]) for r in results]
    assert len(places) == len(set(places))


def test_related_locations_of_a_suggestion_are_linked() -> None:
    results = sarif(EXAMPLES / "github")["runs"][0]["results"]
    with_related = [r for r in results if r.get("relatedLocations")]
    assert with_related
    for result in with_related:
        for loc in result["relatedLocations"]:
            assert f"]({loc['id']})" in result["message"]["text"]
