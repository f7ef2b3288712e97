"""Comparing the two sides: which steps and gates were added, changed or removed, and
the change set that results."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from xops_lens.model import Step
from xops_lens.prmode.diff import FileDiff
from xops_lens.prmode.spans import Spans, anchors
from xops_lens.result import ChangeSet, GateResult, ScanResult, Side, StepChange, StepResult


def _identity_keys(steps: Iterable[Step], rename: Mapping[str, str]) -> dict[int, tuple[str, ...]]:
    """(file, job, name, n-th occurrence) for each step, with base files renamed."""
    seen: Counter[tuple[str, str, str]] = Counter()
    keys: dict[int, tuple[str, ...]] = {}
    for step in steps:
        base = (rename.get(step.file, step.file), step.job, step.name)
        keys[id(step)] = (*base, str(seen[base]))
        seen[base] += 1
    return keys


def _side(result: ScanResult) -> Side:
    cost = monthly_cost(result)
    return Side(dict(result.subsystem_counts()), len(result.steps), len(result.gates),
                cost[0] if cost else None, cost[1] if cost else None)


def monthly_cost(result: ScanResult) -> tuple[float, str | None] | None:
    """The pipeline's monthly cost from the JSON summary, when the cost model gives one.

    Read through the JSON contract rather than internals, and defensively: the cost
    model is newer than PR mode and its field names may grow."""
    try:
        from xops_lens.reporters.json import to_dict

        summary = to_dict(result, lazy=True).get("summary", {})  # lazy: no entries built
    except Exception:  # noqa: BLE001 - a cost figure must never cost the PR report
        return None
    return cost_from_summary(summary)


def cost_from_summary(summary: Mapping[str, Any]) -> tuple[float, str | None] | None:
    cost = summary.get("cost")
    candidates: list[tuple[Mapping[str, Any], str]] = []
    if isinstance(cost, Mapping):
        candidates += [(cost, "monthly"), (cost, "monthly_total"), (cost, "total_monthly"),
                       (cost, "marginal_monthly")]
    candidates += [(summary, "monthly_cost"), (summary, "cost_monthly")]
    for table, key in candidates:
        value = table.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            currency = (cost.get("currency") if isinstance(cost, Mapping) else None) or \
                summary.get("currency")
            return float(value), currency if isinstance(currency, str) else None
    return None


def compare(root: Path, head: ScanResult, base: ScanResult, diffs: Sequence[FileDiff],
            base_root: Path, info: tuple[str, str, bool, str | None]) -> ChangeSet:
    """Fill a ChangeSet and cut ``head`` down to the steps and gates that changed."""
    base_ref, base_sha, is_merge_base, head_sha = info
    rename = {d.old_path: d.new_path for d in diffs if d.old_path and d.new_path}
    added_lines = {d.new_path: d.added for d in diffs if d.new_path}
    whole = {d.new_path for d in diffs if d.new_path and d.whole}
    removed_lines = {d.old_path: d.removed for d in diffs if d.old_path}
    ci_files = {f.path for f in head.files} | {f.path for f in base.files}
    changed_files = sorted({p for d in diffs for p in (d.new_path, d.old_path)
                            if p is not None and p in ci_files})

    head_spans, base_spans = Spans(root), Spans(base_root)
    head_anchors, base_anchors = anchors(head), anchors(base)
    head_keys = _identity_keys((s.step for s in head.steps), {})
    base_keys = _identity_keys((s.step for s in base.steps), rename)
    base_identities = set(base_keys.values())
    head_identities = set(head_keys.values())

    seen_spans: dict[int, tuple[int, int]] = {}

    def touched(spans: Spans, anchors: dict[str, list[int]], step: Step,
                lines: Mapping[str, set[int]]) -> bool:
        changed = lines.get(step.file)
        if not changed:
            return False
        start, end = spans.span(step.file, step.line, anchors.get(step.file, ()),
                                step.end_line)
        seen_spans[id(step)] = (start, end)
        return any(start <= n <= end for n in changed)

    # Base steps whose lines were removed: their head counterpart changed, or they left.
    base_touched: set[tuple[str, ...]] = set()
    removed: list[tuple[StepResult, StepChange]] = []
    for item in base.steps:
        if touched(base_spans, base_anchors, item.step, removed_lines):
            key = base_keys[id(item.step)]
            if key in head_identities:
                base_touched.add(key)
            else:
                removed.append((item, _change("removed", item)))
    hunks = {d.new_path: d.hunks for d in diffs if d.new_path}
    changes: list[StepChange] = []
    kept: list[StepResult] = []
    for item in head.steps:
        key = head_keys[id(item.step)]
        is_new = key not in base_identities
        if item.step.file in whole or key in base_touched \
                or touched(head_spans, head_anchors, item.step, added_lines):
            kept.append(item)
            status = "added" if is_new else "changed"
            if is_new:
                # The same step rewritten (a GitLab script line is named by its command):
                # one hunk replaced a removed step's lines with this step's lines.
                twin = _replaced(item, removed, hunks.get(item.step.file, ()), seen_spans,
                                 rename)
                if twin is not None:
                    removed.remove(twin)
                    status = "changed"
            changes.append(_change(status, item))
    changes += [change for _, change in removed]

    base_gates = {(g.job.file, g.job.id): g for g in base.gates}
    head_gates = {(g.job.file, g.job.id): g for g in head.gates}
    kept_gates: list[GateResult] = []
    for key, gate in head_gates.items():
        before = base_gates.get(key)
        if before is None or (before.label.kind, before.label.why) != (gate.label.kind, gate.label.why):
            kept_gates.append(gate)
            changes.append(StepChange("added" if before is None else "changed", gate.job.file,
                                      gate.job.line, gate.job.id, "(job gate) " + gate.job.name,
                                      gate.label.subsystem, gate.label.kind))
    removed_gates = [
        StepChange("removed", gate.job.file, gate.job.line, gate.job.id,
                   "(job gate) " + gate.job.name, gate.label.subsystem, gate.label.kind)
        for key, gate in base_gates.items() if key not in head_gates
    ]

    changeset = ChangeSet(base_ref, base_sha, is_merge_base, head_sha, changed_files,
                          sorted(changes, key=lambda c: (c.file, c.line, c.status)),
                          removed_gates, before=_side(base), after=_side(head))
    head.steps = kept
    head.gates = kept_gates
    head.changes = changeset
    _keep_suggestions_of(head, {(c.file, c.line) for c in changes if c.status != "removed"})
    return changeset


def _replaced(item: StepResult, removed: list[tuple[StepResult, StepChange]],
              hunks: Sequence[tuple[range, range]], spans: Mapping[int, tuple[int, int]],
              rename: Mapping[str, str]) -> tuple[StepResult, StepChange] | None:
    """The removed base step of the same job that one hunk replaced by ``item``."""
    head_span = spans.get(id(item.step))
    if head_span is None:
        return None
    for pair in removed:
        base_step = pair[0].step
        base_span = spans.get(id(base_step))
        if (base_span is None or base_step.job != item.step.job
                or rename.get(base_step.file, base_step.file) != item.step.file):
            continue
        for old_lines, new_lines in hunks:
            if _overlaps(old_lines, base_span) and _overlaps(new_lines, head_span):
                return pair
    return None


def _overlaps(lines: range, span: tuple[int, int]) -> bool:
    return bool(lines) and lines.start <= span[1] and span[0] <= lines[-1]


def _change(status: str, item: StepResult) -> StepChange:
    step = item.step
    return StepChange(status, step.file, step.line, step.job, step.name, item.label.subsystem,
                      item.label.kind)


def _keep_suggestions_of(result: ScanResult, locations: set[tuple[str, int]]) -> None:
    """In PR mode a suggestion is shown when it applies to a changed step or gate. The
    cost model's totals of the whole pipeline stay as they are (they are the "after")."""
    for holder in (result, getattr(result, "cost", None)):
        suggestions = getattr(holder, "suggestions", None)
        if isinstance(suggestions, list):
            suggestions[:] = [
                s for s in suggestions
                if any((a.file, a.line) in locations for a in getattr(s, "applies_to", ()))
            ]
