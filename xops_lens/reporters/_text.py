"""Making text from CI files safe to show in Markdown, HTML and SARIF.

Step names, job ids, file paths and error messages come from the scanned repository,
which in a pull request may be a stranger's. In a PR comment such text must not be
able to add markup, images, links, HTML (an HTML comment could forge the comment's
hidden marker), mentions that ping people, issue references that cross-link, or break
a table with a pipe or a newline.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

# C0/C1 controls, zero-width characters and the bidirectional overrides (Trojan Source):
# invisible in a rendered comment, they could hide what a name really says.
_INVISIBLE_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# The characters that start inline Markdown: emphasis, code, links and images, tables,
# strikethrough, math. Line-start syntax (headings, lists, quotes) cannot trigger because
# this module's callers never begin a line with untrusted text; ``<`` and ``&`` become
# HTML entities first.
_MD_PUNCT_RE = re.compile(r"([\\`*_\[\]()!|~$])")
ZWSP = "\u200b"


def plain(text: str, width: int | None = None) -> str:
    """One line of visible text: invisible characters dropped, whitespace collapsed,
    cut to ``width`` characters with an ellipsis, and ``::`` split by a zero-width space:
    a terminal report wraps long text, and a line of a GitHub Actions log that starts
    with ``::error::`` is a workflow command, whatever put the text there."""
    text = " ".join(_INVISIBLE_RE.sub("", str(text)).split())
    if width is not None and len(text) > width:
        text = text[: max(width - 1, 0)].rstrip() + "…"
    return text.replace("::", ":" + ZWSP + ":")


def _defuse(text: str) -> str:
    """Break the autolinking GitHub applies after Markdown: @mentions, #123 and GH-123
    references, bare URLs and www. links. A zero-width space keeps the text readable."""
    text = re.sub(r"(?<![\w`])@(?=[\w-])", "@" + ZWSP, text)
    text = re.sub(r"#(?=\d)", "#" + ZWSP, text)
    text = re.sub(r"(?i)\b(gh)-(?=\d)", r"\1-" + ZWSP, text)
    text = re.sub(r"(?i)([a-z][a-z0-9+.-]*):(?=//)", r"\1:" + ZWSP, text)
    text = re.sub(r"(?i)\bwww\.", "www" + ZWSP + ".", text)
    return text


def md(text: str, width: int | None = None) -> str:
    """Text for a Markdown context (a paragraph or a table cell): renders as written."""
    text = html.escape(_defuse(plain(text, width)), quote=False)
    return _MD_PUNCT_RE.sub(r"\\\1", text)


def html_text(text: str, width: int | None = None) -> str:
    """Text for an HTML context (inside ``<summary>``), where Markdown is not parsed."""
    return html.escape(_defuse(plain(text, width)), quote=True)


def sarif_text(text: str, width: int | None = None) -> str:
    """Plain text for a SARIF message: SARIF reads ``[text](n)`` as an embedded link, so
    brackets are escaped as the specification says (§3.11.6)."""
    text = plain(text, width)
    return re.sub(r"([\[\]\\])", r"\\\1", text)


def repo_prefix(root: str, workspace: str | None) -> str:
    """The scan root's path inside the repository ('' at the top, else 'dir/'), so that
    links and SARIF locations name repository paths even when a sub-folder was scanned."""
    real = Path(root).resolve()
    tops = [Path(workspace).resolve()] if workspace else []
    tops += [p for p in (real, *real.parents) if (p / ".git").exists()][:1]
    for top in tops:
        try:
            rel = real.relative_to(top).as_posix()
        except ValueError:
            continue
        return "" if rel == "." else rel + "/"
    return ""


def figure(value: float) -> float:
    """A money or time figure as the JSON report rounds it (4 decimals), so that every
    format quotes the same number for one suggestion."""
    return round(value, 4)
