"""What a real model server does to the OpenAI backend, reproduced by the scripted server
of tests/llm_server.py: a grammar built from the label schema, answers cut off at
``max_tokens``, partial answers (1 of N ids, one id repeated), confidences out of
range, slow local servers, and wordings that are gibberish or about something else.
The real llama.cpp server is in tests/test_llm_llamacpp.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLES, REPO_ROOT, write_tree
from tests.llm_server import ScriptedServer, steps_of
from xops_lens.backends.openai_backend import _limit_field
from xops_lens.cli import cli
from xops_lens.config import UserSettings
from xops_lens.llm import wording
from xops_lens.llm.settings import endpoint_kind, request_timeout, resolve
from xops_lens.llm.tokens import completion_cap
from xops_lens.model import SuggestionWording

SCHEMA = json.loads((REPO_ROOT / "xops_lens/schemas/scan.schema.json").read_text())
FAST = ["--set", "openai.retry_backoff=0.01", "--set", "openai.max_retries=1"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    return {"OPENAI_API_KEY": None, "OPENAI_BASE_URL": None,
            "XDG_CACHE_HOME": str(tmp_path / "xdg"), "COLUMNS": "120", "NO_COLOR": "1"}


def _workflow(n: int) -> str:
    steps = "".join(f"      - name: step {i}\n        run: ./scripts/task{i}.sh\n"
                    for i in range(n))
    return "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n" + steps


def _scan(repo: Path, url: str, env: dict[str, str | None], *args: str) -> tuple[dict[str, Any], str]:
    outcome = CliRunner().invoke(cli, ["scan", str(repo), "-b", "openai", "--base-url", url,
                                       "--no-cache", "-f", "json", *FAST, *args],
                                 env=env, catch_exceptions=False)
    assert outcome.exit_code in (0, 1), outcome.stderr
    report = json.loads(outcome.stdout)
    jsonschema.validate(report, SCHEMA)
    return report, outcome.stderr


# ------------------------------------------------------------------ requests


def test_every_request_bounds_its_answer_and_pairs_kinds_with_subsystems(
        tmp_path: Path, env: Any) -> None:
    repo = write_tree(tmp_path / "repo", {".github/workflows/ci.yml": _workflow(30)})
    with ScriptedServer() as server:
        report, _ = _scan(repo, server.url, env, "--relabel", "all")
    assert report["summary"]["llm"]["relabelled"] == 30
    bodies = [r["body"] for r in server.requests]
    assert server.wording_requests(), "the suggestions were not worded"
    for body in bodies:
        n = len(steps_of(body))
        if n:  # a labelling request: its cap grows with its batch
            assert body["max_tokens"] == completion_cap(n)
            items = body["response_format"]["json_schema"]["schema"]["properties"]["labels"]["items"]
            pairs = {v["properties"]["subsystem"]["enum"][0]: v["properties"]["kind"]["enum"]
                     for v in items["anyOf"]}
            assert "lint" in pairs["model"] and "lint" not in pairs["action"]
        else:
            assert 0 < body["max_tokens"] <= completion_cap(25, wording.MAX_COMPLETION_PER_ITEM)
    assert sorted(completion_cap(len(steps_of(b))) for b in bodies if steps_of(b)) == \
        [completion_cap(5), completion_cap(25)]


def test_openai_itself_gets_max_completion_tokens_and_copies_get_max_tokens() -> None:
    assert _limit_field(None) == "max_completion_tokens"
    assert _limit_field("https://api.openai.com/v1") == "max_completion_tokens"
    assert _limit_field("https://r.openai.azure.com/openai/v1/") == "max_completion_tokens"
    for url in ("http://localhost:8080/v1", "http://127.0.0.1:11434/v1",
                "https://api.together.xyz/v1"):
        assert _limit_field(url) == "max_tokens"


# ------------------------------------------------------------------ timeouts


@pytest.mark.parametrize(("url", "kind"), [
    (None, "hosted"), ("https://api.openai.com/v1", "hosted"),
    ("http://127.0.0.1:8080/v1", "local"), ("http://localhost:11434/v1", "local"),
    ("http://[::1]:8000/v1", "local"), ("http://192.168.1.20:1234/v1", "local"),
    ("http://10.0.0.5/v1", "local"), ("http://ollama:11434/v1", "local"),
    ("http://gpu-box.local:8000/v1", "local"), ("https://8.8.8.8/v1", "hosted"),
    ("https://llm.example.com/v1", "hosted"), ("http://[bad/v1", "hosted"),
])
def test_local_or_hosted_is_read_from_the_url_alone(url: str | None, kind: str) -> None:
    assert endpoint_kind(url) == kind


def _settings(base_url: str | None, **values: Any) -> Any:
    config = UserSettings()
    config.merge({"openai": values}, "--set")
    return resolve("openai", {"base_url": base_url}, config, lambda m: None,
                   default_model="m", environ={})


def test_the_timeout_follows_the_endpoint_and_the_batch() -> None:
    hosted, local = _settings("https://api.openai.com/v1"), _settings("http://127.0.0.1:8080/v1")
    assert request_timeout(hosted, completion_cap(25)) == 60
    one, full = request_timeout(local, completion_cap(1)), request_timeout(local, completion_cap(25))
    assert 60 < one < full <= 600
    assert request_timeout(_settings("http://127.0.0.1:1/v1", timeout=7), completion_cap(25)) == 7
    # A local server decodes one request at a time: others would time out in its queue.
    assert (local.concurrency, hosted.concurrency) == (1, 4)
    assert _settings("http://127.0.0.1:1/v1", concurrency=3).concurrency == 3


def test_the_estimate_says_the_timeout(tmp_path: Path, env: Any) -> None:
    repo = write_tree(tmp_path / "repo", {".github/workflows/ci.yml": _workflow(30)})

    def estimate(*args: str) -> str:
        outcome = CliRunner().invoke(cli, ["scan", str(repo), "-b", "openai", "--estimate",
                                           "--relabel", "all", "--no-reword", "--no-propose", *args], env=env)
        assert outcome.exit_code == 0, outcome.stderr
        return " ".join(outcome.stdout.split())

    local = estimate("--base-url", "http://127.0.0.1:9/v1")
    expected = request_timeout(_settings("http://127.0.0.1:9/v1"), completion_cap(25))
    assert f"timeout: up to {expected:g} s per request (a local server: 60 s plus" in local
    assert "timeout: up to 60 s per request (a hosted API" in estimate()
    assert "timeout: up to 5 s per request (openai.timeout)" in estimate(
        "--set", "openai.timeout=5")


def test_a_slow_local_server_is_waited_for(tmp_path: Path, env: Any) -> None:
    """No timeout set: a local server slower than a test's usual timeout still answers
    within the derived one, and the summary says how long the requests took."""
    repo = write_tree(tmp_path / "repo", {".github/workflows/ci.yml": _workflow(3)})
    with ScriptedServer(default="slow") as server:
        server.slow_seconds = 1.2
        report, err = _scan(repo, server.url, env, "--relabel", "all", "--no-reword", "--no-propose")
    llm = report["summary"]["llm"]
    assert llm["relabelled"] == 3 and llm["requests"] == 1 and "timed out" not in err
    assert llm["endpoint"] == "local" and llm["timeout"] > 60
    assert llm["request_seconds"] >= 1.2 and llm["slowest_request"] >= 1.2


# ------------------------------------------------------------------ partial answers


@pytest.mark.parametrize(("behaviour", "requests", "rejected"), [
    ("first-only", 4, 0),   # 1 of 4, then 1 of 3, 1 of 2, 1 of 1
    ("repeat-ids", 4, 6),   # s1 four times: three duplicates, then two, then one
    ("truncated", 4, 0),    # cut inside the second entry: the first is whole, each time
    ("over-1", 1, 0),       # clamped, not rejected
])
def test_partial_answers_keep_their_valid_entries(tmp_path: Path, env: Any, behaviour: str,
                                                  requests: int, rejected: int) -> None:
    repo = write_tree(tmp_path / "repo", {".github/workflows/ci.yml": _workflow(4)})
    with ScriptedServer(default=behaviour) as server:
        report, err = _scan(repo, server.url, env, "--relabel", "all", "--no-reword", "--no-propose")
        sizes = server.batch_sizes()
    llm = report["summary"]["llm"]
    assert llm["relabelled"] == 4 and llm["fallbacks"] == 0, err
    assert llm["requests"] == requests and llm["reasks"] == requests - 1
    assert llm["rejected_entries"] == rejected
    # Each re-ask sends only the steps still missing.
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == 4
    if behaviour == "over-1":
        assert {s["confidence"] for s in report["steps"]} == {1.0}


def test_re_asks_are_bounded(tmp_path: Path, env: Any) -> None:
    repo = write_tree(tmp_path / "repo", {".github/workflows/ci.yml": _workflow(8)})
    with ScriptedServer(default="first-only") as server:
        report, err = _scan(repo, server.url, env, "--relabel", "all", "--no-reword", "--no-propose")
    llm = report["summary"]["llm"]
    assert llm["requests"] == 4 and llm["relabelled"] == 4 and llm["fallbacks"] == 4
    assert "left steps out" in err and "4 distinct step(s) keep their rule labels" in err


def test_a_batch_too_long_for_the_context_is_split_not_stepped_down(
        tmp_path: Path, env: Any) -> None:
    """llama.cpp answers 400 when the prompt exceeds its context: that is no reason to
    give up the schema, but one to ask about fewer steps at a time."""
    repo = write_tree(tmp_path / "repo", {".github/workflows/ci.yml": _workflow(5)})
    with ScriptedServer(default="too-long") as server:
        report, err = _scan(repo, server.url, env, "--relabel", "all", "--no-reword", "--no-propose")
        sizes = server.batch_sizes()
        formats = {r["body"]["response_format"]["type"] for r in server.requests}
    llm = report["summary"]["llm"]
    assert llm["relabelled"] == 5 and llm["fallbacks"] == 0, err
    assert sizes == [5, 2, 3, 1, 2] and formats == {"json_schema"}
    assert "rejected response_format" not in err
    with ScriptedServer(default="too-long") as server:
        server.context_steps = 0
        report, err = _scan(repo, server.url, env, "--relabel", "all", "--no-reword", "--no-propose")
    assert report["summary"]["llm"]["fallbacks"] == 5
    assert "did not fit the server's context even with one step" in err


# ------------------------------------------------------------------ wording


@pytest.mark.parametrize(("behaviour", "reason"), [
    ("gibberish", "not words"), ("off-topic", "does not say what the suggestion does"),
])
def test_wordings_that_say_nothing_keep_the_catalogue(tmp_path: Path, env: Any,
                                                      behaviour: str, reason: str) -> None:
    with ScriptedServer(default=behaviour) as server:
        report, err = _scan(EXAMPLES / "github", server.url, env, "--no-propose")
    assert report["suggestions"]
    assert {s["wording_by"] for s in report["suggestions"]} == {"catalogue"}
    assert "keep the catalogue's words" in err and reason in err


PAYLOAD = {"catalogue": "flaky-quarantine", "title": "Flaky test quarantine",
           "description": "Record test outcomes across runs.",
           "applies_to": [{"job": "integration", "step": "Run e2e suite"}, {"job": "j"}]}


@pytest.mark.parametrize(("title", "description", "problem"), [
    ("Quarantine flaky integration tests",
     "Retry the known-flaky tests of the integration job in place and file an issue.", None),
    ("Quarantine flaky tests in j",
     "Retry known-flaky tests in place so nobody re-runs the whole job by hand.", None),
    ("Quarantine flaky tests",
     "Retry known-flaky tests in place so nobody re-runs the whole job by hand.",
     "names none of its jobs or steps"),
    ("Integration job improvements",
     "Make the integration job better for everybody who works on it daily.",
     "does not say what the suggestion does"),
    ("Flaky integration", "flaky flaky flaky integration tests now", "repetitive"),
    ("Flaky integration quarantine",
     "integration tests quarantine integration tests quarantine integration tests "
     "quarantine integration tests quarantine", "repetitive"),
    ("Flaky integration", "qwrtp zxcvb flkry integration tsts mnbvc", "not words"),
    ("Flaky integration", "{{{ ]]] --- !!! ??? integration flaky tests are ### *** ~~~ "
     "quarantined ^^^", "mostly symbols"),
    ("Flaky integration", "Flaky integration", "too short"),
])
def test_a_wording_must_name_its_subject_and_read_as_prose(title: str, description: str,
                                                           problem: str | None) -> None:
    assert wording.wording_problem(SuggestionWording(title, description, "m"), PAYLOAD) == problem
