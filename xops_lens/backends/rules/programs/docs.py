"""Documentation and site generators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.program import Call, Lookup, Program

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader


def _mike(reader: Reader, call: Call, found: Lookup) -> Hit | None:
    """mike keeps versioned MkDocs sites on the gh-pages branch: with `--push` the served
    branch moves (deploy, tie-breaker 13); without it only the local branch does."""
    sub = call.args[0] if call.args else ""
    if sub in ("deploy", "set-default", "alias", "delete", "retitle"):
        if "--push" in call.args or "-p" in call.args:
            return Hit("deploy", 0.85, f"updates the served pages with `mike {sub}`", 2)
        return Hit("generate", 0.8, f"commits a site version with `mike {sub}`", 2)
    return None



PROGRAMS: tuple[Program, ...] = (
    Program("doxygen", {"*": "generate"}),
    Program("mike", {"list": "metadata", "serve": "generate", "*": "generate"}, refine=_mike),
    Program("asciidoctor", {"*": "generate"}),
    Program("pandoc", {"*": "generate"}),
    Program("hugo", {"*": "generate"}),
    Program("jekyll", {"build": "generate", "*": "generate"}),
    Program("docfx", {"*": "generate"}),
    Program("zola", {"*": "generate"}),
    Program("docusaurus", {"*": "generate"}),
    Program("vitepress", {"build": "generate", "*": "generate"}),
)
