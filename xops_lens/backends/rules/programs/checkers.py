"""Checkers for any language: shell, YAML, workflows, spelling, links, licences,
secrets and vulnerabilities; and hyperfine."""

from __future__ import annotations

from xops_lens.backends.rules.program import Program


PROGRAMS: tuple[Program, ...] = (
    Program("shellcheck", {"*": "lint"}),
    Program("shfmt", {"*": "lint"}),
    Program("yamllint", {"*": "lint"}),
    Program("actionlint", {"*": "lint"}),
    Program("zizmor", {"*": "analysis"}),
    Program("editorconfig-checker", {"*": "lint"}),
    Program("ec", {"validate": "lint", "*": "lint"}),
    Program("typos", {"*": "lint"}),
    Program("spellchecker", {"*": "lint"}),
    Program("misspell", {"*": "lint"}),
    Program("vale", {"*": "lint"}),
    Program("lychee", {"*": "lint"}),
    Program("markdown-link-check", {"*": "lint"}),
    Program("reuse", {"*": "lint"}),
    Program("licensee", {"*": "analysis"}),
    Program("license-checker", {"*": "analysis"}),
    Program("scancode", {"*": "analysis"}),
    Program("semgrep", {"*": "analysis"}),
    Program("gitleaks", {"*": "analysis"}),
    Program("trufflehog", {"*": "analysis"}),
    Program("osv-scanner", {"*": "analysis"}),
    # checks the lockfile's hosts and schemes
    Program("lockfile-lint", {"*": "analysis"}),
    Program("dependency-check", {"*": "analysis"}),
    Program("hyperfine", {"*": "analysis"}),
    Program("codeql", {"database create": "build", "database analyze": "analysis", "*": "analysis"}),
    Program("calens", {"*": "lint"}),
    Program("lintrunner", {"init": "toolchain", "*": "lint"}),
)
