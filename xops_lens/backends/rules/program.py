"""How a family module declares what the tool believes about a program.

A :class:`Program` holds, for one program name, its subcommand table, the options that
take a value, and its special cases (a handler run before the table, a refinement of
the table's answer). :mod:`.programs` merges the families' declarations; the reader
(:mod:`.reader`) dispatches to them and knows no program by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Final

from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.shell import Command

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader


class Via(Enum):
    """A table entry that names no kind: how the rest of the command is read instead."""

    SCRIPT = "script"  # the first positional is a script, judged by its name (bash x.sh)
    COMMAND = "command"  # the rest is another command (a wrapper such as `uv run`)
    CONTAINER = "container"  # a command run in a container (`docker run img cmd`)
    MODULE = "module"  # `-m module` names the real program (python -m pip)
    HTTP = "http"  # an HTTP request (curl, wget)
    FORGE_API = "forge-api"  # a forge's REST API (`gh api`)
    # the positional words are task or target names of a family (programs/targets.py)
    MAKE_TARGETS = "targets:make"
    NPM_TARGETS = "targets:npm"
    MVN_TARGETS = "targets:mvn"
    GRADLE_TARGETS = "targets:gradle"
    TOX_ENVIRONMENTS = "targets:tox"
    SETUP_PY_COMMANDS = "targets:setuppy"
    COMPOSE_SERVICES = "targets:compose"
    TASKS = "targets:tasks"
    PIPELINES = "targets:pipelines"
    R_CMD = "targets:rcmd"

    @property
    def family(self) -> str | None:
        """The target family (TARGETS key) of a targets entry, else None."""
        kind, _, family = self.value.partition(":")
        return family if kind == "targets" else None


# A table maps a subcommand to a kind or a Via: "" is the program alone, "*" any other
# subcommand, "a b" a two-word subcommand.
Table = Mapping[str, "str | Via"]


class Call:
    """One command as the reader is judging it."""

    # a plain class: dataclasses generate code at import, and the rules import often
    __slots__ = ("args", "cmd", "depth", "is_path", "prog", "words")

    def __init__(self, prog: str, is_path: bool, words: Sequence[str], args: list[str],
                 cmd: Command, depth: int) -> None:
        self.prog = prog  # the normalised program name
        self.is_path = is_path  # the word was a path to a script or binary
        self.words = words  # the command's words, program first
        self.args = args
        self.cmd = cmd
        self.depth = depth


class Lookup:
    """What a program's table says about a call."""

    __slots__ = ("label", "positionals", "rest", "sub", "value")

    def __init__(self, value: str | Via, label: str, sub: str, rest: list[str],
                 positionals: list[str]) -> None:
        self.value = value
        self.label = label  # "prog sub" as shown in a why
        self.sub = sub  # the subcommand found ("" for none)
        self.rest = rest  # the arguments after the subcommand
        self.positionals = positionals


class _Next:
    """A handler's answer "not mine": the reader goes on to the next stage."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NEXT"


NEXT: Final = _Next()

Handler = Callable[["Reader", Call], "Hit | None | _Next"]
Refine = Callable[["Reader", Call, Lookup], "Hit | None"]
Directive = Callable[["Reader", Call, Lookup], "Hit | None"]
Fallback = Callable[["Reader", Call], "Hit | None"]


class Program:
    """Everything the rules know about one program (declared once, never changed)."""

    __slots__ = ("arguments", "handler", "name", "options", "piped_into", "refine",
                 "sub_options", "table", "task_runner", "unwrap", "utility", "wraps_nothing")

    def __init__(
        self,
        name: str,
        table: Table | None = None,
        *,
        # options that take a value, so that the value is not read as a subcommand
        options: frozenset[str] = frozenset(),
        # the same for a subcommand read as a command of its own ("run" of docker)
        sub_options: Mapping[str, frozenset[str]] | None = None,
        # special cases, before the table: a Hit or None is the answer, NEXT goes on
        handler: Handler | None = None,
        # a better answer than the table's value, given what the table found (None: none)
        refine: Refine | None = None,
        # arguments read away before anything else (`cargo +nightly`)
        arguments: Callable[[list[str]], list[str]] | None = None,
        # a shell built-in or small utility: the kind it has when nothing else speaks
        utility: str | None = None,
        # a task runner without a table: its first positional is a task name
        task_runner: bool = False,
        # what a command whose output is piped into this program is
        piped_into: Hit | None = None,
        # a wrapper (Via.COMMAND): arguments of its own after the options (`timeout 10`)
        unwrap: Callable[[list[str]], list[str]] | None = None,
        # a wrapper given no command
        wraps_nothing: Hit | None = None,
    ) -> None:
        self.name = name
        self.table = table
        self.options = options
        self.sub_options = sub_options or {}
        self.handler = handler
        self.refine = refine
        self.arguments = arguments
        self.utility = utility
        self.task_runner = task_runner
        self.piped_into = piped_into
        self.unwrap = unwrap
        self.wraps_nothing = wraps_nothing

    def __repr__(self) -> str:
        return f"Program({self.name!r})"


def words_list(text: str) -> frozenset[str]:
    """A set of words written as one string, as the tables write option lists."""
    return frozenset(text.split())
