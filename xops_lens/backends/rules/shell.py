"""The shell reader's lowest layer: script text to simple commands, and what a word is.

Knows shell, PowerShell and cmd syntax only; no table of programs (see programs/).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


class LazyPattern:
    """A regular expression compiled when first used. Compiling is a noticeable part of
    start-up (docs/benchmarks.md, "Rule backend as a package"), and most of the rule
    backend's patterns serve commands that few repositories hold; the ones nearly every
    scan needs stay plain ``re.compile``. Once compiled, each method is the compiled
    pattern's own, bound, so that a call costs little more than on the pattern itself."""

    __slots__ = ("_compiled", "_flags", "_source", "findall", "finditer", "fullmatch", "match",
                 "search", "split", "sub")

    _compiled: re.Pattern[str]
    search: Callable[..., re.Match[str] | None]
    match: Callable[..., re.Match[str] | None]
    fullmatch: Callable[..., re.Match[str] | None]
    sub: Callable[..., str]
    split: Callable[..., list[str]]
    findall: Callable[..., list[Any]]
    finditer: Callable[..., Iterator[re.Match[str]]]

    def __init__(self, source: str, flags: int = 0) -> None:
        self._source = source
        self._flags = flags

    def compiled(self) -> re.Pattern[str]:
        try:
            return self._compiled
        except AttributeError:
            pattern = self._compiled = re.compile(self._source, self._flags)
            for method in ("search", "match", "fullmatch", "sub", "split", "findall",
                           "finditer"):
                setattr(self, method, getattr(pattern, method))
            return pattern

    def __getattr__(self, name: str) -> Any:
        # reached only for a method not yet bound, or what the pattern has beyond them
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.compiled(), name)

GH_EXPR = re.compile(r"\$?\{\{.*?\}\}", re.S)
_CI_PARAM = LazyPattern(r"<<\s*[\w.\-\[\]'\" ]+?\s*>>")
_CONTINUATION = LazyPattern(r"\\\r?\n|[ \t]`\r?\n|[ \t]\^\r?\n")
_PS_ENV_SET = re.compile(r"(?im)^(\s*\$env:\w+\s*[+]?=\s*)(.*)$")
_CMD_SET = LazyPattern(r"(?im)^(\s*set\s+\"?[A-Za-z_][\w]*=)([^\n]*)$")
_HEREDOC = LazyPattern(r"<<-?\s*(['\"]?)([A-Za-z_][\w-]*)\1")
_PS_HERESTRING_OPEN = LazyPattern(r"@[\"']\s*$")
# One piece of a word: a redirection to a descriptor, a quoted string, a backtick or
# $(...) substitution, ${...}, an escaped or ordinary character. A parenthesis glued to a
# word (`$x.Trim('v')`, `arr=(a b)`, `name()`) stays in the word.
_WORD_PIECE = (r"""[^\s'"`;&|(){}\\$<>]+|\{\}|\{[\w.,/-]*\}|[<>]&\d*-?|&>|'[^']*'"""
               r"""|"(?:[^"\\]|\\.)*"|`[^`\n]*`|\$\{[^}\n]*\}"""
               r"""|\$\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)|\\.|[$<>]""")
_TOKEN = re.compile(
    r"""
    [ \t]*
  (?:
    (?P<nl>\r?\n)
  | (?P<comment>(?:(?<=^)|(?<=[\s;&|(){}]))\#[^\n]*)
  | (?P<test>\[\[(?:[^\]]|\](?!\]))*\]\])
  | (?P<op>&&|\|\||;;|\|&|[;|&()}]|\{(?!\}))
  | (?P<word>(?:{piece})(?:{piece}|\((?:[^()\n]|\([^()\n]*\))*\))*)
  | (?P<other>.)
  )
    """.replace("{piece}", _WORD_PIECE),
    re.X | re.S,
)


@dataclass(frozen=True, slots=True)
class Command:
    words: tuple[str, ...]
    raw: str
    piped_from: bool  # reads the output of the previous command
    piped_to: str  # first word of the command it pipes into, else ""
    background: bool = False  # ends its line with `&`: runs on while the script goes on


def _strip_heredocs(text: str) -> str:
    if "<<" not in text and "@\"" not in text and "@'" not in text:
        return text
    out: list[str] = []
    end: str | None = None
    for line in text.split("\n"):
        if end is not None:
            if line.strip() == end:
                end = None
            continue
        out.append(line)
        m = _HEREDOC.search(line)
        if m and "<<<" not in line:
            end = m.group(2)
        elif _PS_HERESTRING_OPEN.search(line):
            end = line.rstrip()[-1] + "@"
    return "\n".join(out)


def _expression_token(match: re.Match[str]) -> str:
    # `${{ secrets.KEY }}` stays known as a secret (`echo "GHX_SECRET" > key` stores one)
    return "GHX_SECRET" if "secrets." in match.group(0) else "GHX"


def normalize_script(text: str) -> str:
    # the substring tests spare a regex that finds nothing: most scripts hold no
    # expression and no continued line
    if "{{" in text:
        text = GH_EXPR.sub(_expression_token, text)
    if ";" in text and "set " in text.lower():
        # cmd's `SET PATH=C:\a;%PATH%`: the semicolons belong to the value
        text = _CMD_SET.sub(lambda m: m.group(1) + m.group(2).replace(";", ","), text)
    if "\\\"" in text and ("$env:" in text or "$Env:" in text or "$ENV:" in text):
        # PowerShell `$env:Path += ";C:\Program Files\CMake\bin\"`: a backslash escapes
        # nothing there, so the quote closes the value
        text = _PS_ENV_SET.sub(lambda m: m.group(1) + m.group(2).replace('\\"', '"'), text)
    if "<<" in text:
        text = _CI_PARAM.sub("CIX", text)
    if "\\\n" in text or "\\\r" in text or "`\n" in text or "`\r" in text \
            or "^\n" in text or "^\r" in text:
        text = _CONTINUATION.sub(" ", text)
    return _strip_heredocs(text)


def split_commands(text: str) -> list[Command]:
    """Split a shell, PowerShell or cmd script into simple commands. Quoted strings and
    command substitutions stay inside their word; comments and here-documents go."""
    commands: list[Command] = []
    words: list[str] = []
    piped_from = False
    pending_pipe = False
    parens = 0
    condition_at = -1
    background = False  # the last command ended with `&`; only if its line ends there

    # findall's tuples (one string a group, "" for those that did not match) cost less
    # than a match object and its lookups for each of the many tokens
    for nl, comment, test, op, word, _other in _TOKEN.findall(normalize_script(text)):
        if background and not comment:
            background = False
            if not nl:
                # `a & b` (and cmd's `a & b`, which runs them in turn): no service
                prev = commands[-1]
                commands[-1] = Command(prev.words, prev.raw, prev.piped_from, prev.piped_to)
        token = word or test
        if token:
            if pending_pipe and commands and not ("=" in token and ASSIGNMENT.match(token)):
                # `curl ... | METHOD=script bash`: the program, not the assignment
                prev = commands[-1]
                commands[-1] = Command(prev.words, prev.raw, prev.piped_from, token,
                                       prev.background)
                pending_pipe = False
            words.append(token)
        elif op or nl:
            op = op or nl
            if condition_at >= 0 and not (op == ")" and parens - 1 == condition_at):
                parens += 1 if op == "(" else -1 if op == ")" else 0
                words = []
                continue
            if op == "(":
                if len(words) == 1 and words[0].lower() in _CONDITION_KEYWORDS:
                    # PowerShell `if (...)`: the parenthesis holds a condition
                    condition_at = parens
                    words = []
                parens += 1
            elif op == ")":
                if condition_at >= 0 and condition_at == parens - 1:
                    condition_at = -1
                    words = []
                elif parens == 0:
                    # a `case` pattern such as `linux|darwin)`, alternatives included
                    chain, words = piped_from, []
                    while chain and commands:
                        chain = commands.pop().piped_from
                    piped_from = False
                parens = max(parens - 1, 0)
            pipe = op == "|" or op == "|&"
            # the end of a command (inline: most tokens end one, and most of those
            # are the newlines of lines already ended)
            if words:
                background = op == "&"
                commands.append(Command(tuple(words), " ".join(words), piped_from, "",
                                        background))
                piped_from = pipe
                words = []
            else:
                piped_from = False
            pending_pipe = pipe
        # whitespace, comments and stray characters separate nothing
    if words:
        commands.append(Command(tuple(words), " ".join(words), piped_from, ""))
    return commands


def unquote(word: str) -> str:
    if "'" not in word and '"' not in word:
        return word
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "'\"":
        return word[1:-1]
    return word.replace('"', "").replace("'", "")


def option_values(args: Sequence[str], names: Container[str]) -> list[str]:
    """The values given to any of ``names`` in ``args``, in order, as written (quotes
    kept): `--target name`, `-f file`, and a long option's `--target=name`."""
    values = []
    for i, a in enumerate(args):
        if a in names:
            if i + 1 < len(args):
                values.append(args[i + 1])
        elif a.startswith("--") and "=" in a and a.split("=", 1)[0] in names:
            values.append(a.split("=", 1)[1])
    return values


ASSIGNMENT = LazyPattern(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
_VERSIONED = re.compile(
    r"^(python|pip|pypy|ruby|node|perl|php|gcc|g\+\+|clang|clang\+\+|pwsh|bash|java)"
    r"[\d.]*(-[\d.]+)?$"
)
SCRIPT_EXT = re.compile(r"\.(sh|bash|py|ps1|psm1|bat|cmd|rb|pl|js|mjs|cjs|ts|exe|groovy)$")
_CONDITION_KEYWORDS = frozenset(("if", "elseif", "while", "foreach", "switch", "for", "until"))
PATH_SEP = re.compile(r"[/\\]")
_PATHLIKE = re.compile(r"^[\w.~${}/\\:+@%*-]+$")  # `cov-analysis-*/bin/cov-build`


@lru_cache(maxsize=8192)  # program words repeat from script to script
def program_of(word: str) -> tuple[str, bool]:
    """(normalised program name, whether the word is a path to a script or binary)."""
    w = unquote(word)
    is_path = ("/" in w or "\\" in w) and "://" not in w and _PATHLIKE.match(w) is not None
    base = PATH_SEP.split(w)[-1] if is_path else w
    low = base.lower()
    if low.endswith(".exe"):
        low = low[:-4]
    m = _VERSIONED.match(low)
    if m:
        low = m.group(1)
    if low in ("python3", "py", "pypy", "pypy3"):
        low = "python"
    if low in ("pip3",):
        low = "pip"
    return low, is_path or bool(SCRIPT_EXT.search(low))


# Shell words that open or close a construct; what follows them (if any) is a command.
SHELL_KEYWORDS: frozenset[str] = frozenset(
    "if then else elif fi do done while until ! { } time in esac ;; try catch "
    "finally foreach else{ }else".split()
)

# Shell constructs whose whole line is structure, not a command.
SHELL_HEADERS: frozenset[str] = frozenset(
    "for case select function param begin process end switch return trap".split()
)

# every match holds `<` or `>`: callers test that first, a substring test being far
# cheaper than the regex on the words that are no redirection
REDIRECT = LazyPattern(r"^(\d*[<>]{1,2}|&>>?|[<>]&)")


def redirect_target(args: Sequence[str]) -> str:
    """Where a command's output is written (`> file`, `>>file`, `tee file`), if to a file."""
    for i, a in enumerate(args):
        target = ""
        if a in (">", ">>", "1>", "1>>") and i + 1 < len(args):
            target = args[i + 1]
        elif a.startswith((">", "1>")) and not a.startswith((">&", "1>&")):
            target = a.lstrip("1>")
        if target:
            target = unquote(target)
            if target not in ("/dev/null", "/dev/stderr", "/dev/stdout", "$null", "nul", "NUL"):
                return target
    return ""


def without_redirects(args: Sequence[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for a in args:
        if skip:
            skip = False
        elif (">" in a or "<" in a) and REDIRECT.match(a):
            skip = REDIRECT.fullmatch(a) is not None  # `2> /dev/null`: the target follows
        else:
            out.append(a)
    return out


_CMD_COMPARE = frozenset("== equ neq lss leq gtr geq".split())


def after_cmd_condition(words: list[str]) -> list[str]:
    """The command a cmd `if` runs: `if "%X%"=="ON" set A=1`, `if /i not exist d mkdir d`,
    `if errorlevel 1 exit /b 1`, `if %A% EQU 1 call b.bat`. Other words are left alone
    (a shell `if` is followed by a command)."""
    i = 0
    while i < len(words) and words[i].lower() in ("/i", "not"):
        i += 1
    if i < len(words) and words[i].lower() in ("exist", "defined", "errorlevel"):
        return words[i + 2:]
    if i < len(words) and "==" in words[i] and not words[i].startswith("["):
        return words[i + 1:] if not words[i].endswith("==") else words[i + 2:]
    if i + 2 < len(words) and words[i + 1].lower() in _CMD_COMPARE:
        return words[i + 3:]
    return words
