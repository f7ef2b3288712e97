"""Helpers for the composite Action's shell steps (the ``xops-lens-action`` console script).

Kept in Python rather than inline in action.yml so they are tested like the rest, and so
the shell steps interpolate no ``${{ }}`` expression into a script (inputs arrive as
environment variables, which no PR content can turn into shell code).

    xops-lens-action base                 print the PR's base SHA (or nothing)
    xops-lens-action outputs REPORT.json EXIT_CODE
                                                      append the Action's outputs to GITHUB_OUTPUT
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from xops_lens.github.api import ActionsContext


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def saving_total(data: Mapping[str, Any]) -> tuple[float | None, str | None]:
    """The monthly saving of the reported suggestions, read defensively from the JSON
    contract: a summary total when the cost model writes one, else the sum over the
    suggestions; None when there is no cost model output at all."""
    summary = _map(data.get("summary"))
    cost = _map(summary.get("cost"))
    for table in (cost, summary):
        for key in ("monthly_saving", "saving_total", "total_monthly_saving"):
            value = table.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                currency = cost.get("currency") or summary.get("currency")
                return float(value), currency if isinstance(currency, str) else None
    suggestions = data.get("suggestions")
    if not isinstance(suggestions, list) or not suggestions:
        return (0.0 if isinstance(suggestions, list) else None), None
    total, currency = 0.0, None
    for item in suggestions:
        if not isinstance(item, Mapping):
            continue
        numbers = _map(item.get("numbers")) or item
        value = numbers.get("monthly_saving")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            total += float(value)
        currency = currency or numbers.get("currency")
    return total, currency if isinstance(currency, str) else None


def outputs(data: Mapping[str, Any], exit_code: int) -> dict[str, str]:
    summary = _map(data.get("summary"))
    subsystems = _map(summary.get("subsystems"))
    changes = data.get("changes") if isinstance(data.get("changes"), Mapping) else None
    counts = _map(_map(changes).get("counts"))
    saving, currency = saving_total(data)
    result = {
        "steps": summary.get("steps", 0),
        "gates": summary.get("gates", 0),
        "information": _map(subsystems.get("information")).get("count", 0),
        "model": _map(subsystems.get("model")).get("count", 0),
        "action": _map(subsystems.get("action")).get("count", 0),
        "suggestions": len(data.get("suggestions") or []),
        "ignored": summary.get("ignored", 0),
        "files-failed": summary.get("files_failed", 0),
        "added-steps": counts.get("added", 0),
        "changed-steps": counts.get("changed", 0),
        "removed-steps": counts.get("removed", 0),
        "touches-ci": "true" if changes is None or changes.get("files") or any(counts.values())
                      else "false",
        "saving-total": "" if saving is None else f"{saving:.2f}",
        "currency": currency or "",
        "exit-code": exit_code,
    }
    # Single-line values only: GITHUB_OUTPUT's key=value form must not be broken.
    return {key: " ".join(str(value).split()) for key, value in result.items()}


def _base(ctx: ActionsContext) -> str:
    return ctx.base_sha or ""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    ctx = ActionsContext.from_env()
    if args[:1] == ["base"]:
        print(_base(ctx))
        return 0
    if args[:1] == ["outputs"] and len(args) == 3:
        try:
            with open(args[1], encoding="utf-8") as stream:
                data = json.load(stream)
        except (OSError, ValueError):
            data = {}
        values = outputs(data if isinstance(data, dict) else {}, int(args[2]))
        target = os.environ.get("GITHUB_OUTPUT")
        text = "".join(f"{key}={value}\n" for key, value in values.items())
        if target:
            with open(target, "a", encoding="utf-8") as stream:
                stream.write(text)
        else:
            sys.stdout.write(text)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


def console() -> None:
    """The ``xops-lens-action`` console script. A console script, not ``python -m``: the
    Action runs beside the pull request's checkout, and ``-m`` would put the working
    directory first on ``sys.path``."""
    sys.exit(main())


if __name__ == "__main__":
    console()
