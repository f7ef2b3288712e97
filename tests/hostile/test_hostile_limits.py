"""Hostile YAML against the loader's limits, each in a subprocess: a regression here is
a crash of the interpreter (libyaml's C recursion), which would take pytest down too,
or a hang (libyaml's scanner is quadratic in flow nesting)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT
from tests.hostile.hostile_harness import CASE_SECONDS, Timer

_LOAD = """
import resource, sys, time
from xops_lens.errors import ParseError
from xops_lens.yamlload import load_documents
text = sys.stdin.read()
start = time.perf_counter()
try:
    load_documents(text, "deep.yml")
    print("loaded")
except ParseError as exc:
    print(exc.one_line())
print(round(time.perf_counter() - start, 3))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

# Just under the 1 MiB file limit each, far deeper than libyaml's C stack survives
# (about 40,000 levels); block mappings cannot be that deep in so few bytes.
DEEP = {
    "block-sequences": "- " * 400_000 + "x\n",
    "flow-sequences": "a: " + "[" * 400_000 + "]" * 400_000 + "\n",
    "flow-mappings": "a: " + "{a: " * 150_000 + "b" + "}" * 150_000 + "\n",
    "single-pair-mappings": "a: " + '["a":' * 150_000 + "b" + "]" * 150_000 + "\n",
    "block-mappings": "".join(" " * i + "k:\n" for i in range(1200)) + " " * 1200 + "v\n",
    "ten-thousand-levels": "a: " + "[" * 10_000 + "]" * 10_000 + "\n",
}


@pytest.mark.parametrize("name", DEEP)
def test_deep_nesting_is_refused_without_crash(name: str) -> None:
    assert len(DEEP[name]) < 1024 * 1024
    with Timer(f"loader/deep/{name}"):
        done = subprocess.run([sys.executable, "-c", _LOAD], input=DEEP[name], text=True,
                              check=False, capture_output=True, cwd=REPO_ROOT, timeout=60)
    assert done.returncode == 0, f"the interpreter died ({done.returncode}): {done.stderr[-500:]}"
    message, seconds, _maxrss = done.stdout.splitlines()
    line = 202 if name == "block-mappings" else 1  # where the 201st level begins
    assert message == f"deep.yml:{line}: YAML nested deeper than 200 levels; file skipped"
    assert float(seconds) < CASE_SECONDS / 5
