"""Shells and script runners: `bash -c '...'`, `pwsh -File x.ps1`, `source env.sh`, and a
script judged by its file name (TAXONOMY.md tie-breaker 3)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from xops_lens.backends.rules.data.words import ENVIRONMENT_SUFFIXES
from xops_lens.backends.rules.hit import Hit, Tag, ran
from xops_lens.backends.rules.program import Call, Lookup, Program, Via, words_list
from xops_lens.backends.rules.programs.http import DOWNLOADERS
from xops_lens.backends.rules.programs.packages import TOOLCHAIN_PACKAGES
from xops_lens.backends.rules.shell import (
    PATH_SEP,
    SCRIPT_EXT,
    Command,
    LazyPattern,
    program_of,
    unquote,
)
from xops_lens.backends.rules.words import kind_from_words, short, words_of

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader

_PROGRAM_NAME = LazyPattern(r"^[\w.+-]+$")
_NAMED_WORK = frozenset(("test", "lint", "build", "generate", "analysis", "dependencies"))
# Flags of a build script that make it run tests, and those that make it ship something
_TEST_FLAGS = frozenset(("-test", "--test", "/test", "-integrationtest",
                         "--integrationtest", "--integration-test", "-performancetest"))
_SHIP_FLAGS = frozenset(("-publish", "--publish", "-pack", "--pack", "-sign", "--sign",
                         "-deploy", "--deploy", "-release", "--release"))
_TOOL_WORDS = frozenset("rust golang jdk sdk toolchain compiler compilers llvm".split())


def _installs_a_tool(reader: Reader, words: Sequence[str]) -> bool:
    """`install-hub`, `install_rust`: a script named for installing one tool."""
    ws = [w.lower() for w in words]
    return len(ws) == 2 and ws[0] == "install" and (
        ws[1] in reader.commands or ws[1] in TOOLCHAIN_PACKAGES or ws[1] in _TOOL_WORDS)


# first arguments that choose a variant of the work, not another kind of work
_VARIANT_WORDS = frozenset("release debug all ci default main full quick local".split())
_MODE_WORD = LazyPattern(r"^[A-Za-z][A-Za-z_-]*$")


def _mode(args: Sequence[str]) -> tuple[str, str] | None:
    """The kind a script's first argument names when it is a bare mode word (`SETUP`,
    `deploy`, `unit-tests`), not a path, option, value or variant such as `release`."""
    first = unquote(args[0])
    if not _MODE_WORD.match(first) or first.lower() in _VARIANT_WORDS:
        return None
    return kind_from_words(words_of(first))


def _script_hit(kind: str, confidence: float, why: str) -> Hit:
    return Hit(kind, confidence, why, 2, Tag.RUNS_SCRIPT)


def run_script(reader: Reader, path: str, args: Sequence[str], cmd: Command, depth: int,
               default: str = "unknown") -> Hit:
    """A script judged by its name (TAXONOMY.md tie-breaker 3)."""
    path = unquote(path)
    parts = [p for p in PATH_SEP.split(path) if p and p not in (".", "..")]
    base = SCRIPT_EXT.sub("", parts[-1]) if parts else path
    shown = short(parts[-1] if parts else path, 40)
    named = [w.lower() for w in words_of(base)]
    table = reader.commands.get(named[0]) if len(named) > 1 else None
    if table is not None and named[1] in table and not isinstance(table[named[1]], Via) \
            and table[named[1]] != "unknown":
        # `terraform-plan.sh`, `docker-build.sh`, `helm_upgrade.py`: a program and one of
        # its subcommands in the script's name say what the script wraps
        return _script_hit(str(table[named[1]]), 0.65,
                           f"runs script `{shown}` ({named[0]} {named[1]})")
    found = kind_from_words(named)
    from_name = found is not None
    if found == ("dependencies", "install") and _installs_a_tool(reader, words_of(base)):
        # `ci/install-hub.sh`, `install_rust.sh`: the script puts one tool in place
        found = ("toolchain", " ".join(words_of(base)).lower())
    if default == "toolchain" and found is not None and found[0] != "toolchain" and \
            ENVIRONMENT_SUFFIXES.intersection(words_of(base)):
        found = ("toolchain", "env")  # `source build_env_file`: sourcing sets the environment
    if found is None and base.lower() in reader.commands:
        return reader.words([base] + list(args), cmd, depth + 1) or ran("unknown", 0.3, shown)
    if found is None:
        from_name = False
        # the first argument often names the task: `./ci.sh test`
        positionals = [a for a in args if not a.startswith("-")]
        if positionals:
            found = kind_from_words(words_of(unquote(positionals[0])))
            plain = list(itertools.takewhile(_PROGRAM_NAME.match, positionals[:4]))
            if len(plain) > 1:
                # `bin/sandbox make build push`: a verb and its object across the
                # leading plain words (not an inline script given as an argument)
                pair = kind_from_words(words_of(" ".join(plain)))
                if pair is not None and " " in pair[1]:
                    found = pair
    elif args:
        mode = _mode(args)
        if mode is not None and mode[0] != found[0]:
            # `test-ci.sh SETUP`, `ci.sh deploy`: the mode decides (TAXONOMY tie-breaker 9)
            return _script_hit(mode[0], 0.6, f"runs script `{shown}` in mode {mode[1]}")
    if found is None and len(parts) > 1:
        # the folder it sits in (`ci/deploy/run.sh`); "scripts/" or "ci/" say nothing
        found = kind_from_words(words_of(parts[-2]))
        if found is not None and found[0] in ("toolchain", "metadata"):
            found = None
    if found is None:
        if default != "unknown":
            return Hit(default, 0.5, f"sources `{shown}`", 1)
        return _script_hit("unknown", 0.3, f"runs script `{shown}`")
    if default == "toolchain" and found[0] == "toolchain":
        return Hit("toolchain", 0.6, f"sources `{shown}` ({found[1]})", 1)
    if found[0] == "build" and _TEST_FLAGS.intersection(a.lower() for a in args) \
            and not _SHIP_FLAGS.intersection(a.lower() for a in args):
        # `build.ps1 -restore -test`, `build.sh --test`: the build script runs the tests
        return _script_hit("test", 0.6, f"runs script `{shown}` with its test flag")
    # a script named for computing work (`run-tests.sh`, `lint.py`, `build.ps1`) is, on
    # every labelled sample, in the model subsystem its name says; a script named for an
    # effect or for preparation (`release.sh`, `setup.sh`) does that less often
    confidence = 0.8 if found[0] in _NAMED_WORK and from_name else 0.6
    return _script_hit(found[0], confidence, f"runs script `{shown}` ({found[1]})")


def run_shell(reader: Reader, call: Call, found: Lookup) -> Hit | None:
    """bash -c '...', pwsh -Command ..., cmd /c ..., or a script run by a shell."""
    prog, cmd, depth = call.prog, call.cmd, call.depth
    args = found.rest if found.sub else call.args
    i = 0
    while i < len(args):
        a = args[i]
        low = a.lower()
        if low in ("-c", "/c", "/k", "-command", "-encodedcommand") or (
            a.startswith("-") and not a.startswith("--") and "c" in a[1:]
            and prog in ("bash", "sh", "zsh", "dash", "ksh", "script")
        ):
            if low == "-encodedcommand":
                return Hit("unknown", 0.3, f"runs an encoded {prog} command", 2)
            inner = " ".join(unquote(x) for x in args[i + 1:])
            return reader.script_text(inner, depth + 1)
        if low in ("-file", "-f") and prog in ("pwsh", "powershell"):
            i += 1
            break
        if a in ("-o", "+o") or (a.startswith("-") and a.endswith("o") and len(a) <= 4
                                 and prog in ("bash", "sh", "zsh")):
            i += 2
            continue
        if a.startswith(("-", "/")) and not ("/" in a[1:] or "\\" in a):
            valued = reader.options.get(prog, frozenset())
            i += 2 if a in valued else 1
            continue
        break
    rest = args[i:]
    if rest and prog in ("sh", "bash", "zsh", "dash", "ksh") and any(
            a.startswith("-") and not a.startswith("--") and "n" in a[1:] for a in args[:i]):
        # `bash -n script`: parsed, never run (TAXONOMY tie-breaker 10)
        return Hit("lint", 0.85, f"checks the syntax of `{short(unquote(rest[0]), 40)}`", 2)
    if rest and "-s" in args[:i] and prog in ("sh", "bash", "zsh"):
        # `curl ... | sh -s -- --default-toolchain none -y`: the script is read from
        # stdin, what follows are its arguments
        rest = []
    if not rest:
        if reader.piped_from(cmd, DOWNLOADERS):
            # `curl -fsSL https://.../install.sh | sh`: an installer run from the web
            return Hit("toolchain", 0.5, f"pipes into `{prog}`", 0)
        if cmd.piped_from:
            # `echo "$SCRIPT" | sh`: a script from elsewhere, no telling what it does
            return Hit("unknown", 0.3, f"runs a script piped into `{prog}`", 2)
        return ran("unknown", 0.3, prog)
    target = unquote(rest[0])
    if target.startswith(("<", "-")) or target == "-":
        # `python3 - <<EOF`, `bash <<'EOS'`: code given inline
        return Hit("metadata", 0.4, f"runs inline `{prog}` code", 0)
    if target.startswith("$"):
        target = reader.variables.get(target.strip("${}\"'"), target)
    if prog in ("source", "."):
        return run_script(reader, target, rest[1:], cmd, depth, default="toolchain")
    inner_prog = program_of(target)[0]
    if inner_prog in reader.commands and not SCRIPT_EXT.search(target.lower()):
        return reader.words(rest, cmd, depth + 1)
    return run_script(reader, target, rest[1:], cmd, depth)


DIRECTIVES = {Via.SCRIPT: run_shell}


PROGRAMS: tuple[Program, ...] = (
    Program("pwsh", {"*": Via.SCRIPT},
            options=words_list("-ExecutionPolicy -OutputFormat -WorkingDirectory -executionpolicy")),
    Program("powershell", {"*": Via.SCRIPT},
            options=words_list("-ExecutionPolicy -WorkingDirectory -executionpolicy")),
    Program("bash", {"*": Via.SCRIPT}),
    Program("sh", {"*": Via.SCRIPT}),
    Program("zsh", {"*": Via.SCRIPT}),
    Program("ash", {"*": Via.SCRIPT}),
    Program("dash", {"*": Via.SCRIPT}),
    Program("ksh", {"*": Via.SCRIPT}),
    Program("cmd", {"*": Via.SCRIPT}),
    Program("source", {"*": Via.SCRIPT}),
    Program(".", {"*": Via.SCRIPT}),
    Program("call", {"*": Via.SCRIPT}),
    Program("invoke-expression", {"*": Via.SCRIPT}),
    Program("iex", {"*": Via.SCRIPT}),
    Program("script", {"*": Via.SCRIPT}),
)
