"""When an Azure Pipelines job runs: the pipeline's triggers as Azure documents them,
and stage and job ``condition:`` expressions evaluated for each kind of run.

Each kind of run sets the predefined variables Azure sets for it (``Build.Reason``,
``Build.SourceBranch``, ``Build.SourceBranchName``); anything else (a variable of the
pipeline, a parameter) is unknown, and a condition that cannot be decided is counted as
running, with the basis saying so. Status functions: ``succeeded()``, ``always()`` and
``succeededOrFailed()`` hold in a run; ``failed()`` and ``canceled()`` only after a
failure or a cancellation, so a job they gate is not counted as a run of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from xops_lens.formats._exprcursor import ExprError, tokenize
from xops_lens.formats._github_if import (
    _TOKEN,
    DEFAULT_BRANCHES,
    UNKNOWN,
    Partial,
    _both,
    _contains,
    _either,
    _equal,
    _not,
    _Parser,
    _starts,
    _truth,
)
from xops_lens.formats._yamlshape import MANUAL_EVENT, text_of
from xops_lens.model import Trigger
from xops_lens.yamlload import YList, YMap

DEFAULT_PR = ("no pr: in the file: Azure validates every pull request of a GitHub or "
              "Bitbucket repository by default (assumed; pr: none turns it off)")
MANUAL_ONLY = "trigger: none: no CI runs, run by hand"


def _ends(value: Any, text: Any) -> Any:
    if isinstance(value, str) and isinstance(text, str):
        return value.casefold().endswith(text.casefold())
    return UNKNOWN


class _AzureParser(_Parser):
    """Azure's function-call syntax: and(), or(), not(), eq(), ne(), in(), notIn(),
    startsWith(), endsWith(), contains() and the status functions."""

    def _function(self, function: str, args: list[Any]) -> Any:
        if function in ("succeeded", "always", "succeededorfailed"):
            return True
        if function in ("failed", "canceled"):
            return False
        if function == "and" and args:
            return _both(args)
        if function == "or" and args:
            return _either(args)
        if function == "not" and len(args) == 1:
            return _not(args[0])
        if function in ("eq", "ne") and len(args) == 2:
            same = _equal(args[0], args[1])
            return same if function == "eq" else _not(same)
        if function in ("in", "notin") and len(args) >= 2:
            result = _either([_equal(args[0], a) for a in args[1:]])
            return result if function == "in" else _not(result)
        if function == "startswith" and len(args) == 2:
            return _starts(args[0], args[1])
        if function == "endswith" and len(args) == 2:
            return _ends(args[0], args[1])
        if function == "contains" and len(args) == 2:
            return _contains(args[0], args[1])
        return UNKNOWN


def _variables(values: dict[str, Any]) -> dict[str, Any]:
    """The context under each spelling of a variable: variables['X'], variables.X."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        key = name.lower()
        for spelling in (f"variables['{key}']", f'variables["{key}"]', f"variables.{key}"):
            out[spelling] = value
    return out


_BRANCH = Partial("refs/heads/", frozenset(f"refs/heads/{b}" for b in DEFAULT_BRANCHES))
_BRANCH_NAME = Partial("", frozenset(DEFAULT_BRANCHES))
_REASONS = {"push": "IndividualCI", "tag": "IndividualCI", "pull_request": "PullRequest",
            "schedule": "Schedule", MANUAL_EVENT: "Manual", "pipeline": "ResourceTrigger"}


def context(event: str) -> dict[str, Any]:
    """The predefined variables of one kind of run."""
    if event == "tag":
        branch: Any = Partial("refs/tags/")
        name: Any = Partial("")
    elif event == "pull_request":
        branch, name = Partial("refs/pull/"), Partial("")
    elif event == "pipeline":
        branch = name = UNKNOWN
    else:  # pushes counted are to the default branch; schedules and manual runs too
        branch, name = _BRANCH, _BRANCH_NAME
    return _variables({"Build.Reason": _REASONS.get(event, UNKNOWN),
                       "Build.SourceBranch": branch, "Build.SourceBranchName": name,
                       "System.PullRequest.TargetBranch": UNKNOWN})


def evaluate(condition: str, event: str) -> Any:
    """True, False or UNKNOWN for a ``condition:`` in a run of ``event``."""
    text = condition.strip()
    if text.startswith("${{") or "$[" in text or "$(" in text:
        return UNKNOWN  # a template or runtime expression: its value is not in the file
    try:
        return _truth(_AzureParser(tokenize(_TOKEN, text), context(event)).parse())
    except ExprError:
        return UNKNOWN


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 120 else text[:117] + "..."


def job_triggers(triggers: Sequence[Trigger], conditions: Sequence[tuple[str, str]]
                 ) -> tuple[Trigger, ...]:
    """The pipeline's triggers a job runs on, under its stage's and its own conditions
    (``conditions``: (where, text) pairs), each with its basis."""
    found: list[Trigger] = []
    for trigger in triggers:
        why = [trigger.condition] if trigger.condition else []
        runs = True
        for where, text in conditions:
            result = evaluate(text, trigger.event)
            if result is False:
                runs = False
                break
            shown = f"{where} condition: {_shown(text)}"
            if result is UNKNOWN:
                shown += " (not decidable from the file: counted as running)"
            why.append(shown)
        if runs:
            found.append(Trigger(trigger.event, trigger.line, trigger.cron, trigger.types,
                                 "; ".join(why) or None))
    return tuple(found)


_EVENTS = ("push", "tag", "pull_request", "schedule", MANUAL_EVENT, "pipeline")
_FAILED = re.compile(r"\bfailed\s*\(\s*\)", re.IGNORECASE)


def step_fields(condition: str) -> dict[str, Any]:
    """A step's ``condition:`` as the cost model reads it (``Step.events``, ``outcome``,
    ``when``): the kinds of run it holds in, and ``failed()`` as running after a failure
    only; empty when it holds in every run."""
    text = condition.strip()
    if not text:
        return {}
    outcome = None
    if _FAILED.search(text):
        outcome, text = "failure", _FAILED.sub("true", text)
    results = [(event, evaluate(text, event)) for event in _EVENTS]
    events = tuple(event for event, result in results if result is not False)
    undecided = any(result is UNKNOWN for _, result in results)
    if outcome is None and len(events) == len(_EVENTS) and not undecided:
        return {}
    when = f"step condition: {_shown(condition)}"
    if undecided:
        when += " (not decidable from the file: counted as running)"
    return {"events": None if len(events) == len(_EVENTS) else events, "outcome": outcome,
            "when": when}


def _mentions_tags(trigger: Any) -> tuple[bool, bool]:
    """Whether a ``trigger:`` mapping filters tags, and whether it filters branches."""
    if not isinstance(trigger, YMap):
        return False, True
    tags = trigger.get("tags")
    return isinstance(tags, YMap) and "include" in tags, "branches" in trigger


def triggers(document: YMap, is_template: bool) -> tuple[Trigger, ...]:
    """The pipeline's triggers as Azure documents them: without ``trigger:``, every push
    (tags need a tag filter); without ``pr:``, every pull request (GitHub and Bitbucket
    repositories; assumed); schedules; pipeline resources. ``trigger: none`` disables CI
    runs: when the file names no other trigger, the pipeline is run by hand."""
    found: list[Trigger] = []
    manual: Trigger | None = None
    ci = 0  # push and tag triggers come first, then pull requests, then the others
    trigger = document.get("trigger")
    if "trigger" in document:
        line = document.line_of("trigger")
        if text_of(trigger).strip().lower() == "none":
            manual = Trigger(MANUAL_EVENT, line, condition=MANUAL_ONLY)
        else:
            tags, branches = _mentions_tags(trigger)
            if branches or not tags:
                found.append(Trigger("push", line))
            if tags:
                found.append(Trigger("tag", line, condition="trigger: tags: include"))
    elif not is_template:
        found.append(Trigger("push", 1))
    ci = len(found)
    schedules = document.get("schedules")
    if isinstance(schedules, YList):
        for item, line in schedules.items_with_lines():
            if isinstance(item, YMap):
                found.append(Trigger("schedule", line, cron=text_of(item.get("cron")) or None))
    resources = document.get("resources")
    pipelines = resources.get("pipelines") if isinstance(resources, YMap) else None
    if isinstance(pipelines, YList):
        for item, line in pipelines.items_with_lines():
            if isinstance(item, YMap) and "trigger" in item \
                    and text_of(item["trigger"]).strip().lower() != "none":
                found.append(Trigger("pipeline", line))
    pr = document.get("pr")
    if "pr" in document:
        if text_of(pr).strip().lower() != "none":
            found.insert(ci, Trigger("pull_request", document.line_of("pr")))
    elif not is_template:
        found.insert(ci, Trigger("pull_request", 1, condition=DEFAULT_PR))
    if manual is not None and not any(t.condition != DEFAULT_PR for t in found):
        found.insert(0, manual)
    return tuple(found)
