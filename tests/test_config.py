from __future__ import annotations

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


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    write_tree(tmp_path, {".xops-lens.toml": "a = \n"})
    with pytest.raises(ConfigError, match=r"^\.xops-lens\.toml: invalid TOML"):
        load_config(tmp_path)
