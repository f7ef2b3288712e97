"""The ``llm`` backend: models of Simon Willison's llm library. The models here are a
plugin of the test's own, registered through llm's plugin hooks (no network): one that
takes a schema, one that does not and answers JSON in prose, with llm's aliases and
key store in a temporary LLM_USER_PATH. The real SmolLM2 server through llm's
extra-openai-models.yaml is in tests/test_llm_llamacpp.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import REPO_ROOT, write_tree
from tests.llm_server import label_for, wording_for
from xops_lens.cli import cli
from xops_lens.llm.tokens import completion_cap

llm = pytest.importorskip("llm")

SCHEMA = json.loads((REPO_ROOT / "xops_lens/schemas/scan.schema.json").read_text())
SECRET = "ghp_Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0EdCbA9"
WORKFLOW = f"""\
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt
      - run: GH_TOKEN={SECRET} pytest -q
      - run: ./scripts/odd.sh
"""


def _data(text: str) -> dict[str, Any]:
    inner = text.split("<ci-data>", 1)[1].rsplit("</ci-data>", 1)[0]
    return json.loads(inner)  # type: ignore[no-any-return]


class _Options(llm.Options):  # type: ignore[misc,name-defined]
    max_tokens: int | None = None
    temperature: float | None = None


class Labeller(llm.Model):  # type: ignore[misc,name-defined]
    """Answers like the scripted server's "good" behaviour, and records each prompt."""

    can_stream = False
    Options = _Options

    def __init__(self, model_id: str, schema: bool, needs_key: str | None = None) -> None:
        self.model_id = model_id
        self.supports_schema = schema
        self.needs_key = needs_key
        self.prompts: list[Any] = []

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Iterator[str]:
        self.prompts.append(prompt)
        data = _data(prompt.prompt)
        if "suggestions" in data:
            answer = {"suggestions": [wording_for(i, "good") for i in data["suggestions"]]}
        else:
            answer = {"labels": [{"id": s["id"], **label_for(s)} for s in data["steps"]]}
        text = json.dumps(answer)
        response.set_usage(input=len(prompt.prompt) // 4, output=len(text) // 4)
        yield text if self.supports_schema else f"Here you are:\n```json\n{text}\n```"


SCHEMA_MODEL = Labeller("xops-test-schema", schema=True)
PLAIN_MODEL = Labeller("xops-test-plain", schema=False)
KEYED_MODEL = Labeller("xops-test-keyed", schema=True, needs_key="xops-test")


class _Plugin:
    @llm.hookimpl  # type: ignore[misc]
    def register_models(self, register: Any) -> None:
        register(SCHEMA_MODEL, aliases=("xops-alias",))
        register(PLAIN_MODEL)
        register(KEYED_MODEL)


@pytest.fixture(autouse=True)
def plugin() -> Iterator[None]:
    llm.plugins.pm.register(_Plugin(), name="xops-test-models")
    for model in (SCHEMA_MODEL, PLAIN_MODEL, KEYED_MODEL):
        model.prompts.clear()
    try:
        yield
    finally:
        llm.plugins.pm.unregister(name="xops-test-models")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    return {"LLM_USER_PATH": str(tmp_path / "llm-user"), "OPENAI_API_KEY": None,
            "XDG_CACHE_HOME": str(tmp_path / "xdg"), "NO_COLOR": "1", "COLUMNS": "120"}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", {".github/workflows/ci.yml": WORKFLOW})


def scan(repo: Path, env: dict[str, str | None], *args: str) -> tuple[int, dict[str, Any] | None, str]:
    outcome = CliRunner().invoke(cli, ["scan", str(repo), "-b", "llm", "-f", "json", *args],
                                 env=env, catch_exceptions=False)
    report = json.loads(outcome.stdout) if outcome.stdout.startswith("{") else None
    if report is not None and "schema_version" in report:
        jsonschema.validate(report, SCHEMA)
    return outcome.exit_code, report, outcome.stderr


def test_a_model_with_a_schema_gets_the_label_schema(repo: Path, env: Any, tmp_path: Path) -> None:
    code, report, err = scan(repo, env, "--model", "xops-alias", "--relabel", "all",
                             "--cache-dir", str(tmp_path / "c"))
    assert code == 0 and report is not None, err
    llm_summary = report["summary"]["llm"]
    assert llm_summary["backend"] == "llm" and llm_summary["model"] == "xops-test-schema"
    assert llm_summary["relabelled"] == 4 and llm_summary["fallbacks"] == 0
    assert {s["backend"] for s in report["steps"]} == {"llm"}
    assert llm_summary["endpoint"] == "local"  # no URL and no key: it runs here
    labelling, *worded = SCHEMA_MODEL.prompts
    assert "anyOf" in labelling.schema["properties"]["labels"]["items"]
    assert labelling.options.max_tokens == completion_cap(4)
    assert "untrusted" in labelling.system and SECRET not in labelling.prompt
    assert worded and all(SECRET not in p.prompt for p in worded)
    assert {s["wording_by"] for s in report["suggestions"]} == {"llm"}
    assert llm_summary["prompt_tokens"] > 0 and not llm_summary["tokens_estimated"]

    # The same scan again is answered from the cache.
    SCHEMA_MODEL.prompts.clear()
    code, again, err = scan(repo, env, "--model", "xops-test-schema", "--relabel", "all",
                            "--no-propose", "--cache-dir", str(tmp_path / "c"))
    assert code == 0 and again is not None, err
    assert not SCHEMA_MODEL.prompts and again["summary"]["llm"]["cache_hits"] == 4


def test_a_model_without_a_schema_gets_validated_json(repo: Path, env: Any) -> None:
    code, report, err = scan(repo, env, "--model", "xops-test-plain", "--relabel", "all",
                             "--no-cache")
    assert code == 0 and report is not None, err
    assert report["summary"]["llm"]["relabelled"] == 4
    assert PLAIN_MODEL.prompts and all(p.schema is None for p in PLAIN_MODEL.prompts)


def test_keys_come_from_llms_key_store(repo: Path, env: Any, tmp_path: Path) -> None:
    code, report, err = scan(repo, env, "--model", "xops-test-keyed", "--no-cache")
    assert code == 2 and "llm keys set xops-test" in err and "Traceback" not in err
    user = Path(env["LLM_USER_PATH"])
    user.mkdir(parents=True, exist_ok=True)
    (user / "keys.json").write_text(json.dumps({"xops-test": "k-123"}))
    code, report, err = scan(repo, env, "--model", "xops-test-keyed", "--no-cache",
                             "--relabel", "all")
    assert code == 0 and report is not None and report["summary"]["llm"]["relabelled"] == 4
    # --estimate needs no key and sends nothing.
    KEYED_MODEL.prompts.clear()
    outcome = CliRunner().invoke(cli, ["scan", str(repo), "-b", "llm", "--model",
                                       "xops-test-keyed", "--estimate"],
                                 env={**env, "LLM_USER_PATH": str(tmp_path / "empty")})
    assert outcome.exit_code == 0 and "Nothing was sent." in outcome.stdout
    assert not KEYED_MODEL.prompts


def test_bad_choices_are_one_line_errors(repo: Path, env: Any) -> None:
    code, _, err = scan(repo, env, "--model", "no-such-model")
    assert code == 2 and "Unknown model: no-such-model" in err and "Traceback" not in err
    code, _, err = scan(repo, env, "--model", "xops-alias", "--base-url", "http://127.0.0.1:1/v1")
    assert code == 2 and "extra-openai-models.yaml" in err


def test_the_repository_cannot_choose_the_model(tmp_path: Path, env: Any) -> None:
    repo = write_tree(tmp_path / "repo", {".github/workflows/ci.yml": WORKFLOW,
                                          ".xops-lens.toml": '[llm]\nmodel = "xops-test-plain"\n'})
    code, report, err = scan(repo, {**env, "LLM_USER_PATH": str(tmp_path / "u")},
                             "--relabel", "all", "--no-cache", "--estimate")
    assert code == 0, err
    assert "llm.model is ignored" in err
    assert not PLAIN_MODEL.prompts
