"""Issue 13, item 9: no secret leaves the process, whichever way it leaves.

A crafted repository carries every shape of tests/secret_shapes.py in four formats: in
GitHub Actions step names, scripts, env blocks and action inputs; in GitLab and
Bitbucket script lines and Jenkins ``sh`` steps, which become step names. It is scanned
to every output format (terminal, JSON, Markdown, SARIF, HTML, in one scan), in PR mode, and
through the OpenAI backend against the local server of tests/llm_server.py, whose
recorded request bodies must hold no secret either.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import git
import pytest
from click.testing import CliRunner

from tests.conftest import write_tree
from tests.llm_server import DATA_CLOSE, DATA_OPEN, ScriptedServer
from tests.secret_shapes import ALL_SHAPES
from xops_lens.cli import cli

ONE_LINE = [(sid, text, secrets) for sid, text, secrets in ALL_SHAPES if "\n" not in text]
SECRETS = sorted({secret for _, _, secrets in ALL_SHAPES for secret in secrets})


def _github() -> str:
    steps = []
    for sid, text, _ in ALL_SHAPES:
        name = json.dumps(text) if "\n" not in text else json.dumps(f"shape {sid}")
        body = "".join(f"          {line}\n" for line in text.splitlines())
        steps.append(f"      - name: {name}\n        run: |\n{body}")
    steps.append("      - name: env and inputs\n        uses: some/action@v1\n"
                 "        env:\n          DB_PASSWORD: \"correct horse battery staple\"\n"
                 "        with:\n          password: Htp4sswdValue\n"
                 "          api-key: \"Az9Pw~secretValue\"\n")
    return ("on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
            + "".join(steps))


def _gitlab() -> str:
    lines = "".join(f"    - {json.dumps(text)}\n" for _, text, _ in ONE_LINE)
    return f"deploy:\n  stage: deploy\n  script:\n{lines}"


def _bitbucket() -> str:
    lines = "".join(f"          - {json.dumps(text)}\n" for _, text, _ in ONE_LINE)
    return f"pipelines:\n  default:\n    - step:\n        script:\n{lines}"


def _groovy(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _jenkins() -> str:
    steps = "".join(f"        sh {_groovy(text)}\n" for _, text, _ in ONE_LINE)
    return ("pipeline {\n  agent any\n  stages {\n    stage('deploy') {\n      steps {\n"
            + steps + "      }\n    }\n  }\n}\n")


FILES = {".github/workflows/secrets.yml": _github(), ".gitlab-ci.yml": _gitlab(),
         "bitbucket-pipelines.yml": _bitbucket(), "Jenkinsfile": _jenkins()}


# -- reading outputs as a person (or a program) would --------------------------------------

def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _markdown_text(text: str) -> str:
    """What a reader sees of Markdown: escapes and zero-width spaces gone."""
    return html.unescape(re.sub(r"\\(.)", r"\1", text.replace("\u200b", "")))


def assert_no_secret(where: str, text: str) -> None:
    squeezed = re.sub(r"\s+", "", text)
    for secret in SECRETS:
        assert secret not in text, f"{where} holds {secret!r}"
        if not any(c.isspace() for c in secret):
            assert secret not in squeezed, f"{where} holds {secret!r} (wrapped)"
        # a clipped name could show the start of a secret without the whole of it
        head = secret[:8]
        if " " not in head and any(c.isdigit() for c in head):
            assert head not in text, f"{where} holds the start of {secret!r}"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", FILES)


def _scan(args: list[str], env: dict[str, str | None] | None = None) -> Any:
    return CliRunner().invoke(cli, args, env={"COLUMNS": "400", "NO_COLOR": "1", **(env or {})},
                              catch_exceptions=False)


def test_every_output_format_is_free_of_secrets(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    outcome = _scan(["scan", str(repo), "-f", "terminal", "--fail-on", "never",
                     "--report", f"json={out / 'r.json'}", "--report", f"markdown={out / 'r.md'}",
                     "--report", f"sarif={out / 'r.sarif'}", "--report", f"html={out / 'r.html'}"])
    assert outcome.exit_code == 0, outcome.stderr
    report = json.loads((out / "r.json").read_text())
    # The scan read every crafted file and found its steps: the checks below are not vacuous.
    parsed = {f["path"]: f for f in report["files"]}
    for path in FILES:
        assert parsed[path]["error"] is None and parsed[path]["steps"] > 0, parsed[path]
    names = [s["name"] for s in report["steps"]]
    assert sum("[REDACTED:" in name for name in names) >= 3 * len(ONE_LINE)

    assert_no_secret("terminal", outcome.stdout)
    assert_no_secret("stderr", outcome.stderr)
    assert_no_secret("json", "\n".join(_strings(report)))
    assert_no_secret("json (raw)", (out / "r.json").read_text())
    sarif = json.loads((out / "r.sarif").read_text())
    assert_no_secret("sarif", "\n".join(_strings(sarif)))
    assert_no_secret("markdown", _markdown_text((out / "r.md").read_text()))
    page = (out / "r.html").read_text()
    assert "[REDACTED:" in html.unescape(page)
    assert_no_secret("html", html.unescape(page))
    assert_no_secret("html (JSON escapes read)", page.encode().decode("unicode_escape", "replace"))


def test_pr_mode_reports_are_free_of_secrets(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repository = git.Repo.init(root, initial_branch="main")
    write_tree(root, {"README.md": "x\n"})
    repository.index.add(["README.md"])
    actor = git.Actor("Test", "test@example.invalid")
    repository.index.commit("base", author=actor, committer=actor)
    write_tree(root, FILES)  # the pull request adds every file (the work tree is compared)
    for fmt in ("json", "markdown"):
        outcome = _scan(["scan", str(root), "--base", "main", "-f", fmt, "--fail-on", "never"])
        assert outcome.exit_code == 0, outcome.stderr
        text = outcome.stdout
        if fmt == "json":
            data = json.loads(text)
            assert data["changes"]["counts"]["added"] > 3 * len(ONE_LINE)
            text = "\n".join(_strings(data))
        else:
            text = _markdown_text(text)
        assert_no_secret(f"PR mode {fmt}", text)
        assert_no_secret("stderr", outcome.stderr)


def _sent(body: str) -> str:
    """Every string a request carried, the <ci-data> block decoded as well."""
    strings = _strings(json.loads(body))
    blocks = [m.group(1) for content in strings
              for m in re.finditer(f"{DATA_OPEN}\n(.*)\n{DATA_CLOSE}", content, re.DOTALL)]
    assert blocks, "a request without its data block"
    return "\n".join(strings + [s for block in blocks for s in _strings(json.loads(block))])


def test_llm_requests_are_free_of_secrets(repo: Path, tmp_path: Path) -> None:
    env = {"OPENAI_API_KEY": "sk-test-0123456789abcdefghijklmnopqrstuv",
           "OPENAI_BASE_URL": None, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    with ScriptedServer() as server:
        outcome = _scan(["scan", str(repo), "-b", "openai", "--base-url", server.url,
                         "--cache-dir", str(tmp_path / "cache"), "--relabel", "all",
                         "--max-requests", "1000", "-f", "json", "--fail-on", "never",
                         "--set", "openai.timeout=5", "--set", "openai.max_retries=0"], env)
        bodies = server.bodies()
    assert outcome.exit_code == 0, outcome.stderr
    report = json.loads(outcome.stdout)
    assert report["summary"]["llm"]["relabelled"] == report["summary"]["steps"]
    assert bodies and sum(len(b) for b in bodies) > 10_000  # the steps were sent
    for number, body in enumerate(bodies):
        assert_no_secret(f"request {number}", _sent(body))
    assert_no_secret("json", "\n".join(_strings(report)))


def test_an_error_message_is_redacted_after_its_file_name() -> None:
    from xops_lens.scan import _redacted_after

    prefix = ".github/workflows/a::error::forged-name-0123456789abcdefXYZ.yml:3: "
    error = prefix + "unexpected 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'"
    assert _redacted_after(prefix, error) == prefix + "unexpected '[REDACTED:github-token]'"
