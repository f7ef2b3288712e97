"""The suggestion catalogue (issue 19): twenty practices over the three subsystems, each
line claimed by one entry only, each entry checking what the pipeline already does, and
every default number with its basis written beside it."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, write_tree
from xops_lens.config import load_config
from xops_lens.cost.catalogue import NUMBER_FIELDS, builtin
from xops_lens.cost.settings import Settings
from xops_lens.cost.suggest import assign
from xops_lens.model import SUBSYSTEM_OF_KIND
from xops_lens.result import ScanResult
from xops_lens.scan import scan

FIXTURE = REPO_ROOT / "tests" / "data" / "catalogue"
BASE = ["cost.changes_per_month=100", "cost.environment_approval=true"]
CATALOGUE = REPO_ROOT / "xops_lens" / "cost" / "catalogue.toml"


def _scan(root: Path, *assignments: str) -> ScanResult:
    return scan(root, config=load_config(None, assignments=[*BASE, *assignments]), workers=0)


def _ids(result: ScanResult) -> set[str]:
    assert result.cost is not None
    return {s.id for s in result.cost.suggestions}


def _tree(tmp_path: Path, workflow: str) -> Path:
    return write_tree(tmp_path, {".github/workflows/ci.yml":
                                 textwrap.dedent(workflow).lstrip("\n")})


def test_twenty_entries_over_the_three_subsystems() -> None:
    entries = builtin()
    assert len(entries) >= 20
    # The subsystem of the lines each entry is about: its kinds, else its categories.
    by_category = {"gate": "action", "dispatch": "action", "release-notes": "action",
                   "dependency-review": "model", "triage": "model", "rerun": "model"}
    subsystems = {SUBSYSTEM_OF_KIND[k] for e in entries for k in e.kinds}
    subsystems |= {by_category[c] for e in entries if not e.kinds for c in e.categories}
    assert subsystems == {"information", "model", "action"}


def test_a_rich_pipeline_gets_every_practice_that_applies() -> None:
    result = _scan(FIXTURE)
    # Every entry but the bump review: tests run on pull requests here, so passing bumps
    # are merged automatically and the review line goes to that entry first.
    assert _ids(result) == {e.id for e in builtin()} - {"dependency-bump-review"}


def test_no_cost_line_is_claimed_twice_and_savings_add_up() -> None:
    result = _scan(FIXTURE)
    assert result.cost is not None
    pipelines = [f.pipeline for f in result.files if f.pipeline is not None]
    claims = assign(result.cost.lines, Settings(result.config), pipelines)
    seen: dict[int, str] = {}
    for entry, lines in claims:
        for line in lines:
            assert id(line) not in seen, (entry.id, seen.get(id(line)), line.category)
            seen[id(line)] = entry.id
    claimed = sum(s.numbers.marginal_monthly for s in result.cost.suggestions)
    assert claimed <= result.cost.total().monthly + 1e-9


def test_an_entry_switched_off_leaves_its_lines_to_the_next() -> None:
    # The deploy's approval goes to the risk summary when canaries are not wanted.
    on = _scan(FIXTURE)
    off = _scan(FIXTURE, "cost.suggestions.progressive-delivery.enabled=false")
    assert on.cost is not None and off.cost is not None
    risk_on = next(s for s in on.cost.suggestions if s.id == "risk-summary-approval")
    risk_off = next(s for s in off.cost.suggestions if s.id == "risk-summary-approval")
    assert len(risk_off.applies_to) == len(risk_on.applies_to) + 1
    assert "progressive-delivery" not in _ids(off)


STEPS = """
    on: [push, pull_request]
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
    {steps}
    """


def _steps(*steps: str) -> str:
    body = "".join(textwrap.indent(textwrap.dedent(s).strip("\n") + "\n", " " * 10)
                   for s in steps)
    return STEPS.replace("    {steps}\n", body)


# (entry, steps where it applies, the same steps when the pipeline already does it)
ALREADY = [
    ("shallow-fetch",
     ["- uses: actions/checkout@v4\n  with:\n    fetch-depth: 0", "- run: make test"],
     ["- uses: actions/checkout@v4", "- run: make test"]),
    ("shallow-fetch",
     ["- run: git clone https://example.com/r.git", "- run: make test"],
     ["- run: git clone --depth 1 https://example.com/r.git", "- run: make test"]),
    ("dependency-cache",
     ["- uses: actions/setup-node@v4", "- run: npm ci", "- run: npm test"],
     ["- uses: actions/setup-node@v4\n  with:\n    cache: npm", "- run: npm ci",
      "- run: npm test"]),
    ("docker-layer-cache",
     ["- run: docker build -t app ."],
     ["- run: docker buildx build --cache-from type=gha --cache-to type=gha -t app ."]),
    ("remote-build-cache",
     ["- run: bazel build //..."],
     ["- run: bazel build --remote_cache=grpc://cache:9092 //..."]),
    ("lint-autofix",
     ["- run: ruff check ."],
     ["- run: ruff check --fix .", "- run: git commit -am fix"]),
    ("flaky-quarantine",
     ["- run: pytest"],
     ["- run: pip install pytest-rerunfailures", "- run: pytest --reruns 2"]),
    ("notification-digest",
     ["- run: make", "- uses: slackapi/slack-github-action@v1\n  with:\n"
      "    payload: '{\"text\": \"done\"}'"],
     ["- run: make", "- uses: slackapi/slack-github-action@v1\n  with:\n"
      "    payload: '{\"text\": \"build failed\"}'"]),
]


@pytest.mark.parametrize(("entry", "applies", "already"), ALREADY,
                         ids=[f"{a[0]}-{i}" for i, a in enumerate(ALREADY)])
def test_entries_check_what_the_pipeline_already_does(
        tmp_path: Path, entry: str, applies: list[str], already: list[str]) -> None:
    assert entry in _ids(_scan(_tree(tmp_path / "a", _steps(*applies))))
    assert entry not in _ids(_scan(_tree(tmp_path / "b", _steps(*already))))


def test_builds_repeated_in_a_later_job_reuse_the_artifact(tmp_path: Path) -> None:
    two = """
        on: [push]
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: make build
          e2e:
            runs-on: ubuntu-latest
            steps:
              - run: make build
              - run: make e2e-test
        """
    result = _scan(_tree(tmp_path / "a", two))
    assert result.cost is not None
    reuse = next(s for s in result.cost.suggestions if s.id == "artifact-reuse")
    assert [t.job for t in reuse.applies_to] == ["e2e"]  # the first build stays
    # A job that downloads artifacts already: its build step (packaging) is left.
    fetched = two.replace("- run: make build\n              - run: make e2e-test",
                          "- uses: actions/download-artifact@v4\n"
                          "              - run: make build\n"
                          "              - run: make e2e-test")
    assert fetched != two
    assert "artifact-reuse" not in _ids(_scan(_tree(tmp_path / "b", fetched)))


def test_unaffected_jobs_only_in_a_pipeline_over_several_parts(tmp_path: Path) -> None:
    parts = _steps("- run: cd web && npm test", "- run: cd api && go test ./...")
    assert "monorepo-skip-unaffected" in _ids(_scan(_tree(tmp_path / "a", parts)))
    one = _steps("- run: cd web && npm test", "- run: cd web && npm run lint")
    assert "monorepo-skip-unaffected" not in _ids(_scan(_tree(tmp_path / "b", one)))
    filtered = _steps("- uses: dorny/paths-filter@v3", "- run: cd web && npm test",
                      "- run: cd api && go test ./...")
    assert "monorepo-skip-unaffected" not in _ids(_scan(_tree(tmp_path / "c", filtered)))


def test_bumps_are_merged_where_tests_guard_them_and_reviewed_where_not(
        tmp_path: Path) -> None:
    tested = _ids(_scan(_tree(tmp_path / "a", _steps("- run: pip install -r r.txt",
                                                     "- run: pytest"))))
    assert "dependency-automerge" in tested and "dependency-bump-review" not in tested
    untested = _ids(_scan(_tree(tmp_path / "b", _steps("- run: pip install -r r.txt",
                                                       "- run: python -m build"))))
    assert "dependency-bump-review" in untested and "dependency-automerge" not in untested
    merged = _ids(_scan(_tree(tmp_path / "c", _steps(
        "- run: pip install -r r.txt", "- run: pytest",
        "- uses: dependabot/fetch-metadata@v2"))))
    assert "dependency-automerge" not in merged and "dependency-bump-review" in merged


def _blocks() -> list[list[str]]:
    text = CATALOGUE.read_text(encoding="utf-8")
    return [block.splitlines() for block in text.split("[[suggestion]]")[1:]]


def test_every_number_says_its_basis() -> None:
    blocks = _blocks()
    assert len(blocks) == len(builtin())
    for block in blocks:
        ident = block[1]
        for field in NUMBER_FIELDS:
            (index,) = [i for i, l in enumerate(block) if l.startswith(f"{field} =")]
            comment = block[index].partition("#")[2]
            # or a comment block just above it that starts with the field's name
            above = []
            for previous in reversed(block[:index]):
                if not previous.startswith("#"):
                    break
                above.insert(0, previous)
            if above and above[0].startswith(f"# {field}:"):
                comment += " ".join(above)
            assert comment.strip(), (ident, field)
            assert re.search(r"guess|\(\w+.*\d{4}\)|docs|prices above|no model|nothing to buy",
                             comment), (ident, field, comment)


def test_every_entry_is_documented() -> None:
    doc = (REPO_ROOT / "docs" / "cost.md").read_text(encoding="utf-8")
    for entry in builtin():
        assert f"`{entry.id}`" in doc, entry.id
