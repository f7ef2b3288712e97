"""Hostile input: random documents built from each format's own keywords, and random
mutations of each example file, must end in a result, a ParseError (one line, with
file) or Declined, never in a traceback."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import EXAMPLES, write_tree
from xops_lens.discover import read_text
from xops_lens.errors import Declined, ParseError
from xops_lens.formats.appveyor import AppVeyor
from xops_lens.formats.bitbucket import BitbucketPipelines
from xops_lens.formats.buildkite import Buildkite
from xops_lens.formats.cirrus import Cirrus
from xops_lens.formats.cloudbuild import CloudBuild
from xops_lens.formats.drone import Drone
from xops_lens.formats.tekton import Tekton
from xops_lens.formats.travis import TravisCI
from xops_lens.formats.woodpecker import Woodpecker
from xops_lens.model import Source
from xops_lens.sdk import Format

CASES: dict[str, tuple[Format, str, list[str]]] = {
    "bitbucket": (BitbucketPipelines(), "bitbucket-pipelines.yml", [
        "pipelines", "default", "branches", "custom", "tags", "pull-requests", "step",
        "parallel", "stage", "steps", "script", "after-script", "pipe", "variables", "name",
        "trigger", "deployment", "image", "definitions", "import", "runs-on", "size"]),
    "travis": (TravisCI(), ".travis.yml", [
        "language", "python", "os", "env", "global", "jobs", "matrix", "include", "exclude",
        "script", "install", "deploy", "provider", "before_install", "after_success",
        "import", "source", "stage", "name", "if", "on"]),
    "appveyor": (AppVeyor(), "appveyor.yml", [
        "environment", "matrix", "image", "platform", "configuration", "install", "build",
        "project", "build_script", "test_script", "artifacts", "path", "deploy", "provider",
        "cmd", "ps", "sh", "for", "branches", "only", "exclude", "init"]),
    "drone": (Drone(), ".drone.yml", [
        "kind", "pipeline", "name", "type", "steps", "image", "commands", "settings",
        "trigger", "event", "ref", "include", "target", "depends_on", "platform", "os",
        "services", "pool", "use", "cron"]),
    "woodpecker": (Woodpecker(), ".woodpecker/ci.yaml", [
        "steps", "pipeline", "image", "commands", "settings", "when", "event", "matrix",
        "include", "depends_on", "labels", "services", "environment", "platform", "name"]),
    "buildkite": (Buildkite(), ".buildkite/pipeline.yml", [
        "steps", "command", "commands", "label", "key", "group", "wait", "block", "input",
        "trigger", "build", "plugins", "matrix", "setup", "adjustments", "with", "skip",
        "parallelism", "depends_on", "agents", "fields", "type", "prompt"]),
    "tekton": (Tekton(), "tekton/x.yaml", [
        "apiVersion", "kind", "metadata", "name", "spec", "steps", "tasks", "finally",
        "taskSpec", "taskRef", "pipelineSpec", "pipelineRef", "script", "command", "args",
        "image", "ref", "params", "matrix", "runAfter", "stepTemplate", "annotations",
        "resolver", "value", "resourcetemplates"]),
    "cloudbuild": (CloudBuild(), "cloudbuild.yaml", [
        "steps", "name", "args", "entrypoint", "script", "id", "waitFor", "images",
        "artifacts", "options", "pool", "machineType", "objects"]),
    "cirrus": (Cirrus(), ".cirrus.yml", [
        "a_task", "task", "b_task", "name", "alias", "matrix", "container", "image",
        "x_script", "y_cache", "folder", "z_artifacts", "path", "always", "on_failure",
        "depends_on", "trigger_type", "docker_pipe"]),
}
SCALARS = ["x", "5", "manual", "wait", "block", "~", "[]", "{}", "true", "pipeline",
           "tekton.dev/v1", "Task", "Pipeline", "PipelineRun", "push", "promote",
           "'*.yml'", "a.yml", "skip", "off"]


def _value(rng: random.Random, keys: list[str], depth: int) -> str:
    choice = rng.random()
    if depth > 3 or choice < 0.35:
        return rng.choice(SCALARS)
    indent = "  " * (depth + 1)
    if choice < 0.65:
        items = [f"\n{indent}- {_value(rng, keys, depth + 1)}" for _ in range(rng.randint(0, 3))]
        return "".join(items) or "[]"
    chosen = rng.sample(keys, rng.randint(1, 4))
    return "".join(f"\n{indent}{k}: {_value(rng, keys, depth + 1)}" for k in chosen)


@pytest.mark.parametrize("case", sorted(CASES))
def test_random_documents_raise_only_user_errors(tmp_path: Path, case: str) -> None:
    fmt, path, keys = CASES[case]
    rng = random.Random(f"xops-lens-{case}")
    write_tree(tmp_path, {"a.yml": "script: [x]\n"})
    for _ in range(400):
        chosen = rng.sample(keys, rng.randint(1, 6))
        text = "".join(f"{k}: {_value(rng, keys, 0)}\n" for k in chosen)
        if case == "tekton":
            text = "apiVersion: tekton.dev/v1\n" + text
        write_tree(tmp_path, {path: text})
        source = Source(root=str(tmp_path), path=path, text=text,
                        read_local=lambda rel: read_text(tmp_path, rel, referrer=path))
        try:
            fmt.parse(source)
        except ParseError as exc:
            assert exc.one_line().startswith(path) or exc.path in ("a.yml",), exc.one_line()
        except Declined:
            pass
        except Exception as exc:  # noqa: BLE001  # pragma: no cover - the failure report
            pytest.fail(f"{case}: {type(exc).__name__}: {exc}\n--- input ---\n{text}")


# Each case's example files, the seeds of the mutations.
EXAMPLE_FILES: dict[str, list[str]] = {
    "bitbucket": ["bitbucket/bitbucket-pipelines.yml"],
    "travis": ["travis/.travis.yml"],
    "appveyor": ["appveyor/appveyor.yml"],
    "drone": ["drone/.drone.yml"],
    "woodpecker": ["woodpecker/.woodpecker/test.yaml", "woodpecker/.woodpecker/deploy.yaml"],
    "buildkite": ["buildkite/.buildkite/pipeline.yml"],
    "tekton": ["tekton/.tekton/pull-request.yaml", "tekton/tekton/tasks/unit-test.yaml"],
    "cloudbuild": ["cloudbuild/cloudbuild.yaml"],
    "cirrus": ["cirrus/.cirrus.yml"],
}
REPLACEMENTS: list[Any] = [5, "x", None, [], {}, [[1]], {"a": {"b": 1}}, "wait", True,
                           [None], [{"x": 1}], "manual"]


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_nodes(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_nodes(item, (*path, index)))
    return found


def _mutate(document: Any, rng: random.Random) -> Any:
    document = copy.deepcopy(document)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in _nodes(document) if p]
        if not paths:
            return document
        path = rng.choice(paths)
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and rng.random() < 0.2:
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(rng.choice(REPLACEMENTS))
    return document


@pytest.mark.parametrize("case", sorted(CASES))
def test_mutated_examples_raise_only_user_errors(tmp_path: Path, case: str) -> None:
    fmt, path, _ = CASES[case]
    rng = random.Random(f"xops-lens-mutate-{case}")
    seeds = [list(yaml.safe_load_all((EXAMPLES / rel).read_text())) for rel in EXAMPLE_FILES[case]]
    for _ in range(300):
        documents = [_mutate(d, rng) for d in rng.choice(seeds)]
        text = yaml.safe_dump_all(documents, sort_keys=False)
        source = Source(root=str(tmp_path), path=path, text=text, read_local=lambda rel: "")
        try:
            fmt.parse(source)
        except (ParseError, Declined):
            pass
        except Exception as exc:  # noqa: BLE001  # pragma: no cover - the failure report
            pytest.fail(f"{case}: {type(exc).__name__}: {exc}\n--- input ---\n{text}")
