"""``--format sarif``: SARIF 2.1.0 for code-scanning upload.

What becomes a result (a decision, documented in docs/github-action.md):

* one result per **suggestion** of the cost model (rule ``xops-lens/suggestion/<id>``),
  at the location of the first step it applies to, the others as related locations;
* one result per **human gate** (rule ``xops-lens/human-gate``): a step labelled
  ``action/approve`` or a job-level gate (manual job, protected environment). A gate is
  where a person pays a marginal cost on every run, the cost TAXONOMY.md is about, and it
  is known without the cost model, so code scanning has something to show from day one.

Plain labels are not results: a checkout is not a finding. Every result is ``note``
level: these are opportunities, not defects. In PR mode the result holds only the
changed steps; the Action uploads the whole analysis instead (``--whole-report``), as
code scanning compares whole analyses.

One result per place: a template included from two pipelines yields one result at the
template's line, the including pipelines (callers) as related locations, each linked
from the message (``[text](id)``, the only way GitHub shows related locations). Every
rule has ``help`` (text and Markdown), which GitHub requires. ``automationDetails.id``
is written only for ``--category``: otherwise it would override the upload action's own
``category`` and two uploads (a monorepo's folders) would replace each other.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, TextIO
from urllib.parse import quote

from xops_lens import __version__
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Suggestion
from xops_lens.reporters._text import figure, repo_prefix, sarif_text
from xops_lens.result import ScanResult
from xops_lens.sdk import ReportOptions

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
GATE_RULE = "xops-lens/human-gate"
SUGGESTION_RULE = "xops-lens/suggestion/"
FINGERPRINT_KEY = "xopsLensLocation/v1"
MAX_LINKED = 20  # related locations named in a message; the rest are counted


# What RFC 3986 allows unencoded in a path: unreserved, sub-delims, ":" and "@", and "/".
_URI_PATH_SAFE = "/-._~!$&'()*+,;=:@"


def artifact_uri(path: str) -> str:
    """A repository path as the relative URI reference SARIF requires: spaces, "%",
    "#", "?", control characters (file names are the scanned repository's to choose)
    and non-ASCII letters percent-encoded as UTF-8, as CodeQL writes them."""
    return quote(path, safe=_URI_PATH_SAFE)


def _location(prefix: str, file: str, line: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(prefix + file), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(int(line), 1)},
        }
    }


def _fingerprint(*parts: str) -> str:
    """Stable across line moves: code scanning then keeps one alert per step, not one per
    position (its own line hash is added by the upload action)."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


def _gate_rule() -> dict[str, Any]:
    return {
        "id": GATE_RULE,
        "name": "HumanGate",
        "shortDescription": {"text": "A person acts on every run of this pipeline"},
        "fullDescription": {"text": (
            "A manual job, an approval or a protected environment waits for a person on "
            "every run: a marginal human cost. A model (for example a risk summary of the "
            "diff that approves low-risk changes) could turn it into a fixed cost.")},
        "defaultConfiguration": {"level": "note"},
        "properties": {"tags": ["xops-lens", "action/approve", "marginal-cost"]},
    }


def _suggestion_rule(item: Suggestion) -> dict[str, Any]:
    title = item.wording.title or item.id
    description = item.wording.description or title
    return {
        "id": SUGGESTION_RULE + item.id,
        "shortDescription": {"text": sarif_text(title, 200)},
        "fullDescription": {"text": sarif_text(description, 1000)},
        "defaultConfiguration": {"level": "note"},
        "properties": {"tags": ["xops-lens", "suggestion", "marginal-cost"],
                       "proposed_by": sarif_text(item.proposed_by, 40)},
    }


def _help(rule: dict[str, Any]) -> dict[str, str]:
    """``help`` for a rule (GitHub requires the text; it shows the Markdown)."""
    about = rule["fullDescription"]["text"]
    if rule["id"] == GATE_RULE:
        what = ("Keep the gate where a person must decide; where the decision follows "
                "from the change, let a model summarise the risk and approve low-risk runs.")
    else:
        what = ("The result's message gives the estimated monthly saving and when the "
                "one-time work pays back (`xops-lens scan` without `-q` shows the arithmetic "
                "and the assumptions).")
    ignore = ("Leave a place out with an inline comment `# xops-lens: ignore[approve]` (or "
              "the kind) on the step, or a path with the `ignore.paths` setting.")
    # fullDescription went through sarif_text (brackets escaped), which is also valid
    # Markdown; the text form drops the Markdown backticks.
    markdown = f"{about}\n\n{what}\n\n{ignore}"
    return {"text": f"{about} {what} {ignore}".replace("`", ""), "markdown": markdown}


def _callers(result: ScanResult) -> dict[int, list[tuple[str, int]]]:
    """For each step and job written in another file than the pipeline that runs it (a
    template, an include): where that pipeline calls it, by the object's ``key``."""
    found: dict[int, list[tuple[str, int]]] = {}
    for report in result.files:
        pipeline = report.pipeline
        if pipeline is None:
            continue
        for job in pipeline.jobs:
            if job.file != pipeline.path:
                found.setdefault(job.key, []).append((pipeline.path, 1))
            for step in job.steps:
                if step.file == job.file and job.file == pipeline.path:
                    continue
                place = (job.file, job.line) if job.file != step.file else (pipeline.path, 1)
                found.setdefault(step.key, []).append(place)
    return found


def _where(result: dict[str, Any]) -> tuple[str, str, int]:
    location = result["locations"][0]["physicalLocation"]
    return (result["ruleId"], location["artifactLocation"]["uri"],
            location["region"]["startLine"])


def _one_per_place(prefix: str, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge results of one rule at one place (a template reached from two pipelines),
    make the callers related locations, and link every related location from the
    message: GitHub shows only linked ones."""
    merged: dict[tuple[str, str, int], dict[str, Any]] = {}
    calls: dict[tuple[str, str, int], list[tuple[str, int]]] = {}
    for entry in results:
        key = _where(entry)
        for caller in entry.pop("_callers", []):
            if caller not in calls.setdefault(key, []):
                calls[key].append(caller)
        merged.setdefault(key, entry)  # the first of equal results stands for them all
    out = []
    for key, entry in merged.items():
        related = list(entry.get("relatedLocations") or [])
        # Related places of a suggestion may repeat the place itself (a template step
        # listed once per pipeline): keep each place once.
        seen = {(key[1], key[2])}
        kept = []
        for loc in related:
            phys = loc["physicalLocation"]
            where = (phys["artifactLocation"]["uri"], phys["region"]["startLine"])
            if where not in seen:
                seen.add(where)
                kept.append(loc)
        callers = []
        for file, line in calls.get(key, []):
            where = (artifact_uri(prefix + file), line)
            if where not in seen:
                seen.add(where)
                callers.append((file, line))
        for file, line in callers:
            kept.append(_location(prefix, file, line))
        for i, loc in enumerate(kept, start=1):
            loc["id"] = i
        if kept:
            entry["relatedLocations"] = kept
            links = ", ".join(_link(loc) for loc in kept[:MAX_LINKED])
            more = f" and {len(kept) - MAX_LINKED} more" if len(kept) > MAX_LINKED else ""
            label = "Called from" if callers else "Also at"
            entry["message"]["text"] += f" {label} {links}{more}."
        else:
            entry.pop("relatedLocations", None)
        out.append(entry)
    return out


def _link(location: dict[str, Any]) -> str:
    phys = location["physicalLocation"]
    shown = sarif_text(f"{phys['artifactLocation']['uri']}:{phys['region']['startLine']}")
    return f"[{shown}]({location['id']})"


def to_sarif(result: ScanResult, category: str | None = None) -> dict[str, Any]:
    prefix = repo_prefix(result.root, None)
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []

    callers = _callers(result)
    # An expanded call (an Azure step template) is followed by its own steps, where the
    # gate is reported: the call would repeat it once per pipeline.
    gate_steps = [s for s in result.steps if s.label.kind == "approve" and not s.step.expanded]
    if gate_steps or result.gates:
        rules[GATE_RULE] = _gate_rule()
    for item in gate_steps:
        step = item.step
        # A step written in a template runs in the jobs of every pipeline that includes
        # it: one result names no job, its callers follow as related locations.
        of_job = "" if callers.get(step.key) else f" of job '{step.job}'"
        results.append({
            "ruleId": GATE_RULE,
            "level": "note",
            "message": {"text": sarif_text(
                f"Step '{step.name}'{of_job} waits for a person on every run "
                f"(action/approve): {item.label.why}", 1000)},
            "locations": [_location(prefix, step.file, step.line)],
            "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(
                GATE_RULE, step.file, step.job, step.name)},
            "properties": {"subsystem": "action", "kind": "approve",
                           "confidence": round(item.label.confidence, 3)},
            "_callers": callers.get(step.key, []),
        })
    for gate in result.gates:
        job = gate.job
        results.append({
            "ruleId": GATE_RULE,
            "level": "note",
            "message": {"text": sarif_text(
                f"Job '{job.id}' is a human gate: {gate.label.why}", 1000)},
            "locations": [_location(prefix, job.file, job.line)],
            "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(GATE_RULE, job.file, job.id)},
            "properties": {"subsystem": "action", "kind": gate.label.kind,
                           "confidence": round(gate.label.confidence, 3)},
            "_callers": callers.get(job.key, []),
        })

    for item in result.suggestions:
        places = item.applies_to
        if not places:
            continue  # a result needs a place in the code to be shown
        rule = _suggestion_rule(item)
        rules.setdefault(rule["id"], rule)
        n = item.numbers
        saving = figure(n.monthly_saving)
        currency = n.currency
        months = None if n.break_even_months is None else figure(n.break_even_months)
        numbers = f" Estimated saving: {saving:,.2f} {currency} per month"
        numbers += ", no break-even." if months is None else \
            f", break-even after {months:.1f} months."
        title = rule["shortDescription"]["text"]
        by = rule["properties"]["proposed_by"]
        if by != "catalogue":
            numbers += f" Proposed by the model ({by}) for this pipeline."
        results.append({
            "ruleId": rule["id"],
            "level": "note",
            "message": {"text": f"{title}. {sarif_text(numbers.strip())}".rstrip()},
            "locations": [_location(prefix, places[0].file, places[0].line)],
            "relatedLocations": [
                {"id": i, **_location(prefix, a.file, a.line)}
                for i, a in enumerate(places[1:], start=1)
            ],
            "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(
                rule["id"], places[0].file, places[0].job or "", places[0].step or "")},
            "properties": {k: v for k, v in {
                "monthly_saving": saving, "break_even_months": months, "currency": currency or None,
                "confidence": item.confidence, "proposed_by": by}.items() if v is not None},
        })

    notifications = [
        {"level": "error", "message": {"text": sarif_text(f.error or f.path, 1000)},
         "locations": [_location(prefix, f.path, 1)]}
        for f in result.failed_files
    ]
    results = _one_per_place(prefix, results)
    rule_list = [rules[k] for k in sorted(rules)]
    for rule in rule_list:
        rule.setdefault("help", _help(rule))
    index = {rule["id"]: i for i, rule in enumerate(rule_list)}
    for entry in results:
        entry["ruleIndex"] = index[entry["ruleId"]]
    results.sort(key=lambda r: (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                                r["ruleId"]))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "xops-lens",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rule_list,
            }},
            **({"automationDetails": {"id": f"{category.strip('/')}/"}} if category else {}),
            "invocations": [{
                "executionSuccessful": True,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": {"ignored": len(result.ignored), "backend": result.backend},
        }],
    }


class SarifReporter:
    name = "sarif"

    def render(self, result: ScanResult, stream: TextIO, options: ReportOptions) -> None:
        json.dump(to_sarif(result, options.category), stream, indent=2, ensure_ascii=False)
        stream.write("\n")


@hookimpl
def register_reporters(register: Any) -> None:
    register(SarifReporter())
