"""The HTML report's page: the view (``_html_view``) through a Jinja2 template.

Jinja2 escapes every value it writes unless told otherwise (``autoescape=True``), in
text and in attributes alike, so text from a stranger's CI files can never become
markup; the only values marked safe are this package's own stylesheet and script. A
Content-Security-Policy in the page allows exactly those two (by hash) and nothing
else: no request, no other script, even if something slipped through.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from xops_lens.reporters import _html_view as view
from xops_lens.result import ScanResult

ASSETS = "html_assets"


def _asset(name: str) -> str:
    return (resources.files("xops_lens.reporters") / ASSETS / name).read_text("utf-8")


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _pct(value: Any) -> str:
    return f"{value:.0%}" if isinstance(value, (int, float)) else "–"


def _num(value: Any, digits: int = 2) -> str:
    if not isinstance(value, (int, float)):
        return "–"
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@lru_cache(maxsize=1)
def _environment() -> Environment:
    folder = resources.files("xops_lens.reporters") / ASSETS
    env = Environment(loader=FileSystemLoader(str(folder)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(money=view.money, pct=_pct, num=_num)
    return env


def render_html(result: ScanResult) -> str:
    page = view.build(result)
    css, script = _asset("report.css"), _asset("report.js")
    policy = (f"default-src 'none'; style-src {_sha256(css)}; script-src {_sha256(script)}; "
              "img-src 'none'; base-uri 'none'; form-action 'none'")
    template = _environment().get_template("report.html.j2")
    return template.render(page=page, css=Markup(css), script=Markup(script), policy=policy)
