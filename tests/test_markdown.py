"""``--format markdown``: golden files (checked in as .md, so a reviewer can read them
rendered), escaping of hostile CI text, links, the job summary.

Regenerate the golden files after an intended change with
``XOPS_LENS_UPDATE_GOLDEN=1 python -m pytest tests/test_markdown.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from tests.conftest import EXAMPLES, write_tree
from xops_lens.cli import cli
from xops_lens.reporters._text import html_text, md, plain

GOLDEN = Path(__file__).parent / "golden" / "markdown"
HEAD_SHA = "0123456789abcdef0123456789abcdef01234567"
ACTIONS_ENV = {
    "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "octo/widgets",
    "GITHUB_SHA": HEAD_SHA, "GITHUB_EVENT_PATH": None, "GITHUB_STEP_SUMMARY": None,
}
NO_ACTIONS_ENV = {key: None for key in ACTIONS_ENV}
# History-derived cost figures pinned, so that the golden files do not age.
PINNED = ["--set", "cost.changes_per_month=20", "--set", "cost.dependency_bumps_per_month=2",
          "--set", "cost.releases_per_month=1"]


def render(path: Path, *args: str, env: dict[str, str | None] | None = None,
           cwd: Path | None = None) -> str:
    runner = CliRunner()
    environment = {**NO_ACTIONS_ENV, **(env or {})}
    if cwd is not None:
        environment["GITHUB_WORKSPACE"] = str(cwd)
    outcome = runner.invoke(cli, ["scan", str(path), "-f", "markdown", *PINNED, *args],
                            env=environment, catch_exceptions=False)
    assert outcome.exit_code in (0, 3), outcome.stderr
    return outcome.stdout


def mask_money(text: str) -> str:
    """Money figures are the cost model's (pinned by its own golden tests); masked here so
    a change of the catalogue's numbers does not fail the Markdown layout tests."""
    text = re.sub(r"[−+]?\$[\d,]+(?:\.\d+)?", "$#", text)
    return re.sub(r"\b\d+(?:\.\d+)? mo\b", "# mo", text)


def check_golden(name: str, text: str) -> None:
    text = mask_money(text)
    path = GOLDEN / name
    if os.environ.get("XOPS_LENS_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: run with XOPS_LENS_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def html(text: str) -> str:
    """Rendered as CommonMark with GitHub's tables and strikethrough, raw HTML allowed."""
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(text)


def test_golden_full_scan_with_links() -> None:
    text = render(EXAMPLES / "github", env={**ACTIONS_ENV, "GITHUB_WORKSPACE": str(EXAMPLES / "github")})
    assert f"https://github.com/octo/widgets/blob/{HEAD_SHA}/.github/workflows/ci.yml#L65" in text
    check_golden("github-full.md", text)


def test_golden_full_scan_without_actions_environment() -> None:
    text = render(EXAMPLES / "gitlab")
    assert "](http" not in text  # no link without a repository and a commit
    check_golden("gitlab-full.md", text)


HOSTILE = """\
on: push
jobs:
  "evil|job":
    runs-on: ubuntu-latest
    environment: "<img src=x onerror=alert(1)>"
    steps:
      - name: "<!-- xops-lens:comment --> hi @octocat and @org/team #1 GH-2"
        run: echo
      - name: "![pixel](https://evil.example/p.png) [click](javascript:alert(1)) <script>x</script>"
        run: echo
      - name: "a | b | c `code` **bold** ~~gone~~ $x^2$ \\\\ back"
        run: echo
      - name: "two\\nlines\\u202eevil <https://evil.example> www.evil.example &amp; &lt;b&gt;"
        run: echo
"""


def test_hostile_names_cannot_inject_markup(tmp_path: Path) -> None:
    write_tree(tmp_path, {".github/workflows/ci.yml": HOSTILE})
    text = render(tmp_path, env=ACTIONS_ENV, cwd=tmp_path)
    check_golden("hostile.md", text)
    rendered = html(text)
    assert "<!--" not in text and "<img" not in rendered and "<script" not in rendered
    assert not re.search(r"<a href=\"(?!https://github\.com/octo/widgets/blob/)", rendered)
    assert "<del>gone" not in rendered and "<strong>bold" not in rendered
    assert "<code>code" not in rendered
    assert not re.search(r"(?<![\w`])@(?!\u200b)\w", text)  # every mention defused
    assert "#\u200b1" in text and "GH-\u200b2" in text
    assert "\u202e" not in text and "https://evil" not in text.replace("https:\u200b//", "")
    assert "&amp;amp;" in text  # an entity in a name shows as written
    # Every table row keeps its columns: 5 cells in "All steps", whatever the names hold.
    rows = [line for line in text.splitlines() if line.startswith("| [")]
    assert rows and all(len(re.findall(r"(?<!\\)\|", row)) == 6 for row in rows)
    for cells in re.findall(r"<tr>(.*?)</tr>", rendered, re.DOTALL):
        assert cells.count("<td") in (0, 3, 4, 5)


def _git_pr(tmp_path: Path) -> Path:
    git = pytest.importorskip("git")
    repo = git.Repo.init(tmp_path / "repo", initial_branch="main")
    root = Path(repo.working_tree_dir)

    def commit(text: str, day: int) -> None:
        (root / ".github/workflows").mkdir(parents=True, exist_ok=True)
        (root / ".github/workflows/ci.yml").write_text(text)
        repo.index.add([".github/workflows/ci.yml"])
        stamp = f"{int(datetime(2026, 3, day, tzinfo=timezone.utc).timestamp())} +0000"
        actor = git.Actor("Test", "test@example.invalid")
        repo.index.commit("c", author=actor, committer=actor, author_date=stamp, commit_date=stamp)

    base = (EXAMPLES / "github/.github/workflows/ci.yml").read_text()
    commit(base, 1)
    repo.git.checkout("-b", "feature")
    pr = base.replace("run: pytest -q --junitxml=results.xml",
                      "run: pytest -q -n auto --junitxml=results.xml")
    pr = pr.replace("      - run: python -m build\n", "")
    pr = pr.replace("    environment:\n      name: production\n      url: https://example.invalid\n",
                    "")
    pr = pr.replace("  docs:\n", "  approve:\n    runs-on: ubuntu-latest\n    steps:\n"
                    "      - uses: trstringer/manual-approval@v1\n  docs:\n")
    commit(pr, 2)
    return root


def test_golden_pr_mode(tmp_path: Path) -> None:
    root = _git_pr(tmp_path)
    text = render(root, "--base", "main", env=ACTIONS_ENV, cwd=root)
    assert "| changed |" in text and "| added |" in text and "Removed (2)" in text
    assert "**monthly cost**" in text
    check_golden("pr-mode.md", text)
    quiet = render(root, "--base", "main", "-q", env=ACTIONS_ENV, cwd=root)
    assert "<details" not in quiet and "before" in quiet


def test_step_summary_is_appended(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    env = {**ACTIONS_ENV, "GITHUB_STEP_SUMMARY": str(summary)}
    first = render(EXAMPLES / "github", "-q", env=env)
    render(EXAMPLES / "github", "-q", env=env)
    assert summary.read_text() == "earlier step\n" + (first + "\n") * 2
    render(EXAMPLES / "github", "-q", env={**env, "XOPS_LENS_STEP_SUMMARY": "0"})
    assert summary.read_text().count("### xops-lens") == 2


def test_long_reports_fall_back_to_the_summary(tmp_path: Path, monkeypatch: Any) -> None:
    from xops_lens.reporters import markdown

    steps = "".join(f"      - name: step {i} {'x' * 150}\n        run: make {i}\n"
                    for i in range(400))
    write_tree(tmp_path, {".github/workflows/ci.yml":
                          f"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n{steps}"})
    full = render(tmp_path)
    assert "…and 300 more" in full and "All steps (400)" in full
    monkeypatch.setattr(markdown, "MAX_CHARS", 5_000)
    text = render(tmp_path)
    assert "All steps" not in text and "**400 step(s)**" in text


def test_text_helpers() -> None:
    assert plain("  a\n\tb \x00c\u200b ", 80) == "a b c"
    assert plain("abcdef", 4) == "abc…"
    assert md("x|y") == "x\\|y" and md("@me") == "@\u200bme"
    assert md("name@example") == "name@example"  # not a mention
    assert html_text('<b a="1">') == "&lt;b a=&quot;1&quot;&gt;"
