"""Go: the go command, its linters, test runners and ko."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.program import NEXT, Call, Program, Via, _Next, words_list

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader

_GO_VALUED = frozenset("-tags -ldflags -gcflags -asmflags -o -mod -p -buildmode -modfile "
                       "-pgo -overlay -C".split())


def _installs_itself(args: Sequence[str]) -> bool:
    """`go install` of the module's own packages (none named, or local paths)."""
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a.startswith("-"):
            skip = a in _GO_VALUED
            continue
        if "@" in a or not a.startswith("."):
            return False
    return True


def _go(reader: Reader, call: Call) -> Hit | _Next:
    if call.args[:1] == ["install"] and _installs_itself(call.args[1:]):
        # `go install`, `go install -tags x ./...`: builds and installs the module
        # itself; `go install example.com/tool@v1` puts a tool on the PATH
        return Hit("build", 0.8, "builds the module with `go install`", 2)
    if call.args[:1] == ["env"] and ("-w" in call.args or "-u" in call.args):
        # `go env -w CGO_ENABLED=0`: sets the toolchain's settings (tie-breaker 6)
        return Hit("toolchain", 0.85, "sets Go's environment with `go env -w`", 1)
    return NEXT


PROGRAMS: tuple[Program, ...] = (
    Program("go", {"build": "build", "install": "toolchain", "test": "test", "vet": "lint",
            "fmt": "lint", "generate": "generate", "mod download": "dependencies",
            "mod tidy": "lint", "mod verify": "lint", "mod vendor": "dependencies",
            "mod": "dependencies", "get": "dependencies", "work": "dependencies", "run": "unknown",
            "tool": "unknown", "version": "metadata", "env": "metadata", "list": "metadata",
            "clean": "toolchain", "doc": "generate", "*": "unknown"}, options=words_list("-C"),
            handler=_go),
    Program("gofmt", {"*": "lint"}),
    Program("goimports", {"*": "lint"}),
    Program("golangci-lint", {"*": "lint"}),
    Program("staticcheck", {"*": "lint"}),
    Program("govulncheck", {"*": "analysis"}),
    Program("gosec", {"*": "analysis"}),
    Program("ginkgo", {"*": "test"}),
    Program("gotestsum", {"*": "test"}),
    Program("mage", {"*": Via.TASKS}),
    Program("ko", {"build": "publish", "publish": "publish", "apply": "deploy", "resolve": "build",
            "*": "publish"}),
)
