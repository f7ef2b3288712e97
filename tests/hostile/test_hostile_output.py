"""Text from the scanned repository reaching a terminal or a CI log: trigger event
names, file names, job ids, step names and the repository's own settings. None may
print an escape sequence, break a line, start a line with a GitHub Actions workflow
command (``::error::``) however the report wraps, or be read as rich markup."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.hostile.hostile_harness import write
from tests.llm_server import ScriptedServer
from xops_lens.cli import cli
from xops_lens.config import load_config
from xops_lens.scan import scan

ESC = "\x1b"
WORKFLOW = """\
on:
  "::error::forged\\e[31m":
    branches: [main]
  "push\\n::warning::two":
  schedule:
    - cron: "0 3 * * *"
jobs:
  "::error::job":
    runs-on: ubuntu-latest
    steps:
      - name: "::error file=x::step\\e]0;title\\a"
        run: echo hi
      - run: |
          ::error::line
          make
"""
EVIL_FILE = ".github/workflows/x\x1b[2Jy ::error::f.yml"
SETTINGS = ('[cost]\ncurrency = "\\u001b[31mEUR\\n::error::cur"\n'
            '[cost.runners]\n"::error::r\\u001b[2J" = 0.5\n')
COMMAND_RE = re.compile(r"^\s*::[a-z-]+")


@pytest.fixture
def hostile_repo(tmp_path: Path) -> Path:
    return write(tmp_path / "repo", {
        ".github/workflows/ci.yml": WORKFLOW,
        EVIL_FILE: "on: push\njobs:\n  a:\n    runs-on: x\n    environment: prod\n"
                   "    steps:\n      - run: make\n",
        ".xops-lens.toml": SETTINGS,
    })


def _lines_at_fault(text: str) -> list[str]:
    return [line for line in text.splitlines() if COMMAND_RE.match(line)]


@pytest.mark.parametrize("columns", ["40", "80", "160"])
@pytest.mark.parametrize("quiet", [[], ["-q"]], ids=["full", "quiet"])
def test_terminal_report_prints_no_escape_and_no_workflow_command(
        hostile_repo: Path, columns: str, quiet: list[str]) -> None:
    done = CliRunner().invoke(cli, ["scan", str(hostile_repo), *quiet],
                              env={"COLUMNS": columns, "NO_COLOR": "1", "TERM": "dumb"})
    assert done.exit_code == 0, done.output
    for stream in (done.stdout, done.stderr):
        assert ESC not in stream and "\a" not in stream
        assert _lines_at_fault(stream) == [], stream
    assert "cost.currency" in done.stderr  # the bad currency is named, the default used
    assert "USD" in done.stdout


def test_colour_output_holds_only_rich_own_sequences(hostile_repo: Path) -> None:
    done = CliRunner().invoke(cli, ["scan", str(hostile_repo)],
                              env={"COLUMNS": "100", "FORCE_COLOR": "1", "TERM": "xterm"})
    assert done.exit_code == 0, done.output
    # Rich's styles are SGR sequences (ESC [ ... m); nothing else may come through.
    assert re.sub(r"\x1b\[[0-9;]*m", "", done.stdout).count(ESC) == 0
    assert _lines_at_fault(re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)) == []


@pytest.mark.parametrize("output_format", ["json", "markdown", "sarif"])
def test_machine_and_comment_formats_hold_no_raw_escape(hostile_repo: Path,
                                                        output_format: str) -> None:
    done = CliRunner().invoke(cli, ["scan", str(hostile_repo), "-f", output_format])
    assert done.exit_code == 0, done.output
    assert ESC not in done.stdout and _lines_at_fault(done.stdout) == []
    if output_format != "markdown":
        json.loads(done.stdout)


def test_a_model_name_is_never_read_as_markup(hostile_repo: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdefghijklmnop")
    monkeypatch.setenv("FORCE_COLOR", "1")  # the progress bar renders as on a terminal
    with ScriptedServer() as server:
        result = scan(hostile_repo, backend="openai", config=load_config(hostile_repo),
                      backend_options={"model": "[/bad] [bold]x", "base_url": server.url,
                                       "relabel": "all", "progress": True, "batch_size": 1,
                                       "cache_dir": str(tmp_path / "cache")})
        assert server.requests and server.requests[0]["body"]["model"] == "[/bad] [bold]x"
    assert result.backend_usage is not None and result.backend_usage.requests >= 1


def test_sarif_uris_are_percent_encoded(hostile_repo: Path) -> None:
    done = CliRunner().invoke(cli, ["scan", str(hostile_repo), "-f", "sarif"])
    report = json.loads(done.stdout)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for result in report["runs"][0]["results"] for loc in result["locations"]}
    assert ".github/workflows/x%1B%5B2Jy%20::error::f.yml" in uris
    for uri in uris:
        assert re.fullmatch(r"[A-Za-z0-9/\-._~!$&'()*+,;=:@%]+", uri), uri


def test_cache_folders_are_private_whatever_the_umask(hostile_repo: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import stat

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdefghijklmnop")
    cache = tmp_path / "home" / ".cache" / "xops-lens"
    old_umask = os.umask(0o022)
    try:
        with ScriptedServer() as server:
            scan(hostile_repo, backend="openai", config=load_config(hostile_repo),
                 backend_options={"base_url": server.url, "relabel": "all",
                                  "cache_dir": str(cache)})
    finally:
        os.umask(old_umask)
    folders = [cache, *[p for p in cache.rglob("*") if p.is_dir()]]
    assert len(folders) >= 3
    for folder in folders:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for entry in (p for p in cache.rglob("*") if p.is_file()):
        assert stat.S_IMODE(entry.stat().st_mode) & 0o077 == 0, entry
