"""``--format html``: a self-contained page, checked statically and in a real Chromium.

The browser tests load the file from disk in headless Chromium (tests/browser.py) and
assert on the rendered DOM against the JSON report of the same scan; they skip when
/usr/bin/chromium is absent. The static tests always run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.browser import Browser, needs_chromium
from tests.conftest import EXAMPLES, REPO_ROOT, SHARED, write_tree
from xops_lens.cli import cli
from xops_lens.plugins import get_registry
from xops_lens.reporters._html_view import UNSURE, money

SMALL = """\
on:
  push:
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Run tests
        run: pytest -q
  deploy:
    needs: test
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: actions/checkout@v4
      - name: Publish
        run: twine upload dist/*
"""

HOSTILE_NAMES = [
    "<script>window.__pwned = 1</script>",
    "</textarea><img src=x onerror=window.__pwned=2>",
    "javascript:window.__pwned=3",
    "</text></svg><svg onload=window.__pwned=4><text>",
    "\"><img src=http://127.0.0.1:9/x onerror=window.__pwned=5>",
    "]]><script>window.__pwned=6</script>",
    "{{ 7*7 }} {% raw %}",
]


def hostile_workflow() -> str:
    steps = "\n".join(f"      - name: {json.dumps(name)}\n        run: pytest -q"
                      for name in HOSTILE_NAMES)
    return ("on: [push]\njobs:\n  \"<b onmouseover=window.__pwned=7>job</b>\":\n"
            "    runs-on: ubuntu-latest\n    steps:\n" + steps + "\n")


def scan(tree: Path, out: Path) -> tuple[Path, dict[str, Any]]:
    """HTML and JSON of one scan (one run of the command line, like a user's)."""
    html, report = out / "report.html", out / "report.json"
    with pytest.raises(SystemExit) as done:
        cli(["scan", str(tree), "-f", "html", "-o", str(html), "--report", f"json={report}",
             "--fail-on", "never"], prog_name="xops-lens")
    assert done.value.code == 0
    return html, json.loads(report.read_text(encoding="utf-8"))


class Outline(HTMLParser):
    """Every element with what a static check needs: tag, attributes, nesting."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.lines: list[str] = []
        self.depth = 0
        self.raw: dict[str, str] = {}
        self._in: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        keep = {k: v for k, v in attrs if k in ("id", "class", "data-subsystem", "data-kind",
                                                "data-sort", "data-bar", "data-key")}
        shown = " ".join(f"{k}={v}" for k, v in keep.items())
        self.lines.append("  " * self.depth + f"<{tag}{' ' + shown if shown else ''}>")
        if tag in ("style", "script"):
            self._in = tag
        if tag not in ("meta", "input", "rect", "path", "use", "circle", "br", "option"):
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self.lines.append("  " * self.depth + f"<{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script") and self._in:
            self.raw[tag] = "".join(self._text)
            self._in, self._text = None, []
        if tag not in ("meta", "input", "rect", "path", "use", "circle", "br", "option"):
            self.depth = max(self.depth - 1, 0)

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text.append(data)


def outline(text: str) -> Outline:
    parser = Outline()
    parser.feed(text)
    parser.close()
    return parser


def assert_inert(text: str) -> Outline:
    """Nothing in the page can load or run anything but its own script."""
    page = outline(text)
    tags = [tag for tag, _ in page.elements]
    assert tags.count("script") == 1 and tags.count("style") == 1
    assert not {"img", "iframe", "object", "embed", "link", "form", "textarea", "base",
                "foreignobject", "image", "audio", "video"} & set(tags)
    for tag, attrs in page.elements:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            assert name not in ("src", "srcset", "action", "formaction", "xlink:href"), tag
            if name == "href":
                assert value and value.startswith("#"), (tag, value)
            if name == "style":
                raise AssertionError(f"a style attribute on {tag}: the policy would block it")
    [policy] = [a["content"] for t, a in page.elements
                if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert policy and policy.startswith("default-src 'none';")
    for tag, directive in (("style", "style-src"), ("script", "script-src")):
        digest = base64.b64encode(hashlib.sha256(page.raw[tag].encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}';" in policy
    return page


# --- registration and start-up --------------------------------------------------------


def test_registered_like_the_other_built_in_reporters() -> None:
    registry = get_registry()
    assert "html" in registry.reporters
    assert registry.owners[("reporters", "html")].startswith("xops_lens.reporters.html ")


def test_json_format_does_not_import_the_template_engine(tmp_path: Path) -> None:
    code = ("import sys\nfrom xops_lens.cli import cli\n"
            "try:\n    cli(['scan', sys.argv[1], '-f', 'json', '-o', sys.argv[2]])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('jinja2', 'markupsafe', "
            "'xops_lens.reporters._html'))))\n")
    done = subprocess.run([sys.executable, "-c", code, str(EXAMPLES / "github"),
                           str(tmp_path / "out.json")], capture_output=True, text=True,
                          check=True, cwd=REPO_ROOT)
    assert done.stdout.strip() == "[]", done.stdout


# --- static checks (no browser) -------------------------------------------------------


def test_small_example_structure_snapshot(tmp_path: Path, snapshot: Any) -> None:
    tree = write_tree(tmp_path / "repo", {".github/workflows/ci.yml": SMALL})
    html, _ = scan(tree, tmp_path)
    page = assert_inert(html.read_text(encoding="utf-8"))
    assert "\n".join(page.lines) == snapshot


def test_hostile_names_stay_text_in_the_markup(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "repo", {".github/workflows/ci.yml": hostile_workflow()})
    html, data = scan(tree, tmp_path)
    assert [s["name"] for s in data["steps"]] == HOSTILE_NAMES
    text = html.read_text(encoding="utf-8")
    assert_inert(text)
    assert "<script>window" not in text and "<img" not in text and "<svg onload" not in text
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in text
    assert "{{ 7*7 }} {% raw %}" in text  # a value, never a template


def test_without_cost_model_or_steps_the_page_still_renders(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "repo", {"README.md": "no CI here\n"})
    html, data = scan(tree, tmp_path)
    assert data["summary"]["steps"] == 0
    text = html.read_text(encoding="utf-8")
    assert_inert(text)
    assert "No pipeline was read." in text


def test_measured_figures_are_drawn_apart_from_assumed_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run history (another change) may give a job or step ``basis: measured`` in the
    JSON, in the entry or in its cost; the page marks those, and only those, measured."""
    from xops_lens.reporters import _html_view

    real = _html_view.to_dict

    def with_basis(result: Any) -> dict[str, Any]:
        data = real(result)
        data["jobs"][1]["cost"]["basis"] = "measured"
        data["steps"][0]["basis"] = "measured"
        return data

    monkeypatch.setattr(_html_view, "to_dict", with_basis)
    tree = write_tree(tmp_path / "repo", {".github/workflows/ci.yml": SMALL})
    html, _ = scan(tree, tmp_path)
    page = assert_inert(html.read_text(encoding="utf-8"))
    jobs = {a["id"]: a["data-basis"] for t, a in page.elements if t == "g" and "data-basis" in a}
    assert jobs == {"job-0": "assumed", "job-1": "measured"}
    rows = {a["id"]: a["data-basis"] for t, a in page.elements if t == "tr" and "data-basis" in a}
    assert rows["step-0"] == "measured"
    assert set(rows.values()) == {"measured", "assumed"} and list(rows.values()).count(
        "measured") == 1
    text = html.read_text(encoding="utf-8")
    assert re.search(r'id="job-1"[^>]*>.*?class="job-cost" x="6" y="32">\$[0-9.,]+/mo', text,
                     re.S)
    assert re.search(r'id="job-0"[^>]*>.*?class="job-cost" x="6" y="32">≈\$', text, re.S)


def test_fifty_workflows_stay_under_one_megabyte(tmp_path: Path) -> None:
    if not (SHARED / "corpus" / "MANIFEST.tsv").is_file():
        pytest.skip("../shared/corpus is not beside the repository")
    sys.path.insert(0, str(REPO_ROOT / "bench"))
    try:
        import html_size  # bench/html_size.py: the figure in docs/benchmarks.md
    finally:
        sys.path.remove(str(REPO_ROOT / "bench"))
    row = html_size.measure(50, tmp_path)
    assert row["steps"] > 100 and 0 < row["html"] < 1_000_000, row


# --- a real browser -------------------------------------------------------------------


def artifacts(tmp_path: Path) -> Path:
    """Where screenshots go: $XOPS_LENS_TEST_ARTIFACTS when set (CI keeps it), else
    the test's own temporary folder."""
    folder = Path(os.environ.get("XOPS_LENS_TEST_ARTIFACTS") or tmp_path / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def clean(browser: Browser, url: str) -> None:
    assert browser.requests == [url], browser.requests
    assert browser.exceptions == []
    assert [c for c in browser.console if c[0] in ("error", "warning", "assert")] == []


@needs_chromium
def test_harness_sees_requests_and_console_errors(tmp_path: Path) -> None:
    """The control for the assertions below: a page that does request and log is seen."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><img src="http://127.0.0.1:9/x.png">'
                    '<script>console.error("boom")</script>')
    with Browser() as browser:
        browser.open(page)
        assert any(u.startswith("http://127.0.0.1:9/") for u in browser.requests)
        assert ("error", "boom") in browser.console


@needs_chromium
def test_examples_render_in_chromium_with_the_json_numbers(tmp_path: Path) -> None:
    html, data = scan(EXAMPLES, tmp_path)
    summary, cost = data["summary"], data["summary"]["cost"]
    currency = cost["currency"]
    with Browser() as browser:
        url = browser.open(html)
        assert browser.js("document.documentElement.dataset.ready") == str(
            summary["steps"] + summary["gates"])
        # the shares: numbers equal to the JSON's, bars drawn in proportion
        shares = browser.js("""Array.from(document.querySelectorAll('#shares-table tbody tr'))
            .map(r => [r.dataset.subsystem, r.querySelector('.count').textContent,
                       r.querySelector('.monthly').dataset.value,
                       r.querySelector('.monthly').textContent])""")
        assert shares == [[name, str(part["count"]), repr(cost["subsystems"][name]["monthly"]),
                           money(cost["subsystems"][name]["monthly"], currency)]
                          for name, part in summary["subsystems"].items()]
        widths = browser.js("""Array.from(document.querySelectorAll(
            '#shares-chart [data-bar=steps] rect.segment')).map(r => r.getBBox().width)""")
        total = summary["steps"] + summary["gates"]
        assert widths == pytest.approx(
            [640 * p["count"] / total for p in summary["subsystems"].values()], abs=0.02)
        assert browser.js("document.getElementById('total-monthly').textContent") == money(
            cost["monthly"], currency)
        # the money flow: each subsystem node carries its money, every band is drawn
        nodes = browser.js("""Object.fromEntries(Array.from(document.querySelectorAll(
            '#flow-chart g.node')).map(g => [g.dataset.key, parseFloat(g.dataset.value)]))""")
        for name in summary["subsystems"]:
            assert nodes[f"s:{name}"] == pytest.approx(cost["subsystems"][name]["monthly"])
        assert browser.js("""Array.from(document.querySelectorAll('#flow-chart path.band'))
            .every(p => p.getBBox().height > 0)""")
        flows = browser.js("""Array.from(document.querySelectorAll('#flow-chart path.band'))
            .filter(p => p.dataset.target.startsWith('g:suggestion'))
            .map(p => parseFloat(p.dataset.value)).reduce((a, b) => a + b, 0)""")
        assert 0 < flows <= cost["monthly"] + 0.01
        # the pipelines: one box per job with the JSON's cost, one mark per step
        jobs = browser.js("""Array.from(document.querySelectorAll('svg.pipeline-chart g.job'))
            .map(g => [parseFloat(g.dataset.monthly), g.getBBox().height > 0])""")
        assert jobs == [[j["cost"]["monthly"], True] for j in data["jobs"]]
        assert browser.js("document.querySelectorAll('svg.pipeline-chart a.step').length") \
            == summary["steps"]
        # the steps table: a row per step with the JSON's monthly cost
        monthly = browser.js("""Object.fromEntries(Array.from(document.querySelectorAll(
            '#steps-table tbody tr[id^=step-]')).map(r => [r.id, r.dataset.monthly]))""")
        assert monthly == {f"step-{i}": repr(s["cost"]["monthly"])
                           for i, s in enumerate(data["steps"])}
        # suggestions: the saving as the JSON says, links that lead to rows
        savings = browser.js("""Array.from(document.querySelectorAll('article.suggestion'))
            .map(a => a.querySelector('.saving').textContent)""")
        assert savings == [f"{money(s['monthly_saving'], currency)} a month"
                           for s in data["suggestions"]]
        assert browser.js("""Array.from(document.querySelectorAll('.places a'))
            .every(a => document.getElementById(a.getAttribute('href').slice(1)))""")
        browser.screenshot(artifacts(tmp_path) / "report-examples.png")
        clean(browser, url)

        # filtering and sorting, as a reader clicks them
        browser.js("document.getElementById('unsure').click()")
        unsure = [s for s in data["steps"] if s["confidence"] < UNSURE]
        unsure_gates = [j for j in data["jobs"]
                        if j["gate"] and j["gate"]["confidence"] < UNSURE]
        assert browser.js("document.getElementById('steps-table').dataset.shown") == str(
            len(unsure) + len(unsure_gates))
        shown = browser.js("""Array.from(document.querySelectorAll('#steps-table tbody tr'))
            .filter(r => !r.hidden).map(r => parseFloat(r.dataset.confidence))""")
        assert shown == sorted(shown) and all(c < UNSURE for c in shown)
        browser.js("document.getElementById('reset').click()")
        browser.js("""const s = document.getElementById('f-subsystem'); s.value = 'model';
            s.dispatchEvent(new Event('change'))""")
        assert browser.js("document.getElementById('steps-table').dataset.shown") == str(
            summary["subsystems"]["model"]["count"])
        browser.js("document.getElementById('reset').click()")
        browser.js("""const k = document.querySelector('button[data-sort=monthly]');
            k.click(); k.click()""")
        order = browser.js("""Array.from(document.querySelectorAll('#steps-table tbody tr'))
            .map(r => r.dataset.monthly === '' ? -1 : parseFloat(r.dataset.monthly))""")
        assert order == sorted(order, reverse=True)
        # printable: controls and navigation hidden, pictures kept
        browser.call("Emulation.setEmulatedMedia", media="print")
        assert browser.js("getComputedStyle(document.querySelector('nav')).display") == "none"
        assert browser.js("getComputedStyle(document.getElementById('steps-controls')).display")\
            == "none"
        assert browser.pdf()[:5] == b"%PDF-"
        clean(browser, url)


@needs_chromium
def test_hostile_names_render_as_text_in_chromium(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "repo", {".github/workflows/ci.yml": hostile_workflow()})
    html, _ = scan(tree, tmp_path)
    with Browser() as browser:
        url = browser.open(html)
        assert browser.js("typeof window.__pwned") == "undefined"
        assert browser.js("document.scripts.length") == 1
        assert browser.js("document.querySelectorAll('img, textarea, foreignObject').length") == 0
        assert browser.js("""Array.from(document.querySelectorAll('*')).flatMap(e =>
            Array.from(e.attributes).map(a => a.name)).filter(n => n.startsWith('on'))""") == []
        names = browser.js("""Array.from(document.querySelectorAll(
            '#steps-table tbody tr[id^=step-]')).map(r => r.cells[2].textContent)""")
        assert sorted(names) == sorted(HOSTILE_NAMES)
        drawn = browser.js("""Array.from(document.querySelectorAll('a.step title'))
            .map(t => t.textContent)""")
        assert any(HOSTILE_NAMES[3] in t or t.startswith(HOSTILE_NAMES[3][:29]) for t in drawn)
        job = browser.js("document.querySelector('g.job title').textContent")
        assert job == "job <b onmouseover=window.__pwned=7>job</b>"
        browser.js("document.getElementById('f-job').value = '<b'; "
                   "document.getElementById('f-job').dispatchEvent(new Event('input'))")
        assert browser.js("document.getElementById('steps-table').dataset.shown") == str(
            len(HOSTILE_NAMES))
        browser.screenshot(artifacts(tmp_path) / "report-hostile.png")
        clean(browser, url)
