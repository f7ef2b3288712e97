"""Keys of the wrong type: a number or a list where a mapping is expected, a mapping
where a string or a list is expected.

Two layers. A table pins, for each format's main keys, the exact one-line error (or,
where a format reads a value generously on purpose, the steps it reports). A sweep then
replaces every value of every example pipeline (examples/pipelines) by each wrong
shape and checks the parser contract: a Pipeline whose steps lie inside the files, or a
ParseError of one line naming a file and a line inside it, or Declined; nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLES
from tests.hostile.hostile_harness import (
    CANONICAL,
    CASE_SECONDS,
    GOOD,
    GOOD_PATH,
    GOOD_STEP_LINES,
    Timer,
    assert_one_line_error,
    check_parser_contract,
    registered_formats,
    run_scan,
    source_for,
    write,
)

FORMATS = registered_formats()
NUMBER, LIST, MAP = "42", "[a, b]", "{k: v}"

# (format, document, expected): the exact error, or the step lines when the format
# reads the value on purpose (a scalar `script: 42` is the command "42").
SHAPES: list[tuple[str, str, str | list[int]]] = [
    ("github-actions", "on: push\njobs: 42\n",
     "{path}:2: a workflow needs a 'jobs' mapping, found the value '42'"),
    ("github-actions", "on: push\njobs: [a, b]\n",
     "{path}:2: a workflow needs a 'jobs' mapping, found a list"),
    ("github-actions", "on: push\njobs:\n  b: [x]\n", "{path}:3: job 'b' must be a mapping"),
    ("github-actions", "on: push\njobs:\n  b:\n    runs-on: x\n    steps: 42\n",
     "{path}:5: 'steps' of 'b' must be a list, found the value '42'"),
    ("github-actions", "on: push\njobs:\n  b:\n    runs-on: x\n    steps: {a: b}\n",
     "{path}:5: 'steps' of 'b' must be a list, found a mapping"),
    ("github-actions", "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - 42\n",
     "{path}:6: a step must be a mapping with 'uses' or 'run'"),
    ("gitlab-ci", "build: 42\n", "{path}:1: job 'build' must be a mapping, found the value '42'"),
    ("gitlab-ci", "build: [a]\n", "{path}:1: job 'build' must be a mapping, found a list"),
    ("gitlab-ci", "build:\n  script: {a: b}\n",
     "{path}:2: 'script' of job 'build' must be a string or a list of strings, found a mapping"),
    ("gitlab-ci", "build:\n  script: 42\n", [2]),
    ("gitlab-ci", "default: 42\nb:\n  script: [x]\n",
     "{path}:1: 'default' must be a mapping, found the value '42'"),
    ("gitlab-ci", "build:\n  extends: {a: b}\n  script: [x]\n",
     "{path}:2: 'extends' of 'build' must be a job name or a list of job names, found a mapping"),
    ("cirrus", "task: 42\n", "{path}:1: task 'task' must be a mapping, found the value '42'"),
    ("cirrus", "task: [a]\n", "{path}:1: task 'task' must be a mapping, found a list"),
    ("cirrus", "task:\n  s_script:\n    - {a: b, c: d}\n",
     "{path}:3: each item of s_script must be a command string, found a mapping"),
    ("buildkite", "steps: 42\n", "{path}:1: steps must be a list, found the value '42'"),
    ("buildkite", "steps: {a: b}\n", "{path}:1: steps must be a list, found a mapping"),
    ("buildkite", "steps:\n  - command: {a: b}\n",
     "{path}:2: command must be a command or a list of commands, found a mapping"),
    ("woodpecker", "steps: 42\n",
     "{path}:1: steps must be a list or a mapping, found the value '42'"),
    ("woodpecker", "steps:\n  - 42\n", "{path}:2: a step must be a mapping, found the value '42'"),
    ("woodpecker", "steps:\n  - image: a\n    commands: {a: b}\n",
     "{path}:3: a step's commands must be a list of commands, found a mapping"),
    ("drone", "kind: pipeline\nsteps: 42\n",
     "{path}:2: steps must be a list or a mapping, found the value '42'"),
    ("drone", "kind: pipeline\nsteps:\n  - 42\n",
     "{path}:3: a step must be a mapping, found the value '42'"),
    ("drone", "kind: pipeline\ntrigger: 42\nsteps:\n  - commands: [x]\n",
     "{path}:2: trigger must be a mapping, found the value '42'"),
    ("appveyor", "build_script: {a: b}\n", "{path}:1: build_script must be a list, found a mapping"),
    ("appveyor", "build_script:\n  - {a: b, c: d}\n",
     "{path}:2: each item of build_script must be a command or a cmd/ps/sh mapping, found a "
     "mapping"),
    ("appveyor", "deploy: 42\n", "{path}:1: a deploy provider must be a mapping, found the value "
     "'42'"),
    ("travis", "script: {a: b}\n",
     "{path}:1: script must be a command or a list of commands, found a mapping"),
    ("travis", "jobs: 42\n", "{path}:1: jobs must be a mapping, found the value '42'"),
    ("travis", "jobs:\n  include: 42\n", "{path}:2: jobs.include must be a list, found the value '42'"),
    ("travis", "jobs:\n  include:\n    - 42\n",
     "{path}:3: a jobs.include entry must be a mapping, found the value '42'"),
    ("bitbucket-pipelines", "pipelines: 42\n",
     "{path}:1: bitbucket-pipelines.yml needs a 'pipelines' mapping, found the value '42'"),
    ("bitbucket-pipelines", "pipelines:\n  default: 42\n",
     "{path}:2: pipeline 'default' must be a list, found the value '42'"),
    ("bitbucket-pipelines", "pipelines:\n  default:\n    - step: 42\n",
     "{path}:3: a step must be a mapping, found the value '42'"),
    ("bitbucket-pipelines", "pipelines:\n  default:\n    - step:\n        script: {a: b}\n",
     "{path}:4: a step's script must be a command or a list of commands, found a mapping"),
    ("circleci", "version: 2.1\njobs: 42\n",
     "{path}:2: 'jobs' must be a mapping, found a single value"),
    ("circleci", "version: 2.1\njobs:\n  b: [x]\n", "{path}:3: job 'b' must be a mapping, found a list"),
    ("circleci", "version: 2.1\njobs:\n  b:\n    steps: 42\n",
     "{path}:4: 'steps' of job 'b' must be a list, found a single value"),
    ("circleci", "version: 2.1\nworkflows:\n  w:\n    jobs: 42\n",
     "{path}:4: 'jobs' of workflow 'w' must be a list, found a single value"),
    ("azure-pipelines", "steps: 42\n", "{path}:1: 'steps' must be a list, found a single value"),
    ("azure-pipelines", "steps: {a: b}\n", "{path}:1: 'steps' must be a list, found a mapping"),
    ("azure-pipelines", "steps:\n  - script: {a: b}\n",
     "{path}:2: 'script' must be a script, found a mapping"),
    ("azure-pipelines", "stages:\n  - stage: a\n    jobs: 42\n",
     "{path}:3: 'jobs' must be a list, found a single value"),
    ("tekton", "apiVersion: tekton.dev/v1\nkind: Task\nspec: 42\n",
     "{path}:3: Task spec must be a mapping, found the value '42'"),
    ("tekton", "apiVersion: tekton.dev/v1\nkind: Task\nspec:\n  steps: {a: b}\n",
     "{path}:4: steps must be a list, found a mapping"),
    ("tekton", "apiVersion: tekton.dev/v1\nkind: Pipeline\nspec:\n  tasks:\n    - 42\n",
     "{path}:5: a pipeline task must be a mapping, found the value '42'"),
    ("cloudbuild", "steps: 42\n", "{path}:1: steps must be a list, found the value '42'"),
    ("cloudbuild", "steps:\n  - 42\n", "{path}:2: a step must be a mapping, found the value '42'"),
    ("cloudbuild", "steps:\n  - name: a\n    args: {a: b}\n",
     "{path}:3: a step's args must be a list, found a mapping"),
]


def test_every_yaml_format_has_wrong_type_cases() -> None:
    covered = {fmt for fmt, _, _ in SHAPES}
    yaml_formats = {name for name in FORMATS if CANONICAL[name].syntax == "yaml"}
    assert yaml_formats <= covered, f"no wrong-type cases for {sorted(yaml_formats - covered)}"


@pytest.mark.parametrize(("fmt", "text", "expected"),
                         [pytest.param(*case, id=f"{case[0]}-{n}") for n, case in
                          enumerate(SHAPES)])
def test_wrong_type(fmt: str, text: str, expected: str | list[int], tmp_path: Path) -> None:
    if fmt not in FORMATS:
        pytest.skip(f"{fmt} is not registered")
    path = CANONICAL[fmt].path
    outcome = run_scan(write(tmp_path, {path: text, GOOD_PATH: GOOD}),
                       f"{fmt}/wrong-type/{text.splitlines()[-1].strip()}")
    assert outcome.step_lines(GOOD_PATH) == GOOD_STEP_LINES
    assert outcome.cpu < CASE_SECONDS
    if isinstance(expected, list):
        assert outcome.exit_code == 0, outcome.errors()
        assert outcome.step_lines(path) == expected
        return
    assert outcome.exit_code == 1
    error = outcome.error_of(path)
    assert_one_line_error(error, path)
    assert error == expected.format(path=path)


def value_spans(text: str) -> list[tuple[int, int]]:
    """Where each mapping value of the document is written (start, end offsets)."""
    spans: set[tuple[int, int]] = set()
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return []
    stack = [d for d in documents if d is not None]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for _, value in node.value:
                spans.add((value.start_mark.index, value.end_mark.index))
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(spans)


def mutations(text: str) -> list[tuple[str, str]]:
    """The text with one value replaced by a number, a list and a mapping, for every
    mapping value (a block value becomes a flow value on its first line)."""
    found = []
    for start, end in value_spans(text):
        tail = "\n" if text[start:end].endswith("\n") else ""
        for shape in (NUMBER, LIST, MAP):
            line = text.count("\n", 0, start) + 1
            found.append((f"line {line} -> {shape}", text[:start] + shape + tail + text[end:]))
    return found


def _example_files() -> list[tuple[str, Path, str]]:
    """(format, example root, path) for every example file a registered format claims."""
    found = []
    for root in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = file.relative_to(root).as_posix()
            fmt = next((name for name, f in FORMATS.items() if f.claims(rel)), None)
            if fmt is not None and CANONICAL.get(fmt, CANONICAL["github-actions"]).syntax == "yaml":
                found.append((fmt, root, rel))
    return found


EXAMPLE_FILES = _example_files()


def test_examples_cover_every_yaml_format() -> None:
    covered = {fmt for fmt, _, _ in EXAMPLE_FILES}
    yaml_formats = {name for name in FORMATS if CANONICAL.get(name) and
                    CANONICAL[name].syntax == "yaml"}
    assert yaml_formats <= covered, f"no example pipeline for {sorted(yaml_formats - covered)}"


@pytest.mark.parametrize(("fmt", "root", "path"),
                         [pytest.param(*e, id=f"{e[1].name}/{e[2]}") for e in EXAMPLE_FILES])
def test_every_value_of_the_examples_replaced_by_a_wrong_shape(fmt: str, root: Path,
                                                               path: str) -> None:
    text = (root / path).read_text(encoding="utf-8")
    outcomes: dict[str, int] = {}
    with Timer(f"{fmt}/sweep/{root.name}/{path}") as timer:
        for where, mutated in mutations(text):
            source, texts = source_for(root, path, mutated)
            try:
                outcome = check_parser_contract(FORMATS[fmt], source, texts)
            except AssertionError as exc:
                raise AssertionError(f"{path} with {where}: {exc}") from None
            except Exception as exc:
                raise AssertionError(f"{path} with {where}: {type(exc).__name__}: {exc}") from exc
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert outcomes, f"{path}: no value to replace"
    assert timer.cpu < 10 * CASE_SECONDS
