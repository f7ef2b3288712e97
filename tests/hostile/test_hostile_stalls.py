"""Crafted repositories that stalled or crashed a scan with the default offline backend
(issue 13, items 3 to 6 and 13). Each runs the whole command in a fresh process with a
generous timeout (hostile_harness.STALL_TIMEOUT): before the fixes each hung for minutes
(or, item 13 below PyYAML 6.0.4, killed the interpreter); now each must finish and say
exactly what the scan made of the file. Measured figures: docs/benchmarks.md, "Hostile
input (issue 13)"."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.hostile.hostile_harness import (
    GOOD,
    GOOD_PATH,
    GOOD_STEP_LINES,
    STALL_TIMEOUT,
    assert_one_line_error,
    scan_subprocess,
    write,
)
from xops_lens.model import MAX_STEP_TEXT_PER_SCAN, MAX_STEPS_PER_FILE, MAX_STEPS_PER_SCAN
from xops_lens.yamlload import MAX_DEPTH

JENKINS = "node {\n  sh 'make'\n}\n"


class TestGroovyLexerIsLinear:
    """Item 3: every `/` after an operator looked for the end of a slashy string to the
    end of its line, so 50 KB of `\\/` took 25 s and 100 KB more than two minutes."""

    def test_a_line_of_escaped_slashes(self, tmp_path: Path) -> None:
        text = JENKINS + "x = " + "\\/" * 50_000 + "\n"  # 100 KB
        done = scan_subprocess(write(tmp_path, {"Jenkinsfile": text, GOOD_PATH: GOOD}),
                               "jenkins/escaped-slashes")
        assert done.exit_code == 0, done.report.get("files")
        steps = sorted((s["file"], s["line"]) for s in done.report["steps"])
        assert ("Jenkinsfile", 2) in steps
        assert [line for file, line in steps if file == GOOD_PATH] == GOOD_STEP_LINES

    # Each string and comment form, 100 KB of it, lexed and split into statements.
    FORMS = {
        "escaped-slash": "x = " + "\\/" * 50_000,
        "slash-after-value": "x = " + "/x" * 50_000,
        "open-slashy-escapes": "x = /" + "\\x" * 50_000,
        "slashy-per-line": "x = /a\\/\n" * 11_000,
        "division-and-star": "x = 1 " + "/ *" * 33_000,
        "double-quote-escapes": 'x = "' + '\\"' * 50_000 + '"',
        "triple-quote-escapes": 'x = """' + '\\"' * 50_000 + '"""',
        "interpolations": 'x = "' + "${'a'}" * 16_000 + '"',
        "strings-in-one-interpolation": 'x = "${' + "'a'" * 33_000 + '}"',
        "dollar-slashy": "x = $/" + "$$" * 50_000 + "/$",
        "unclosed-dollar-slashy": "x = " + "$/" * 50_000,
        "block-comments": "/* */" * 20_000,
        "unclosed-block-comment": "x\n" + "/*" * 50_000,
        "line-comments": "//x\n" * 25_000,
        "unclosed-quotes": "'" * 100_000,
        "operators": "<=>" * 33_000,
    }
    LEX = (
        "import json, sys\nfrom xops_lens.errors import ParseError\n"
        "from xops_lens.formats.jenkins.groovy import build_tree, statements, tokenize\n"
        "for name, text in json.load(sys.stdin).items():\n"
        "    try:\n        statements(build_tree(tokenize(text, 'J'), 'J'))\n"
        "        print(name, 'lexed', flush=True)\n"
        "    except ParseError as exc:\n        print(name, exc.one_line(), flush=True)\n"
    )

    def test_every_string_and_comment_form(self) -> None:
        try:
            done = subprocess.run([sys.executable, "-c", self.LEX], input=json.dumps(self.FORMS),
                                  text=True, capture_output=True, check=False,
                                  cwd=REPO_ROOT, timeout=STALL_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"not lexed in {STALL_TIMEOUT} s; done: {exc.stdout!r}") \
                from None
        assert done.returncode == 0, done.stderr[-2000:]
        results = dict(line.split(" ", 1) for line in done.stdout.splitlines())
        assert list(results) == list(self.FORMS)
        for name, out in results.items():
            assert out == "lexed" or out.startswith("J:"), (name, out)


def _cron_workflow(cron: str) -> str:
    return (f"on:\n  schedule:\n    - cron: '{cron}'\njobs:\n  b:\n    runs-on: ubuntu-latest\n"
            "    steps:\n      - run: make\n")


class TestCronIsCountedArithmetically:
    """Item 4: a 7-field cron was counted one firing at a time over a year (31 million
    croniter steps for `* * * * * * *`: 14 minutes); `0 0 30 2 *` was a traceback."""

    CASES = {  # cron: runs per month (a twelfth of 2025)
        "* * * * * * *": 365 * 24 * 60 * 60 / 12,
        "* * * * * *": 365 * 24 * 60 * 60 / 12,
        "*/7 1-5 * * MON-FRI 0-59/3 2025": 9 * 5 * 20 * 261 / 12,
        "* * * * * * 2030": 0.0,
        "@hourly": 365 * 24 / 12,
        "0 0 30 2 *": 0.0,
    }

    def test_per_second_and_shorthand_schedules(self, tmp_path: Path) -> None:
        files = {f".github/workflows/c{i}.yml": _cron_workflow(cron)
                 for i, cron in enumerate(self.CASES)}
        done = scan_subprocess(write(tmp_path, {**files, GOOD_PATH: GOOD}), "cron/7-fields")
        assert done.exit_code == 0, done.report.get("files")
        runs = {job["file"]: job["cost"]["runs_per_month"] for job in done.report["jobs"]}
        for i, (cron, expected) in enumerate(self.CASES.items()):
            assert runs[f".github/workflows/c{i}.yml"] == pytest.approx(expected), cron
        # The firings of the reference year, counted one by one for a day's worth.
        start = datetime(2025, 3, 4, tzinfo=timezone.utc)
        from croniter import croniter  # type: ignore[import-untyped]

        it = croniter("*/7 1-5 * * MON-FRI 0-59/3 2025", start)
        assert sum(1 for _ in range(2000) if it.get_next(datetime).day == 4) == 9 * 5 * 20


class TestGlobsAreLinear:
    """Item 5: `ci/*a*a*a...*b.yml` became a backtracking regex; 60 a's ran for more
    than five minutes against a long name, in a GitLab include and in ignore.paths."""

    STARS = "*a" * 60 + "*b.yml"

    def test_gitlab_local_include(self, tmp_path: Path) -> None:
        root = write(tmp_path, {
            ".gitlab-ci.yml": f"include: 'ci/{self.STARS}'\nbuild:\n  script: [make]\n",
            "ci/" + "a" * 100 + ".yml": "near:\n  script: [no]\n",
            "ci/" + "a" * 100 + "b.yml": "matched:\n  script: [yes]\n",
            GOOD_PATH: GOOD})
        done = scan_subprocess(root, "gitlab/include-glob")
        assert done.exit_code == 0, done.report.get("files")
        jobs = sorted(j["id"] for j in done.report["jobs"] if j["file"] != GOOD_PATH)
        assert jobs == ["build", "matched"]

    # The plain pattern runs on xops_lens.globmatch; those with [..] or {..} on wcmatch.
    @pytest.mark.parametrize(("pattern", "case"), [
        (STARS, "ignore/paths-glob"),
        ("[a]" + STARS, "ignore/paths-wcmatch"),                  # a class
        ("{a,c}" + STARS, "ignore/paths-wcmatch"),                # braces: two patterns
        ("**/" + "*[ab]" * 60 + "*b.yml", "ignore/paths-wcmatch"),  # a class after each star
    ])
    def test_ignore_paths_in_the_repository_config(self, tmp_path: Path, pattern: str,
                                                   case: str) -> None:
        near, matched = "a" * 100 + ".yml", "a" * 100 + "b.yml"
        root = write(tmp_path, {
            "pyproject.toml": f"[tool.xops-lens]\nignore = {{ paths = ['{pattern}'] }}\n",
            f".github/workflows/{near}": GOOD, f".github/workflows/{matched}": GOOD,
            GOOD_PATH: GOOD})
        done = scan_subprocess(root, case)
        assert done.exit_code == 0, done.report.get("files")
        files = {s["file"] for s in done.report["steps"]}
        assert files == {f".github/workflows/{near}", GOOD_PATH}


def _alias_workflow() -> str:
    """5.7 KB, 10,000 steps: one list of 100 steps, reused by 99 more jobs."""
    steps = "".join(f"      - run: make {i}\n" for i in range(100))
    jobs = "".join(f"  j{i}:\n    runs-on: x\n    steps: *s\n" for i in range(1, 100))
    return "on: push\njobs:\n  j0:\n    runs-on: x\n    steps: &s\n" + steps + jobs


class TestGitlabRegexesAreLinear:
    """GitLab's `=~ /re/` and `/re/` refs: a pattern and a variable value both written by
    the file. Python's backtracking `re` took exponential time on `(a*)*b`; GitLab's own
    engine, RE2, is linear whatever the pattern."""

    def test_a_backtracking_pattern_against_a_long_value(self, tmp_path: Path) -> None:
        ci = ("variables:\n  NAME: \"" + "a" * 5_000 + "\"\n"
              "build:\n  rules:\n    - if: '$NAME =~ /^(a*)*b$/ || $NAME =~ /(a|aa)+c/'\n"
              "  script:\n    - make\n"
              "refs:\n  only:\n    - /^(m*)*x$/\n  script:\n    - make refs\n")
        done = scan_subprocess(write(tmp_path, {".gitlab-ci.yml": ci, GOOD_PATH: GOOD}),
                               "gitlab/regex")
        assert done.exit_code == 0, done.report.get("files")
        runs = {j["id"]: j["cost"]["runs_per_month"] for j in done.report["jobs"]
                if j["file"] == ".gitlab-ci.yml"}
        # Evaluated: the rule never matches; the ref pattern misses the default branch, and
        # only a tag (unknown here) could match it, which counts as running.
        assert runs == {"build": 0, "refs": 2}
        assert [s["line"] for s in done.report["steps"] if s["file"] == GOOD_PATH] == \
            GOOD_STEP_LINES


class TestTheScanHasABudget:
    """Item 6: each file's steps are bounded, their sum was not: 200 such workflows made
    two million steps, 7.6 GB and 137 s. The file that would pass the budget is skipped
    with an error, as a file over the per-file limit is, and so is every file after it."""

    def test_steps_over_many_files(self, tmp_path: Path) -> None:
        count = MAX_STEPS_PER_SCAN // MAX_STEPS_PER_FILE + 2
        files = {f".github/workflows/w{i:02}.yml": _alias_workflow() for i in range(count)}
        done = scan_subprocess(write(tmp_path, {**files, GOOD_PATH: GOOD}), "budget/steps")
        assert done.exit_code == 1
        errors = {f["path"]: f["error"] for f in done.report["files"]}
        assert len(done.report["steps"]) <= MAX_STEPS_PER_SCAN
        # good.yml sorts first (2 steps): the tenth alias file passes the budget.
        crossing, after = ".github/workflows/w09.yml", ".github/workflows/w10.yml"
        assert errors[crossing] == (
            f"{crossing}: its 10,000 steps would pass the scan's budget of "
            f"{MAX_STEPS_PER_SCAN:,} steps (90,002 in the files before it); file skipped")
        assert errors[after] == (
            f"{after}: not read, the scan's budget ({MAX_STEPS_PER_SCAN:,} steps, "
            f"{MAX_STEP_TEXT_PER_SCAN // 2**20} MiB of step text) is spent; file skipped")
        for path, error in errors.items():
            if error:
                assert_one_line_error(error, path)
        assert [p for p, e in errors.items() if e is None] == [
            GOOD_PATH, *(f".github/workflows/w{i:02}.yml" for i in range(9))]

    def test_text_over_many_files_in_workers(self, tmp_path: Path) -> None:
        """One 100 KB name shared by 25 steps per file, 30 files (75 MB of names in 3 MB),
        parsed by a forked worker and the parent: the same verdict as serially."""
        name = "n" * 100_000
        text = ("on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n"
                f"      - {{name: &n {name}, run: make}}\n" + "      - {name: *n, run: make}\n" * 24)
        files = {f".github/workflows/w{i:02}.yml": text for i in range(30)}
        root = write(tmp_path, files)
        verdicts = []
        for workers in ("0", "1"):
            done = scan_subprocess(root, f"budget/text-workers-{workers}", env={
                "XOPS_LENS_WORKERS": workers, "XOPS_LENS_PARALLEL_MIN_FILES": "2"})
            assert done.exit_code == 1
            errors = {f["path"]: f["error"] for f in done.report["files"]}
            verdicts.append(errors)
        assert verdicts[0] == verdicts[1]
        per_file = 25 * (100_000 + len(".github/workflows/w00.yml") + 1 + 4)
        fits = MAX_STEP_TEXT_PER_SCAN // per_file
        crossing = f".github/workflows/w{fits:02}.yml"
        assert verdicts[0][crossing].startswith(f"{crossing}: the text of its steps (2.4 MiB) "
                                                "would pass the scan's budget of 64 MiB")
        assert [p for p, e in verdicts[0].items() if e is None] == [
            f".github/workflows/w{i:02}.yml" for i in range(fits)]


class TestPrModeYamlIsHardened:
    """Item 13: PR mode composed every file with steps as YAML (a Jenkinsfile too)
    without the depth check, which below PyYAML 6.0.4 crashes the interpreter."""

    def test_the_requirement_is_a_pyyaml_that_limits_nesting(self) -> None:
        pyproject = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
        assert '"PyYAML>=6.0.4"' in pyproject
        assert tuple(int(p) for p in version("PyYAML").split(".")[:3]) >= (6, 0, 4)

    def test_a_deep_jenkinsfile_in_a_pull_request(self, tmp_path: Path) -> None:
        git = pytest.importorskip("git")
        repo = git.Repo.init(tmp_path / "repo", initial_branch="main")
        work = Path(repo.working_tree_dir)
        actor = git.Actor("Test", "test@example.invalid")
        write(work, {GOOD_PATH: GOOD})
        repo.index.add([GOOD_PATH])
        repo.index.commit("base", author=actor, committer=actor)
        repo.git.checkout("-b", "pr")
        # Groovy: an expression of 400,000 unary minuses, then a step. YAML: a block
        # sequence 400,000 levels deep (libyaml's C recursion).
        write(work, {"Jenkinsfile": "- " * 400_000 + "1\n" + JENKINS})
        repo.index.add(["Jenkinsfile"])
        repo.index.commit("deep", author=actor, committer=actor)
        done = scan_subprocess(work, "prmode/deep-jenkinsfile", "--base", "main")
        assert done.exit_code == 0, done.report.get("files")
        changes = [(c["status"], c["file"], c["line"]) for c in done.report["changes"]["steps"]]
        assert changes == [("added", "Jenkinsfile", 3)]

    def test_the_spans_refuse_what_the_loader_refuses(self) -> None:
        from xops_lens.errors import ParseError
        from xops_lens.prmode.spans import yaml_node_ends
        from xops_lens.yamlload import compose_documents

        deep = "- " * 6_000 + "x\n"
        with pytest.raises(ParseError, match=f"nested deeper than {MAX_DEPTH} levels"):
            compose_documents(deep, "deep.yml")
        assert yaml_node_ends(deep) == {}
        assert yaml_node_ends("a:\n  - b\n  - c\n") == {1: 3, 2: 2, 3: 3}
