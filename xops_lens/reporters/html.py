"""``--format html``: one self-contained page with the pictures (issue 20).

Registered like every built-in reporter, but everything it needs (Jinja2, the layout
code, the template) is imported inside ``render``: the plugin manager imports this
module for every command, and ``--format json`` must not pay for a template engine.
The page itself is built by :mod:`xops_lens.reporters._html_page`.
"""

from __future__ import annotations

from typing import Any, TextIO

from xops_lens.hookspecs import hookimpl
from xops_lens.result import ScanResult
from xops_lens.sdk import ReportOptions


class HtmlReporter:
    name = "html"

    def render(self, result: ScanResult, stream: TextIO, options: ReportOptions) -> None:
        from xops_lens.reporters._html_page import render_html

        stream.write(render_html(result))


@hookimpl
def register_reporters(register: Any) -> None:
    register(HtmlReporter())
