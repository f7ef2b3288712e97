"""``--fail-on``: when a scan's exit code says "fail".

Exit codes of ``xops-lens scan`` (DESIGN.md keeps 0, 1 and 2; 3 is the policy's own):

====  ==================================================================================
0     scanned; nothing the policy fails on
1     some files could not be read or parsed (the rest is reported); not with ``never``
2     usage error (bad option, unknown backend or format, unknown ``--base`` revision)
3     the policy matched: a human gate (``gate``) or a cost suggestion (``suggestion``)
      among the *reported* steps; in PR mode, only those the pull request added or changed
====  ==================================================================================

``--fail-on`` takes ``never``, or a comma-separated list of ``error`` (the default),
``gate`` and ``suggestion``. ``error`` is always part of a list (a broken CI file should
never pass a gate silently); when both apply, 1 wins over 3, as the more basic failure.
"""

from __future__ import annotations

from xops_lens.errors import ConfigError
from xops_lens.result import ScanResult

EXIT_OK = 0
EXIT_FILES_FAILED = 1
EXIT_POLICY = 3
CHOICES = ("never", "error", "gate", "suggestion")


def parse_fail_on(value: str) -> frozenset[str]:
    names = frozenset(part.strip().lower() for part in value.split(",") if part.strip())
    unknown = sorted(names - set(CHOICES))
    if unknown or not names:
        raise ConfigError(f"--fail-on {value!r}: choose never, or a list of "
                          f"error, gate, suggestion (got {', '.join(unknown) or 'nothing'})")
    if "never" in names:
        if len(names) > 1:
            raise ConfigError("--fail-on never cannot be combined with other conditions")
        return names
    return names | {"error"}


def findings(result: ScanResult) -> dict[str, int]:
    """How many human gates and suggestions the report shows."""
    gates = len(result.gates) + sum(1 for s in result.steps if s.label.kind == "approve")
    return {"gate": gates, "suggestion": len(result.suggestions)}


MAX_EXPLAINED = 20  # lines; past that the report itself is the place to read


def explain(result: ScanResult, fail_on: frozenset[str]) -> list[str]:
    """Why the policy matched, one line per place: ``file:line: job J, step S: ...``.
    A blocked commit or job must say what to change, not only that something matched.
    The lines quote CI text (job and step names): the caller makes them visible-safe."""
    lines: list[str] = []
    if "gate" in fail_on:
        for item in result.steps:
            if item.label.kind == "approve":
                step = item.step
                lines.append(f"{step.file}:{step.line}: job {step.job}, step {step.name!r}: "
                             f"human gate ({item.label.why}) [--fail-on gate]")
        for gate in result.gates:
            job = gate.job
            lines.append(f"{job.file}:{job.line}: job {job.name or job.id}: human gate on the "
                         f"job ({gate.label.why}) [--fail-on gate]")
    if "suggestion" in fail_on:
        from xops_lens.reporters.json import to_dict

        for suggestion in to_dict(result, lazy=True).get("suggestions") or []:
            for place in suggestion.get("applies_to") or [{}]:
                where = f"{place.get('file')}:{place.get('line')}" if place.get("file") else "-"
                job = f"job {place.get('job')}" if place.get("job") else "pipeline"
                step = f", step {place['step']!r}" if place.get("step") else ""
                lines.append(f"{where}: {job}{step}: suggestion {suggestion.get('id')}: "
                             f"{suggestion.get('title')} [--fail-on suggestion]")
    if len(lines) > MAX_EXPLAINED:
        rest = len(lines) - MAX_EXPLAINED
        lines = lines[:MAX_EXPLAINED] + [f"... and {rest} more (see the report)"]
    return lines


def exit_code(result: ScanResult, fail_on: frozenset[str]) -> int:
    if "never" in fail_on:
        return EXIT_OK
    if result.failed_files:
        return EXIT_FILES_FAILED
    found = findings(result) if fail_on & {"gate", "suggestion"} else {}
    if any(found.get(name, 0) for name in fail_on):
        return EXIT_POLICY
    return EXIT_OK
