"""Documentation and site generators."""

from __future__ import annotations

from xops_lens.backends.rules.program import Program


PROGRAMS: tuple[Program, ...] = (
    Program("doxygen", {"*": "generate"}),
    Program("asciidoctor", {"*": "generate"}),
    Program("pandoc", {"*": "generate"}),
    Program("hugo", {"*": "generate"}),
    Program("jekyll", {"build": "generate", "*": "generate"}),
    Program("docfx", {"*": "generate"}),
    Program("zola", {"*": "generate"}),
    Program("docusaurus", {"*": "generate"}),
    Program("vitepress", {"build": "generate", "*": "generate"}),
)
