"""The plugin end to end: installed as a package, found through its entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

xops_lens_semaphore = pytest.importorskip("xops_lens_semaphore")

from xops_lens.sdk import ParseError, Source  # noqa: E402

PIPELINE = textwrap.dedent("""\
    version: v1.0
    name: CI
    agent:
      machine:
        type: e1-standard-2
    blocks:
      - name: Test
        task:
          prologue:
            commands:
              - checkout
              - sem-version python 3.12
              - cache restore
          jobs:
            - name: pytest
              parallelism: 4
              commands:
                - pip install -r requirements.txt
                - pytest
          epilogue:
            always:
              commands:
                - test-results publish junit.xml
    promotions:
      - name: Production
        pipeline_file: deploy.yml
""")


def xops_lens_command() -> list[str]:
    script = Path(sys.executable).with_name("xops-lens")
    return [str(script)] if script.exists() else [shutil.which("xops-lens") or "xops-lens"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "XOPS_LENS_DISABLE_ENTRY_POINTS"}
    return subprocess.run([*xops_lens_command(), *args], capture_output=True, text=True,
                          env=env, timeout=120)


def parse(text: str) -> object:
    return xops_lens_semaphore.parse(Source(root=".", path=".semaphore/semaphore.yml",
                                            text=text, read_local=lambda p: ""))


def test_jobs_steps_lines_and_hints() -> None:
    pipeline = parse(PIPELINE)
    test, promote = pipeline.jobs
    assert test.id == "Test / pytest" and test.matrix_size == 4 and test.runner == "e1-standard-2"
    assert [(s.line, s.kind_hint) for s in test.steps] == [
        (11, "checkout"), (12, "toolchain"), (13, "cache-restore"), (18, None), (19, None),
        (23, "report")]
    assert promote.manual and promote.calls == ".semaphore/deploy.yml"


def test_wrong_shape_is_a_parse_error_with_line() -> None:
    with pytest.raises(ParseError) as info:
        parse("version: v1.0\nblocks:\n  - name: x\n    task: 3\n")
    assert str(info.value) == ".semaphore/semaphore.yml:4: block 'x': 'task' must be a mapping"


def test_end_to_end_through_the_xops_lens_command(tmp_path: Path) -> None:
    (tmp_path / ".semaphore").mkdir()
    (tmp_path / ".semaphore/semaphore.yml").write_text(PIPELINE)
    listed = run_cli("formats")
    assert listed.returncode == 0 and "semaphore" in listed.stdout
    plugins = run_cli("plugins")
    assert "semaphore (xops-lens-semaphore 0.1.0): format semaphore" in plugins.stdout
    scanned = run_cli("scan", str(tmp_path), "--format", "json")
    assert scanned.returncode == 0, scanned.stderr
    report = json.loads(scanned.stdout)
    assert [f["format"] for f in report["files"]] == ["semaphore"]
    kinds = [(s["line"], s["kind"]) for s in report["steps"]]
    assert kinds == [(11, "checkout"), (12, "toolchain"), (13, "cache-restore"),
                     (18, "dependencies"), (19, "test"), (23, "report")]
    gates = [j for j in report["jobs"] if j["gate"]]
    assert [g["id"] for g in gates] == ["promote: Production"]
