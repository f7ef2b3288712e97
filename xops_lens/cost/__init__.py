"""The cost model of TAXONOMY.md ("Marginal versus fixed cost").

:func:`estimate` prices every step, job and pipeline of a scan per run and per month,
and matches the suggestion catalogue against those marginal costs. Modules:

- ``defaults``  the documented default assumptions;
- ``settings``  typed reads of the configuration, recording what was used and from where;
- ``cron``      cron firings per month (croniter);
- ``history``   changes, tags and dependency bumps per month from git history (GitPython);
- ``runs``      runs per month of each pipeline, by event;
- ``pricing``   the marginal cost lines (compute and human) of steps, jobs, pipelines;
- ``catalogue`` the suggestion catalogue (data: ``catalogue.toml``);
- ``suggest``   matching and the saving / break-even arithmetic;
- ``report``    the result: lines, totals, suggestions, assumptions.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from xops_lens.cost.report import CostLine, CostReport, Figures
from xops_lens.cost.settings import Assumption

if TYPE_CHECKING:
    from xops_lens.result import ScanResult
    from xops_lens.runhistory.measure import Measurements

__all__ = ["Assumption", "CostLine", "CostReport", "Figures", "estimate"]


def estimate(result: ScanResult, root: Path, *, now: datetime | None = None,
             measurements: Measurements | None = None) -> CostReport:
    """The cost report of a finished scan. ``now`` ends the git history window (tests
    pin it); the scanned tree is only read, never written. ``measurements``: the CI
    run history matched to the scan (``scan --runs``), which replaces assumptions."""
    from xops_lens.cost.pricing import estimate as run

    return run(result, root, now=now or datetime.now(timezone.utc), measurements=measurements)
