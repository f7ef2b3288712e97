"""Wrappers: programs that run the command after them (`env`, `timeout`, `xvfb-run`,
`sudo`, `uv run`, `npx`); the command they run is the step's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.program import Call, Lookup, Program, Via, words_list

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader


def wrapped_rest(reader: Reader, call: Call, found: Lookup) -> list[str]:
    """The words of the command a wrapper runs, its own options read away."""
    args = found.rest if found.sub else call.args
    key = f"{call.prog} {found.sub}".strip()
    valued = reader.options.get(key) or reader.options.get(call.prog, frozenset())
    return reader.skip_options(args, valued)


def run_wrapped(reader: Reader, call: Call, found: Lookup) -> Hit | None:
    """A wrapper (Via.COMMAND): the command after its options."""
    rest = wrapped_rest(reader, call, found)
    program = reader.programs[call.prog]
    if program.unwrap is not None:
        rest = program.unwrap(rest)
    if not rest:
        return program.wraps_nothing
    return reader.words(rest, call.cmd, call.depth + 1)


def _sudo(reader: Reader, call: Call) -> Hit | None:
    rest = reader.skip_options(call.args, reader.options.get("sudo", frozenset()))
    return reader.words(rest, call.cmd, call.depth + 1) if rest else None


def _after_duration(rest: list[str]) -> list[str]:
    """`timeout 10m make test`: the duration comes before the command."""
    return rest[1:] if rest and rest[0][:1].isdigit() else rest


DIRECTIVES = {Via.COMMAND: run_wrapped}

PROGRAMS: tuple[Program, ...] = (
    Program("sudo", options=words_list("-u -g -C -D -h -p -U -r -t"), handler=_sudo),
    # doas takes sudo's options, as the reader always read them
    Program("doas", handler=_sudo),
    Program("xvfb-run", {"*": Via.COMMAND},
            options=words_list("--auth-file --error-file --server-args --server-num -e -f -n -p "
                               "-s")),
    Program("env", {"": "metadata", "*": Via.COMMAND},
            options=words_list("--chdir --unset -C -S -u"),
            wraps_nothing=Hit("metadata", 0.5, "runs `env`", 0)),
    Program("timeout", {"*": Via.COMMAND}, options=words_list("--kill-after --signal -k -s"),
            unwrap=_after_duration),
    Program("time", {"*": Via.COMMAND}),
    Program("nice", {"*": Via.COMMAND}, options=words_list("--adjustment -n")),
    Program("nohup", {"*": Via.COMMAND}),
    Program("exec", {"*": Via.COMMAND}),
    Program("command", {"*": Via.COMMAND}),
    Program("builtin", {"*": Via.COMMAND}),
    Program("stdbuf", {"*": Via.COMMAND}, options=words_list("-e -i -o")),
    Program("retry", {"*": Via.COMMAND},
            options=words_list("--delay --sleep --times --tries -d -s -t")),
    Program("eatmydata", {"*": Via.COMMAND}),
    Program("fakeroot", {"*": Via.COMMAND}),
    Program("chronic", {"*": Via.COMMAND}),
    Program("caffeinate", {"*": Via.COMMAND}),
    Program("arch", {"*": Via.COMMAND}),
    Program("catchsegv", {"*": Via.COMMAND}),
    Program("dbus-run-session", {"*": Via.COMMAND}),
    Program("scl", {"*": Via.COMMAND}),
    Program("winpty", {"*": Via.COMMAND}),
)
