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
changed steps, so code scanning shows only what the pull request added.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, TextIO
from urllib.parse import quote

from xops_lens import __version__
from xops_lens.hookspecs import hookimpl
from xops_lens.reporters._text import repo_prefix, sarif_text
from xops_lens.result import ScanResult
from xops_lens.sdk import ReportOptions

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
GATE_RULE = "xops-lens/human-gate"
SUGGESTION_RULE = "xops-lens/suggestion/"
FINGERPRINT_KEY = "xopsLensLocation/v1"


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


def _suggestion_rule(item: Mapping[str, Any]) -> dict[str, Any]:
    title = item.get("title") or (item.get("wording") or {}).get("title") or item.get("id")
    description = item.get("description") or (item.get("wording") or {}).get("description") \
        or title
    return {
        "id": SUGGESTION_RULE + str(item.get("id")),
        "shortDescription": {"text": sarif_text(str(title), 200)},
        "fullDescription": {"text": sarif_text(str(description), 1000)},
        "defaultConfiguration": {"level": "note"},
        "properties": {"tags": ["xops-lens", "suggestion", "marginal-cost"]},
    }


def _number(item: Mapping[str, Any], key: str) -> Any:
    value = item.get(key)
    if value is None and isinstance(item.get("numbers"), Mapping):
        value = item["numbers"].get(key)
    return value


def to_sarif(result: ScanResult) -> dict[str, Any]:
    from xops_lens.reporters.json import to_dict

    prefix = repo_prefix(result.root, None)
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []

    gate_steps = [s for s in result.steps if s.label.kind == "approve"]
    if gate_steps or result.gates:
        rules[GATE_RULE] = _gate_rule()
    for item in gate_steps:
        step = item.step
        results.append({
            "ruleId": GATE_RULE,
            "level": "note",
            "message": {"text": sarif_text(
                f"Step '{step.name}' of job '{step.job}' waits for a person on every run "
                f"(action/approve): {item.label.why}", 1000)},
            "locations": [_location(prefix, step.file, step.line)],
            "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(
                GATE_RULE, step.file, step.job, step.name)},
            "properties": {"subsystem": "action", "kind": "approve",
                           "confidence": round(item.label.confidence, 3)},
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
        })

    data = to_dict(result)
    for item in data.get("suggestions") or ():
        if not isinstance(item, Mapping):
            continue
        places = [a for a in item.get("applies_to") or () if isinstance(a, Mapping)
                  and isinstance(a.get("file"), str) and isinstance(a.get("line"), int)]
        if not places:
            continue  # a result needs a place in the code to be shown
        rule = _suggestion_rule(item)
        rules.setdefault(rule["id"], rule)
        saving = _number(item, "monthly_saving")
        currency = _number(item, "currency") or ""
        months = _number(item, "break_even_months")
        numbers = ""
        if isinstance(saving, (int, float)):
            numbers = f" Estimated saving: {saving:,.2f} {currency} per month"
            numbers += f", break-even after {months:.1f} months." if isinstance(
                months, (int, float)) else ", no break-even."
        title = rule["shortDescription"]["text"]
        results.append({
            "ruleId": rule["id"],
            "level": "note",
            "message": {"text": f"{title}.{sarif_text(numbers)}"},
            "locations": [_location(prefix, places[0]["file"], places[0]["line"])],
            "relatedLocations": [
                {"id": i, **_location(prefix, a["file"], a["line"])}
                for i, a in enumerate(places[1:], start=1)
            ],
            "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(
                rule["id"], places[0]["file"], str(places[0].get("job") or ""),
                str(places[0].get("step") or ""))},
            "properties": {k: v for k, v in {
                "monthly_saving": saving, "break_even_months": months, "currency": currency or None,
                "confidence": item.get("confidence")}.items() if v is not None},
        })

    notifications = [
        {"level": "error", "message": {"text": sarif_text(f.error or f.path, 1000)},
         "locations": [_location(prefix, f.path, 1)]}
        for f in result.failed_files
    ]
    rule_list = [rules[k] for k in sorted(rules)]
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
            "automationDetails": {"id": "xops-lens/"},
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
        json.dump(to_sarif(result), stream, indent=2, ensure_ascii=False)
        stream.write("\n")


@hookimpl
def register_reporters(register: Any) -> None:
    register(SarifReporter())
