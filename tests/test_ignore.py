"""Ignores: inline ``# xops-lens: ignore[...]`` comments and the ``ignore`` settings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import REPO_ROOT, write_tree
from xops_lens.cli import cli
from xops_lens.config import UserSettings
from xops_lens.hookspecs import hookimpl
from xops_lens.ignore import path_glob
from xops_lens.model import Classification, Step
from xops_lens.plugins import build_plugin_manager
from xops_lens.scan import scan

SCHEMA = json.loads((REPO_ROOT / "xops_lens/schemas/scan.schema.json").read_text())

WORKFLOW = """\
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4  # xops-lens: ignore
      # xops-lens: ignore[test]
      - name: Run tests
        run: pytest
      # xops-lens: ignore[lint]
      - name: Still reported, the rule names another kind
        run: pytest -x
      - run: echo done
  # xops-lens: ignore
  release:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: ./publish.sh
  deploy:  # xops-lens: ignore[approve]
    runs-on: ubuntu-latest
    environment: staging
    steps:
      - run: ./deploy.sh
"""


def _json(root: Path, *args: str) -> dict[str, Any]:
    outcome = CliRunner().invoke(cli, ["scan", str(root), "-f", "json", *args],
                                 catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.stderr
    data = json.loads(outcome.stdout)
    jsonschema.validate(data, SCHEMA)
    return data


def test_inline_ignores(tmp_path: Path) -> None:
    write_tree(tmp_path, {".github/workflows/ci.yml": WORKFLOW})
    data = _json(tmp_path)
    assert [(s["line"], s["name"]) for s in data["steps"]] == [
        (11, "Still reported, the rule names another kind"), (13, "echo done"),
        (24, "./deploy.sh")]
    assert [j["id"] for j in data["jobs"] if j["gate"]] == []  # both gates ignored
    ignored = {(i["line"], i["what"], i["kind"]) for i in data["ignored"]}
    assert ignored == {(6, "step", None), (8, "step", "test"), (19, "step", None),
                       (15, "gate", "approve"), (20, "gate", "approve")}
    assert data["summary"]["ignored"] == 5
    assert "inline ignore at .github/workflows/ci.yml:14" in {i["rule"] for i in data["ignored"]}


def test_config_paths_and_kinds(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
                                    "      - uses: actions/checkout@v4\n      - run: pytest\n",
        ".github/workflows/legacy.yml": "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n"
                                        "      - run: make\n",
        ".xops-lens.toml": '[ignore]\npaths = [".github/workflows/legacy.yml"]\n'
                           'kinds = ["checkout", "no-such-kind"]\n',
    })
    outcome = CliRunner().invoke(cli, ["scan", str(tmp_path), "-f", "json"])
    data = json.loads(outcome.stdout)
    assert [s["name"] for s in data["steps"]] == ["pytest"]
    assert sorted(i["rule"] for i in data["ignored"]) == [
        "ignore.kinds", "ignore.paths '.github/workflows/legacy.yml'"]
    assert "ignore.kinds: 'no-such-kind' is not a kind or subsystem" in outcome.stderr
    override = _json(tmp_path, "--set", "ignore.kinds=[]", "--set", "ignore.paths=[]")
    assert len(override["steps"]) == 3 and "ignored" not in override


def test_ignored_steps_never_reach_the_backend(tmp_path: Path) -> None:
    seen: list[str] = []

    class Recorder:
        name = "recorder"

        def classify(self, steps: Sequence[Step]) -> list[Classification]:
            seen.extend(step.name for step in steps)
            return [Classification("model", "test", 0.5, "recorder", "") for _ in steps]

    class Plugin:
        @hookimpl
        def register_backends(self, register: Any) -> None:
            register(Recorder())

    write_tree(tmp_path, {".github/workflows/ci.yml": WORKFLOW,
                          "secret/.gitlab-ci.yml": "job:\n  script:\n    - ./leak-me.sh\n"})
    _, registry = build_plugin_manager(load_entry_points=False, extra_plugins=(Plugin(),))
    config = UserSettings()
    config.merge({"ignore": {"paths": ["secret/"]}}, "test")
    result = scan(tmp_path, backend="recorder", registry=registry, config=config)
    assert "./leak-me.sh" not in seen and "actions/checkout@v4" not in seen
    assert "Run tests" in seen  # ignore[test] needs a label first: it is classified
    assert "Run tests" not in [s.step.name for s in result.steps]


def test_markdown_and_terminal_count_the_ignored(tmp_path: Path) -> None:
    write_tree(tmp_path, {".github/workflows/ci.yml": WORKFLOW})
    runner = CliRunner()
    markdown = runner.invoke(cli, ["scan", str(tmp_path), "-f", "markdown"],
                             env={"GITHUB_STEP_SUMMARY": None})
    assert "<summary>Ignored by rule (5)</summary>" in markdown.stdout
    terminal = runner.invoke(cli, ["scan", str(tmp_path)], env={"COLUMNS": "160"})
    assert terminal.exit_code == 0, terminal.output
    assert "5 step(s) or gate(s) left out by ignore rules" in terminal.stdout
    assert "actions/checkout" not in terminal.stdout


@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("ci/legacy/**", "ci/legacy/a/b.yml", True),
    ("ci/legacy/", "ci/legacy/x.yml", True),
    ("ci/*.yml", "ci/a.yml", True),
    ("ci/*.yml", "ci/sub/a.yml", False),
    ("*.gitlab-ci.yml", "deep/down/x.gitlab-ci.yml", True),
    ("**/templates/*.yml", "templates/a.yml", True),
    ("**/templates/*.yml", "a/b/templates/c.yml", True),
    ("./.github/workflows/old.yml", ".github/workflows/old.yml", True),
    ("old.yml", ".github/workflows/older.yml", False),
    ("a?.yml", "ab.yml", True),
])
def test_glob(pattern: str, path: str, matches: bool) -> None:
    assert bool(path_glob(pattern).fullmatch(path)) is matches


def test_bad_setting_is_a_usage_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {".xops-lens.toml": "[ignore]\npaths = 3\n"})
    outcome = CliRunner().invoke(cli, ["scan", str(tmp_path)])
    assert outcome.exit_code == 2 and "ignore.paths must be a list of strings" in outcome.stderr


@pytest.mark.parametrize(("patterns", "path", "ignored"), [
    (["ci/[ab].yml"], "ci/a.yml", True),
    (["ci/[ab].yml"], "ci/c.yml", False),
    (["ci/[!ab].yml"], "ci/c.yml", True),
    (["{ci,eng}/**"], "eng/pipelines/x.yml", True),
    (["*.{yml,yaml}"], "deep/down/x.yaml", True),  # no '/': the name at any depth
    (["ci/**", "!ci/keep.yml"], "ci/keep.yml", False),  # taken back
    (["ci/**", "!ci/keep.yml"], "ci/other.yml", True),
    (["!ci/keep.yml", "ci/**"], "ci/keep.yml", True),  # the last match decides
    (["legacy/", "!legacy/{a,b}.yml"], "legacy/b.yml", False),
])
def test_gitignore_style_classes_braces_and_negation(tmp_path: Path, patterns: list[str],
                                                     path: str, ignored: bool) -> None:
    from xops_lens.config import UserSettings
    from xops_lens.ignore import Ignores

    config = UserSettings()
    config.merge({"ignore": {"paths": patterns}}, "test")
    assert (Ignores(tmp_path, config).path_rule(path) is not None) is ignored


def test_a_brace_bomb_is_a_one_line_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {".xops-lens.toml": "[ignore]\npaths = ['" + "{a,b}" * 20 + "']\n",
                          ".github/workflows/ci.yml": "on: push\njobs: {}\n"})
    outcome = CliRunner().invoke(cli, ["scan", str(tmp_path)])
    assert outcome.exit_code == 2 and "Traceback" not in outcome.output
    assert "ignore.paths '{a,b}{a,b}" in outcome.stderr and "limit" in outcome.stderr
