"""The command reader: what each simple command of a script says about its step.

A dispatcher that knows no program by name: shell structure and CI bookkeeping first
(:mod:`.bookkeeping`), then global checks of the command line, then the program's own
handler (declared in its family under :mod:`.programs`), then its table; a program no
family declares is read by the families' fallbacks and, last, by its words. Each
command gets a :class:`~.hit.Hit`; :func:`choose` picks the step's purpose among them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence

from xops_lens.backends.rules import bookkeeping
from xops_lens.backends.rules import programs as registry
from xops_lens.backends.rules.data.words import WEAK_WORDS
from xops_lens.backends.rules.hit import RANK, Hit, Tag, ran
from xops_lens.backends.rules.program import NEXT, Call, Lookup, Via
from xops_lens.backends.rules.programs.shells import run_script
from xops_lens.backends.rules.programs.targets import target_kind
from xops_lens.backends.rules.programs.utilities import PUBLISHED_DIR, written
from xops_lens.backends.rules.shell import (
    ASSIGNMENT,
    REDIRECT,
    SCRIPT_EXT,
    SHELL_HEADERS,
    SHELL_KEYWORDS,
    Command,
    LazyPattern,
    after_cmd_condition,
    program_of,
    redirect_target,
    split_commands,
    unquote,
    without_redirects,
)
from xops_lens.backends.rules.words import (
    AZURE_TASK,
    action_kind,
    clip_why,
    kind_from_words,
    kinds_in_words,
    name_words,
    short,
    words_of,
)

MAX_DEPTH = 4

_PS_ASSIGNMENT = LazyPattern(r"^\$[\w:{}.]+$")
_PS_VERB = LazyPattern(r"^([a-z]+)-([a-z][\w.]*)$")
_COMPARISONS = frozenset("-eq -ne -gt -ge -lt -le -and -or -not -match -notmatch -like "
                         "-notlike -contains -in -notin -is = == != =~".split())
_LONG_OPTION = LazyPattern(r"^(--?[A-Za-z][\w-]+)$")
_PLUGIN_REF = LazyPattern(r"^[\w.-]+(/[\w.-]+)?#v?\d[\w.-]*$")
_ACTION_REF = LazyPattern(r"^[\w.-]+/[\w./-]+@[\w.-]+$")
_PROGRAM_NAME = LazyPattern(r"^[\w.+-]+$")
_VAR_SUFFIX = LazyPattern(r"_(CMD|BIN|EXE|EXECUTABLE|RUNTIME|PATH|COMMAND)$", re.I)
_KEYWORD_CALL = LazyPattern(r"^(if|elseif|foreach|while|for|switch|until)\(", re.I)
# shell builtins that are also common subcommands (`$CARGO test`, `$TOOL test`)
_BUILTIN_SUBCOMMANDS = frozenset(("test", "true", "false", "type", "command"))
_RUN_OPTIONS = ("-p", "--package", "--bin", "--example", "--project")

# `tool --version`, `tool --help`: the tool prints something about itself
_SELF_FLAGS = frozenset(("--version", "-version", "-V", "version", "-v", "/version",
                         "-Version", "--Version", "--help", "-h", "help", "/?", "-?"))


# programs whose `-v` alone asks for more output, not the version (`tox -v`, `ninja -v`)
_VERBOSE_V = frozenset("tox nox ninja pytest py.test python python3 pip pip3 cargo ctest "
                       "rsync curl wget tar ssh scp cp mv rm ansible ansible-playbook "
                       "packer bats prove".split())


def _asks_about_itself(args: Sequence[str], prog: str = "") -> bool:
    """`tool --version 2>/dev/null`: the only argument, redirections aside, asks the tool
    for its version or usage."""
    plain = without_redirects(args)
    if len(plain) != 1 or plain[0] not in _SELF_FLAGS:
        return False
    return not (plain[0] == "-v" and prog in _VERBOSE_V)


# where builds put the binaries they make
_BUILT_BINARY = re.compile(r"^['\"]?(\./)?(bin|build|builddir|target|dist|out|release|_output|"
                           r"_build|artifacts|\.build|cmd)[/\\]")
# a script file given to an interpreter named by a variable
_SCRIPT_FILE = re.compile(r"\.(py|rb|pl|js|mjs|ts|php|sh|ps1|jl|r|lua)$", re.I)


# `python -c "import mypkg; print(mypkg.__version__)"`, `ruby -e "require 'mygem'"`:
# loading a module that is not the interpreter's own is a smoke test of the package
_IMPORTED = re.compile(r"(?:^|[;\s'\"])(?:import|from|require)\s+['\"]?([A-Za-z_][\w]*)")
# the interpreter's own modules: Python's standard library (as this Python knows it)
# and the Ruby and packaging modules that come with every interpreter
_OWN_MODULES = frozenset(sys.stdlib_module_names) | frozenset(
    "setuptools pip pkg_resources rbconfig openssl yaml fileutils net uri english "
    "rubygems bundler".split())
_EFFECTS = re.compile(r"open\(|write|urlopen|requests\.|environ\[|GITHUB_|exit\(|"
                      r"File\.|IO\.|system\(|`|remove|unlink|rmtree|makedirs|mkdir")


def imports_the_project(code: str) -> bool:
    names = {m.lower() for m in _IMPORTED.findall(code)}
    return bool(names - _OWN_MODULES) and _EFFECTS.search(code) is None


class Reader:
    """Classifies the commands of one script; holds what the script as a whole shows."""

    # what the families declare (programs/__init__.py), for handlers that look a name up
    programs = registry.PROGRAMS
    commands = registry.COMMANDS
    utilities = registry.UTILITIES
    task_runners = registry.TASK_RUNNERS
    options = registry.OPTIONS

    def __init__(self, functions: set[str] | None = None,
                 variables: dict[str, str] | None = None) -> None:
        self.functions = functions or set()
        self.variables = variables or {}
        self._previous: Command | None = None  # the command read before this one
        self._before: Command | None = None  # the one before the command being read
        # variables set to a published output directory (`$out = "$(ob_outputDirectory)"`)
        self.published: set[str] = set()

    # -- one command --------------------------------------------------------------
    def command(self, cmd: Command, depth: int = 0) -> Hit | None:
        self._before = self._previous
        try:
            hit = self._command(cmd, depth)
        finally:
            self._previous = cmd
        if cmd.background and hit is not None and hit.weight > 0 and hit.kind != "toolchain":
            # `emulator -avd x &`, `npm start &`: a program left running for the commands
            # after it is a service of the job (TAXONOMY tie-breaker 6); preparing the
            # job in the background (`rm -rf /opt/ghc &`) prepares it as much
            return Hit("toolchain", 0.6, clip_why(f"starts in the background: {hit.why}"), 1)
        return hit

    def piped_from(self, cmd: Command, programs: frozenset[str]) -> bool:
        """Whether ``cmd`` reads the output of a command of one of ``programs``
        (`curl -fsSL https://... | sh`)."""
        before = self._before
        return bool(cmd.piped_from and before is not None and before.words
                    and program_of(before.words[0])[0].lower() in programs)

    def _command(self, cmd: Command, depth: int) -> Hit | None:
        raw = cmd.raw
        if "$(results." in raw or "$(step.results." in raw:
            if ">" in raw or "tee" in raw:
                return Hit("decide", 0.7, Tag.WRITES_RESULTS.value, 1, Tag.WRITES_RESULTS)
        if "GITHUB_" in raw or "##vso[" in raw or "::set-" in raw or "::add-" in raw \
                or "::remove-matcher" in raw:
            if "GITHUB_STEP_SUMMARY" in raw and self._real_program(raw):
                # `attw --pack > $GITHUB_STEP_SUMMARY`: the tool is the purpose
                hit = self.command(Command(cmd.words, "", cmd.piped_from, cmd.piped_to), depth)
                if hit is not None and hit.weight == 2 and hit.kind != "unknown":
                    return hit
            hit = bookkeeping.ci_file_write(self, raw)
            if hit is not None:
                return hit
        words = list(cmd.words)
        # leading shell keywords ("if git diff ...", "! grep", "do make")
        while words and (words[0] in SHELL_KEYWORDS or words[0] == "!"
                         or ("(" in words[0] and _KEYWORD_CALL.match(words[0]))
                         or words[0] in ("IF", "If")):
            if words[0].lower() == "if":
                words = after_cmd_condition(words[1:])
            else:
                words = words[1:]
        if not words:
            return None
        first = words[0]
        if first.lower() in SHELL_HEADERS or first.endswith("()"):
            return None
        if first in ("[", "[[", "test") or first.startswith("[["):
            return Hit("metadata", 0.5, Tag.TESTS_CONDITION.value, 0, Tag.TESTS_CONDITION)
        if first in ("exit", "return") and len(words) > 1 and unquote(words[1]) not in ("0",):
            return Hit("decide", 0.5, "fails the step on a condition", 0)
        # assignments: VAR=value cmd ..., export VAR=..., $x = ... (PowerShell)
        assigned: list[str] = []
        while words and "=" in words[0] and ASSIGNMENT.match(words[0]):
            assigned.append(words[0])
            if PUBLISHED_DIR.search(words[0]):
                self.published.add(words[0].split("=", 1)[0].lower())
            words = words[1:]
        if not words:
            return bookkeeping.assignment(self, assigned, exported=False)
        if words[0] == "export" or words[0] == "setx" or (
            words[0].lower() == "set" and len(words) > 1 and "=" in words[1]
        ):
            return bookkeeping.assignment(self, words[1:], exported=True)
        if len(words) > 1 and words[1] in ("=", "+=") and _PS_ASSIGNMENT.match(words[0]):
            if PUBLISHED_DIR.search(" ".join(words[2:])):
                self.published.add(words[0].lstrip("$").lower())
            if words[0].lower().startswith("$env:"):
                return Hit("toolchain", 0.6, "sets an environment variable", 1)
            rest = words[2:]
            if rest and not rest[0].startswith(("$", '"', "'", "@", "(", "[")) and (
                _PS_VERB.match(rest[0].lower()) or rest[0].lower() in self.commands
            ):
                return self.words(rest, cmd, depth)
            return bookkeeping.assignment(self, [" ".join(words)], exported=False)
        if words[0] in self.functions:
            return None
        if len(words) == 1 and words[0][:1] in "'\"" and not program_of(words[0])[1] \
                and not words[0][1:2] == "$":
            return Hit("metadata", 0.3, "emits a value", 0)
        if len(words) > 1 and words[1] in ("=", "+=", "-="):
            return Hit("metadata", 0.3, "sets a value", 0)
        if words[0].endswith(":") and len(words[0]) > 1:
            return None  # `key: value`, a rendered input of a reusable step
        if (">" in words[0] or "<" in words[0]) and REDIRECT.match(words[0]):
            # `{ echo ...; } >> file`: the group's output goes to a file
            target = redirect_target(words)
            return written(target) if target else None
        return self.words(words, cmd, depth)

    def _real_program(self, raw: str) -> bool:
        """Whether a command starts with a tool rather than a shell chore."""
        first = raw.split(None, 1)[0] if raw.strip() else ""
        return bool(first) and not first.startswith((">", "$", "{", "(", "}")) and \
            program_of(first)[0] not in self.utilities

    # -- a command's words --------------------------------------------------------
    def words(self, words: Sequence[str], cmd: Command, depth: int) -> Hit | None:
        if depth > MAX_DEPTH or not words:
            return None
        prog, is_path = program_of(words[0])
        args = list(words[1:])
        program = registry.PROGRAMS.get(prog)
        if program is not None and program.arguments is not None:
            args = program.arguments(args)
        if _asks_about_itself(args, prog):
            if is_path and _BUILT_BINARY.match(words[0]):
                # `bin/skopeo -v`, `./release/linux/amd64/gorush --help`: the binary the
                # job built, run once to see that it starts
                return Hit("test", 0.6, f"smoke-runs the built `{short(prog, 30)}`", 2)
            return Hit("metadata", 0.8, f"prints what `{short(prog, 30)}` is", 0)
        receiver = registry.PROGRAMS.get(cmd.piped_to) if cmd.piped_to else None
        if receiver is not None and receiver.piped_into is not None:
            return receiver.piped_into
        if prog in ("ghx", "ghx_secret") or (prog.startswith("$") and not is_path) \
                or (len(prog) > 2 and prog[0] == prog[-1] == "%" and not is_path):
            return self._expression_program(prog, args, cmd, depth)
        spec = self.commands.get(prog)
        if spec is None and is_path:
            # ./gradlew, /usr/bin/python3, C:\msys64\usr\bin\bash.exe
            stem = SCRIPT_EXT.sub("", prog)
            if stem in self.commands and not prog.endswith((".sh", ".py", ".ps1", ".bat",
                                                           ".cmd")):
                prog, spec = stem, self.commands[stem]
            elif stem in ("gradlew", "mvnw"):
                prog, spec = stem, self.commands[stem]
            program = registry.PROGRAMS.get(prog)
        if spec is None and "@" in prog:
            hit = _reference(words[0])
            if hit is not None:
                return hit
        if spec is None and "#" in prog and _PLUGIN_REF.match(words[0]):
            # a Buildkite plugin call (`docker-compose#v5.1.0`), as a group renders its
            # steps: the plugin's name says what it does
            found = action_kind(words[0].split("#")[0])
            if found is not None and found[0] != "unknown":
                return Hit(found[0], min(found[1], 0.75), found[2], 2)
        call = Call(prog, is_path, words, args, cmd, depth)
        if program is not None and program.handler is not None:
            hit = program.handler(self, call)
            if hit is not NEXT:
                return hit  # type: ignore[return-value]
        if spec is not None:
            return self.table(call, spec)
        if is_path:
            return run_script(self, words[0], args, cmd, depth)
        for fallback in registry.FALLBACKS:
            hit = fallback(self, call)
            if hit is not None:
                return hit
        return self._unknown_program(prog, args)

    def _expression_program(self, prog: str, args: list[str], cmd: Command,
                            depth: int) -> Hit | None:
        """A program named by a variable: `$LAUNCHER ctest`, `${CONDA_RUN} pip install`,
        `"$PYTHON" -m pytest`, `${{ matrix.shell }} --version`."""
        name = prog.strip("${}\"'()%").removeprefix("env:")
        value = self.variables.get(name)
        if value and depth < MAX_DEPTH:
            inner = split_commands(value)
            if len(inner) == 1:
                return self.words(list(inner[0].words) + args, cmd, depth + 1)
        if not args:
            # `$MAKE`, `${CMAKE}`: the variable's own name is the program
            guess = _VAR_SUFFIX.sub("", name).lower()
            if guess in self.commands and guess not in self.utilities \
                    and guess not in _BUILTIN_SUBCOMMANDS:
                return self.words([guess], cmd, depth + 1)
        if not args and len(cmd.words) == 1 and (
                cmd.raw.strip("\"' ") == "GHX" if prog == "ghx"
                else self._before is None and prog.startswith("${")):
            # `${{ inputs.command }}`, `$CMD`, Groovy's `sh(script: cmd)` alone: a whole
            # command passed in, no telling which (the step's name may tell)
            return Hit("unknown", 0.25, "runs a command given by an expression", 2)
        if not args or any(a.lower() in _COMPARISONS for a in args[:3]):
            return Hit("metadata", 0.3, Tag.TESTS_CONDITION.value, 0, Tag.TESTS_CONDITION)
        # a launcher or wrapper in front of a real command
        first = program_of(args[0])[0]
        if first in _BUILTIN_SUBCOMMANDS:
            # `${{ env.CARGO }} test`: the program's subcommand, not the shell builtin
            guess = _VAR_SUFFIX.sub("", name).lower()
            if guess in self.commands and guess not in self.utilities:
                return self.words([guess] + args, cmd, depth + 1)
            return self._unknown_program(guess if _PROGRAM_NAME.match(guess) else "tool", args)
        if first in self.commands or first in self.task_runners or first in self.utilities:
            return self.words(args, cmd, depth + 1)
        # the variable's own name often is the program: $PYTHON, ${CMAKE}, $MAKE_CMD
        guess = _VAR_SUFFIX.sub("", name).lower()
        if guess in self.commands or program_of(guess)[0] in self.commands:
            return self.words([guess] + args, cmd, depth + 1)
        if args[0] == "-m" and len(args) > 1:
            # `%EXECUTABLE% -m pip install`, `$PY -m pytest`: only Python takes `-m module`
            return self.words(["python"] + args, cmd, depth + 1)
        if _SCRIPT_FILE.search(args[0]):
            # `%PYTHON% selftest.py --installed`: an interpreter in a variable runs the
            # script, which its name judges
            return run_script(self, args[0], args[1:], cmd, depth)
        return Hit("unknown", 0.25, "runs a program named by an expression", 2)

    def skip_options(self, args: Sequence[str], valued: frozenset[str]) -> list[str]:
        """The arguments from the first that is no option (nor an assignment) on."""
        i = 0
        while i < len(args):
            a = args[i]
            if a == "--":
                return list(args[i + 1:])
            if a.startswith("-") and len(a) > 1:
                i += 2 if a in valued else 1
                continue
            if "=" in a and ASSIGNMENT.match(a):
                i += 1
                continue
            break
        return list(args[i:])

    def positionals(self, prog: str, args: Sequence[str]) -> list[str]:
        """The arguments that are neither options, option values nor redirections."""
        valued = registry.OPTIONS.get(prog, frozenset())
        out: list[str] = []
        skip = False
        for a in args:
            if skip:
                skip = False
                continue
            if (">" in a or "<" in a) and REDIRECT.match(a):
                skip = a in (">", ">>", "<", "2>", "2>>", "1>", "&>")
                continue
            if a.startswith("-") and len(a) > 1:
                if a in valued:
                    skip = True
                continue
            out.append(unquote(a))
        return out

    # -- a program's table ----------------------------------------------------------
    def table(self, call: Call, spec: dict[str, str | Via]) -> Hit | None:
        prog, args = call.prog, call.args
        # a flag that is itself a subcommand (cmake --build, python -m, gpg --import)
        sub, rest = "", args
        for i, a in enumerate(args):
            if a in spec and a.startswith("-"):
                sub, rest = a, args[i + 1:]
                break
            if not a.startswith("-"):
                break
        positionals = self.positionals(prog, rest)
        if not sub and positionals:
            first = positionals[0]
            two = f"{first} {positionals[1]}" if len(positionals) > 1 else ""
            if two and two in spec:
                sub, positionals = two, positionals[2:]
            elif first in spec or first.lower() in spec:
                sub = first if first in spec else first.lower()
                positionals = positionals[1:]
            if sub:
                # what follows the subcommand's last word in the original arguments
                last = sub.split()[-1]
                idx = next((i for i, a in enumerate(args)
                            if unquote(a) == last or unquote(a).lower() == last), -1)
                rest = args[idx + 1:]
        value = spec.get(sub) if sub else (spec.get("") if not positionals else None)
        label = f"{prog} {sub}".strip()
        if value is None:
            value = spec.get("*")
            label = prog
            if value is None:
                return ran("unknown", 0.3, short(label))
        found = Lookup(value, label, sub, rest, positionals)
        program = registry.PROGRAMS[prog]
        if program.refine is not None:
            better = program.refine(self, call, found)
            if better is not None:
                return better
        if isinstance(value, Via):
            return registry.DIRECTIVES[value](self, call, found)
        if value == "unknown":
            if sub in ("-c", "-e"):
                if imports_the_project(" ".join(rest)):
                    return Hit("test", 0.6, "imports the package as a smoke check", 2)
                return Hit("metadata", 0.4, f"runs inline `{prog}` code", 0)
            named = _run_target(rest)
            if named is not None:
                return Hit(named[0], 0.5, f"runs `{short(label)}` of {named[1]}", 2)
        return ran(value, 0.9 if value != "unknown" else 0.3, short(label))

    def _unknown_program(self, prog: str, args: Sequence[str]) -> Hit:
        shown = short(prog, 30)
        if not _PROGRAM_NAME.match(prog) or prog.isdigit() or prog.startswith("."):
            return Hit("metadata", 0.2, f"shell text `{shown}`", 0)
        # a word after a long option (`--new v1`, Go's `-ignore vendor/**`) may be its
        # value, not a subcommand
        positionals = [a for i, a in enumerate(args)
                       if not unquote(a).startswith(("-", "$", "/"))
                       and not (i > 0 and _LONG_OPTION.match(args[i - 1]))]
        sub = unquote(positionals[0]) if positionals else ""
        if sub and len(sub) < 60:
            found = kind_from_words(words_of(sub))
            if found is not None:
                return ran(found[0], 0.5, f"{shown} {short(sub, 30)}")
        found = kind_from_words(words_of(prog))
        if found is not None and found[0] not in ("toolchain",):
            return ran(found[0], 0.45, shown)
        if sub and len(sub) < 60:
            # a subcommand read as a task name (`tool buildDocs`, `tool ci:lint`) or a
            # program's name, after the program's own name had its say
            found = target_kind(self, {}, sub)
            if found is not None:
                return ran(found[0], 0.5, f"{shown} {short(sub, 30)}")
        return ran("unknown", 0.3, shown)

    # -- whole scripts ----------------------------------------------------------------
    def script_text(self, text: str, depth: int = 0) -> Hit | None:
        hits = [h for c in split_commands(text) if (h := self.command(c, depth)) is not None]
        return choose(hits, None)[0] if hits else None


def _reference(word: str) -> Hit | None:
    """An Azure task (`CopyFiles@2`) or an action (`owner/name@v1`) named as a command,
    as a rendered template or a group of steps holds them."""
    task = AZURE_TASK.match(word)
    if task and task.group(1).lower() in registry.AZURE_TASKS:
        name = task.group(1).lower()
        # beside other tasks (a conditional block), moving files is a chore like cp
        weight = 0 if name in registry.AZURE_FILE_TASKS else 2
        return Hit(registry.AZURE_TASKS[name], 0.8, f"runs task {short(word, 40)}", weight)
    if _ACTION_REF.match(word):
        found = action_kind(word.split("@")[0])
        if found is not None and found[0] != "unknown":
            return Hit(found[0], min(found[1], 0.8), found[2], 2)
    return None


def _run_target(args: Sequence[str]) -> tuple[str, str] | None:
    """What `cargo run -p semver-check`, `go run ./cmd/gen-docs` or `dotnet run
    --project tools/Bench` runs, read from the package, binary or path it names."""
    for i, a in enumerate(args):
        value = ""
        if a in _RUN_OPTIONS and i + 1 < len(args):
            value = args[i + 1]
        elif a.startswith(("--package=", "--bin=", "--project=")):
            value = a.split("=", 1)[1]
        elif not a.startswith("-") and (i == 0 or args[i - 1] not in _RUN_OPTIONS):
            value = a
        if value:
            found = kind_from_words(words_of(unquote(value).replace("/", " ")))
            if found is not None:
                return found
            if not a.startswith("-"):
                break
    return None


def choose(hits: Sequence[Hit], name: str | None) -> tuple[Hit, list[Hit]]:
    """The hit that states the step's purpose, and the real-work hits it beat."""
    top = max(h.weight for h in hits)
    candidates = [h for h in hits if h.weight == top]
    best = min(candidates, key=lambda h: RANK[h.kind])
    real = [h for h in hits if h.weight == 2 and h.kind != "unknown"]
    if name and len({h.kind for h in real}) > 1:
        # the name may say which of several real commands the step is for
        # (expressions such as `${{ inputs.python-version }}` and weak words are no claim)
        stated = {k for k, w in kinds_in_words(name_words(name)) if w not in WEAK_WORDS}
        if stated == {"build"} and best.kind == "publish":
            # a step that builds and uploads what it built exists to publish (rule 7)
            stated = set()
        if len(stated) == 1:
            (kind,) = stated
            for h in real:
                if h.kind == kind:
                    return h, real
    return best, real


def run_words(words: list[str]) -> Hit | None:
    """Judge a command given as words rather than script text."""
    return Reader().words(words, Command(tuple(words), " ".join(words), False, ""), 0)
