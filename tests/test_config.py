from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import write_tree
from xops_lens.config import load_config, parse_assignment
from xops_lens.errors import ConfigError


def test_pyproject_table_then_set_overrides(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.xops-lens.cost]\nhuman_rate = 80\ncurrency = 'EUR'\n"})
    config = load_config(tmp_path, assignments=["cost.human_rate=95.5"])
    assert config.get("cost.human_rate") == 95.5
    assert config.get("cost.currency") == "EUR"
    assert config.source_of("cost.human_rate") == "--set"
    assert config.source_of("cost.currency") == "pyproject.toml [tool.xops-lens]"
    assert config.source_of("cost.runs_per_month") == "default"
    assert config.get("cost.runs_per_month", 30) == 30


def test_dedicated_file_wins_over_pyproject(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "pyproject.toml": "[tool.xops-lens]\nbackend = 'a'\n",
        ".xops-lens.toml": "backend = 'b'\n",
    })
    assert load_config(tmp_path).get("backend") == "b"


def test_explicit_file_between_repo_and_set(tmp_path: Path) -> None:
    write_tree(tmp_path, {".xops-lens.toml": "a = 1\nb = 1\n", "my.toml": "b = 2\nc = 2\n"})
    config = load_config(tmp_path, tmp_path / "my.toml", ["c=3"])
    assert (config.get("a"), config.get("b"), config.get("c")) == (1, 2, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a=1", ("a", 1)), ("a.b=x y", ("a.b", "x y")), ("a='q'", ("a", "q")), ("a=[1,2]", ("a", [1, 2]))],
)
def test_assignments(text: str, expected: tuple[str, object]) -> None:
    assert parse_assignment(text) == expected


@pytest.mark.parametrize("text", ["novalue", "=1", "a..b=1"])
def test_bad_assignment(text: str) -> None:
    with pytest.raises(ConfigError, match="expected key=value"):
        parse_assignment(text)


def test_invalid_repository_toml_is_one_line_and_the_defaults_are_used(tmp_path: Path) -> None:
    write_tree(tmp_path, {".xops-lens.toml": "a = \n"})
    config = load_config(tmp_path, None, ["cost.human_rate=90"])
    [message] = config.messages
    assert re.match(r"^\.xops-lens\.toml: invalid TOML.*; its settings are not used$", message)
    assert "\n" not in message
    assert config.values == {"cost": {"human_rate": 90}}


@pytest.mark.parametrize("text", ["a = " + "[" * 5000 + "]" * 5000 + "\n",
                                  "a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n"])
def test_deeply_nested_toml_is_an_error_not_a_traceback(tmp_path: Path, text: str) -> None:
    write_tree(tmp_path, {"pyproject.toml": text, "own.toml": text})
    assert any("nested too deeply" in m for m in load_config(tmp_path).messages)
    with pytest.raises(ConfigError, match=r"own\.toml: invalid TOML: nested too deeply"):
        load_config(None, tmp_path / "own.toml")


def test_repository_config_symlinked_out_of_the_tree_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "secret.toml"
    outside.write_text("[cost]\nhuman_rate = 1\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".xops-lens.toml").symlink_to(outside)
    config = load_config(repo)
    assert config.values == {} and len(config.messages) == 1
    assert config.messages[0].startswith(".xops-lens.toml")


def test_the_user_configuration_is_read_first(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    write_tree(tmp_path / "xdg", {"xops-lens/config.toml": "[cost]\nhuman_rate = 70\n"
                                  "runner_price = 0.01\n"})
    write_tree(tmp_path / "repo", {".xops-lens.toml": "[cost]\nhuman_rate = 80\n"})
    config = load_config(tmp_path / "repo")
    assert config.get("cost.human_rate") == 80 and config.get("cost.runner_price") == 0.01
    assert config.source_of("cost.runner_price") == str(tmp_path / "xdg/xops-lens/config.toml")


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    write_tree(tmp_path, files)
    (tmp_path / ".git").mkdir()  # the repository root, as git makes it
    return tmp_path


def test_settings_are_looked_up_upwards_to_the_repository_root(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo", {"pyproject.toml": "[tool.xops-lens.cost]\nhuman_rate = 77\n",
                                     "services/api/ci.yml": ""})
    config = load_config(root / "services" / "api")
    assert config.get("cost.human_rate") == 77
    assert config.source_of("cost.human_rate") == "../../pyproject.toml [tool.xops-lens]"
    from xops_lens.config import is_repo_source
    assert is_repo_source(config.source_of("cost.human_rate"))  # still the repository's
    # The closest folder wins, as with ruff and pytest.
    write_tree(root, {"services/.xops-lens.toml": "[cost]\nhuman_rate = 88\n"})
    assert load_config(root / "services" / "api").source_of("cost.human_rate") == "../.xops-lens.toml"
    # Running from a sub-folder scans "." there: the same lookup.
    import os
    here = os.getcwd()
    try:
        os.chdir(root / "services" / "api")
        assert load_config(Path(".")).get("cost.human_rate") == 88
    finally:
        os.chdir(here)


def test_nothing_is_read_above_the_repository_root(tmp_path: Path) -> None:
    write_tree(tmp_path, {".xops-lens.toml": "[cost]\nhuman_rate = 1\n"})
    inner = _repo(tmp_path / "repo", {"sub/x.yml": ""})
    assert load_config(inner / "sub").get("cost.human_rate") is None
    # Outside any repository: only the scanned folder itself.
    write_tree(tmp_path, {"loose/sub/x.yml": ""})
    assert load_config(tmp_path / "loose" / "sub").get("cost.human_rate") is None


def test_both_files_in_one_folder_say_which_is_used(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.xops-lens]\nbackend = 'a'\n",
                          ".xops-lens.toml": "backend = 'b'\n"})
    config = load_config(tmp_path)
    assert config.messages == [".xops-lens.toml is used; pyproject.toml [tool.xops-lens] "
                               "beside it is not (merge the two to use both)"]
    write_tree(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n"})
    assert load_config(tmp_path).messages == []  # a pyproject without the table: no word


def test_unknown_top_level_keys_warn_with_the_nearest_known_key(tmp_path: Path) -> None:
    from xops_lens.config import unknown_top_level

    write_tree(tmp_path, {".xops-lens.toml": "[cots]\nhuman_rate = 1\n[ignore]\npaths = []\n"})
    config = load_config(tmp_path, assignments=["nokey=1", "ignroe.kinds=['x']"])
    warnings = unknown_top_level(config, {"cost", "ignore", "openai", "rules"})
    assert warnings == [
        ".xops-lens.toml: unknown setting 'cots' is ignored; did you mean 'cost'?",
        "--set: unknown setting 'nokey' is ignored (known: cost, ignore, openai, rules)",
        "--set: unknown setting 'ignroe' is ignored; did you mean 'ignore'?",
    ]


def test_scan_prints_the_unknown_key_warning(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from xops_lens.cli import cli

    write_tree(tmp_path, {".github/workflows/ci.yml": "on: push\njobs: {}\n"})
    outcome = CliRunner().invoke(cli, ["scan", str(tmp_path), "-q", "--set", "cots.human_rate=1"])
    assert outcome.exit_code == 0, outcome.output
    assert "warning: --set: unknown setting 'cots' is ignored; did you mean 'cost'?" in outcome.stderr
