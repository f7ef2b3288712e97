"""The command reader: what each simple command of a script says about its step.

Each command gets a :class:`Hit`: a kind, a confidence, the evidence, and a weight (0 for
shell chores, 1 for bookkeeping, 2 for real work); :func:`choose` picks the step's purpose
among them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from xops_lens.backends.rules import tables as T
from xops_lens.backends.rules.shell import (
    ASSIGNMENT,
    PATH_SEP,
    SCRIPT_EXT,
    Command,
    LazyPattern,
    program_of,
    split_commands,
    unquote,
)
from xops_lens.backends.rules.words import (
    AZURE_TASK,
    IDENT_RANK,
    action_kind,
    clip_why,
    kind_from_words,
    kinds_in_words,
    name_words,
    short,
    words_of,
)

MAX_DEPTH = 4

RANK = {kind: i for i, kind in enumerate(T.KIND_PRIORITY)}

# Bookkeeping hits that the whole-script rules (_script.py) look for
WRITES_RESULTS = "writes task results"
WRITES_OUTPUTS = "writes step outputs"
SETS_VARIABLE = "sets a pipeline variable"
# step outputs set to a value a command read, no more (`sha=$(git log -1 --format=%H)`)
WRITES_READ_OUTPUT = "writes a value read into step outputs"
HANDS_ON = frozenset((WRITES_RESULTS, WRITES_OUTPUTS, SETS_VARIABLE, WRITES_READ_OUTPUT))
READS_VALUE = "reads a value into a variable"


@dataclass(frozen=True, slots=True)
class Hit:
    """What one command (or one name) says about a step."""

    kind: str  # a model kind, or "unknown" for a program no table knows
    confidence: float
    why: str
    weight: int  # 0 shell chore, 1 bookkeeping, 2 real work


_PS_ASSIGNMENT = LazyPattern(r"^\$[\w:{}.]+$")
# every match holds `<` or `>`: callers test that first, a substring test being far
# cheaper than the regex on the words that are no redirection
_REDIRECT = LazyPattern(r"^(\d*[<>]{1,2}|&>>?|[<>]&)")
_SUBST = LazyPattern(r"(?:\$\(|`|\|)\s*([\w./\\-]+)")
# `$(Build.SourcesDirectory)`, `$(BuildArchitecture)`: an Azure Pipelines macro, no command
_AZURE_MACRO = LazyPattern(r"\$\((?:[A-Z][\w.]*|[a-z][a-z0-9_]*[A-Z.][\w.]*)\)")  # $(ob_outputDirectory)
_PS_VERB = LazyPattern(r"^([a-z]+)-([a-z][\w.]*)$")
_COMPARISONS = frozenset("-eq -ne -gt -ge -lt -le -and -or -not -match -notmatch -like "
                         "-notlike -contains -in -notin -is = == != =~".split())
_GIT_AUTH = LazyPattern(r"x-access-token|oauth2:|credential\.helper|extraheader|"
                       r"https://[^\s/@]*:[^\s/@]*@|insteadof.*token|token.*insteadof", re.I)
_REMOTE = LazyPattern(r"^([\w.-]+@)?[\w.-]+:(?!//)|^(rsync|sftp|ssh)://")
_CAMEL_HEAD = LazyPattern(r"^([a-z]+)[A-Z]")
_WRITERS = frozenset("echo printf cat write-output tee".split())
_ETC_WRITERS = frozenset("echo printf cat tee sed cp mv ln install".split())
_SECRET_FILE = LazyPattern(r"\.ssh/|id_rsa|id_ed25519|\.netrc|\.npmrc|\.pypirc|credentials|"
                          r"\.docker/config|kubeconfig|\.kube/config|\.gnupg|token|\.pem\b|"
                          r"\.key\b|\.p12\b|keystore", re.I)
_RELEASE_ASSET = LazyPattern(r"https://github\.com/[^\s/]+/[^\s/]+/releases/download/|"
                            r"/-/releases/[^\s]*/downloads/")
_LONG_OPTION = LazyPattern(r"^(--?[A-Za-z][\w-]+)$")
_PLUGIN_REF = LazyPattern(r"^[\w.-]+(/[\w.-]+)?#v?\d[\w.-]*$")
_ACTION_REF = LazyPattern(r"^[\w.-]+/[\w./-]+@[\w.-]+$")
_LOCAL_URL = LazyPattern(r"https?://(localhost|127\.|0\.0\.0\.0|169\.254\.|\[::1\])")
_HTTP_UPLOAD = LazyPattern(r"(^|\s)(-t|--upload-file)\b|@[\w./$-]+\.(zip|tar|gz|whl|jar|tgz|deb|"
                          r"rpm|exe|dmg|msi)|(^|\s)(-f|--form)\s+['\"]?[\w.-]+=@")
_HTTP_SEND = LazyPattern(r"(^|\s)(-x|--request|--method)\s*['\"]?(post|put|patch|delete)|(^|\s)"
                        r"(-d|--data[\w-]*|-f|--form|--json|--post-data|--post-file|"
                        r"--body-data|-body)\b")
_CHAT_HOOK = LazyPattern(r"hooks\.slack\.com|slack\.com/api|discord(app)?\.com/api/webhooks|webhook|"
                        r"office\.com|chat\.googleapis|api\.telegram|mattermost|"
                        r"teams\.microsoft|sendgrid|mailgun|ntfy")
_COVERAGE_SERVICE = LazyPattern(r"codecov|coveralls|sonarcloud")
_FORGE_API = LazyPattern(r"api\.github\.com|/api/v\d/|/repos/|/projects/")
# curl's -O (capital) saves under the remote name; PowerShell's -OutFile in any case
_HTTP_SAVE = LazyPattern(r"(^|\s)(-o|--output|--remote-name|--output-document)\s+(?!-)|"
                        r"(^|\s)-[oO][uU][tT][fF][iI][lL][eE]\b|(^|\s)-[a-zA-Z]*O[a-zA-Z]*\b")
_ARCHIVE_URL = LazyPattern(r"\.(tar\.gz|tgz|zip|deb|rpm|whl|jar|war|exe|msi|pkg|dmg|tar\.xz|"
                          r"tar\.bz2|7z|appimage)\b")
_INSTALLER_SHELLS = frozenset("sh bash python zsh sudo iex invoke-expression".split())
_SAVING_DOWNLOADERS = frozenset("wget invoke-webrequest iwr start-bitstransfer".split())
_FILE_MOVES = frozenset("mv cp copy copy-item move-item xcopy robocopy rsync-local".split())
_PACKAGE_VERSION = LazyPattern(r"[=<>~!\[@]")
_TASK_SEP = LazyPattern(r"[:/]")
# Flags of a build script that make it run tests, and those that make it ship something
_TEST_FLAGS = frozenset(("-test", "--test", "/test", "-integrationtest",
                         "--integrationtest", "--integration-test", "-performancetest"))
_SHIP_FLAGS = frozenset(("-publish", "--publish", "-pack", "--pack", "-sign", "--sign",
                         "-deploy", "--deploy", "-release", "--release"))
# `tar -czf`, `tar czf`, `tar --create`: the first option word creates an archive
_TAR_CREATE = LazyPattern(r"^(--create$|-?[a-zA-Z]*c[a-zA-Z]*$)")
# Maven goals that package a jar whatever the plugin (`source:jar`, `javadoc:jar`)
_MVN_JAR_GOALS = frozenset(("jar", "test-jar", "jar-no-fork", "test-jar-no-fork",
                            "aggregate-jar", "test-aggregate-jar"))
_PROGRAM_NAME = LazyPattern(r"^[\w.+-]+$")
_VAR_SUFFIX = LazyPattern(r"_(CMD|BIN|EXE|EXECUTABLE|RUNTIME|PATH|COMMAND)$", re.I)
_KEYWORD_CALL = LazyPattern(r"^(if|elseif|foreach|while|for|switch|until)\(", re.I)
# `$(...)` with up to two levels of parentheses inside, as the shell reader's words hold
_SUBSTITUTION = LazyPattern(r"\$\((?!\()((?:[^()]|\((?:[^()]|\([^()]*\))*\))*)\)")


def _substitution_bodies(text: str) -> list[str]:
    """The commands of each `$(...)` in ``text`` (not `$((...))`, arithmetic)."""
    return _SUBSTITUTION.findall(text)


_CHECKSUMS = frozenset("sha256sum sha512sum sha1sum sha224sum sha384sum md5sum shasum b2sum "
                       "cksum".split())
# A command that yields a credential names itself (`crane auth login`, `aws ecr
# get-login-password`, `gcloud auth print-access-token`, `vault kv get`)
_CREDENTIAL_WORDS = ("login", "auth", "token", "password", "credential", "secret", "vault",
                     "sas")
_PROJECT_PATH = LazyPattern(r"^['\"]?(\.{1,2}|[\w.-]*\w)[/\\]")  # `scripts/test`, `./x`, `../bin/y`
_DECODES = frozenset(("-d", "--decode", "-D", "-di", "-id"))


def _goreleaser_local(args: Sequence[str]) -> bool:
    """`goreleaser release --snapshot`, `--skip-publish`, `--skip=publish,sign`,
    `--skip publish`: a release made in the job that is not published."""
    for i, a in enumerate(args):
        if a in ("--snapshot", "--skip-publish"):
            return True
        if a.startswith("--skip"):
            value = a.partition("=")[2] if "=" in a else (args[i + 1] if i + 1 < len(args) else "")
            if "publish" in value.split(","):
                return True
    return False


_DELETERS = frozenset("rm rmz rmdir remove-item rd del".split())
_RUNNER_TOOLS = LazyPattern(r"/usr/share/dotnet|/opt/ghc\b|/opt/hostedtoolcache|"
                            r"/usr/local/lib/android|/usr/local/share/boost|"
                            r"AGENT_TOOLSDIRECTORY|/usr/local/\.ghcup|/opt/microsoft/msedge")
_SECRET_VALUE = LazyPattern(r"GHX_SECRET|\$\{?[A-Z0-9_]*(TOKEN|SECRET|PASSWORD|PASSWD|SSH|"
                            r"CREDENTIAL|PRIVATE|(ACCESS|API|DEPLOY|SIGNING|GPG|PGP)_?KEY)")
_CACHE_LOCATION = LazyPattern(r"\$\([\w.-]+\s+(config\s+(--global\s+)?(get\s+)?(cache[-_]?dir|"
                              r"cachefolder|cache)\b|cache\s+dir\b|store\s+path\b|"
                              r"env\s+GO(MOD)?CACHE\b)", re.I)
_GO_VALUED = frozenset("-tags -ldflags -gcflags -asmflags -o -mod -p -buildmode -modfile "
                       "-pgo -overlay -C".split())


def _go_installs_itself(args: Sequence[str]) -> bool:
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


_OPTION_VALUE = LazyPattern(r"^['\"]|^[A-Z_][A-Z0-9_]*=")
_VERSION_SUFFIX = LazyPattern(r"-[\d.]+$")
_IN_PLACE_EDITORS = frozenset(("sed", "yq"))
_IN_PLACE = LazyPattern(r"^(-[a-zA-Z]*i\S*|--in-?place(=.*)?|-pi\S*)$")
_ETC_WRITE = LazyPattern(r"(\btee\b(\s+-a)?|>>?)\s*['\"]?/etc/|\bsed\s+-i\S*\s.*\s/etc/")


def _redirect_target(args: Sequence[str]) -> str:
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


# `tool --version`, `tool --help`: the tool prints something about itself
_SELF_FLAGS = frozenset(("--version", "-version", "-V", "version", "-v", "/version",
                         "-Version", "--Version", "--help", "-h", "help", "/?", "-?"))


def _without_redirects(args: Sequence[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for a in args:
        if skip:
            skip = False
        elif (">" in a or "<" in a) and _REDIRECT.match(a):
            skip = _REDIRECT.fullmatch(a) is not None  # `2> /dev/null`: the target follows
        else:
            out.append(a)
    return out


def _only_file_reads(programs: Sequence[str]) -> bool:
    """`$(cat VERSION)`, `$(ls ./dist)`: substitutions that only read a file or a listing."""
    return bool(programs) and all(p in ("cat", "ls") for p in programs)


_FORMAT_WORDS = frozenset(("format", "formatted", "formatting", "fmt"))
_CHECK_WORDS = frozenset(("test", "tests", "check", "checks", "verify", "lint", "ci"))
_TOOL_WORDS = frozenset("rust golang jdk sdk toolchain compiler compilers llvm".split())


def _installs_a_tool(words: Sequence[str]) -> bool:
    """`install-hub`, `install_rust`: a script named for installing one tool."""
    ws = [w.lower() for w in words]
    return len(ws) == 2 and ws[0] == "install" and (
        ws[1] in T.COMMANDS or ws[1] in T.TOOLCHAIN_PACKAGES or ws[1] in _TOOL_WORDS)


def _only_toolchain(packages: Sequence[str]) -> bool:
    """`pip install meson ninja`, `brew install ccache`, `apt install g++-4.8`: compilers
    and build tools only (a compiler's version suffix read away)."""
    names = [_PACKAGE_VERSION.split(p.lower(), 1)[0] for p in packages
             if p not in ("install",) and not _OPTION_VALUE.match(p)]
    return bool(names) and all(n in T.TOOLCHAIN_PACKAGES
                               or _VERSION_SUFFIX.sub("", n) in T.TOOLCHAIN_PACKAGES
                               for n in names)


def _asks_about_itself(args: Sequence[str]) -> bool:
    """`tool --version 2>/dev/null`: the only argument, redirections aside, asks the tool
    for its version or usage."""
    plain = _without_redirects(args)
    return len(plain) == 1 and plain[0] in _SELF_FLAGS


class Reader:
    """Classifies the commands of one script; holds what the script as a whole shows."""

    def __init__(self, functions: set[str] | None = None,
                 variables: dict[str, str] | None = None) -> None:
        self.functions = functions or set()
        self.variables = variables or {}
        self._previous: Command | None = None  # the command read before this one
        self._before: Command | None = None  # the one before the command being read
        # variables set to a published output directory (`$out = "$(ob_outputDirectory)"`)
        self._published: set[str] = set()

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

    def _piped_from_download(self, cmd: Command) -> bool:
        """`curl -fsSL https://... | sh`: the command reads what a download printed."""
        before = self._before
        return bool(cmd.piped_from and before is not None and before.words
                    and program_of(before.words[0])[0].lower() in T.DOWNLOADERS)

    def _command(self, cmd: Command, depth: int) -> Hit | None:
        raw = cmd.raw
        if "$(results." in raw or "$(step.results." in raw:
            if ">" in raw or "tee" in raw:
                return Hit("decide", 0.7, WRITES_RESULTS, 1)
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
                         or ("(" in words[0] and _KEYWORD_CALL.match(words[0]))
                         or words[0] in ("IF", "If")):
            if words[0].lower() == "if":
                words = _after_cmd_condition(words[1:])
            else:
                words = words[1:]
        if not words:
            return None
        first = words[0]
        if first.lower() in T.SHELL_HEADERS or first.endswith("()"):
            return None
        if first in ("[", "[[", "test") or first.startswith("[["):
            return Hit("metadata", 0.5, "tests a condition", 0)
        if first in ("exit", "return") and len(words) > 1 and unquote(words[1]) not in ("0",):
            return Hit("decide", 0.5, "fails the step on a condition", 0)
        # assignments: VAR=value cmd ..., export VAR=..., $x = ... (PowerShell)
        assigned: list[str] = []
        while words and "=" in words[0] and ASSIGNMENT.match(words[0]):
            assigned.append(words[0])
            if _PUBLISHED_DIR.search(words[0]):
                self._published.add(words[0].split("=", 1)[0].lower())
            words = words[1:]
        if not words:
            return self._assignment(assigned, exported=False)
        if words[0] == "export" or words[0] == "setx" or (
            words[0].lower() == "set" and len(words) > 1 and "=" in words[1]
        ):
            return self._assignment(words[1:], exported=True)
        if len(words) > 1 and words[1] in ("=", "+=") and _PS_ASSIGNMENT.match(words[0]):
            if _PUBLISHED_DIR.search(" ".join(words[2:])):
                self._published.add(words[0].lstrip("$").lower())
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
        if len(words) == 1 and words[0][:1] in "'\"" and not program_of(words[0])[1] \
                and not words[0][1:2] == "$":
            return Hit("metadata", 0.3, "emits a value", 0)
        if len(words) > 1 and words[1] in ("=", "+=", "-="):
            return Hit("metadata", 0.3, "sets a value", 0)
        if words[0].endswith(":") and len(words[0]) > 1:
            return None  # `key: value`, a rendered input of a reusable step
        if (">" in words[0] or "<" in words[0]) and _REDIRECT.match(words[0]):
            # `{ echo ...; } >> file`: the group's output goes to a file
            target = _redirect_target(words)
            return _written(target) if target else None
        return self.words(words, cmd, depth)

    def _ci_file_write(self, raw: str) -> Hit | None:
        low = raw.lower()
        if "github_output" in low or "::set-output" in low:
            if "$(" in raw and _CACHE_LOCATION.search(raw):
                # `dir=$(composer config cache-dir)`, `$(yarn cache dir)`: where a tool
                # keeps its cache, looked up for a cache step; nothing is decided
                return Hit("metadata", 0.65, "reads a tool's cache location into step outputs", 1)
            if "$(" in raw and _only_file_reads(self._substitution_programs(raw)):
                # `tag=$(cat ./VERSION)`, `sdist_name=$(ls ./dist)`: a value read from a
                # file or a listing is handed on as it was; nothing is decided
                return Hit("metadata", 0.65, "reads a file into step outputs", 1)
            if "$(" in raw:
                # the value's command says more: `hash=$(sha256sum dist/*)` checksums
                # (build), `sha=$(./get-last-commit.sh)` only reads
                work = self._substituted_work(raw)
                if work is not None:
                    return work
                if self._substitution_reads(raw):
                    return Hit("decide", 0.7, WRITES_READ_OUTPUT, 1)
            return Hit("decide", 0.7, WRITES_OUTPUTS, 1)
        if "github_step_summary" in low:
            return Hit("report", 0.7, "writes the job summary", 1)
        if "github_env" in low or "github_path" in low or "::add-path" in low or "::set-env" in low:
            return Hit("toolchain", 0.7, "sets environment for later steps", 1)
        if "##vso[task.setvariable" in low:
            return Hit("decide", 0.7, SETS_VARIABLE, 1)
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
            program_of(first)[0] not in T.UTILITIES

    def _substituted_work(self, text: str) -> Hit | None:
        """What a `$(...)` in ``text`` does when the value it captures is no mere value:
        a credential (`DOCKER_CONFIG=$(crane auth login ...)`,
        `TOKEN=$(aws codeartifact get-authorization-token ...)`) or the checksum of an
        artifact (`hash=$(sha256sum dist/*)`, tie-breaker 7: build). Other commands in a
        substitution mostly print (`$(git tag --list)`, `$(docker buildx imagetools
        inspect ...)`), whatever their program does elsewhere."""
        low = text.lower()
        if "sum" not in low and not any(w in low for w in _CREDENTIAL_WORDS):
            return None  # every checksum program's name holds "sum"
        for body in _substitution_bodies(text):
            first = body.split(None, 1)[0] if body.strip() else ""
            if program_of(first)[0] not in _CHECKSUMS and not any(
                    w in body.lower() for w in _CREDENTIAL_WORDS):
                continue  # most substitutions: no need to read them
            # a reader of its own: this one's memory of the command before is the step's
            hit = Reader(self.functions, self.variables).script_text(body, 1)
            if hit is None or hit.weight < 2 or hit.confidence < 0.7:
                continue
            if hit.kind == "credentials" or (
                    hit.kind == "build" and program_of(body.split(None, 1)[0])[0] in _CHECKSUMS):
                return hit
        return None

    def _substitution_programs(self, text: str) -> list[str]:
        return [program_of(m.group(1))[0] for m in _SUBST.finditer(text)
                if not _AZURE_MACRO.match(text, m.start())]

    def _substitution_reads(self, text: str) -> bool:
        """Whether the `$(...)` of ``text`` only reads a value: from the web or an API
        (`$(curl $API/commits | jq length)`: the filters pick from what was read), or
        with programs that compute nothing."""
        programs = self._substitution_programs(text)
        if not programs:
            return False
        if programs[0] in T.DOWNLOADERS:
            return True
        return not any(p in T.DECIDING_PROGRAMS for p in programs) \
            and bool(set(programs) - T.TRIVIAL_SUBSTITUTIONS)

    def _assignment(self, assigned: Sequence[str], exported: bool) -> Hit:
        """`VAR=$(...)`: transforming a value decides; only reading one is metadata."""
        if any("$(" in a for a in assigned):
            work = self._substituted_work(" ".join(assigned))
            if work is not None:
                return work
        programs = [p for a in assigned for p in self._substitution_programs(a)]
        if programs and programs[0] in T.DOWNLOADERS:
            return Hit("metadata", 0.5, READS_VALUE, 1)
        if any(p in T.DECIDING_PROGRAMS for p in programs) or any("$((" in a for a in assigned):
            return Hit("decide", 0.55, "computes a value", 1)
        if set(programs) - T.TRIVIAL_SUBSTITUTIONS:
            return Hit("metadata", 0.5, READS_VALUE, 1)
        if exported:
            return Hit("toolchain", 0.7, "sets environment variables", 1)
        return Hit("metadata", 0.4, "sets a shell variable", 0)

    # -- a command's words --------------------------------------------------------
    def words(self, words: Sequence[str], cmd: Command, depth: int) -> Hit | None:
        if depth > MAX_DEPTH or not words:
            return None
        prog, is_path = program_of(words[0])
        args = list(words[1:])
        if prog in ("cargo", "rustc", "rustdoc"):
            args = [a for a in args if not unquote(a).startswith("+")]  # cargo +nightly
        if _asks_about_itself(args):
            return Hit("metadata", 0.8, f"prints what `{short(prog, 30)}` is", 0)
        if cmd.piped_to == "buildkite-agent" and "pipeline" in cmd.raw + " pipeline":
            return Hit("decide", 0.7, "generates pipeline steps", 2)
        if prog in ("ghx", "ghx_secret") or (prog.startswith("$") and not is_path):
            return self._expression_program(prog, args, cmd, depth)
        if prog in ("sudo", "doas"):
            rest = self._skip_options(args, T.OPTION_VALUES.get("sudo", frozenset()))
            return self.words(rest, cmd, depth + 1) if rest else None
        if prog in _DELETERS and _RUNNER_TOOLS.search(cmd.raw):
            # `rm -rf /usr/share/dotnet /opt/ghc`: the runner's preinstalled tools deleted
            # to free disk space prepare the job (rule 6), more than the sums around them
            return Hit("toolchain", 0.75, "frees disk space on the runner", 2)
        spec = T.COMMANDS.get(prog)
        if spec is None and is_path:
            # ./gradlew, /usr/bin/python3, C:\msys64\usr\bin\bash.exe
            stem = SCRIPT_EXT.sub("", prog)
            if stem in T.COMMANDS and not prog.endswith((".sh", ".py", ".ps1", ".bat", ".cmd")):
                prog, spec = stem, T.COMMANDS[stem]
            elif stem in ("gradlew", "mvnw"):
                prog, spec = stem, T.COMMANDS[stem]
        if spec is None and "@" in prog:
            task = AZURE_TASK.match(words[0])
            if task and task.group(1).lower() in T.AZURE_TASKS:
                kind = T.AZURE_TASKS[task.group(1).lower()]
                # beside other tasks (a conditional block), moving files is a chore like cp
                weight = 0 if task.group(1).lower() in T.AZURE_FILE_TASKS else 2
                return Hit(kind, 0.8, f"runs task {short(words[0], 40)}", weight)
            if _ACTION_REF.match(words[0]):
                found = action_kind(words[0].split("@")[0])
                if found is not None and found[0] != "unknown":
                    return Hit(found[0], min(found[1], 0.8), found[2], 2)
        if spec is None and "#" in prog and _PLUGIN_REF.match(words[0]):
            # a Buildkite plugin call (`docker-compose#v5.1.0`), as a group renders its
            # steps: the plugin's name says what it does
            found = action_kind(words[0].split("#")[0])
            if found is not None and found[0] != "unknown":
                return Hit(found[0], min(found[1], 0.75), found[2], 2)
        if spec is None:
            if prog == "find" and ("-exec" in args or "-execdir" in args):
                # `find dir -type f -exec chmod +x {} +`: the command run on each file
                start = next(i for i, a in enumerate(args) if a in ("-exec", "-execdir"))
                inner = [a for a in args[start + 1:] if a not in ("{}", "+", ";", "\\;", "';'")]
                hit = self.words(inner, cmd, depth + 1) if inner else None
                if hit is not None:
                    return hit
            if prog == "tar" and any(_TAR_CREATE.match(a) for a in args[:1] + [
                    a for a in args[1:] if a.startswith("-")]):
                # `tar -czf dist.tgz build/`: packing an archive packages (build)
                return Hit("build", 0.6, "packs an archive with `tar`", 1)
            if prog in T.UTILITIES and not (is_path and T.UTILITIES[prog] == "metadata"
                                            and _PROJECT_PATH.match(words[0])):
                # `scripts/test` is the project's script named for testing, not the
                # builtin; `/usr/bin/test` is the builtin, and `./aws/install`, named for
                # preparing, prepares either way
                return self._utility(prog, args, cmd, depth)
            if is_path:
                return self.script(words[0], args, cmd, depth)
            if prog in T.TASK_RUNNERS:
                return self._targets(prog, "tasks", self._positionals(prog, args), args)
            storage = _storage_tool(prog, args)
            if storage is not None:
                return Hit(storage, 0.7, f"runs `{short(prog, 30)}` on a storage bucket", 2)
            verb = _PS_VERB.match(prog)
            if verb and verb.group(1) in T.POWERSHELL_VERBS:
                return self._cmdlet(prog, verb.group(1), verb.group(2))
            return self._unknown_program(prog, args)
        if prog in ("rsync", "scp") and not any(_REMOTE.match(unquote(a)) for a in args):
            return Hit("toolchain", 0.6, f"copies files locally with `{prog}`", 0)
        if prog == "az" and "generate-sas" in args:
            # `az storage container generate-sas`: a SAS token is a credential
            return Hit("credentials", 0.8, "generates a SAS token", 2)
        if prog in _CHECKSUMS and cmd.piped_from and all(a.startswith("-") for a in args):
            # `echo "$BRANCH-$SHA" | shasum`: hashing a value computes a name, no artifact
            return Hit("decide", 0.55, "hashes a value", 1)
        if prog == "vagrant" and "--provision-with" in cmd.raw:
            # `vagrant up --provision-with=install-deps,test-integration`: the
            # provisioners run are the work, the one that matters most the purpose
            named = [kind_from_words(words_of(n)) for a in args
                     if a.startswith("--provision-with") for n in a.partition("=")[2].split(",")]
            kinds = [k for k in named if k is not None]
            if kinds:
                kind, said = min(kinds, key=lambda k: RANK[k[0]])
                return Hit(kind, 0.6, f"runs vagrant provisioner {short(said, 30)}", 2)
        if prog == "goreleaser" and _goreleaser_local(args):
            # `goreleaser release --snapshot`, `--skip=publish`: builds, nothing leaves
            return Hit("build", 0.85, "builds a release locally with `goreleaser`", 2)
        if prog == "docker" and "imagetools" in args and "inspect" in args:
            # `docker buildx imagetools inspect img`: reads a manifest, pushes nothing
            return Hit("metadata", 0.8, "inspects an image with `docker buildx imagetools`", 0)
        if prog == "gh" and args[:2] == ["pr", "review"] \
                and not ("--approve" in args or "-a" in args):
            # `gh pr review --comment` / `--request-changes`: a review that is a comment;
            # only `--approve` is the human gate
            return Hit("notify", 0.8, "reviews a pull request with a comment", 2)
        if prog == "go" and args[:1] == ["install"] and _go_installs_itself(args[1:]):
            # `go install`, `go install -tags x ./...`: builds and installs the module
            # itself; `go install example.com/tool@v1` puts a tool on the PATH
            return Hit("build", 0.8, "builds the module with `go install`", 2)
        if prog == "ruby" and "-e" in args and any(a.startswith("-r") for a in args) \
                and unquote(args[args.index("-e") + 1] if args.index("-e") + 1 < len(args)
                            else "").strip() in ("exit 0", "exit", "nil", "true", ""):
            # `ruby -I lib -r mygem -e 'exit 0'`: loads the libraries and stops, a test
            # that they load
            return Hit("test", 0.7, "checks that libraries load with `ruby -r`", 2)
        if prog == "helm" and args[:1] == ["init"] and ("-c" in args or "--client-only" in args):
            # Helm 2's `helm init --client-only` sets up the local client, no Tiller
            return Hit("toolchain", 0.8, "sets up the helm client", 2)
        if prog == "git" and _GIT_AUTH.search(cmd.raw):
            return Hit("credentials", 0.8, "configures git authentication", 2)
        if prog in ("pip", "pip3") and args[:1] == ["install"] and "--no-index" in args:
            # `pip install pkg --no-index --find-links dist`: nothing comes from the world;
            # the job installs what it built, to try it (TAXONOMY tie-breaker 1)
            return Hit("test", 0.6, "installs the package the job built (--no-index)", 2)
        if prog == "git" and "--exit-code" in args and ("diff" in args or "diff-index" in args):
            return Hit("lint", 0.8, "fails when files differ from what is committed", 2)
        if prog == "git" and args[:1] == ["config"] and T.GIT_CONFIG_READS.intersection(args):
            # `git config --get remote.origin.url`: reads a setting, sets nothing
            return Hit("metadata", 0.8, "reads git configuration", 0)
        if prog == "meson" and args[:1] == ["configure"] \
                and not any(a.startswith("-D") for a in args):
            # `meson configure builddir` without -D options lists the build options
            return Hit("metadata", 0.7, "lists the build options with `meson configure`", 0)
        if prog == "cmake" and "--build" in args:
            target = _cmake_target(args)
            if target:
                cmake_kind = self._target_kind(T.TARGETS["make"], target, "make")
                if cmake_kind is not None and cmake_kind[0] not in ("build", "unknown"):
                    return Hit(cmake_kind[0], 0.8, f"builds target `{short(target, 30)}`", 2)
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
        if not args:
            # `$MAKE`, `${CMAKE}`: the variable's own name is the program
            guess = _VAR_SUFFIX.sub("", name).lower()
            if guess in T.COMMANDS and guess not in T.UTILITIES:
                return self.words([guess], cmd, depth + 1)
        if not args and prog == "ghx" and cmd.raw.strip("\"' ") == "GHX":
            # `${{ inputs.command }}` alone: a whole command passed in, no telling which
            # (the step's name may tell)
            return Hit("unknown", 0.25, "runs a command given by an expression", 2)
        if not args or any(a.lower() in _COMPARISONS for a in args[:3]):
            return Hit("metadata", 0.3, "tests a condition", 0)
        # a launcher or wrapper in front of a real command
        first = program_of(args[0])[0]
        if first in T.COMMANDS or first in T.TASK_RUNNERS or first in T.UTILITIES:
            return self.words(args, cmd, depth + 1)
        # the variable's own name often is the program: $PYTHON, ${CMAKE}, $MAKE_CMD
        guess = _VAR_SUFFIX.sub("", name).lower()
        if guess in T.COMMANDS or program_of(guess)[0] in T.COMMANDS:
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
            if "=" in a and ASSIGNMENT.match(a):
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
            if (">" in a or "<" in a) and _REDIRECT.match(a):
                skip = a in (">", ">>", "<", "2>", "2>>", "1>", "&>")
                continue
            if a.startswith("-") and len(a) > 1:
                if a in valued:
                    skip = True
                continue
            out.append(unquote(a))
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
                            if unquote(a) == last or unquote(a).lower() == last), -1)
                rest = args[idx + 1:]
        value = spec.get(sub) if sub else (spec.get("") if not positionals else None)
        label = f"{prog} {sub}".strip()
        if value is None:
            value = spec.get("*")
            label = prog
            if value is None:
                return Hit("unknown", 0.3, f"runs `{short(label)}`", 2)
        if label in T.STORAGE_COPIES and _from_storage(positionals):
            # `gsutil cp gs://b/x .`: a copy out of a bucket brings files into the job
            return Hit("artifact-download", 0.8, f"copies from storage with `{short(label)}`", 2)
        if value == "unknown":
            if sub in ("-c", "-e"):
                return Hit("metadata", 0.4, f"runs inline `{prog}` code", 0)
            named = self._run_target(rest)
            if named is not None:
                return Hit(named[0], 0.5, f"runs `{short(label)}` of {named[1]}", 2)
            return Hit(value, 0.3, f"runs `{short(label)}`", 2)
        if value == "dependencies" and prog in T.PACKAGE_INSTALLERS and _only_toolchain(positionals):
            return Hit("toolchain", 0.85, f"installs build tools with `{short(label)}`", 2)
        if value == "dependencies" and prog in ("npm", "pnpm") and positionals \
                and any(a in ("-g", "--global") for a in args):
            # `npm i -g npm@latest`, `npm install -g pnpm`: a command-line tool installed
            # for the machine, not the project's dependencies
            return Hit("toolchain", 0.8, f"installs a tool globally with `{short(label)}`", 2)
        if not value.startswith("@"):
            # verifying a checksum guards what the step fetched or made (bookkeeping)
            weight = 1 if label in T.GUARD_COMMANDS else 2
            return Hit(value, 0.9, f"runs `{short(label)}`", weight)
        directive, _, family = value.partition(":")
        if directive == "@targets":
            if family == "npm" and positionals and positionals[0] not in T.TARGETS["npm"] \
                    and program_of(positionals[0])[0] in T.COMMANDS and positionals[0] in rest:
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
            module = unquote(rest[0])
            kind = T.MODULES.get(module.lower())
            if kind is not None:
                return Hit(kind, 0.9, f"runs `{prog} -m {short(module)}`", 2)
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
                found = kind_from_words(words_of(unquote(value).replace("/", " ")))
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
            image = unquote(rest[0])
            inner = self._skip_options(rest[1:], frozenset())
            if not inner and "/" not in image and not image.startswith("$"):
                # `docker run app:ci`: an image of no registry, run as it is, is one the
                # job built; running its default command is a smoke test (unless its
                # name says more than a tool's name)
                named = kind_from_words(words_of(image.split("@")[0]))
                if named is None or named[1] in T.TOOL_WORDS:
                    return Hit("test", 0.5, f"smoke-runs image {short(image, 30)}", 2)
            hit = self.words(inner, cmd, depth + 1) if inner else None
            if hit is None or hit.kind == "unknown" or hit.weight < 2:
                found = kind_from_words(words_of(image.split("@")[0]))
                if found is not None:
                    return Hit(found[0], 0.5, f"runs container {short(image, 30)}", 2)
                return Hit("unknown", 0.3, f"runs container {short(image, 30)}", 2)
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
                inner = " ".join(unquote(x) for x in args[i + 1:])
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
        if rest and "-s" in args[:i] and prog in ("sh", "bash", "zsh"):
            # `curl ... | sh -s -- --default-toolchain none -y`: the script is read from
            # stdin, what follows are its arguments
            rest = []
        if not rest:
            if self._piped_from_download(cmd):
                # `curl -fsSL https://.../install.sh | sh`: an installer run from the web
                return Hit("toolchain", 0.5, f"pipes into `{prog}`", 0)
            if cmd.piped_from:
                # `echo "$SCRIPT" | sh`: a script from elsewhere, no telling what it does
                return Hit("unknown", 0.3, f"runs a script piped into `{prog}`", 2)
            return Hit("unknown", 0.3, f"runs `{prog}`", 2)
        target = unquote(rest[0])
        if target.startswith(("<", "-")) or target == "-":
            # `python3 - <<EOF`, `bash <<'EOS'`: code given inline
            return Hit("metadata", 0.4, f"runs inline `{prog}` code", 0)
        if target.startswith("$"):
            target = self.variables.get(target.strip("${}\"'"), target)
        if prog in ("source", "."):
            return self.script(target, rest[1:], cmd, depth, default="toolchain")
        inner_prog = program_of(target)[0]
        if inner_prog in T.COMMANDS and not SCRIPT_EXT.search(target.lower()):
            return self.words(rest, cmd, depth + 1)
        return self.script(target, rest[1:], cmd, depth)

    def script(self, path: str, args: Sequence[str], cmd: Command, depth: int,
               default: str = "unknown") -> Hit:
        """A script judged by its name (TAXONOMY.md tie-breaker 3)."""
        path = unquote(path)
        parts = [p for p in PATH_SEP.split(path) if p and p not in (".", "..")]
        base = SCRIPT_EXT.sub("", parts[-1]) if parts else path
        shown = short(parts[-1] if parts else path, 40)
        found = kind_from_words(words_of(base))
        if found == ("dependencies", "install") and _installs_a_tool(words_of(base)):
            # `ci/install-hub.sh`, `install_rust.sh`: the script puts one tool in place
            found = ("toolchain", " ".join(words_of(base)).lower())
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
                found = kind_from_words(words_of(unquote(positionals[0])))
                plain = list(itertools.takewhile(_PROGRAM_NAME.match, positionals[:4]))
                if len(plain) > 1:
                    # `bin/sandbox make build push`: a verb and its object across the
                    # leading plain words (not an inline script given as an argument)
                    pair = kind_from_words(words_of(" ".join(plain)))
                    if pair is not None and " " in pair[1]:
                        found = pair
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
        if found[0] == "build" and _TEST_FLAGS.intersection(a.lower() for a in args) \
                and not _SHIP_FLAGS.intersection(a.lower() for a in args):
            # `build.ps1 -restore -test`, `build.sh --test`: the build script runs the tests
            return Hit("test", 0.6, f"runs script `{shown}` with its test flag", 2)
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
                found = kind_from_words(words_of(unquote(folder))) if folder else None
                if found is not None and found[0] in ("generate", "test", "lint", "analysis"):
                    return Hit(found[0], 0.6, f"runs `{prog}` in {short(folder, 30)}", 2)
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
            found = self._target_kind(table, name, family)
            if found is not None and (best is None or RANK[found[0]] < RANK[best[0]]):
                best = found
        shown = short(f"{prog} {' '.join(names[:3])}", 40)
        if best is None:
            if "*" in table:  # tox and nox environments run tests unless named otherwise
                return Hit(table["*"], 0.7, f"runs `{shown}`", 2)
            return Hit("unknown", 0.35, f"runs `{shown}`", 2)
        exact = best[1] == "exact"
        return Hit(best[0], 0.85 if exact else 0.65, f"runs `{shown}`", 2)

    def _target_kind(self, table: dict[str, str], name: str,
                     family: str = "") -> tuple[str, str] | None:
        low = name.lower()
        if low in table:
            return table[low], "exact"
        if family == "mvn" and ":" in low and low.rsplit(":", 1)[1] in _MVN_JAR_GOALS:
            return "build", "exact"
        if family in T.RELEASE_TARGET_FAMILIES:
            release = _release_target(name)
            if release is not None:
                return release
        if low in T.WORD_KINDS and low not in T.TOOL_WORDS:
            return T.WORD_KINDS[low], "exact"  # `make bundle` bundles (bundler installs)
        spec = T.COMMANDS.get(low)
        if spec is not None and not spec.get("*", "@").startswith("@") and spec["*"] != "unknown":
            return spec["*"], "exact"  # `make tflint`, `npm run eslint`
        verb = _CAMEL_HEAD.match(name.rsplit(":", 1)[-1])
        if verb and verb.group(1).lower() in table:
            # gradle-style `assembleRelease`, `connectedDebugAndroidTest`: the verb leads
            return table[verb.group(1).lower()], "exact"
        segments = [s for s in _TASK_SEP.split(low) if s]
        found = [(table[s], "exact") for s in segments if s in table]
        parts = {w.lower() for w in words_of(name)}
        if len(parts) > 1 and _FORMAT_WORDS.intersection(parts) \
                and parts - _FORMAT_WORDS <= _CHECK_WORDS:
            # `make test_formatted`, `check-format`, `fmt-check`: a format check (lint)
            return "lint", "exact"
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
        return min(found, key=lambda f: IDENT_RANK.get(f[0], 99))

    def _cmdlet(self, prog: str, verb: str, noun: str) -> Hit | None:
        found = kind_from_words(words_of(noun))
        shown = short(prog, 40)
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
                return Hit(found[0], 0.5, f"runs `{shown} {short(sub, 30)}`", 2)
        found = kind_from_words(words_of(prog))
        if found is not None and found[0] not in ("toolchain",):
            return Hit(found[0], 0.45, f"runs `{shown}`", 2)
        if sub and len(sub) < 60:
            # a subcommand read as a task name (`tool buildDocs`, `tool ci:lint`) or a
            # program's name, after the program's own name had its say
            found = self._target_kind({}, sub)
            if found is not None:
                return Hit(found[0], 0.5, f"runs `{shown} {short(sub, 30)}`", 2)
        return Hit("unknown", 0.3, f"runs `{shown}`", 2)

    def _utility(self, prog: str, args: Sequence[str], cmd: Command, depth: int) -> Hit:
        kind = T.UTILITIES[prog]
        if prog == "xargs":
            # `find . -name lcov.info | xargs lcov ...`: the program xargs runs
            inner = self._skip_options(args, T.OPTION_VALUES.get("xargs", frozenset()))
            hit = self.words(inner, cmd, depth + 1) if inner else None
            if hit is not None and hit.weight == 2 and hit.kind != "unknown":
                return hit
        elif prog == "base64" and _DECODES.intersection(args) and _redirect_target(args):
            # `echo "$KEYSTORE_B64" | base64 --decode > release.jks`: a secret put in a file
            return Hit("credentials", 0.65, "decodes a secret into a file", 1)
        elif prog in _IN_PLACE_EDITORS and any(_IN_PLACE.match(a) for a in args):
            # `sed -i`, `yq -i`: the job edits its own files (a version set in them decides)
            if "version" in cmd.raw.lower():
                return Hit("decide", 0.5, f"sets a version in files with `{prog}`", 1)
            return Hit("toolchain", 0.6, f"edits files in place with `{prog}`", 0)
        elif prog in ("diff", "cmp") and not cmd.piped_to and not cmd.piped_from \
                and len([a for a in args if not a.startswith("-")]) == 2 \
                and not _redirect_target(args):
            # `diff README.md README.md.new` alone fails the step when the files differ
            return Hit("lint", 0.55, "fails when two files differ", 1)
        if prog in ("echo", "printf", "write-host", "write-output", "cat") and cmd.piped_to:
            # `echo $PASSWORD | docker login`, `cat lcov.info | coveralls`: the
            # receiving command speaks for both
            return Hit(kind, 0.5, "prints", 0)
        if "/etc/" in cmd.raw and prog in _ETC_WRITERS and _ETC_WRITE.search(cmd.raw):
            return Hit("toolchain", 0.7, "configures the runner (writes /etc)", 1)
        target = _redirect_target(args) if prog in _WRITERS else ""
        if target:
            if _SECRET_VALUE.search(cmd.raw):
                # `echo "$SSH_KEY" > /tmp/key`, `echo "${{ secrets.X }}" > keys.properties`:
                # a secret put in a file, whatever the file is called
                return Hit("credentials", 0.7, "writes a secret into a file", 1)
            return _written(target)
        if prog in ("sleep", "start-sleep", "wait"):
            return Hit("metadata", 0.8, "waits", 0)
        if prog in ("echo", "printf", "write-host", "write-output", "cat", "ls", "pwd"):
            return Hit("metadata", 0.8, "prints information", 0)
        if prog in ("cd", "pushd", "popd", "set-location", "push-location", "pop-location"):
            return Hit("metadata", 0.7, "changes directory", 0)
        if prog == "set":
            return Hit("metadata", 0.8, "sets shell options", 0)
        if prog in _FILE_MOVES or prog == "expand-archive":
            destination = _move_destination(args)
            var = _VAR_REF.match(destination)
            if _PUBLISHED_DIR.search(destination):
                # OneBranch uploads what its output directory holds when the job ends
                return Hit("artifact-upload", 0.6, "copies files into the published output", 2)
            if var is not None and var.group(1).lower() in self._published:
                # the same through a variable: weaker than a build the step also runs
                return Hit("artifact-upload", 0.55, "copies files into the published output", 1)
        if prog in _FILE_MOVES:
            paths = " ".join(unquote(a) for a in args if not a.startswith("-"))
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
                return api_kind(low, True, f"`{prog}`")
            if uploads:
                return Hit("publish", 0.65, f"uploads a file with `{prog}`", 2)
            if _RELEASE_URL_VAR.search(joined):
                # `curl --request POST ... ${RELEASE_LINKS_URL}`: a URL kept in a variable
                # named for the release adds to the release
                return Hit("publish", 0.6, f"adds to a release with `{prog}`", 2)
            return Hit("notify", 0.5, f"sends a request with `{prog}`", 2)
        receiver = program_of(cmd.piped_to)[0]
        if receiver in _INSTALLER_SHELLS:
            return Hit("toolchain", 0.75, f"runs an installer fetched with `{prog}`", 2)
        if _RELEASE_ASSET.search(low):
            # a file attached to a GitHub or GitLab release: a tool's binary for the job
            return Hit("toolchain", 0.7, f"downloads a released tool with `{prog}`", 2)
        if receiver in T.EXTRACT_PROGRAMS:
            return Hit("dependencies", 0.65, f"downloads and unpacks with `{prog}`", 2)
        if prog in _SAVING_DOWNLOADERS or _HTTP_SAVE.search(joined) or _ARCHIVE_URL.search(low):
            return Hit("dependencies", 0.65, f"downloads with `{prog}`", 2)
        return Hit("metadata", 0.5, f"queries a URL with `{prog}`", 1)

    def _forge_api(self, prog: str, args: Sequence[str], cmd: Command) -> Hit:
        low = " ".join(args).lower()
        writes = _API_WRITE.search(" ".join(args)) is not None
        return api_kind(low, writes, f"`{prog} api`")

    # -- whole scripts ----------------------------------------------------------------
    def script_text(self, text: str, depth: int = 0) -> Hit | None:
        hits = [h for c in split_commands(text) if (h := self.command(c, depth)) is not None]
        return choose(hits, None)[0] if hits else None


# An object-storage location: a bucket URL, or an HTTPS endpoint of a storage service.
_BUCKET = LazyPattern(r"(^|[\s='\"])(gs|s3|s3a|s3n|az|abfss?|wasbs?|oss|cos|r2|b2|minio)://|"
                     r"https://[^\s/'\"]*(\.blob\.core\.windows\.net|\.amazonaws\.com|"
                     r"storage\.googleapis\.com|\.r2\.cloudflarestorage\.com)", re.I)


def _cmake_target(args: Sequence[str]) -> str:
    """The target of `cmake --build dir --target run-format` (or `-t name`)."""
    for i, a in enumerate(args):
        if a in ("--target", "-t") and i + 1 < len(args):
            return unquote(args[i + 1])
        if a.startswith("--target="):
            return unquote(a.split("=", 1)[1])
    return ""


def _from_storage(positionals: Sequence[str]) -> bool:
    """A copy whose sources include a bucket and whose destination (the last operand)
    is local: it downloads."""
    if len(positionals) < 2 or _BUCKET.search(positionals[-1]):
        return False
    return any(_BUCKET.search(p) for p in positionals[:-1])


def _storage_tool(prog: str, args: Sequence[str]) -> str | None:
    """A tool no table knows whose name says it uploads or fetches, given a bucket
    (`gcs-uploader --location=gs://b/x`, `s3-fetch s3://b/k`): it moves the job's files
    to or from storage, as upload-artifact and download-artifact do."""
    if not any(_BUCKET.search(a) for a in args):
        return None
    ws = set(words_of(prog))
    if ws & T.UPLOAD_WORDS:
        return "artifact-upload"
    if ws & T.FETCH_WORDS:
        return "artifact-download"
    return None


_CONNECTIVES = frozenset("a an and the of to for on in with from by via run do all new ci "
                         "job step task tasks main default".split())


_DOCUMENT_FILE = LazyPattern(r"\.(html?|md|markdown|rst|adoc|css|svg)['\"]?$", re.I)


def _written(target: str) -> Hit:
    """What writing shell output to ``target`` is: a credentials file, a document
    (content the job makes), or else a file that prepares the environment."""
    if _SECRET_FILE.search(target):
        return Hit("credentials", 0.7, "writes a credentials file", 1)
    if _DOCUMENT_FILE.search(target):
        return Hit("generate", 0.5, "writes a document", 0)
    return Hit("toolchain", 0.6, "writes a file", 0)

# Output folders the CI system uploads as the job's artifacts by itself.
_PUBLISHED_DIR = LazyPattern(r"ob_outputdirectory", re.I)
_VAR_REF = LazyPattern(r"^\$(?:env:)?\{?(\w+)")


def _move_destination(args: Sequence[str]) -> str:
    """Where `cp a b`, `Copy-Item -Path a -Destination b` or `mv a b` puts files."""
    for i, a in enumerate(args):
        if a.lower() in ("-destination", "-dest", "--target-directory", "-t",
                         "-destinationpath") \
                and i + 1 < len(args):
            return unquote(args[i + 1])
    plain = [a for a in _without_redirects(args) if not a.startswith("-")]
    return unquote(plain[-1]) if len(plain) > 1 else ""


_CMD_COMPARE = frozenset("== equ neq lss leq gtr geq".split())


def _after_cmd_condition(words: list[str]) -> list[str]:
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


def _release_target(name: str) -> tuple[str, str] | None:
    """A task named after a release (`make release-cli`, `make podman-release`).

    Releasing alone (`release`), or to a place (`release_s3`, `docker-release`),
    publishes; making "the release of" something that is no place (a binary, a
    platform, the artifacts) builds it, and a word with a kind of its own
    (`release-test`, `release-checksums`) says what the task does.
    """
    ws = words_of(name)
    if not any(w in T.RELEASE_WORDS for w in ws):
        return None
    # platform words (`release-linux-amd64`) name a thing built; connectives do not
    rest = [w for w in ws if w not in T.RELEASE_WORDS and w not in _CONNECTIVES
            and not w.isdigit()]
    if not rest or any(w in T.RELEASE_DESTINATIONS for w in rest):
        return "publish", "release"
    found = kind_from_words(rest)
    if found is not None:
        return found
    return "build", f"release {rest[0]}"


_RELEASE_URL_VAR = LazyPattern(r"\$\{?[A-Z0-9_]*RELEASES?_[A-Z0-9_]*(URL|API|ENDPOINT)\b")
_API_WRITE = LazyPattern(r"(-X|--method)\s+(post|put|patch|delete)|(^|\s)(-f|-F|--field|"
                        r"--raw-field|--input)\s", re.I)
_API_NOTIFY = LazyPattern(r"/statuses|/comments|/labels|/reactions|/dispatches|/check-runs|"
                         r"/assignees|/issues|/notes")
_API_PUBLISH = LazyPattern(r"/releases|/pulls|/merge|/git/refs|/git/tags|/contents|/tags")
_API_CHANGES = LazyPattern(r"/files|/compare|/changes")
ROUTE_WRITE = LazyPattern(r"\s*(post|put|patch|delete)\b", re.I)


def api_kind(endpoint: str, writes: bool, via: str) -> Hit:
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


def choose(hits: Sequence[Hit], name: str | None) -> tuple[Hit, list[Hit]]:
    """The hit that states the step's purpose, and the real-work hits it beat."""
    top = max(h.weight for h in hits)
    candidates = [h for h in hits if h.weight == top]
    best = min(candidates, key=lambda h: RANK[h.kind])
    real = [h for h in hits if h.weight == 2 and h.kind != "unknown"]
    if name and len({h.kind for h in real}) > 1:
        # the name may say which of several real commands the step is for
        # (expressions such as `${{ inputs.python-version }}` and weak words are no claim)
        stated = {k for k, w in kinds_in_words(name_words(name)) if w not in T.WEAK_WORDS}
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
