"""Regular expressions written in a scanned CI file: GitLab's ``=~ /re/`` and ``/re/``
refs of ``only:``/``except:``.

GitLab evaluates them with RE2, so xops-lens does too (the google-re2 wheel): the same
syntax, and time linear in the text whatever the pattern. Python's ``re`` backtracks, and
a pattern and a variable value both written by a stranger's pull request
(``(a*)*b`` against a long value) would stall the scan. Where the wheel cannot be
installed, the condition is "unknown", which the cost model counts as running and says so.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# Patterns are short in real files; a huge one is hostile or a mistake either way.
MAX_PATTERN_CHARS = 1000


@lru_cache(maxsize=256)
def compile_pattern(body: str, ignore_case: bool = False) -> Any | None:
    """A compiled RE2 pattern, or None when it cannot be evaluated here."""
    try:
        import re2  # slow to import (docs/benchmarks.md): only for files that hold a regex
    except ImportError:  # pragma: no cover - a platform without a google-re2 wheel
        return None
    if len(body) > MAX_PATTERN_CHARS:
        return None
    options = re2.Options()
    options.case_sensitive = not ignore_case
    options.log_errors = False
    try:
        return re2.compile(body, options)
    except re2.error:
        return None
