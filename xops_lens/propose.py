"""The one place where a backend may propose cost suggestions of its own
(``propose_suggestions``, an optional backend method, see docs/plugins.md): replacements
for the cost lines no catalogue entry claimed. The backend only answers; the tool checks
each proposal and computes its numbers (xops_lens/cost/proposed.py), and a failing
backend leaves the catalogue's suggestions alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from xops_lens.cost.matching import Matcher
from xops_lens.cost.proposed import accept, catalogue_payload, line_payload, open_lines
from xops_lens.cost.report import CostReport
from xops_lens.errors import XopsLensError
from xops_lens.model import Pipeline, Step, Suggestion


def propose_suggestions(backend: Any, report: CostReport, pipelines: Sequence[Pipeline],
                        steps: Sequence[Step], warn: Callable[[str], None]) -> list[Suggestion]:
    """The accepted proposals, priced, sorted by saving; [] when the backend proposes
    nothing (no such method, switched off, over budget, failing)."""
    propose = getattr(backend, "propose_suggestions", None)
    if not callable(propose):
        return []
    offered = open_lines(report.lines, report.claimed_lines)
    if not offered:
        return []
    at = {(step.file, step.line): step for step in steps}
    name = str(getattr(backend, "name", None) or getattr(getattr(backend, "settings", None),
                                                         "backend", "backend"))
    try:
        items = list(propose([line_payload(i, line, at) for i, line in offered],
                             catalogue_payload()))
    except XopsLensError as exc:
        warn(f"backend {name!r} could not propose suggestions ({exc})")
        return []
    except Exception as exc:  # a plugin's bug must not lose the catalogue's suggestions
        warn(f"backend {name!r} could not propose suggestions ({type(exc).__name__}: {exc})")
        return []
    if not items:
        return []
    accepted, problems = accept(items, offered, backend=name, human_rate=report.human_rate,
                                currency=report.currency, matcher=Matcher(report.lines, pipelines))
    usage = getattr(backend, "usage", None)
    if usage is not None and hasattr(usage, "suggestions_proposed"):
        usage.suggestions_proposed = len(accepted)
    if problems:
        warn(f"{name}: {len(problems)} proposal(s) refused: " + "; ".join(problems))
    return accepted
