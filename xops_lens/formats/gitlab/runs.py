"""When a GitLab CI job runs: its ``rules:``, or ``only:``/``except:``, and ``when:``,
in each kind of pipeline, as GitLab documents them.

The kinds of pipeline: a push to the default branch, a tag, a merge request (when some
rule or only/except of the file mentions them) and a schedule (likewise: schedules are
set in the project, not in the file). ``workflow: rules:`` decide which of them exist.
Each is evaluated with the predefined variables GitLab sets for it (CI_PIPELINE_SOURCE,
CI_COMMIT_BRANCH, CI_COMMIT_TAG, CI_MERGE_REQUEST_*, CI_DEFAULT_BRANCH); the default
branch is taken to be main or master. A variable the file does not set, and that is not
a predefined one, is taken as unset in push, tag and merge request pipelines (project
and pipeline variables are set for schedules and runs by hand, which the file cannot
show), and unknown in schedules. Predefined variables not listed are unknown. A job
whose rules cannot be decided is counted as running, and its basis says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from xops_lens.formats._re2 import compile_pattern
from xops_lens.formats.gitlab.rules import DEFAULT_BRANCH, PRESENT, UNKNOWN, evaluate
from xops_lens.formats.gitlab.rules import _and as _all
from xops_lens.formats.gitlab.rules import _or as _any
from xops_lens.model import Trigger
from xops_lens.yamlload import YList, YMap

PUSH, TAG, MR, SCHEDULE = "push", "tag", "merge_request_event", "schedule"
DEFAULT_ONLY = ("branches", "tags")  # GitLab's default when a job has no rules/only/except
_PREDEFINED = ("CI_", "GITLAB_")


class _Variables(dict):  # type: ignore[type-arg]
    """A job's known variables over a pipeline kind's predefined ones; ``get`` answers
    unset (None) or unknown for the rest, as the module doc says."""

    def __init__(self, known: Mapping[str, Any], unset_others: bool) -> None:
        super().__init__(known)
        self.unset_others = unset_others

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:
            return self[key]
        if key.startswith("CI_MERGE_REQUEST_"):
            return self.get("CI_MERGE_REQUEST_IID")
        if key.startswith(_PREDEFINED):
            return UNKNOWN
        return None if self.unset_others else UNKNOWN


@dataclass(frozen=True)
class Kind:
    event: str
    predefined: Mapping[str, Any]
    unset_others: bool


KINDS: dict[str, Kind] = {
    PUSH: Kind(PUSH, {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": DEFAULT_BRANCH,
                      "CI_COMMIT_REF_NAME": DEFAULT_BRANCH, "CI_DEFAULT_BRANCH": DEFAULT_BRANCH,
                      "CI_COMMIT_TAG": None, "CI_MERGE_REQUEST_IID": None,
                      "CI_OPEN_MERGE_REQUESTS": None, "CI_COMMIT_REF_PROTECTED": "true"}, True),
    TAG: Kind(TAG, {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": None,
                    "CI_COMMIT_REF_NAME": PRESENT, "CI_DEFAULT_BRANCH": DEFAULT_BRANCH,
                    "CI_COMMIT_TAG": PRESENT, "CI_MERGE_REQUEST_IID": None,
                    "CI_OPEN_MERGE_REQUESTS": None}, True),
    MR: Kind(MR, {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_COMMIT_BRANCH": None,
                  "CI_COMMIT_REF_NAME": PRESENT, "CI_DEFAULT_BRANCH": DEFAULT_BRANCH,
                  "CI_COMMIT_TAG": None, "CI_MERGE_REQUEST_IID": PRESENT,
                  "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": DEFAULT_BRANCH,
                  "CI_OPEN_MERGE_REQUESTS": PRESENT}, True),
    SCHEDULE: Kind(SCHEDULE, {"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": DEFAULT_BRANCH,
                              "CI_COMMIT_REF_NAME": DEFAULT_BRANCH,
                              "CI_DEFAULT_BRANCH": DEFAULT_BRANCH, "CI_COMMIT_TAG": None,
                              "CI_MERGE_REQUEST_IID": None, "CI_OPEN_MERGE_REQUESTS": None},
                   False),
}


def variables(kind: Kind, known: Mapping[str, Any]) -> _Variables:
    return _Variables({**known, **kind.predefined}, kind.unset_others)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 100 else text[:97] + "..."


Verdict = tuple[Any, str]  # True, False or UNKNOWN; and why, for the basis


def by_rules(rules: Iterable[Any], job_when: str, vars_: Mapping[str, Any]) -> Verdict:
    """GitLab uses the first rule that matches; no match: the job is not added."""
    maybe: str | None = None
    for index, rule in enumerate(rules, 1):
        if not isinstance(rule, YMap):
            continue
        condition = rule.get("if")
        matches: Any = True
        if isinstance(condition, str):
            matches = evaluate(condition, vars_)
        elif condition is not None:
            matches = UNKNOWN
        if matches is not False and ("changes" in rule or "exists" in rule):
            matches = UNKNOWN
        if matches is False:
            continue
        when = str(rule.get("when") or job_when).strip()
        shown = f"rule {index}" + (f" (if: {_short(condition)})" if isinstance(condition, str)
                                   else "")
        if matches is True:
            if when == "never":
                return (UNKNOWN, maybe) if maybe else (False, f"{shown}: when never")
            return (UNKNOWN, maybe) if maybe else (True, f"rules: {shown}")
        if when != "never" and maybe is None:
            maybe = f"rules: {shown} not decidable from the file; counted as running"
    if maybe:
        return UNKNOWN, maybe
    return False, "no rule matches"


def _ref_matches(ref: str, event: str) -> Any:
    """Whether one only/except refs entry matches a pipeline of this kind."""
    ref = ref.strip()
    keywords = {"branches": event in (PUSH, SCHEDULE), "tags": event == TAG,
                "merge_requests": event == MR, "schedules": event == SCHEDULE,
                "pushes": event in (PUSH, TAG)}
    if ref in keywords:
        return keywords[ref]
    if ref in ("api", "web", "triggers", "pipelines", "external", "chat",
               "external_pull_requests"):
        return False
    name = ref.split("@", 1)[0]
    if event == MR:
        return False
    if name.startswith("/") and name.rstrip("imx").endswith("/") and len(name) > 1:
        if event == TAG:
            return UNKNOWN  # a tag's name: only the tag knows
        body = name[1:].rstrip("imx")[:-1]
        pattern = compile_pattern(body, ignore_case="i" in name.rsplit("/", 1)[1])
        if pattern is None:
            return UNKNOWN
        return any(pattern.search(b) for b in ("main", "master"))
    if event == TAG:
        return UNKNOWN if name not in ("main", "master") else False
    return name in ("main", "master")


def _spec_matches(spec: Any, event: str, vars_: Mapping[str, Any]) -> Any:
    """Whether an only/except spec (a list of refs, or refs/variables/changes) matches."""
    results: list[Any] = []
    if isinstance(spec, (str, YList)):
        refs = [spec] if isinstance(spec, str) else list(spec)
        results.append(_any(_ref_matches(str(r), event) for r in refs if isinstance(r, str)))
        return results[0]
    if not isinstance(spec, YMap):
        return UNKNOWN
    refs = spec.get("refs")
    if refs is not None:
        listed = [refs] if isinstance(refs, str) else list(refs) if isinstance(refs, YList) else []
        results.append(_any(_ref_matches(str(r), event) for r in listed if isinstance(r, str)))
    exprs = spec.get("variables")
    if exprs is not None:
        listed = [exprs] if isinstance(exprs, str) else list(exprs) \
            if isinstance(exprs, YList) else []
        results.append(_any(evaluate(e, vars_) if isinstance(e, str) else UNKNOWN
                            for e in listed))
    if "changes" in spec or "kubernetes" in spec:
        results.append(UNKNOWN)
    return _all(results) if results else UNKNOWN


def by_only_except(only: Any, except_: Any, event: str, vars_: Mapping[str, Any]) -> Verdict:
    if only is None:
        included: Any = _any(_ref_matches(r, event) for r in DEFAULT_ONLY)
        why = "no rules, only or except: branches and tags (GitLab's default)"
        if except_ is None:
            return included, why
    else:
        included = _spec_matches(only, event, vars_)
        why = "only: " + _short(_render(only))
    if included is False:
        return False, why
    if except_ is not None:
        excluded = _spec_matches(except_, event, vars_)
        why += "; except: " + _short(_render(except_))
        if excluded is True:
            return False, why
        if excluded is UNKNOWN:
            included = UNKNOWN
    if included is UNKNOWN:
        why += " (not decidable from the file: counted as running)"
    return included, why


def _render(spec: Any) -> str:
    if isinstance(spec, str):
        return spec
    if isinstance(spec, YList):
        return ", ".join(str(v) for v in spec)
    if isinstance(spec, YMap):
        return "; ".join(f"{k}: {_render(v)}" for k, v in spec.items())
    return str(spec)


def kinds_of(mentions: Iterable[str]) -> list[str]:
    """The kinds of pipeline to evaluate: push and tag always; merge requests and
    schedules when the file mentions them."""
    kinds = [PUSH, TAG]
    text = "\n".join(mentions)
    if "merge_request" in text or "CI_MERGE_REQUEST_" in text:
        kinds.append(MR)
    if "schedule" in text:
        kinds.append(SCHEDULE)
    return kinds


def job_triggers(kinds: list[str], line: int, known: Mapping[str, Any],
                 verdict: Callable[[str, Mapping[str, Any]], Verdict],
                 workflow: Mapping[str, Any]) -> tuple[Trigger, ...]:
    """The job's triggers: each kind of pipeline that exists (``workflow``: kind →
    False, True or UNKNOWN) and in which the job's verdict is not False."""
    found: list[Trigger] = []
    for event in kinds:
        exists = workflow.get(event, True)
        if exists is False:
            continue
        runs, why = verdict(event, variables(KINDS[event], known))
        if runs is False:
            continue
        if exists is UNKNOWN:
            why += "; workflow rules not decidable for these pipelines: counted"
        found.append(Trigger(event, line, condition=why))
    return tuple(found)
