"""The OpenAI backend words the cost suggestions: the real ``openai`` client over real
HTTP against the scripted server of tests/llm_server.py. The model may change the words
only; the numbers, places and order are the cost model's, and whatever goes wrong the
catalogue's words remain."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLES, REPO_ROOT
from tests.llm_server import ScriptedServer, suggestions_of
from xops_lens.cli import cli
from xops_lens.errors import XopsLensError
from xops_lens.llm import wording
from xops_lens.llm.prompt import AnswerError
from xops_lens.model import AppliesTo, Suggestion, SuggestionNumbers, SuggestionWording
from xops_lens.reword import reword_suggestions

SCHEMA = json.loads((REPO_ROOT / "xops_lens/schemas/scan.schema.json").read_text())
FAST = ["--no-propose", "--set", "openai.timeout=2", "--set", "openai.retry_backoff=0.01",
        "--set", "openai.max_retries=1"]
SECRET = "ghp_Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0EdCbA9"


@pytest.fixture
def server() -> Any:
    with ScriptedServer() as srv:
        yield srv


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The GitHub example (a manual gate, a test matrix: several suggestions), with a
    secret written into the test job's script."""
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "github", root)
    ci = root / ".github" / "workflows" / "ci.yml"
    text = ci.read_text(encoding="utf-8")
    assert "run: pytest" in text
    ci.write_text(text.replace("run: pytest", f"run: GH_TOKEN={SECRET} pytest", 1),
                  encoding="utf-8")
    return root


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    return {"OPENAI_API_KEY": "sk-test-0123456789abcdefghijklmnopqrstuv",
            "OPENAI_BASE_URL": None, "XDG_CACHE_HOME": str(tmp_path / "xdg"),
            "COLUMNS": "120", "NO_COLOR": "1"}


def scan(repo: Path, env: dict[str, str | None], *args: str) -> tuple[int, str, str]:
    outcome = CliRunner().invoke(cli, ["scan", str(repo), *args], env=env,
                                 catch_exceptions=False)
    return outcome.exit_code, outcome.stdout, outcome.stderr


def llm_json(repo: Path, server: ScriptedServer, cache: Path, env: dict[str, str | None],
             *args: str) -> tuple[dict[str, Any], str]:
    code, out, err = scan(repo, env, "-b", "openai", "--base-url", server.url,
                          "--cache-dir", str(cache), "-f", "json", *FAST, *args)
    assert code == 0, err
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    return report, err


def numbers(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Everything of each suggestion but its words."""
    return [{k: v for k, v in s.items() if k not in ("title", "description", "wording_by")}
            for s in report["suggestions"]]


def rules_report(repo: Path, env: dict[str, str | None]) -> dict[str, Any]:
    code, out, err = scan(repo, env, "-f", "json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_the_model_words_the_suggestions_and_never_the_numbers(
        repo: Path, server: ScriptedServer, tmp_path: Path, env: Any) -> None:
    plain = rules_report(repo, env)
    assert len(plain["suggestions"]) >= 3
    report, _ = llm_json(repo, server, tmp_path / "cache", env)
    assert numbers(report) == numbers(plain)
    assert [s["wording_by"] for s in report["suggestions"]] == ["openai"] * len(plain["suggestions"])
    for before, after in zip(plain["suggestions"], report["suggestions"], strict=True):
        assert after["title"].startswith("For ") and before["title"] in after["title"]
        assert "people stop doing it by hand" in after["description"]
    assert report["summary"]["llm"]["suggestions_reworded"] == len(plain["suggestions"])
    asked = server.wording_requests()
    assert len(asked) == 1  # every suggestion in one request (at most 25 per request)
    sent = suggestions_of(asked[0]["body"])
    assert [item["catalogue"] for item in sent] == [s["id"] for s in plain["suggestions"]]
    # No number of the cost model is sent: it is not the model's to write.
    for item in sent:
        assert set(item) == {"id", "catalogue", "title", "description", "applies_to"}
    assert report["summary"]["llm"]["requests"] == len(server.requests)


def test_no_secret_reaches_the_wording_request(repo: Path, server: ScriptedServer,
                                               tmp_path: Path, env: Any) -> None:
    llm_json(repo, server, tmp_path / "cache", env, "--relabel", "all")
    bodies = [r["raw"] for r in server.wording_requests()]
    assert bodies and any("pytest" in body for body in bodies)
    for body in server.bodies():
        assert SECRET not in body and "Zx9Yw8Vu7Ts6" not in body


def test_an_unchanged_rescan_words_from_the_cache(repo: Path, server: ScriptedServer,
                                                  tmp_path: Path, env: Any) -> None:
    first, _ = llm_json(repo, server, tmp_path / "cache", env)
    sent = len(server.requests)
    assert server.wording_requests()
    again, _ = llm_json(repo, server, tmp_path / "cache", env)
    assert len(server.requests) == sent, "the re-scan asked the server again"
    assert again["suggestions"] == first["suggestions"]
    assert again["summary"]["llm"]["requests"] == 0


@pytest.mark.parametrize("behaviour", ["digits", "off-schema", "malformed", "500"])
def test_words_that_are_refused_leave_the_catalogue(behaviour: str, repo: Path,
                                                    server: ScriptedServer, tmp_path: Path,
                                                    env: Any) -> None:
    plain = rules_report(repo, env)
    report, err = llm_json(repo, server, tmp_path / "cache", env, "--relabel", "all",
                           "--set", "openai.max_retries=0", "--set", "openai.batch_size=25")
    labels = len(server.requests)
    assert labels >= 1
    server.default = behaviour
    report, err = llm_json(repo, server, tmp_path / "cache2", env, "--relabel", "all",
                           "--set", "openai.max_retries=0")
    assert report["suggestions"] == plain["suggestions"]  # words and numbers of the catalogue
    assert report["summary"]["llm"]["suggestions_reworded"] == 0
    assert "keep the catalogue's words" in err or "suggestion wording request" in err
    assert "Traceback" not in err


def test_markup_in_the_words_is_escaped_in_the_comment(repo: Path, server: ScriptedServer,
                                                       tmp_path: Path, env: Any) -> None:
    server.default = "hostile"
    code, out, err = scan(repo, env, "-b", "openai", "--base-url", server.url, "--cache-dir",
                          str(tmp_path / "cache"), "-f", "markdown", "--no-cache", *FAST)
    assert code == 0, err
    assert "<img" not in out and "onerror=alert" in out.replace("\\", "")  # shown, inert
    assert "@everyone" not in out  # a zero-width space breaks the mention
    assert "](https://evil" not in out
    # The description is shown too (under "What each suggestion means"), inert.
    assert "click here" in out and "<!-- xops-lens -->" not in out
    assert out.count("</details>") == out.count("<details")
    code, out, err = scan(repo, env, "-b", "openai", "--base-url", server.url, "--no-cache",
                          *FAST)
    assert code == 0, err
    assert "[bold]x[/bold]" in out  # printed as text, not taken as terminal markup


def test_no_reword_sends_no_wording_request(repo: Path, server: ScriptedServer,
                                            tmp_path: Path, env: Any) -> None:
    report, _ = llm_json(repo, server, tmp_path / "cache", env, "--relabel", "all",
                         "--no-reword")
    assert server.label_requests() and not server.wording_requests()
    assert {s["wording_by"] for s in report["suggestions"]} == {"catalogue"}


def test_the_budget_covers_the_wording(repo: Path, server: ScriptedServer, tmp_path: Path,
                                       env: Any) -> None:
    llm_json(repo, server, tmp_path / "probe", env, "--relabel", "all", "--no-reword")
    labels = len(server.requests)
    server.requests.clear()
    report, err = llm_json(repo, server, tmp_path / "cache", env, "--relabel", "all",
                           "--max-requests", str(labels))
    assert len(server.requests) == labels and not server.wording_requests()
    assert "budget reached" in err
    assert {s["wording_by"] for s in report["suggestions"]} == {"catalogue"}


def test_the_estimate_counts_the_wording_request(repo: Path, tmp_path: Path,
                                                 env: Any) -> None:
    no_key = {**env, "OPENAI_API_KEY": None}

    def estimate(*args: str) -> dict[str, Any]:
        code, out, err = scan(repo, no_key, "-b", "openai", "--relabel", "all", "--estimate",
                              "-f", "json", "--cache-dir", str(tmp_path / "c"), *args)
        assert code == 0, err
        return json.loads(out)["estimate"]  # type: ignore[no-any-return]

    with_words, without = estimate(), estimate("--no-reword")
    assert with_words["requests"] == without["requests"] + 1
    assert with_words["prompt_tokens"] > without["prompt_tokens"]


# ------------------------------------------------------------------ units

def _suggestion(title: str = "Flaky test quarantine") -> Suggestion:
    numbers = SuggestionNumbers("USD", 100.0, 500.0, 0.01, 10.0, "re-runs", 1.0, 0.5, 0.1,
                                80.0, 6.25, "(…) = 80 USD/month")
    return Suggestion("flaky-quarantine", SuggestionWording(title, "Quarantine flaky tests."),
                      numbers, (AppliesTo(".github/workflows/ci.yml", 4, "test", "pytest"),), 0.5)


def test_answers_with_numbers_unknown_ids_or_other_shapes_are_dropped() -> None:
    answer = json.dumps({"suggestions": [
        {"id": "g1", "title": "Quarantine the flaky tests of test", "description": "A bot does it."},
        {"id": "g2", "title": "Saves 3 hours", "description": "x"},
        {"id": "g9", "title": "not asked", "description": "x"},
        {"id": "g1", "title": "a second answer", "description": "x"},
        {"id": "g3", "title": ["not", "text"], "description": "x"},
    ]})
    found = wording.parse_answer(answer, ["g1", "g2", "g3"], "openai")
    assert list(found) == ["g1"]
    assert found["g1"] == SuggestionWording("Quarantine the flaky tests of test",
                                            "A bot does it.", "openai")
    with pytest.raises(AnswerError):
        wording.parse_answer(json.dumps({"suggestions": [{"id": "g1", "title": "v2"}]}),
                             ["g1"], "openai")
    long = wording.parse_answer(json.dumps({"suggestions": [
        {"id": "g1", "title": "word " * 100, "description": "line\nbreak\x00 " * 200}]}),
        ["g1"], "openai")["g1"]
    assert len(long.title) <= wording.MAX_TITLE_CHARS
    assert len(long.description) <= wording.MAX_DESCRIPTION_CHARS
    assert "\n" not in long.description and "\x00" not in long.description


class _Backend:
    name = "plugin"

    def __init__(self, change: str) -> None:
        self.change = change

    def word_suggestions(self, suggestions: list[Suggestion], steps: Any) -> list[Suggestion]:
        if self.change == "raise":
            raise XopsLensError("the service is down")
        if self.change == "numbers":
            s = suggestions[0]
            return [Suggestion(s.id, s.wording, replace(s.numbers, monthly_saving=9000.0),
                               s.applies_to, s.confidence)]
        return [s.reworded(SuggestionWording("New words", "New description", "plugin"))
                for s in suggestions]


@pytest.mark.parametrize("change", ["raise", "numbers"])
def test_a_backend_that_fails_or_changes_numbers_keeps_the_catalogue(change: str) -> None:
    warnings: list[str] = []
    original = [_suggestion()]
    assert reword_suggestions(_Backend(change), original, [], warnings.append) is original
    assert len(warnings) == 1 and "catalogue's words are kept" in warnings[0]


def test_a_backend_may_change_the_words() -> None:
    warnings: list[str] = []
    worded = reword_suggestions(_Backend("words"), [_suggestion()], [], warnings.append)
    assert worded[0].wording == SuggestionWording("New words", "New description", "plugin")
    assert worded[0].numbers == _suggestion().numbers and not warnings


def test_a_backend_without_the_method_is_left_alone() -> None:
    original = [_suggestion()]
    assert reword_suggestions(object(), original, [], lambda m: None) is original

