"""Small helpers the YAML-based formats share: type checks that fail as one-line
ParseErrors, readable renderings of values, and script lists with their lines.

Each CI format checks the shape of what it reads with these, so hostile input (a number
where a mapping is expected) becomes ``file:line: message`` and never a traceback.
"""

from __future__ import annotations

import posixpath
import shlex
from typing import Any

from xops_lens.errors import ParseError
from xops_lens.model import MAX_STEPS_PER_FILE
from xops_lens.yamlload import YList, YMap

YAML_SUFFIXES = (".yml", ".yaml")

# The trigger event for "a person starts this pipeline by hand" (Bitbucket custom
# pipelines, Woodpecker's manual event). GitHub's name is used because the rubric
# already counts workflow_dispatch forms as human cost.
MANUAL_EVENT = "workflow_dispatch"

# Folders that belong to one CI system each. A format that claims files by a loose
# name pattern (anything with "tekton" or "cloudbuild" in it) stays out of them, so it
# never takes another format's file: scan gives a path to the first format claiming it.
_OWNED_DIRS = (".github/", ".gitlab/", ".circleci/", ".buildkite/", ".woodpecker/",
               ".tekton/", ".azure-pipelines/", ".azuredevops/", ".gitea/", ".forgejo/")

# Folders whose CI files are the product's examples or fixtures, not its own CI
# (tektoncd/pipeline alone has hundreds of Tekton resources under examples/ and test/):
# a format claiming files by content does not look there.
SAMPLE_DIRS = frozenset({"doc", "docs", "example", "examples", "sample", "samples", "test",
                         "tests", "testdata", "test-data", "fixtures", "e2e"})


def in_foreign_dir(path: str, own: str | None = None) -> bool:
    """True when ``path`` lies in a folder another CI system owns (``own`` excepted)."""
    padded = "/" + path
    return any(f"/{d}" in padded for d in _OWNED_DIRS if d != own)


def basename(path: str) -> str:
    return posixpath.basename(path)


def describe(value: Any) -> str:
    """How a wrong value is named in an error message."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    shown = str(value)
    return f"the value {shown[:40]!r}"


def text_of(value: Any) -> str:
    """A readable one-string rendering of a YAML value (inputs, runners, names)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return ", ".join(f"{k}: {text_of(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(text_of(v) for v in value)
    return str(value)


def kind_of(value: Any) -> str:
    """What a value of the wrong shape is, for "'steps' must be a list, found ..."."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return "a single value"


MAX_COMMAND_NAME = 80


def command_name(text: str) -> str:
    """A step's name from its command: the first line that runs something (a leading
    comment names less than the command), cut to MAX_COMMAND_NAME characters."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    name = next((ln for ln in lines if not ln.startswith("#")), lines[0] if lines else "")
    return name if len(name) <= MAX_COMMAND_NAME else name[: MAX_COMMAND_NAME - 3] + "..."


def first_line(script: str) -> str:
    """The first line of a script that says something (skips blanks, comments, shebang)."""
    for line in script.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped
    return script.strip()


def mapping(value: Any, file: str, line: int, what: str) -> YMap:
    if not isinstance(value, YMap):
        raise ParseError(file, f"{what} must be a mapping, found {describe(value)}", line)
    return value


def sequence(value: Any, file: str, line: int, what: str) -> YList:
    if not isinstance(value, YList):
        raise ParseError(file, f"{what} must be a list, found {describe(value)}", line)
    return value


def check_step_budget(count: int, file: str, line: int | None) -> None:
    """Stop a file whose expansion passes MAX_STEPS_PER_FILE steps, before it is built."""
    if count > MAX_STEPS_PER_FILE:
        raise ParseError(file, f"more than {MAX_STEPS_PER_FILE:,} steps once templates and "
                         "references are expanded; file skipped", line)


def names(value: Any) -> tuple[str, ...]:
    """A string or a list of strings (needs, depends_on, events) as a tuple."""
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(text_of(v) for v in value if v is not None and not isinstance(v, dict))
    if isinstance(value, dict):
        return ()
    return (text_of(value),)


def item_text(item: Any, file: str, line: int, what: str) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, YMap) and len(item) == 1:
        # `- echo Time: $(date)` is a one-entry mapping to YAML but a command to its
        # author; reading it as the author meant keeps the step instead of failing.
        ((key, value),) = item.items()
        return f"{key}: {text_of(value)}" if value is not None else f"{key}:"
    raise ParseError(file, f"each item of {what} must be a command string, found "
                     f"{describe(item)}", line)


def script_items(parent: YMap, key: str, what: str) -> list[tuple[str, int]]:
    """The commands of a script list with the line each begins on.

    A plain string value is one command on the key's line; nested lists (which some
    formats allow, and anchors produce) are flattened; null items are skipped.
    """
    if key not in parent:
        return []
    value = parent[key]
    line = parent.line_of(key)
    if value is None:
        return []
    if isinstance(value, YList):
        return flatten(value, what)
    if isinstance(value, YMap):
        raise ParseError(parent.file, f"{what} must be a command or a list of commands, "
                         "found a mapping", line)
    return [(text_of(value), line)]


def flatten(items: YList, what: str, depth: int = 0) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for item, line in items.items_with_lines():
        if item is None:
            continue
        if isinstance(item, YList):
            if depth >= 10:
                raise ParseError(items.file, f"{what} is nested too deeply", line)
            found.extend(flatten(item, what, depth + 1))
            continue
        found.append((item_text(item, items.file, line, what), line))
    return found


def short(text: str, width: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def step_name(explicit: Any, text: str, fallback: str) -> str:
    """A step's display name: its own name, else its first command, else ``fallback``."""
    if explicit is not None and text_of(explicit).strip():
        return text_of(explicit).strip()
    return short(first_line(text)) or fallback


def positive_int(value: Any) -> int | None:
    """An integer written in the file (``3``, ``"3"``), or None when it is anything else."""
    try:
        number = int(text_of(value).strip())
    except ValueError:
        return None
    return number if number > 0 else None


def render_inputs(inputs: tuple[tuple[str, str], ...]) -> str:
    return "".join(f"\n  {k}: {v}" for k, v in inputs)


def inputs_of(value: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(value, YMap):
        return tuple((str(k), text_of(v)) for k, v in value.items())
    return ()


SHELLS = ("bash", "sh", "/bin/bash", "/bin/sh", "/usr/bin/env bash", "pwsh", "zsh")


def command_line(words: list[str]) -> str:
    """An argv list as a readable command; ``bash -c SCRIPT`` reads as the script."""
    if len(words) >= 3 and words[0] in SHELLS and words[1].startswith("-") \
            and words[1].endswith("c"):
        return "\n".join(words[2:])
    return " ".join(shlex.quote(w) if w and " " in w and "\n" not in w else w for w in words)


def image_program(image: str) -> str:
    """The program a tool image is named after: ``gcr.io/cloud-builders/docker:20`` -> docker."""
    last = image.rsplit("/", 1)[-1]
    return last.split("@", 1)[0].split(":", 1)[0]
