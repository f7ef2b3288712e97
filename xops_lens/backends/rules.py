"""The offline default backend: tables of well-known actions and programs, plus a small
shell reader that finds the command a step exists for.

How a step is judged (TAXONOMY.md is the rubric):

1. A kind the format states (``Step.kind_hint``) is trusted.
2. A reusable unit (``Step.uses``: an action, task, orb or image) is looked up by name;
   units that run a script given in their inputs are judged by that script.
3. A script is split into commands; each command gets a kind and a *weight*: 0 for
   shell chores (print, cd, mkdir), 1 for bookkeeping (set env vars, write step
   outputs, compute a value), 2 for real work. The step takes the heaviest command and,
   among equals, the kind highest in :data:`rule_tables.KIND_PRIORITY`: effects on the
   world over judging and making things over preparation.
4. The step's name, then the job's name, are secondary: they break ties between real
   commands and speak only when the commands cannot be told.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from xops_lens.backends import rule_tables as T
from xops_lens.hookspecs import hookimpl
from xops_lens.model import SUBSYSTEM_OF_KIND, Classification, Step

BACKEND_NAME = "rules"
WHY_LIMIT = 80
MAX_DEPTH = 4
CACHE_LIMIT = 100_000

_RANK = {kind: i for i, kind in enumerate(T.KIND_PRIORITY)}
_IDENT_RANK = {kind: i for i, kind in enumerate(T.IDENT_PRIORITY)}


@dataclass(frozen=True, slots=True)
class Hit:
    """What one command (or one name) says about a step."""

    kind: str  # a model kind, or "unknown" for a program no table knows
    confidence: float
    why: str
    weight: int  # 0 shell chore, 1 bookkeeping, 2 real work


# ---------------------------------------------------------------------------- words

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^a-z0-9+]+")


def words_of(text: str) -> list[str]:
    """Lower-case words of a name, keeping both "codeql" and its camel-case parts."""
    out: list[str] = []
    for raw in _NON_WORD.split(text.lower()):
        if raw:
            out.append(raw)
    if any(c.isupper() for c in text):
        for part in _CAMEL.sub(" ", text).lower().split():
            for w in _NON_WORD.split(part):
                if w and w not in out:
                    out.append(w)
    return out


def _word_kind(word: str) -> str | None:
    kind = T.WORD_KINDS.get(word)
    if kind is None and len(word) > 3 and word.endswith("s"):
        kind = T.WORD_KINDS.get(word[:-1])
    return kind


def kinds_in_words(words: Sequence[str]) -> list[tuple[str, str]]:
    """Every (kind, evidence) a name supports, pair rules first."""
    ws = [w for w in words if w not in T.STOP_WORDS]
    if not ws:
        return []
    found: list[tuple[str, str]] = []
    wset = set(ws)
    for verbs, objects, kind in T.PAIR_RULES:
        vs = verbs & wset
        if not vs:
            continue
        objs = objects & wset
        if not objs:
            continue
        verb = next(w for w in ws if w in vs)
        obj = next((w for w in ws if w in objs and w != verb), None)
        if obj is not None:
            found.append((kind, f"{verb} {obj}"))
    for w in ws:
        kind = _word_kind(w)
        if kind is not None:
            found.append((kind, w))
    return found


def kind_from_words(words: Sequence[str]) -> tuple[str, str] | None:
    """The kind a name states, if it states one: a preparing first word, else a
    verb-object pair, else the most specific single word."""
    return _kind_from_words(tuple(words))


@lru_cache(maxsize=8192)
def _kind_from_words(words: tuple[str, ...]) -> tuple[str, str] | None:
    # the head of the name first: "run_with_env_secrets" runs, "upload to s3" uploads
    for i, w in enumerate(words):
        if w in T.MODIFIER_WORDS and i > 0:
            head = _kind_of_phrase(words[:i])
            if head is not None:
                return head
            break
    return _kind_of_phrase(words)


def _kind_of_phrase(words: Sequence[str]) -> tuple[str, str] | None:
    ws = [w for w in words if w not in T.STOP_WORDS]
    if not ws:
        return None
    if ws[0] in T.PREPARE_PREFIXES:
        return T.PREPARE_PREFIXES[ws[0]], ws[0]
    if len(ws) > 1 and ws[-1] in T.ENVIRONMENT_SUFFIXES:
        return "toolchain", ws[-1]
    found = kinds_in_words(ws)
    if not found:
        return ("metadata", ws[0]) if ws[0] in T.READ_PREFIXES and len(ws) > 1 else None
    pairs = [f for f in found if " " in f[1]]
    if pairs:
        return pairs[0]
    if ws[0] in T.READ_PREFIXES:
        return "metadata", ws[0]
    plain = [f for f in found if f[1] not in T.TOOL_WORDS]
    return min(plain or found, key=lambda f: _IDENT_RANK[f[0]])


@lru_cache(maxsize=8192)
def name_kind(text: str) -> tuple[str, str] | None:
    return kind_from_words(words_of(_GH_EXPR.sub(" ", text))) if text else None


# ---------------------------------------------------------------------------- shell

_GH_EXPR = re.compile(r"\$?\{\{.*?\}\}", re.S)
_CI_PARAM = re.compile(r"<<\s*[\w.\-\[\]'\" ]+?\s*>>")
_CONTINUATION = re.compile(r"\\\r?\n|[ \t]`\r?\n|[ \t]\^\r?\n")
_CMD_SET = re.compile(r"(?im)^(\s*set\s+\"?[A-Za-z_][\w]*=)([^\n]*)$")
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][\w-]*)\1")
_PS_HERESTRING_OPEN = re.compile(r"@[\"']\s*$")
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
  | (?P<op>&&|\|\||;;|\|&|[;|&(){}])
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


def normalize_script(text: str) -> str:
    text = _GH_EXPR.sub("GHX", text)
    if ";" in text and "set " in text.lower():
        # cmd's `SET PATH=C:\a;%PATH%`: the semicolons belong to the value
        text = _CMD_SET.sub(lambda m: m.group(1) + m.group(2).replace(";", ","), text)
    if "<<" in text:
        text = _CI_PARAM.sub("CIX", text)
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

    def flush(pipe: bool) -> None:
        nonlocal words, piped_from
        if words:
            commands.append(Command(tuple(words), " ".join(words), piped_from, ""))
        piped_from = pipe and bool(words)
        words = []

    for m in _TOKEN.finditer(normalize_script(text)):
        group = m.lastgroup
        if group == "word" or group == "test":
            token = m.group(group)
            if pending_pipe and commands and not _ASSIGNMENT.match(token):
                # `curl ... | METHOD=script bash`: the program, not the assignment
                prev = commands[-1]
                commands[-1] = Command(prev.words, prev.raw, prev.piped_from, token)
                pending_pipe = False
            words.append(token)
        elif group == "op" or group == "nl":
            op = m.group(group)
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
            pipe = op in ("|", "|&")
            flush(pipe)
            pending_pipe = pipe
        # whitespace, comments and stray characters separate nothing
    flush(False)
    return commands


def _unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "'\"":
        return word[1:-1]
    return word.replace('"', "").replace("'", "")


_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
_PS_ASSIGNMENT = re.compile(r"^\$[\w:{}.]+$")
_REDIRECT = re.compile(r"^(\d*[<>]{1,2}|&>>?|[<>]&)")
_VERSIONED = re.compile(
    r"^(python|pip|pypy|ruby|node|perl|php|gcc|g\+\+|clang|clang\+\+|pwsh|bash|java)"
    r"[\d.]*(-[\d.]+)?$"
)
_SCRIPT_EXT = re.compile(r"\.(sh|bash|py|ps1|psm1|bat|cmd|rb|pl|js|mjs|cjs|ts|exe|groovy)$")
_SUBST = re.compile(r"(?:\$\(|`|\|)\s*([\w./\\-]+)")
_PS_VERB = re.compile(r"^([a-z]+)-([a-z][\w.]*)$")
_URL = re.compile(r"https?://[^\s'\"]+")
_COMPARISONS = frozenset("-eq -ne -gt -ge -lt -le -and -or -not -match -notmatch -like "
                         "-notlike -contains -in -notin -is = == != =~".split())
_CONDITION_KEYWORDS = frozenset(("if", "elseif", "while", "foreach", "switch", "for", "until"))
_GIT_AUTH = re.compile(r"x-access-token|oauth2:|credential\.helper|extraheader|"
                       r"https://[^\s/@]*:[^\s/@]*@|insteadof.*token|token.*insteadof", re.I)
_REMOTE = re.compile(r"^([\w.-]+@)?[\w.-]+:(?!//)|^(rsync|sftp|ssh)://")
_CAMEL_HEAD = re.compile(r"^([a-z]+)[A-Z]")
_WRITERS = frozenset("echo printf cat write-output tee".split())
_ETC_WRITERS = frozenset("echo printf cat tee sed cp mv ln install".split())
_SECRET_FILE = re.compile(r"\.ssh/|id_rsa|id_ed25519|\.netrc|\.npmrc|\.pypirc|credentials|"
                          r"\.docker/config|kubeconfig|\.kube/config|\.gnupg|token|\.pem\b|"
                          r"\.key\b|\.p12\b|keystore", re.I)
_ACTION_REF = re.compile(r"^[\w.-]+/[\w./-]+@[\w.-]+$")
_LOCAL_URL = re.compile(r"https?://(localhost|127\.|0\.0\.0\.0|169\.254\.|\[::1\])")
_HTTP_UPLOAD = re.compile(r"(^|\s)(-t|--upload-file)\b|@[\w./$-]+\.(zip|tar|gz|whl|jar|tgz|deb|"
                          r"rpm|exe|dmg|msi)")
_HTTP_SEND = re.compile(r"(^|\s)(-x|--request|--method)\s*['\"]?(post|put|patch|delete)|(^|\s)"
                        r"(-d|--data[\w-]*|-f|--form|--json|--post-data|--post-file|"
                        r"--body-data|-body)\b")
_CHAT_HOOK = re.compile(r"hooks\.slack\.com|slack\.com/api|discord(app)?\.com/api/webhooks|webhook|"
                        r"office\.com|chat\.googleapis|api\.telegram|mattermost|"
                        r"teams\.microsoft|sendgrid|mailgun|ntfy")
_COVERAGE_SERVICE = re.compile(r"codecov|coveralls|sonarcloud")
_FORGE_API = re.compile(r"api\.github\.com|/api/v\d/|/repos/|/projects/")
# curl's -O (capital) saves under the remote name; PowerShell's -OutFile in any case
_HTTP_SAVE = re.compile(r"(^|\s)(-o|--output|--remote-name|--output-document)\s+(?!-)|"
                        r"(^|\s)-[oO][uU][tT][fF][iI][lL][eE]\b|(^|\s)-[a-zA-Z]*O[a-zA-Z]*\b")
_ARCHIVE_URL = re.compile(r"\.(tar\.gz|tgz|zip|deb|rpm|whl|jar|war|exe|msi|pkg|dmg|tar\.xz|"
                          r"tar\.bz2|7z|appimage)\b")
_INSTALLER_SHELLS = frozenset("sh bash python zsh sudo iex invoke-expression".split())
_SAVING_DOWNLOADERS = frozenset("wget invoke-webrequest iwr start-bitstransfer".split())
_FILE_MOVES = frozenset("mv cp copy copy-item move-item xcopy robocopy rsync-local".split())
_PATH_SEP = re.compile(r"[/\\]")
_PACKAGE_VERSION = re.compile(r"[=<>~!\[@]")
_TASK_SEP = re.compile(r"[:/]")
_PROGRAM_NAME = re.compile(r"^[\w.+-]+$")
_VAR_SUFFIX = re.compile(r"_(CMD|BIN|EXE|EXECUTABLE|RUNTIME|PATH|COMMAND)$", re.I)
_PATHLIKE = re.compile(r"^[\w.~${}/\\:+@%-]+$")
_KEYWORD_CALL = re.compile(r"^(if|elseif|foreach|while|for|switch|until)\(", re.I)
_ETC_WRITE = re.compile(r"(\btee\b(\s+-a)?|>>?)\s*['\"]?/etc/|\bsed\s+-i\S*\s.*\s/etc/")


def _redirect_target(args: Sequence[str]) -> str:
    """Where a command's output is written (`> file`, `>>file`, `tee file`), if to a file."""
    for i, a in enumerate(args):
        target = ""
        if a in (">", ">>", "1>", "1>>") and i + 1 < len(args):
            target = args[i + 1]
        elif a.startswith((">", "1>")) and not a.startswith((">&", "1>&")):
            target = a.lstrip("1>")
        if target:
            target = _unquote(target)
            if target not in ("/dev/null", "/dev/stderr", "/dev/stdout", "$null", "nul", "NUL"):
                return target
    return ""


# `tool --version`, `tool --help`: the tool prints something about itself
_SELF_FLAGS = frozenset(("--version", "-version", "-V", "version", "-v", "/version",
                         "-Version", "--Version", "--help", "-h", "help", "/?", "-?"))


def _without_redirects(args: Sequence[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for a in args:
        if skip:
            skip = False
        elif _REDIRECT.match(a):
            skip = _REDIRECT.fullmatch(a) is not None  # `2> /dev/null`: the target follows
        else:
            out.append(a)
    return out


def _only_toolchain(packages: Sequence[str]) -> bool:
    """`pip install meson ninja`, `brew install ccache`: compilers and build tools only."""
    names = [_PACKAGE_VERSION.split(p.lower(), 1)[0] for p in packages if p not in ("install",)]
    return bool(names) and all(n in T.TOOLCHAIN_PACKAGES for n in names)


def _asks_about_itself(args: Sequence[str]) -> bool:
    """`tool --version 2>/dev/null`: the only argument, redirections aside, asks the tool
    for its version or usage."""
    plain = _without_redirects(args)
    return len(plain) == 1 and plain[0] in _SELF_FLAGS


def _program(word: str) -> tuple[str, bool]:
    """(normalised program name, whether the word is a path to a script or binary)."""
    w = _unquote(word)
    is_path = ("/" in w or "\\" in w) and "://" not in w and _PATHLIKE.match(w) is not None
    base = _PATH_SEP.split(w)[-1] if is_path else w
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
    return low, is_path or bool(_SCRIPT_EXT.search(low))


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _why(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= WHY_LIMIT else text[: WHY_LIMIT - 1] + "…"


class _Reader:
    """Classifies the commands of one script; holds what the script as a whole shows."""

    def __init__(self, functions: set[str] | None = None,
                 variables: dict[str, str] | None = None) -> None:
        self.functions = functions or set()
        self.variables = variables or {}

    # -- one command --------------------------------------------------------------
    def command(self, cmd: Command, depth: int = 0) -> Hit | None:
        raw = cmd.raw
        if "$(results." in raw or "$(step.results." in raw:
            if ">" in raw or "tee" in raw:
                return Hit("decide", 0.7, "writes task results", 1)
        if "GITHUB_" in raw or "##vso[" in raw or "::set-" in raw or "::add-path" in raw:
            if "GITHUB_STEP_SUMMARY" in raw and self._real_program(raw):
                # `attw --pack > $GITHUB_STEP_SUMMARY`: the tool is the purpose
                hit = self.command(Command(cmd.words, "", cmd.piped_from, cmd.piped_to), depth)
                if hit is not None and hit.weight == 2 and hit.kind != "unknown":
                    return hit
            hit = self._ci_file_write(raw)
            if hit is not None:
                return hit
        words = list(cmd.words)
        # leading shell keywords ("if git diff ...", "! grep", "do make")
        while words and (words[0] in T.SHELL_KEYWORDS or words[0] == "!"
                         or _KEYWORD_CALL.match(words[0])):
            words = words[1:]
        if not words:
            return None
        first = words[0]
        if first.lower() in T.SHELL_HEADERS or first.endswith("()"):
            return None
        if first in ("[", "[[", "test") or first.startswith("[["):
            return Hit("metadata", 0.5, "tests a condition", 0)
        if first in ("exit", "return") and len(words) > 1 and _unquote(words[1]) not in ("0",):
            return Hit("decide", 0.5, "fails the step on a condition", 0)
        # assignments: VAR=value cmd ..., export VAR=..., $x = ... (PowerShell)
        assigned: list[str] = []
        while words and _ASSIGNMENT.match(words[0]):
            assigned.append(words[0])
            words = words[1:]
        if not words:
            return self._assignment(assigned, exported=False)
        if words[0] == "export" or words[0] == "setx" or (
            words[0].lower() == "set" and len(words) > 1 and "=" in words[1]
        ):
            return self._assignment(words[1:], exported=True)
        if _PS_ASSIGNMENT.match(words[0]) and len(words) > 1 and words[1] in ("=", "+="):
            if words[0].lower().startswith("$env:"):
                return Hit("toolchain", 0.6, "sets an environment variable", 1)
            rest = words[2:]
            if rest and not rest[0].startswith(("$", '"', "'", "@", "(", "[")) and (
                _PS_VERB.match(rest[0].lower()) or rest[0].lower() in T.COMMANDS
            ):
                return self.words(rest, cmd, depth)
            return self._assignment([" ".join(words)], exported=False)
        if words[0] in self.functions:
            return None
        if len(words) == 1 and words[0][:1] in "'\"" and not _program(words[0])[1] \
                and not words[0][1:2] == "$":
            return Hit("metadata", 0.3, "emits a value", 0)
        if len(words) > 1 and words[1] in ("=", "+=", "-="):
            return Hit("metadata", 0.3, "sets a value", 0)
        if words[0].endswith(":") and len(words[0]) > 1:
            return None  # `key: value`, a rendered input of a reusable step
        if _REDIRECT.match(words[0]):
            # `{ echo ...; } >> file`: the group's output goes to a file
            target = _redirect_target(words)
            if target and _SECRET_FILE.search(target):
                return Hit("credentials", 0.7, "writes a credentials file", 1)
            return Hit("toolchain", 0.6, "writes a file", 0) if target else None
        return self.words(words, cmd, depth)

    def _ci_file_write(self, raw: str) -> Hit | None:
        low = raw.lower()
        if "github_output" in low or "::set-output" in low:
            return Hit("decide", 0.7, "writes step outputs", 1)
        if "github_step_summary" in low:
            return Hit("report", 0.7, "writes the job summary", 1)
        if "github_env" in low or "github_path" in low or "::add-path" in low or "::set-env" in low:
            return Hit("toolchain", 0.7, "sets environment for later steps", 1)
        if "##vso[task.setvariable" in low:
            return Hit("decide", 0.7, "sets a pipeline variable", 1)
        if "##vso[task.prependpath" in low:
            return Hit("toolchain", 0.7, "adds to PATH for later steps", 1)
        if "##vso[artifact.upload" in low:
            return Hit("artifact-upload", 0.8, "uploads a pipeline artifact", 2)
        if "##vso[task.uploadsummary" in low or "##vso[task.addattachment" in low:
            return Hit("report", 0.7, "attaches a summary", 1)
        if "##vso[build.updatebuildnumber" in low or "##vso[build.addbuildtag" in low:
            return Hit("decide", 0.6, "sets the build number or tag", 1)
        return None

    @staticmethod
    def _real_program(raw: str) -> bool:
        """Whether a command starts with a tool rather than a shell chore."""
        first = raw.split(None, 1)[0] if raw.strip() else ""
        return bool(first) and not first.startswith((">", "$", "{", "(", "}")) and \
            _program(first)[0] not in T.UTILITIES

    def _assignment(self, assigned: Sequence[str], exported: bool) -> Hit:
        """`VAR=$(...)`: transforming a value decides; only reading one is metadata."""
        programs = {_program(m.group(1))[0] for a in assigned for m in _SUBST.finditer(a)}
        if any(p in T.DECIDING_PROGRAMS for p in programs) or any("$((" in a for a in assigned):
            return Hit("decide", 0.55, "computes a value", 1)
        if programs - T.TRIVIAL_SUBSTITUTIONS:
            return Hit("metadata", 0.5, "reads a value into a variable", 1)
        if exported:
            return Hit("toolchain", 0.7, "sets environment variables", 1)
        return Hit("metadata", 0.4, "sets a shell variable", 0)

    # -- a command's words --------------------------------------------------------
    def words(self, words: Sequence[str], cmd: Command, depth: int) -> Hit | None:
        if depth > MAX_DEPTH or not words:
            return None
        prog, is_path = _program(words[0])
        args = list(words[1:])
        if prog in ("cargo", "rustc", "rustdoc"):
            args = [a for a in args if not _unquote(a).startswith("+")]  # cargo +nightly
        if _asks_about_itself(args):
            return Hit("metadata", 0.8, f"prints what `{_short(prog, 30)}` is", 0)
        if cmd.piped_to == "buildkite-agent" and "pipeline" in cmd.raw + " pipeline":
            return Hit("decide", 0.7, "generates pipeline steps", 2)
        if prog == "ghx" or (prog.startswith("$") and not is_path):
            return self._expression_program(prog, args, cmd, depth)
        if prog in ("sudo", "doas"):
            rest = self._skip_options(args, T.OPTION_VALUES.get("sudo", frozenset()))
            return self.words(rest, cmd, depth + 1) if rest else None
        spec = T.COMMANDS.get(prog)
        if spec is None and is_path:
            # ./gradlew, /usr/bin/python3, C:\msys64\usr\bin\bash.exe
            stem = _SCRIPT_EXT.sub("", prog)
            if stem in T.COMMANDS and not prog.endswith((".sh", ".py", ".ps1", ".bat", ".cmd")):
                prog, spec = stem, T.COMMANDS[stem]
            elif stem in ("gradlew", "mvnw"):
                prog, spec = stem, T.COMMANDS[stem]
        if spec is None and "@" in prog:
            task = _AZURE_TASK.match(words[0])
            if task and task.group(1).lower() in T.AZURE_TASKS:
                kind = T.AZURE_TASKS[task.group(1).lower()]
                return Hit(kind, 0.8, f"runs task {_short(words[0], 40)}", 2)
            if _ACTION_REF.match(words[0]):
                found = _action_kind(words[0].split("@")[0])
                if found is not None and found[0] != "unknown":
                    return Hit(found[0], min(found[1], 0.8), found[2], 2)
        if spec is None:
            if prog in T.UTILITIES:
                return self._utility(prog, args, cmd)
            if is_path:
                return self.script(words[0], args, cmd, depth)
            if prog in T.TASK_RUNNERS:
                return self._targets(prog, "tasks", self._positionals(prog, args), args)
            verb = _PS_VERB.match(prog)
            if verb:
                return self._cmdlet(prog, verb.group(1), verb.group(2))
            return self._unknown_program(prog, args)
        if prog in ("rsync", "scp") and not any(_REMOTE.match(_unquote(a)) for a in args):
            return Hit("toolchain", 0.6, f"copies files locally with `{prog}`", 0)
        if prog == "git" and _GIT_AUTH.search(cmd.raw):
            return Hit("credentials", 0.8, "configures git authentication", 2)
        if prog == "git" and "--exit-code" in args and ("diff" in args or "diff-index" in args):
            return Hit("lint", 0.8, "fails when files differ from what is committed", 2)
        return self._with_spec(prog, spec, args, cmd, depth)

    def _expression_program(self, prog: str, args: list[str], cmd: Command,
                            depth: int) -> Hit | None:
        """A program named by a variable: `$LAUNCHER ctest`, `${CONDA_RUN} pip install`,
        `"$PYTHON" -m pytest`, `${{ matrix.shell }} --version`."""
        name = prog.strip("${}\"'()").removeprefix("env:")
        value = self.variables.get(name)
        if value and depth < MAX_DEPTH:
            inner = split_commands(value)
            if len(inner) == 1:
                return self.words(list(inner[0].words) + args, cmd, depth + 1)
        if not args or any(a.lower() in _COMPARISONS for a in args[:3]):
            return Hit("metadata", 0.3, "tests a condition", 0)
        # a launcher or wrapper in front of a real command
        first = _program(args[0])[0]
        if first in T.COMMANDS or first in T.TASK_RUNNERS or first in T.UTILITIES:
            return self.words(args, cmd, depth + 1)
        # the variable's own name often is the program: $PYTHON, ${CMAKE}, $MAKE_CMD
        guess = _VAR_SUFFIX.sub("", name).lower()
        if guess in T.COMMANDS or _program(guess)[0] in T.COMMANDS:
            return self.words([guess] + args, cmd, depth + 1)
        return Hit("unknown", 0.25, "runs a program named by an expression", 2)

    def _skip_options(self, args: Sequence[str], valued: frozenset[str]) -> list[str]:
        i = 0
        while i < len(args):
            a = args[i]
            if a == "--":
                return list(args[i + 1:])
            if a.startswith("-") and len(a) > 1:
                i += 2 if a in valued else 1
                continue
            if _ASSIGNMENT.match(a):
                i += 1
                continue
            break
        return list(args[i:])

    def _positionals(self, prog: str, args: Sequence[str]) -> list[str]:
        valued = T.OPTION_VALUES.get(prog, frozenset())
        out: list[str] = []
        skip = False
        for a in args:
            if skip:
                skip = False
                continue
            if _REDIRECT.match(a):
                skip = a in (">", ">>", "<", "2>", "2>>", "1>", "&>")
                continue
            if a.startswith("-") and len(a) > 1:
                if a in valued:
                    skip = True
                continue
            out.append(_unquote(a))
        return out

    def _with_spec(self, prog: str, spec: dict[str, str], args: list[str], cmd: Command,
                   depth: int) -> Hit | None:
        # a flag that is itself a subcommand (cmake --build, python -m, gpg --import)
        sub, rest = "", args
        for i, a in enumerate(args):
            if a in spec and a.startswith("-"):
                sub, rest = a, args[i + 1:]
                break
            if not a.startswith("-"):
                break
        positionals = self._positionals(prog, rest)
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
                            if _unquote(a) == last or _unquote(a).lower() == last), -1)
                rest = args[idx + 1:]
        value = spec.get(sub) if sub else (spec.get("") if not positionals else None)
        label = f"{prog} {sub}".strip()
        if value is None:
            value = spec.get("*")
            label = prog
            if value is None:
                return Hit("unknown", 0.3, f"runs `{_short(label)}`", 2)
        if value == "unknown":
            if sub in ("-c", "-e"):
                return Hit("metadata", 0.4, f"runs inline `{prog}` code", 0)
            named = self._run_target(rest)
            if named is not None:
                return Hit(named[0], 0.5, f"runs `{_short(label)}` of {named[1]}", 2)
            return Hit(value, 0.3, f"runs `{_short(label)}`", 2)
        if value == "dependencies" and prog in T.PACKAGE_INSTALLERS and _only_toolchain(positionals):
            return Hit("toolchain", 0.85, f"installs build tools with `{_short(label)}`", 2)
        if not value.startswith("@"):
            return Hit(value, 0.9, f"runs `{_short(label)}`", 2)
        directive, _, family = value.partition(":")
        if directive == "@targets":
            if family == "npm" and positionals and positionals[0] not in T.TARGETS["npm"] \
                    and _program(positionals[0])[0] in T.COMMANDS and positionals[0] in rest:
                # `yarn node scripts/x.mjs`, `pnpm tsc`: a binary of the project
                return self.words(rest[rest.index(positionals[0]):], cmd, depth + 1)
            if family == "compose" and positionals[:1] in (["run"], ["exec"]):
                # `docker compose run --rm app pytest`: the command in the service
                inner = self._skip_options(rest[rest.index(positionals[0]) + 1:]
                                           if positionals[0] in rest else [],
                                           T.OPTION_VALUES.get("docker run", frozenset()))
                hit = self.words(inner[1:], cmd, depth + 1) if len(inner) > 1 else None
                if hit is not None:
                    return hit
            return self._targets(prog, family, positionals, args)
        if directive == "@script":
            return self._shell(prog, rest if sub else args, cmd, depth)
        if directive == "@module":
            if not rest:
                return None
            module = _unquote(rest[0])
            kind = T.MODULES.get(module.lower())
            if kind is not None:
                return Hit(kind, 0.9, f"runs `{prog} -m {_short(module)}`", 2)
            return self.words(rest, cmd, depth + 1)
        if directive == "@cmd":
            return self._wrapped(prog, sub, rest if sub else args, cmd, depth)
        if directive == "@http":
            return self._http(prog, args, cmd)
        if directive == "@api":
            return self._forge_api(prog, rest, cmd)
        return None

    def _run_target(self, args: Sequence[str]) -> tuple[str, str] | None:
        """What `cargo run -p semver-check`, `go run ./cmd/gen-docs` or `dotnet run
        --project tools/Bench` runs, read from the package, binary or path it names."""
        for i, a in enumerate(args):
            value = ""
            if a in ("-p", "--package", "--bin", "--example", "--project") and i + 1 < len(args):
                value = args[i + 1]
            elif a.startswith(("--package=", "--bin=", "--project=")):
                value = a.split("=", 1)[1]
            elif not a.startswith("-") and (i == 0 or args[i - 1] not in (
                    "-p", "--package", "--bin", "--example", "--project")):
                value = a
            if value:
                found = kind_from_words(words_of(_unquote(value).replace("/", " ")))
                if found is not None:
                    return found
                if not a.startswith("-"):
                    break
        return None

    def _wrapped(self, prog: str, sub: str, args: list[str], cmd: Command,
                 depth: int) -> Hit | None:
        key = f"{prog} {sub}".strip()
        valued = T.OPTION_VALUES.get(key) or T.OPTION_VALUES.get(prog, frozenset())
        rest = self._skip_options(args, valued)
        if prog in ("docker", "podman") and sub in ("run", "exec"):
            if sub == "run" and any(a in ("-d", "--detach") or (a.startswith("-") and not
                                    a.startswith("--") and "d" in a[1:] and len(a) <= 4)
                                    for a in args):
                return Hit("toolchain", 0.75, "starts a service container", 2)
            if not rest:
                return Hit("unknown", 0.3, "runs a container", 2)
            image = _unquote(rest[0])
            inner = self._skip_options(rest[1:], frozenset())
            hit = self.words(inner, cmd, depth + 1) if inner else None
            if hit is None or hit.kind == "unknown" or hit.weight < 2:
                found = kind_from_words(words_of(image.split("@")[0]))
                if found is not None:
                    return Hit(found[0], 0.5, f"runs container {_short(image, 30)}", 2)
                return Hit("unknown", 0.3, f"runs container {_short(image, 30)}", 2)
            return hit
        if prog == "timeout" and rest and rest[0][:1].isdigit():
            rest = rest[1:]
        if not rest:
            return Hit("metadata", 0.5, f"runs `{prog}`", 0) if prog == "env" else None
        return self.words(rest, cmd, depth + 1)

    def _shell(self, prog: str, args: list[str], cmd: Command, depth: int) -> Hit | None:
        """bash -c '...', pwsh -Command ..., cmd /c ..., or a script run by a shell."""
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
                inner = " ".join(_unquote(x) for x in args[i + 1:])
                return self.script_text(inner, depth + 1)
            if low in ("-file", "-f") and prog in ("pwsh", "powershell"):
                i += 1
                break
            if a in ("-o", "+o") or (a.startswith("-") and a.endswith("o") and len(a) <= 4
                                     and prog in ("bash", "sh", "zsh")):
                i += 2
                continue
            if a.startswith(("-", "/")) and not ("/" in a[1:] or "\\" in a):
                valued = T.OPTION_VALUES.get(prog, frozenset())
                i += 2 if a in valued else 1
                continue
            break
        rest = args[i:]
        if not rest:
            if cmd.piped_from:
                return Hit("toolchain", 0.5, f"pipes into `{prog}`", 0)
            return Hit("unknown", 0.3, f"runs `{prog}`", 2)
        target = _unquote(rest[0])
        if target.startswith(("<", "-")) or target == "-":
            # `python3 - <<EOF`, `bash <<'EOS'`: code given inline
            return Hit("metadata", 0.4, f"runs inline `{prog}` code", 0)
        if target.startswith("$"):
            target = self.variables.get(target.strip("${}\"'"), target)
        if prog in ("source", "."):
            return self.script(target, rest[1:], cmd, depth, default="toolchain")
        inner_prog = _program(target)[0]
        if inner_prog in T.COMMANDS and not _SCRIPT_EXT.search(target.lower()):
            return self.words(rest, cmd, depth + 1)
        return self.script(target, rest[1:], cmd, depth)

    def script(self, path: str, args: Sequence[str], cmd: Command, depth: int,
               default: str = "unknown") -> Hit:
        """A script judged by its name (TAXONOMY.md tie-breaker 3)."""
        path = _unquote(path)
        parts = [p for p in _PATH_SEP.split(path) if p and p not in (".", "..")]
        base = _SCRIPT_EXT.sub("", parts[-1]) if parts else path
        shown = _short(parts[-1] if parts else path, 40)
        found = kind_from_words(words_of(base))
        if default == "toolchain" and found is not None and found[0] != "toolchain" and \
                T.ENVIRONMENT_SUFFIXES.intersection(words_of(base)):
            found = ("toolchain", "env")  # `source build_env_file`: sourcing sets the environment
        if found is None and base.lower() in T.COMMANDS:
            return self.words([base] + list(args), cmd, depth + 1) or Hit(
                "unknown", 0.3, f"runs `{shown}`", 2)
        if found is None:
            # the first argument often names the task: `./ci.sh test`
            positionals = [a for a in args if not a.startswith("-")]
            if positionals:
                found = kind_from_words(words_of(_unquote(positionals[0])))
        if found is None and len(parts) > 1:
            # the folder it sits in (`ci/deploy/run.sh`); "scripts/" or "ci/" say nothing
            found = kind_from_words(words_of(parts[-2]))
            if found is not None and found[0] in ("toolchain", "metadata"):
                found = None
        if found is None:
            if default != "unknown":
                return Hit(default, 0.5, f"sources `{shown}`", 1)
            return Hit("unknown", 0.3, f"runs script `{shown}`", 2)
        if default == "toolchain" and found[0] == "toolchain":
            return Hit("toolchain", 0.6, f"sources `{shown}` ({found[1]})", 1)
        return Hit(found[0], 0.6, f"runs script `{shown}` ({found[1]})", 2)

    def _targets(self, prog: str, family: str, positionals: Sequence[str],
                 args: Sequence[str] = ()) -> Hit:
        table = T.TARGETS.get(family, {})
        names = [p for p in positionals if p and "=" not in p]
        if not names:
            # `make -C docs`, `make --directory=doc`: the directory names the work
            for i, a in enumerate(args):
                folder = ""
                if a in ("-C", "--directory", "--dir", "-p", "--project-dir") and i + 1 < len(args):
                    folder = args[i + 1]
                elif a.startswith(("--directory=", "--dir=", "--project-dir=")):
                    folder = a.split("=", 1)[1]
                found = kind_from_words(words_of(_unquote(folder))) if folder else None
                if found is not None and found[0] in ("generate", "test", "lint", "analysis"):
                    return Hit(found[0], 0.6, f"runs `{prog}` in {_short(folder, 30)}", 2)
        if family == "tox":
            names = [n for p in names for n in p.split(",")]
        if family in ("npm", "compose"):
            # `npm run lint -- --fix`: only the first name is the task (make, mvn and
            # gradle take several)
            names = names[:1]
        if not names:
            kind = table.get("", "build" if family in ("make", "mvn", "gradle") else "unknown")
            return Hit(kind, 0.6 if kind != "unknown" else 0.3, f"runs `{prog}`", 2)
        best: tuple[str, str] | None = None
        for name in names[:8]:
            found = self._target_kind(table, name)
            if found is not None and (best is None or _RANK[found[0]] < _RANK[best[0]]):
                best = found
        shown = _short(f"{prog} {' '.join(names[:3])}", 40)
        if best is None:
            if "*" in table:  # tox and nox environments run tests unless named otherwise
                return Hit(table["*"], 0.7, f"runs `{shown}`", 2)
            return Hit("unknown", 0.35, f"runs `{shown}`", 2)
        exact = best[1] == "exact"
        return Hit(best[0], 0.85 if exact else 0.65, f"runs `{shown}`", 2)

    def _target_kind(self, table: dict[str, str], name: str) -> tuple[str, str] | None:
        low = name.lower()
        if low in table:
            return table[low], "exact"
        spec = T.COMMANDS.get(low)
        if spec is not None and not spec.get("*", "@").startswith("@") and spec["*"] != "unknown":
            return spec["*"], "exact"  # `make tflint`, `npm run eslint`
        verb = _CAMEL_HEAD.match(name.rsplit(":", 1)[-1])
        if verb and verb.group(1).lower() in table:
            # gradle-style `assembleRelease`, `connectedDebugAndroidTest`: the verb leads
            return table[verb.group(1).lower()], "exact"
        segments = [s for s in _TASK_SEP.split(low) if s]
        found = [(table[s], "exact") for s in segments if s in table]
        if not found:
            for s in segments:
                k = kind_from_words(words_of(s))
                if k is not None:
                    found.append((k[0], k[1]))
            if not found:
                k = kind_from_words(words_of(name))
                if k is not None:
                    found.append(k)
        if not found:
            return None
        return min(found, key=lambda f: _IDENT_RANK.get(f[0], 99))

    def _cmdlet(self, prog: str, verb: str, noun: str) -> Hit | None:
        found = kind_from_words(words_of(noun))
        shown = _short(prog, 40)
        if verb in ("get", "show", "write", "format", "out", "measure", "select",
                    "find", "test", "read", "compare", "resolve", "wait"):
            return Hit("metadata", 0.5, f"runs `{shown}`", 0)
        if verb in ("publish",):
            return Hit("publish", 0.7, f"runs `{shown}`", 2)
        if verb in ("install", "update", "save") and found is None:
            return Hit("dependencies", 0.6, f"runs `{shown}`", 2)
        if verb in ("import", "set", "new", "add", "remove", "clear", "copy", "move",
                    "rename", "enable", "disable", "register", "push", "pop", "expand",
                    "join", "split", "convert", "export", "unregister", "use", "stop",
                    "restart", "suspend", "resume", "mount", "dismount"):
            return Hit("toolchain", 0.5, f"runs `{shown}`", 0)
        if found is not None:
            return Hit(found[0], 0.6, f"runs `{shown}`", 2)
        return Hit("unknown", 0.3, f"runs `{shown}`", 2)

    def _unknown_program(self, prog: str, args: Sequence[str]) -> Hit:
        shown = _short(prog, 30)
        if not _PROGRAM_NAME.match(prog) or prog.isdigit() or prog.startswith("."):
            return Hit("metadata", 0.2, f"shell text `{shown}`", 0)
        positionals = [a for a in args if not a.startswith(("-", "$", "/"))]
        if positionals:
            sub = _unquote(positionals[0])
            found = kind_from_words(words_of(sub))
            if found is None:
                found = self._target_kind({}, sub)
            if found is not None and len(sub) < 60:
                return Hit(found[0], 0.5, f"runs `{shown} {_short(sub, 30)}`", 2)
        found = kind_from_words(words_of(prog))
        if found is not None and found[0] not in ("toolchain",):
            return Hit(found[0], 0.45, f"runs `{shown}`", 2)
        return Hit("unknown", 0.3, f"runs `{shown}`", 2)

    def _utility(self, prog: str, args: Sequence[str], cmd: Command) -> Hit:
        kind = T.UTILITIES[prog]
        if prog in ("echo", "printf", "write-host", "write-output", "cat") and cmd.piped_to:
            # `echo $PASSWORD | docker login`, `cat lcov.info | coveralls`: the
            # receiving command speaks for both
            return Hit(kind, 0.5, "prints", 0)
        if "/etc/" in cmd.raw and prog in _ETC_WRITERS and _ETC_WRITE.search(cmd.raw):
            return Hit("toolchain", 0.7, "configures the runner (writes /etc)", 1)
        target = _redirect_target(args) if prog in _WRITERS else ""
        if target:
            if _SECRET_FILE.search(target):
                return Hit("credentials", 0.7, "writes a credentials file", 1)
            return Hit("toolchain", 0.6, "writes a file", 0)
        if prog in ("sleep", "start-sleep", "wait"):
            return Hit("metadata", 0.8, "waits", 0)
        if prog in ("echo", "printf", "write-host", "write-output", "cat", "ls", "pwd"):
            return Hit("metadata", 0.8, "prints information", 0)
        if prog in ("cd", "pushd", "popd", "set-location", "push-location", "pop-location"):
            return Hit("metadata", 0.7, "changes directory", 0)
        if prog == "set":
            return Hit("metadata", 0.8, "sets shell options", 0)
        if prog in _FILE_MOVES:
            paths = " ".join(_unquote(a) for a in args if not a.startswith("-"))
            found = kind_from_words(words_of(paths))
            if found is not None and found[0] == "generate":
                return Hit("generate", 0.45, f"moves generated {found[1]} into place", 0)
            return Hit("toolchain", 0.6, "moves or copies files", 0)
        return Hit(kind, 0.6, f"runs `{prog}`", 0)

    # -- network --------------------------------------------------------------------
    def _http(self, prog: str, args: Sequence[str], cmd: Command) -> Hit:
        joined = " ".join(args)
        low = joined.lower()
        if _LOCAL_URL.search(low):
            return Hit("metadata", 0.55, f"queries a local service with `{prog}`", 1)
        uploads = _HTTP_UPLOAD.search(low) is not None
        sends = uploads or _HTTP_SEND.search(low) is not None
        if _CHAT_HOOK.search(low):
            return Hit("notify", 0.85, f"posts to a chat or webhook with `{prog}`", 2)
        if _COVERAGE_SERVICE.search(low) and (sends or "bash" in cmd.piped_to):
            return Hit("report", 0.8, f"sends results to a service with `{prog}`", 2)
        if sends:
            if _FORGE_API.search(low):
                return _api_kind(low, True, f"`{prog}`")
            if uploads:
                return Hit("publish", 0.65, f"uploads a file with `{prog}`", 2)
            return Hit("notify", 0.5, f"sends a request with `{prog}`", 2)
        receiver = _program(cmd.piped_to)[0]
        if receiver in _INSTALLER_SHELLS:
            return Hit("toolchain", 0.75, f"runs an installer fetched with `{prog}`", 2)
        if receiver in T.EXTRACT_PROGRAMS:
            return Hit("dependencies", 0.65, f"downloads and unpacks with `{prog}`", 2)
        if prog in _SAVING_DOWNLOADERS or _HTTP_SAVE.search(joined) or _ARCHIVE_URL.search(low):
            return Hit("dependencies", 0.65, f"downloads with `{prog}`", 2)
        return Hit("metadata", 0.5, f"queries a URL with `{prog}`", 1)

    def _forge_api(self, prog: str, args: Sequence[str], cmd: Command) -> Hit:
        low = " ".join(args).lower()
        writes = _API_WRITE.search(" ".join(args)) is not None
        return _api_kind(low, writes, f"`{prog} api`")

    # -- whole scripts ----------------------------------------------------------------
    def script_text(self, text: str, depth: int = 0) -> Hit | None:
        hits = [h for c in split_commands(text) if (h := self.command(c, depth)) is not None]
        return choose(hits, None)[0] if hits else None


_API_WRITE = re.compile(r"(-X|--method)\s+(post|put|patch|delete)|(^|\s)(-f|-F|--field|"
                        r"--raw-field|--input)\s", re.I)
_API_NOTIFY = re.compile(r"/statuses|/comments|/labels|/reactions|/dispatches|/check-runs|"
                         r"/assignees|/issues|/notes")
_API_PUBLISH = re.compile(r"/releases|/pulls|/merge|/git/refs|/git/tags|/contents|/tags")
_API_CHANGES = re.compile(r"/files|/compare|/changes")
_ROUTE_WRITE = re.compile(r"\s*(post|put|patch|delete)\b", re.I)
_ACTION_DIR = re.compile(r"\.github/(?:actions|workflows)/")


def _api_kind(endpoint: str, writes: bool, via: str) -> Hit:
    """A REST call to a forge (GitHub, GitLab) judged by its endpoint and method."""
    if writes:
        if "/approve" in endpoint or "/reviews" in endpoint:
            return Hit("approve", 0.75, f"approves via {via}", 2)
        if _API_NOTIFY.search(endpoint):
            return Hit("notify", 0.75, f"updates an issue, PR or status via {via}", 2)
        if _API_PUBLISH.search(endpoint):
            return Hit("publish", 0.75, f"publishes via {via}", 2)
        if "/actions/runs" in endpoint or "/pipelines" in endpoint:
            return Hit("notify", 0.55, f"acts on a run via {via}", 2)
        return Hit("notify", 0.45, f"writes via {via}", 2)
    if _API_CHANGES.search(endpoint):
        return Hit("metadata", 0.75, f"lists changed files via {via}", 2)
    return Hit("metadata", 0.6, f"reads via {via}", 1)


_FUNCTION_DEF = re.compile(r"(?m)^\s*(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\s*\)|^\s*function\s+([\w-]+)")
_REF_CONDITION = re.compile(r"\bif\b[^\n]*(_REF\b|REF_NAME|ref_name|github\.ref|_TAG\b|"
                            r"EVENT_NAME|event_name)", re.I)
_PUBLIC_DIR = re.compile(r"\spublic/?(\s|$)")
_EXIT_FAILURE = re.compile(r"\bexit\s+1\b")
_CONTENT_CHECK = re.compile(r"\$\(\s*cat\s|\bgrep\s+-[a-zA-Z]*q|\[\s+-s\s|\bjq\s+-e")
_DIRTY_TREE = re.compile(r"git\s+(diff\b[^\n|;&]*(--exit-code|--quiet|--stat|--name-only)|"
                         r"status\s+--porcelain)|(^|[\s;&|(])(diff|cmp)\s+\S+\s+\S+")


_VAR_ASSIGN = re.compile(r"(?m)^\s*(?:export\s+|local\s+|readonly\s+)?([A-Za-z_]\w*)=(.+?)\s*$")
_WHICH = re.compile(r"^\$\(\s*(?:which|command -v|type -p)\s+([\w.+-]+)\s*\)$|^`\s*which\s+([\w.+-]+)\s*`$")


def _variables(text: str) -> dict[str, str]:
    """Shell variables a script sets to a command (`CONDA_RUN="conda run -p x"`,
    `PY=$(which python3)`), so that `${CONDA_RUN} pip install` can be read."""
    out: dict[str, str] = {}
    for name, value in _VAR_ASSIGN.findall(text):
        value = _unquote(value.strip())
        m = _WHICH.match(value)
        if m:
            value = m.group(1) or m.group(2)
        if value and not value.startswith("$") and name not in out:
            out[name] = value
    return out


def choose(hits: Sequence[Hit], name: str | None) -> tuple[Hit, list[Hit]]:
    """The hit that states the step's purpose, and the real-work hits it beat."""
    top = max(h.weight for h in hits)
    candidates = [h for h in hits if h.weight == top]
    best = min(candidates, key=lambda h: _RANK[h.kind])
    real = [h for h in hits if h.weight == 2 and h.kind != "unknown"]
    if name and len({h.kind for h in real}) > 1:
        # the name may say which of several real commands the step is for
        stated = {k for k, _ in kinds_in_words(words_of(name))}
        if len(stated) == 1:
            (kind,) = stated
            for h in real:
                if h.kind == kind:
                    return h, real
    return best, real


_PYTHON_CODE = re.compile(r"^\s*(import \w|from [\w.]+ import |def \w+\(|class \w+[(:]|"
                          r"print\(|with open\(|if __name__)", re.M)
_PYTHON_APIS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(p), k, w) for p, k, w in (
        (r"tweepy|slack_sdk|smtplib|discord|webhook|telegram|\.create_comment|"
         r"\.add_to_labels|\.create_issue\(", "notify", "posts a message from Python"),
        (r"\.create_git_release|\.create_pull\(|twine|upload_file|put_object", "publish",
         "publishes from Python"),
        (r"urlretrieve|\.download\(", "dependencies", "downloads from Python"),
        (r"GITHUB_OUTPUT|set_output", "decide", "computes step outputs in Python"),
        (r"GITHUB_STEP_SUMMARY", "report", "writes the job summary from Python"),
        (r"GITHUB_ENV|GITHUB_PATH", "toolchain", "sets environment from Python"),
    )
)


def _python_step(text: str, name: str) -> tuple[str, float, str]:
    """A `shell: python` step: a few library calls say what it does, else its name."""
    for pattern, kind, why in _PYTHON_APIS:
        if pattern.search(text):
            return kind, 0.6, why
    found = name_kind(name)
    if found is not None:
        return found[0], 0.45, _why(f"step name says {found[1]}; runs inline Python")
    return "build", 0.25, "runs inline Python; purpose unclear, counted as build"


@dataclass(frozen=True, slots=True)
class _ScriptFacts:
    """What a script's text alone shows; cached, since templates repeat scripts."""

    python: bool
    hits: tuple[Hit, ...]
    writes_outputs: bool
    fails: bool  # `exit 1` somewhere
    compares_files: bool  # git diff / diff / cmp of generated files
    exit_code_check: bool
    content_check: bool
    env_from_ref: bool  # sets job environment under a condition on the ref or event


@lru_cache(maxsize=16384)
def _script_facts(text: str) -> _ScriptFacts:
    first = next((ln for ln in text.splitlines()
                  if ln.strip() and not ln.lstrip().startswith("#")), "")
    if _PYTHON_CODE.match(first):
        return _ScriptFacts(True, (), False, False, False, False, False, False)
    functions = ({a or b for a, b in _FUNCTION_DEF.findall(text)}
                 if "(" in text or "function" in text else set())
    reader = _Reader(functions, _variables(text) if "=" in text else None)
    hits = tuple(h for c in split_commands(text) if (h := reader.command(c)) is not None)
    low = text.lower()
    return _ScriptFacts(
        python=False,
        hits=hits,
        writes_outputs="github_output" in low,
        fails=_EXIT_FAILURE.search(text) is not None,
        compares_files=_DIRTY_TREE.search(text) is not None,
        exit_code_check="--exit-code" in text,
        content_check=_CONTENT_CHECK.search(text) is not None,
        env_from_ref="github_env" in low and _REF_CONDITION.search(text) is not None,
    )


def classify_script(text: str, name: str, job: str) -> tuple[str, float, str]:
    """(kind, confidence, why) for a script step; ``name`` is a name a person gave it."""
    facts = _script_facts(text)
    if facts.python:
        return _python_step(text, name)
    if not facts.hits:
        found = name_kind(name)
        if found is not None:
            return found[0], 0.4, _why(f"step name says {found[1]}")
        return "metadata", 0.3, "does nothing but shell structure"
    best, real = choose(facts.hits, name)
    kind, confidence, why = best.kind, best.confidence, best.why

    # patterns of the whole script that no single command shows
    if not facts.writes_outputs:
        if facts.compares_files and (facts.fails or facts.exit_code_check) and (
            best.weight < 2 or kind == "metadata"
        ):
            return "lint", 0.7, "fails when files differ from what is committed"
        if best.weight < 2 and facts.fails and kind == "decide" and facts.content_check:
            return "lint", 0.55, "fails on findings read from a file"
        if best.weight < 2 and kind == "toolchain" and facts.env_from_ref:
            return "decide", 0.6, "sets environment from the ref or event"

    if kind == "unknown":
        # tie-breaker 3: the names may tell; else a bare script counts as build
        found = name_kind(name)
        if found is not None:
            return found[0], 0.45, _why(f"step name says {found[1]}; {why}")
        found = name_kind(job)
        if found is not None:
            return found[0], 0.35, _why(f"job name says {found[1]}; {why}")
        if real:
            other = min(real, key=lambda h: _RANK[h.kind])
            return other.kind, 0.35, _why(f"{other.why}; purpose unclear")
        return "build", 0.25, _why(f"{why}; purpose unclear, counted as build")

    if best.weight == 0 and kind == "toolchain":
        # moving files around says little; a name saying what they are for says more
        found = name_kind(name)
        if found is not None and " " in found[1]:
            return found[0], 0.45, _why(f"step name says {found[1]}; {why}")
        if why == "moves or copies files" and "pages" in words_of(job) and _PUBLIC_DIR.search(text):
            # GitLab Pages publishes what its `pages` job leaves in public/
            return "deploy", 0.5, "places the site in public/ of a pages job"

    if best.weight == 0 and kind == "metadata":
        # only prints, waits or sets shell options (tie-breaker 4), unless the name
        # says the printing reports or decides something
        found = name_kind(name)
        if found is not None and found[0] in ("report", "decide"):
            return found[0], 0.4, _why(f"step name says {found[1]}; {why}")
        return "metadata", max(confidence, 0.6), why

    if len({SUBSYSTEM_OF_KIND[h.kind] for h in real}) > 1:
        confidence *= 0.85
    found = name_kind(name)
    if found is not None:
        if found[0] == kind:
            confidence = min(0.97, confidence + 0.05)
        elif SUBSYSTEM_OF_KIND.get(found[0]) != SUBSYSTEM_OF_KIND[kind]:
            confidence *= 0.9
    return kind, confidence, why


# ------------------------------------------------------------------------- reusables

def given_name(step: Step) -> str:
    """The step's name when a person wrote one; formats fall back to the command's first
    line or the action's name, which is no second opinion."""
    name = step.name.strip()
    if not name:
        return ""
    if step.uses and (name in step.uses or step.uses.startswith(name)):
        return ""
    for line in step.text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            if line.startswith(name) or name.startswith(line[:60]):
                return ""
            break
    return name

_IMAGE_REF = re.compile(r"^[\w.-]+\.[a-z]{2,}(:\d+)?/|^localhost(:\d+)?/|@sha256:|"
                        r"^[\w./-]+:[\w.-]+$|^\$\(|^\$\{")
_AZURE_TASK = re.compile(r"^([\w.]+)@\d+$")


def _action_kind(path: str) -> tuple[str, float, str] | None:
    """An action by exact name, by its repository, by name patterns, then by words."""
    low = path.lower().strip("/")
    if low in T.ACTIONS:
        return T.ACTIONS[low], 0.95, f"uses {_short(path, 60)}"
    shown = _short(path, 50)
    parts = low.split("/")
    for pattern, kind in _ACTION_PATTERNS:
        if pattern.search(low):
            return kind, 0.75, f"uses {_short(path, 60)}"
    # an action inside a repository (`owner/repo/path`, `owner/repo/.github/actions/x`)
    # is named by its path more than by its repository
    sub = _ACTION_DIR.split(low)[-1] if ".github/actions/" in low else (
        "/".join(parts[2:]) if len(parts) > 2 else "")
    if sub:
        found = kind_from_words(words_of(sub.replace("/", " ")))
        if found is not None:
            return found[0], 0.6, _why(f"uses {shown} ({found[1]})")
    repo = "/".join(parts[:2])
    if len(parts) > 2 and repo in T.ACTIONS and T.ACTIONS[repo] != "unknown":
        return T.ACTIONS[repo], 0.8, f"uses {_short(path, 60)}"
    for text in (parts[1] if len(parts) > 1 else "", parts[0]):
        found = kind_from_words(words_of(text)) if text else None
        if found is not None:
            return found[0], 0.6, _why(f"uses {shown} ({found[1]})")
    return None


_ACTION_PATTERNS = tuple((re.compile(p), k) for p, k in T.ACTION_PATTERNS)


def _script_inputs(step: Step) -> str:
    parts = []
    for key, value in step.inputs:
        if key.lower().replace("-", "").replace("_", "") in T.SCRIPT_INPUTS and value:
            parts.append(value)
    return "\n".join(parts)


_JS_CALLS: tuple[tuple[re.Pattern[str], Hit], ...] = tuple(
    (re.compile(p), Hit(k, c, w, wt))
    for p, k, c, w, wt in (
        (r"approveWorkflowRun|createReview\b", "approve", 0.75, "approves via the API", 2),
        (r"\.(createComment|updateComment|addLabels|removeLabel|setLabels|createCommitStatus|"
         r"addAssignees|createForIssue|createForIssueComment|lock)\b|issues\.update\(",
         "notify", 0.8, "comments, labels or sets status via the API", 2),
        (r"pulls\.create\b|createRelease\b|uploadReleaseAsset|git\.createRef|git\.createTag|"
         r"createOrUpdateFileContents|pulls\.merge|repos\.merge\b|updateRelease",
         "publish", 0.8, "publishes via the API", 2),
        (r"createWorkflowDispatch|createDispatchEvent", "notify", 0.6,
         "triggers a workflow via the API", 2),
        (r"core\.summary|\.addHeading|\.addTable", "report", 0.7, "writes the job summary", 1),
        (r"listFiles|compareCommits|compareCommitsWithBasehead", "metadata", 0.75,
         "lists changed files via the API", 2),
        (r"core\.setOutput|setOutput\(", "decide", 0.65, "computes step outputs", 1),
        (r"core\.exportVariable", "toolchain", 0.6, "sets environment for later steps", 1),
        (r"\.(get|list\w*|search\w*|getContent|paginate)\(|graphql\(", "metadata", 0.6,
         "reads via the API", 1),
        (r"core\.setFailed", "decide", 0.5, "fails the step on a condition", 0),
    )
)


def _github_script(step: Step) -> tuple[str, float, str]:
    script = step.input("script") or ""
    hits = [hit for pattern, hit in _JS_CALLS if pattern.search(script)]
    if not hits:
        found = name_kind(given_name(step))
        if found is not None:
            return found[0], 0.45, _why(f"github-script; step name says {found[1]}")
        return "decide", 0.3, "runs a github-script; purpose unclear"
    best, _ = choose(hits, given_name(step))
    return best.kind, best.confidence, f"github-script {best.why}"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "yes", "1", "on") or "GHX" in (value or "")


def _build_push(step: Step) -> tuple[str, float, str]:
    """docker/build-push-action exists to publish when it pushes (tie-breaker 7)."""
    push = (step.input("push") or "").strip().lower()
    outputs = (step.input("outputs") or "").lower().replace(" ", "")
    if push in ("true", "yes", "1", "on") or "push=true" in outputs \
            or "type=registry" in outputs:
        return "publish", 0.9, "builds and pushes an image (push: true)"
    if "${{" in push or "push=${{" in outputs:
        return "publish", 0.6, "builds and pushes an image when an expression allows"
    if push in ("false", "no", "0", "off") or "load" in {k for k, _ in step.inputs}:
        return "build", 0.85, "builds an image without pushing"
    found = name_kind(given_name(step))
    if found is not None and found[0] == "publish":
        return "publish", 0.55, _why(f"builds an image; step name says {found[1]}")
    return "build", 0.8, "builds an image without pushing"


def _api_request(step: Step) -> tuple[str, float, str]:
    """octokit/request-action and graphql-action: the route or query says what they do."""
    route = " ".join(v for k, v in step.inputs if k in ("route", "query", "method"))
    writes = bool(_ROUTE_WRITE.match(route)) or "mutation" in route
    hit = _api_kind(route.lower(), writes, "the API")
    return hit.kind, hit.confidence, hit.why


def _dispatch(step: Step) -> tuple[str, float, str]:
    """An action that starts another workflow or pipeline does what that one does."""
    target = " ".join(v for k, v in step.inputs if k.lower().replace("-", "_") in (
        "workflow", "workflow_file_name", "workflow_id", "pipeline", "event_type",
        "trigger_workflow"))
    found = kind_from_words(words_of(_GH_EXPR.sub(" ", target))) or name_kind(given_name(step))
    if found is not None:
        return found[0], 0.5, _why(f"triggers another run ({found[1]})")
    return "notify", 0.4, "triggers another workflow run"


_DECIDERS = {
    "actions/github-script": _github_script,
    "docker/build-push-action": _build_push,
    "depot/build-push-action": _build_push,
    "octokit/request-action": _api_request,
    "octokit/graphql-action": _api_request,
    "benc-uk/workflow-dispatch": _dispatch,
    "aurelien-baudet/workflow-dispatch": _dispatch,
    "convictional/trigger-workflow-and-wait": _dispatch,
    "the-actions-org/workflow-dispatch": _dispatch,
    "peter-evans/repository-dispatch": _dispatch,
}


_ACTION_AFFIXES = re.compile(r"^(gh-action-|ghaction-|github-action-|actions?-|setup-)|"
                             r"(-github-actions?|-gh-action|-actions?)$")
_TOOL_INPUTS = ("command", "args", "arguments", "cmd", "subcommand", "goals", "goal",
                "tasks", "task", "target", "targets")


def _run_words(words: list[str]) -> Hit | None:
    """Judge a command given as words rather than script text."""
    return _Reader().words(words, Command(tuple(words), " ".join(words), False, ""), 0)


def _tool_action(step: Step, path: str) -> tuple[str, float, str] | None:
    """An action wrapping one tool (goreleaser/goreleaser-action, PyO3/maturin-action,
    actions-rs/cargo) with the tool's subcommand as input: judge the command it runs."""
    values = [v for k, v in step.inputs if k.lower() in _TOOL_INPUTS and v.strip()]
    if not values:
        return None
    parts = path.split("/")
    candidates = [_ACTION_AFFIXES.sub("", p) for p in parts[1:]] + [parts[0]]
    for candidate in candidates:
        if candidate in T.COMMANDS:
            spec = T.COMMANDS[candidate]
            if all(v.startswith("@") or v == "unknown" for v in spec.values()):
                continue  # a wrapper or script runner: its input is judged as a script
            hit = _run_words([candidate] + " ".join(values).split())
            if hit is not None and hit.kind != "unknown" and hit.weight == 2:
                return hit.kind, min(hit.confidence, 0.85), _why(
                    f"uses {_short(path, 40)}: {hit.why}")
    return None


def _is_image(uses: str) -> bool:
    # GitHub actions always carry `@ref`; a bare `owner/name` is a Docker Hub image
    # (a Woodpecker or Drone plugin such as `plugins/s3`)
    return uses.startswith("docker://") or bool(_IMAGE_REF.search(uses)) or (
        "@" not in uses and "/" in uses and not uses.startswith((".", "/")))


def classify_uses(step: Step) -> tuple[str, float, str]:
    uses = step.uses or ""
    ref_less = uses.split("@")[0] if "@sha256:" not in uses else uses
    if _is_image(uses):
        return _classify_image(step, uses)
    azure = _AZURE_TASK.match(uses)
    if azure and "/" not in uses:
        return _azure_task(step, azure.group(1))
    low = ref_less.lower()
    decider = _DECIDERS.get(low)
    if decider is not None:
        return decider(step)
    local = low.startswith("./") or low.startswith("../")
    tool = None if local else _tool_action(step, low)
    if tool is not None:
        return tool
    found = None if local else _action_kind(ref_less)
    script = _script_inputs(step)
    if found is not None and found[0] == "unknown":
        found = None
    if found is not None:
        return found
    if script:
        kind, confidence, why = classify_script(script, given_name(step), step.job)
        if kind != "build" or confidence > 0.3:
            return kind, min(confidence, 0.8), _why(f"{_short(ref_less, 30)}: {why}")
    path = ref_less
    if local:
        path = _ACTION_DIR.split(ref_less)[-1].lstrip("./")
        found = kind_from_words(words_of(path))
        if found is not None:
            return found[0], 0.6, _why(f"uses local action {_short(path, 40)} ({found[1]})")
    found = name_kind(given_name(step))
    if found is not None:
        return found[0], 0.45, _why(f"step name says {found[1]}; uses {_short(path, 40)}")
    return "build", 0.25, _why(f"uses {_short(path, 50)}; purpose unclear")


def _azure_task(step: Step, task: str) -> tuple[str, float, str]:
    low = task.lower()
    if low in T.AZURE_SCRIPT_TASKS or low not in T.AZURE_TASKS:
        script = _script_inputs(step)
        if script:
            kind, confidence, why = classify_script(script, given_name(step), step.job)
            return kind, min(confidence, 0.85), _why(f"{task}: {why}")
    if low in T.AZURE_TASKS:
        return T.AZURE_TASKS[low], 0.9, f"runs task {_short(task, 50)}"
    found = kind_from_words(words_of(task)) or name_kind(given_name(step))
    if found is not None:
        return found[0], 0.5, _why(f"runs task {_short(task, 40)} ({found[1]})")
    return "build", 0.25, _why(f"runs task {_short(task, 50)}; purpose unclear")


def _plugin(step: Step, image: str) -> tuple[str, float, str] | None:
    """A container plugin configured by settings (Woodpecker, Drone, Buildkite plugins)."""
    path = image.split("@")[0].rsplit(":", 1)[0].lower()
    name = "/".join(path.split("/")[-2:])
    settings = {k.lower().replace("-", "_"): v.strip().lower() for k, v in step.inputs}
    for pattern, kind in _PLUGIN_KINDS:
        if pattern.search(name):
            if kind == "@image":
                dry = settings.get("dry_run") or settings.get("dryrun")
                if dry in ("true", "yes", "1") or settings.get("push") in ("false", "no"):
                    return "build", 0.85, _why(f"builds an image with {_short(name, 40)} (dry run)")
                return "publish", 0.8, _why(f"builds and pushes an image with {_short(name, 40)}")
            return kind, 0.75, _why(f"runs plugin {_short(name, 50)}")
    return None


_PLUGIN_KINDS = tuple((re.compile(p), k) for p, k in T.PLUGIN_KINDS)


def _classify_image(step: Step, uses: str) -> tuple[str, float, str]:
    image = uses.removeprefix("docker://")
    text = step.text or ""
    prog = image.split("@")[0].rsplit("/", 1)[-1].split(":")[0].lower()
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not first or first in (uses.strip(), image):
        # no commands: a plugin judged by its image and settings
        found = _plugin(step, image)
        if found is not None:
            return found
    if text.strip() and first not in (uses.strip(), image):
        kind, confidence, why = classify_script(text, given_name(step), step.job)
        if confidence < 0.5 and prog in T.COMMANDS:
            # the image may name the program its arguments belong to (Cloud Build)
            hit = _run_words([prog] + text.split())
            if hit is not None and hit.kind != "unknown":
                return hit.kind, hit.confidence, hit.why
        if confidence > 0.3 or kind != "build":
            return kind, confidence, why
    found = kind_from_words(words_of(prog)) or name_kind(given_name(step))
    if found is not None:
        return found[0], 0.45, _why(f"runs image {_short(image, 40)} ({found[1]})")
    return "build", 0.25, _why(f"runs image {_short(image, 50)}; purpose unclear")


# --------------------------------------------------------------------------- backend

def classify_step(step: Step) -> Classification:
    hint = (step.kind_hint or "").strip().lower()
    if hint in SUBSYSTEM_OF_KIND:
        return Classification(SUBSYSTEM_OF_KIND[hint], hint, 0.95, BACKEND_NAME,
                              f"the format marks it as {hint}")
    if step.uses:
        kind, confidence, why = classify_uses(step)
    elif step.text.strip():
        kind, confidence, why = classify_script(step.text, given_name(step), step.job)
    else:
        found = name_kind(given_name(step))
        if found is not None:
            kind, confidence, why = found[0], 0.4, _why(f"step name says {found[1]}")
        else:
            kind, confidence, why = "build", 0.2, "nothing to read; counted as build"
    if kind == "unknown":
        kind, confidence = "build", min(confidence, 0.25)
    return Classification(SUBSYSTEM_OF_KIND[kind], kind, round(min(max(confidence, 0.0), 1.0), 3),
                          BACKEND_NAME, _why(why))


class RuleBackend:
    """Offline classification from tables; fast, deterministic, no network."""

    name = BACKEND_NAME

    def __init__(self) -> None:
        self._cache: dict[tuple[object, ...], Classification] = {}

    def classify(self, steps: Sequence[Step]) -> list[Classification]:
        out: list[Classification] = []
        cache = self._cache
        for step in steps:
            key = (step.uses, step.text, step.name, step.inputs, step.kind_hint, step.job)
            label = cache.get(key)
            if label is None:
                if len(cache) >= CACHE_LIMIT:
                    cache.clear()
                label = cache[key] = classify_step(step)
            out.append(label)
        return out


@hookimpl
def register_backends(register: Callable[[RuleBackend], None]) -> None:
    register(RuleBackend())
