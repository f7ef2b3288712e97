"""Hostile files rather than hostile contents: too big, not regular, not readable,
symlinked out of the root or in a loop, named with bytes that are not UTF-8 or with
control characters; and the exit codes of the real command for a few of them."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.hostile.hostile_harness import (
    CANONICAL,
    CASE_SECONDS,
    GOOD,
    GOOD_PATH,
    GOOD_STEP_LINES,
    MEASURED_COMMAND,
    Timer,
    assert_one_line_error,
    registered_formats,
    run_scan,
    write,
)

FORMATS = registered_formats()
FORMAT_NAMES = [name for name in CANONICAL if name in FORMATS]
MIB = 1024 * 1024


def _scan_case(root: Path, fmt: str, case: str) -> tuple[str | None, list[int], int]:
    outcome = run_scan(root, f"{fmt}/{case}")
    path = CANONICAL[fmt].path
    assert outcome.step_lines(GOOD_PATH) == GOOD_STEP_LINES
    assert outcome.cpu < CASE_SECONDS
    error = outcome.error_of(path)
    assert_one_line_error(error, path)
    return error, outcome.step_lines(path), outcome.exit_code


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_50_mib_file_is_refused_before_it_is_read(fmt: str, tmp_path: Path) -> None:
    """Sparse, so it costs no disk: were it read, 50 MiB of NUL bytes would end in a
    "binary content" error instead, and the peak of Python's memory would show it."""
    path = CANONICAL[fmt].path
    root = write(tmp_path, {GOOD_PATH: GOOD})
    big = root / path
    big.parent.mkdir(parents=True, exist_ok=True)
    with big.open("wb") as stream:
        stream.truncate(50 * MIB)
    tracemalloc.start()
    try:
        error, steps, code = _scan_case(root, fmt, "50-MiB")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert error == f"{path}: the file is 50.0 MiB, over the 1 MiB limit; skipped"
    assert (steps, code) == ([], 1)
    assert peak < 20 * MIB, f"{peak / MIB:.1f} MiB traced: the file was read"


def _maxrss_of_scan(root: Path) -> tuple[int, str, float]:
    """Peak resident memory (KiB) and stderr of ``xops-lens scan`` in a fresh process."""
    code = MEASURED_COMMAND
    with Timer(f"subprocess/{root.name}") as timer:
        done = subprocess.run([sys.executable, "-c", code, "scan", str(root), "--format",
                               "json"], check=False, capture_output=True, text=True, cwd=REPO_ROOT,
                              timeout=120, env={**os.environ, "XOPS_LENS_DISABLE_ENTRY_POINTS": "1"})
    last = done.stderr.strip().splitlines()[-1].split()
    assert last[0] == "EXIT", done.stderr[-2000:]
    return int(last[2]), done.stderr, timer.wall


def test_a_real_50_mib_file_costs_no_memory(tmp_path: Path) -> None:
    """A dense 50 MiB file of valid YAML, in a subprocess: its peak resident memory must
    stay within a few MiB of the same scan without the file."""
    base = write(tmp_path / "base", {GOOD_PATH: GOOD})
    baseline, _, _ = _maxrss_of_scan(base)
    root = write(tmp_path / "big", {GOOD_PATH: GOOD})
    line = b"  - make target\n"
    with (root / ".gitlab-ci.yml").open("wb") as stream:
        stream.write(b"build:\n  script:\n")
        chunk = line * (MIB // len(line))
        for _ in range(50):
            stream.write(chunk)
    peak, stderr, wall = _maxrss_of_scan(root)
    assert "error: .gitlab-ci.yml: the file is 50.0 MiB, over the 1 MiB limit; skipped" \
        in stderr
    assert "EXIT 1" in stderr
    assert peak - baseline < 16 * 1024, f"{(peak - baseline) / 1024:.0f} MiB more than without"
    assert wall < 60  # a fresh interpreter on a busy machine; precise figure in TIMINGS


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_symlink_out_of_the_root(fmt: str, tmp_path: Path) -> None:
    path = CANONICAL[fmt].path
    write(tmp_path, {"outside/secret": CANONICAL[fmt].body(2)})
    root = write(tmp_path / "repo", {GOOD_PATH: GOOD})
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(tmp_path / "outside" / "secret", root / path)
    error, steps, code = _scan_case(root, fmt, "symlink-out-of-root")
    assert error == f"{path}: {path} points outside the scanned root; not read"
    assert (steps, code) == ([], 1)


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_symlink_loop(fmt: str, tmp_path: Path) -> None:
    path = CANONICAL[fmt].path
    root = write(tmp_path, {GOOD_PATH: GOOD})
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(root / (path + ".loop"), root / path)
    os.symlink(root / path, root / (path + ".loop"))
    error, steps, code = _scan_case(root, fmt, "symlink-loop")
    assert error == f"{path}: cannot resolve {path}: Too many levels of symbolic links"
    assert (steps, code) == ([], 1)


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_dangling_symlink(fmt: str, tmp_path: Path) -> None:
    path = CANONICAL[fmt].path
    root = write(tmp_path, {GOOD_PATH: GOOD})
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(root / "nowhere.yml", root / path)
    error, steps, code = _scan_case(root, fmt, "dangling-symlink")
    assert error == f"{path}: file not found: {path}"
    assert (steps, code) == ([], 1)


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_unreadable_file(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 000 where it means something; as root (these tests' usual user, for whom
    chmod 000 does not prevent reading) the refusal is simulated at ``open``."""
    path = CANONICAL[fmt].path
    root = write(tmp_path, {path: CANONICAL[fmt].body(2), GOOD_PATH: GOOD})
    target = root / path
    target.chmod(0)
    try:
        if os.access(target, os.R_OK):  # root: simulate the permission error
            import builtins

            from xops_lens import discover

            real_open = builtins.open

            def refusing_open(file: object, *args: object, **kwargs: object) -> object:
                if os.path.realpath(str(file)) == os.path.realpath(target):
                    raise PermissionError(13, "Permission denied", str(file))
                return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

            monkeypatch.setattr(discover, "open", refusing_open, raising=False)
        error, steps, code = _scan_case(root, fmt, "unreadable")
    finally:
        target.chmod(0o644)
    assert error == f"{path}: the file cannot be read (permission denied)"
    assert (steps, code) == ([], 1)


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_fifo_named_like_a_ci_file(fmt: str, tmp_path: Path) -> None:
    """Opening a FIFO blocks until someone writes: the scan must not open it. Run in a
    subprocess with a timeout, so a regression fails instead of hanging the suite."""
    path = CANONICAL[fmt].path
    root = write(tmp_path, {GOOD_PATH: GOOD})
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(root / path)
    with Timer(f"{fmt}/fifo"):
        done = subprocess.run([sys.executable, "-m", "xops_lens", "scan", str(root), "--format",
                               "json"], check=False, capture_output=True, text=True, cwd=REPO_ROOT, timeout=60,
                              env={**os.environ, "XOPS_LENS_DISABLE_ENTRY_POINTS": "1"})
    assert done.returncode == 1, done.stderr
    assert f"error: {path}: the file is not a regular file" in done.stderr.splitlines()


def test_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    root = write(tmp_path, {GOOD_PATH: GOOD})
    raw = os.path.join(os.fsencode(root), b".github/workflows/bad\xff.yml")
    with open(raw, "w", encoding="utf-8") as stream:
        stream.write(GOOD)
    outcome = run_scan(root, "github-actions/non-utf8-name")
    assert outcome.exit_code == 1
    assert outcome.errors() == {".github/workflows/bad\\xff.yml":
                                ".github/workflows/bad\\xff.yml: the file name is not UTF-8 "
                                "text; not read"}
    assert outcome.step_lines(GOOD_PATH) == GOOD_STEP_LINES
    # SARIF and Markdown are UTF-8 too: they must render the same scan.
    for fmt in ("sarif", "markdown", "terminal"):
        done = subprocess.run([sys.executable, "-m", "xops_lens", "scan", str(root), "--format",
                               fmt], check=False, capture_output=True, cwd=REPO_ROOT, timeout=60)
        assert done.returncode == 1, done.stderr.decode(errors="replace")[-1000:]
        done.stdout.decode("utf-8")


def test_control_characters_in_file_names_stay_on_one_line(tmp_path: Path) -> None:
    name = ".github/workflows/a\n::error::forged\x1b[2J.yml"
    root = write(tmp_path, {name: "jobs: [\n", GOOD_PATH: GOOD})
    outcome = run_scan(root, "github-actions/control-characters-in-name")
    assert outcome.exit_code == 1
    assert outcome.error_of(name) == (".github/workflows/a\\n::error::forged\\x1b[2J.yml:2: "
                                      "invalid YAML: did not find expected node content")
    done = subprocess.run([sys.executable, "-m", "xops_lens", "scan", str(root)],
                          check=False, capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    forged = [line for line in (done.stdout + done.stderr).splitlines()
              if line.lstrip().startswith("::") or "\x1b[2J" in line]
    assert not forged


@pytest.mark.parametrize(("files", "args", "code"), [
    pytest.param({GOOD_PATH: GOOD}, [], 0, id="good-only"),
    pytest.param({GOOD_PATH: GOOD, ".gitlab-ci.yml": "a: [\n"}, [], 1, id="one-bad-file"),
    pytest.param({GOOD_PATH: GOOD, ".gitlab-ci.yml": "a: [\n"}, ["--format", "sarif"], 1,
                 id="one-bad-file-sarif"),
    pytest.param({GOOD_PATH: GOOD}, ["--format", "nope"], 2, id="unknown-format"),
])
def test_exit_codes_of_the_real_command(files: dict[str, str], args: list[str], code: int,
                                         tmp_path: Path) -> None:
    root = write(tmp_path, files)
    done = subprocess.run([sys.executable, "-m", "xops_lens", "scan", str(root), *args],
                          check=False, capture_output=True, text=True, cwd=REPO_ROOT, timeout=60,
                          env={**os.environ, "XOPS_LENS_DISABLE_ENTRY_POINTS": "1"})
    assert done.returncode == code, done.stderr[-2000:]
    assert "Traceback" not in done.stderr


def test_resource_module_measures_this_process() -> None:
    """ru_maxrss is in KiB on Linux (bytes on macOS): the 50 MiB check assumes KiB."""
    if sys.platform == "darwin":
        pytest.skip("ru_maxrss is in bytes on macOS")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 1024


def test_repository_configuration_symlinked_out_of_the_root_is_not_read(tmp_path: Path) -> None:
    """.xops-lens.toml is the scanned repository's too: read with the same confinement."""
    write(tmp_path, {"outside.toml": "[cost]\ncurrency = \"CANARY-CONFIG\"\n"})
    root = write(tmp_path / "repo", {GOOD_PATH: GOOD})
    os.symlink("../outside.toml", root / ".xops-lens.toml")
    done = subprocess.run([sys.executable, "-m", "xops_lens", "scan", str(root)], check=False,
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=60,
                          env={**os.environ, "XOPS_LENS_DISABLE_ENTRY_POINTS": "1"})
    assert "CANARY-CONFIG" not in done.stdout + done.stderr
    # One line, and the scan goes on with the defaults: a pull request must not be able
    # to stop the scan (and the Action's comment) with a bad configuration file.
    assert done.stderr.strip().splitlines() == [
        "warning: .xops-lens.toml: .xops-lens.toml points outside the scanned root; not read; "
        "its settings are not used"]
    assert done.returncode == 0


def test_repository_configuration_that_is_a_fifo_is_not_opened(tmp_path: Path) -> None:
    root = write(tmp_path, {GOOD_PATH: GOOD})
    os.mkfifo(root / ".xops-lens.toml")
    done = subprocess.run([sys.executable, "-m", "xops_lens", "scan", str(root), "-f", "json"],
                          check=False, capture_output=True, text=True, cwd=REPO_ROOT,
                          timeout=60, env={**os.environ, "XOPS_LENS_DISABLE_ENTRY_POINTS": "1"})
    assert done.returncode == 0, done.stderr
