"""HTTP clients and mailers: a request judged by its URL and method (a chat webhook
notifies, an upload publishes, a download of an archive fetches dependencies, an
installer piped into a shell prepares the job)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit, Tag
from xops_lens.backends.rules.program import Call, Lookup, Program, Via, words_list
from xops_lens.backends.rules.programs.forges import api_kind
from xops_lens.backends.rules.shell import LazyPattern, program_of

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader

# Programs whose output piped into a shell is an installer from the web
# (`curl -fsSL https://.../install.sh | sh`); anything else piped into a shell is a script
# of unknown purpose.
DOWNLOADERS: frozenset[str] = frozenset(
    "curl wget iwr irm invoke-webrequest invoke-restmethod fetch aria2c".split()
)
# Programs that unpack what is piped into them (`curl -L x.tgz | tar xz`).
EXTRACT_PROGRAMS: frozenset[str] = frozenset(
    "unzip tar gunzip bunzip2 unxz zstd expand-archive 7z 7za gzip xz bzip2".split()
)
_LOCAL_URL = LazyPattern(r"https?://(localhost|127\.|0\.0\.0\.0|169\.254\.|\[::1\])")
_HTTP_UPLOAD = LazyPattern(r"(^|\s)(-t|--upload-file)\b|@[\w./$-]+\.(zip|tar|gz|whl|jar|tgz|deb|"
                          r"rpm|exe|dmg|msi)|(^|\s)(-f|--form)\s+['\"]?[\w.-]+=@")
_HTTP_SEND = LazyPattern(r"(^|\s)(-x|--request|--method)\s*['\"]?(post|put|patch|delete)|(^|\s)"
                        r"(-d|--data[\w-]*|-f|--form|--json|--post-data|--post-file|"
                        r"--body-data|-body)\b")
_CHAT_HOOK = LazyPattern(r"hooks\.slack\.com|slack\.com/api|discord(app)?\.com/api/webhooks|webhook|"
                        r"office\.com|chat\.googleapis|api\.telegram|mattermost|"
                        r"teams\.microsoft|sendgrid|mailgun|ntfy")
# services a job sends results to (coverage, static analysis builds)
_COVERAGE_SERVICE = LazyPattern(r"codecov|coveralls|sonarcloud|scan\.coverity\.com")
_FORGE_API = LazyPattern(r"api\.github\.com|/api/v\d/|/repos/|/projects/")
# curl's -O (capital) saves under the remote name; PowerShell's -OutFile in any case
_HTTP_SAVE = LazyPattern(r"(^|\s)(-o|--output|--remote-name|--output-document)\s+(?!-)|"
                        r"(^|\s)-[oO][uU][tT][fF][iI][lL][eE]\b|(^|\s)-[a-zA-Z]*O[a-zA-Z]*\b")
_ARCHIVE_URL = LazyPattern(r"\.(tar\.gz|tgz|zip|deb|rpm|whl|jar|war|exe|msi|pkg|dmg|tar\.xz|"
                          r"tar\.bz2|7z|appimage)\b")
_RELEASE_ASSET = LazyPattern(r"https://github\.com/[^\s/]+/[^\s/]+/releases/download/|"
                            r"/-/releases/[^\s]*/downloads/")
_RELEASE_URL_VAR = LazyPattern(r"\$\{?[A-Z0-9_]*RELEASES?_[A-Z0-9_]*(URL|API|ENDPOINT)\b")
# what runs a download it is piped: a shell always runs it as a script; an interpreter
# may as well read it as data, so only a URL named for installing makes it an installer
_SHELLS = frozenset("sh bash dash zsh sudo iex invoke-expression".split())
_INTERPRETERS = frozenset("python python3 php perl ruby node".split())
_INSTALLER_URL = LazyPattern(r"install|setup|get[-.]|bootstrap|\.(sh|py|php|pl|rb|ps1)\b")
# `wget -qO- URL`, `curl -o - URL`: the body goes to standard output, no file is kept
_TO_STDOUT = LazyPattern(r"(^|\s)(-[a-zA-Z]*O-|-[a-zA-Z]*[oO]\s+-(\s|$)|"
                         r"--output(-document)?[= ]-(\s|$))")
_SAVING_DOWNLOADERS = frozenset("wget invoke-webrequest iwr start-bitstransfer".split())


def _downloads(kind: str, confidence: float, why: str) -> Hit:
    return Hit(kind, confidence, why, 2, Tag.DOWNLOADS)


def request(reader: Reader, call: Call, found: Lookup) -> Hit:
    """An HTTP request (Via.HTTP) judged by its URL, method and what reads its output."""
    prog, args, cmd = call.prog, call.args, call.cmd
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
    if receiver in _SHELLS or (receiver in _INTERPRETERS and _INSTALLER_URL.search(low)):
        # `curl ... | sh`, `curl https://getcomposer.org/installer | php`
        return Hit("toolchain", 0.75, f"runs an installer fetched with `{prog}`", 2)
    if _RELEASE_ASSET.search(low):
        # a file attached to a GitHub or GitLab release: a tool's binary for the job
        return _downloads("toolchain", 0.7, f"downloads a released tool with `{prog}`")
    if receiver in EXTRACT_PROGRAMS:
        return _downloads("dependencies", 0.65, f"downloads and unpacks with `{prog}`")
    to_stdout = _TO_STDOUT.search(joined) is not None
    if (prog in _SAVING_DOWNLOADERS and not to_stdout) or (
            _HTTP_SAVE.search(joined) and not to_stdout) or _ARCHIVE_URL.search(low):
        return _downloads("dependencies", 0.65, f"downloads with `{prog}`")
    return Hit("metadata", 0.5, f"queries a URL with `{prog}`", 1)


DIRECTIVES = {Via.HTTP: request}


PROGRAMS: tuple[Program, ...] = (
    Program("curl", {"*": Via.HTTP},
            options=words_list("--cacert --cert --config --connect-timeout --cookie "
                               "--cookie-jar --create-dirs --data --data-binary --data-raw "
                               "--data-urlencode --form --header --json --key --max-time "
                               "--output --output-dir --referer --request --retry --retry-delay "
                               "--upload-file --user --user-agent --write-out -A -F -H -K -T -X "
                               "-b -c -d -e -m -o -u -w")),
    Program("wget", {"*": Via.HTTP},
            options=words_list("--append-output --directory-prefix --header --output-document "
                               "--output-file --timeout --tries --user-agent -O -P -T -U -a -o "
                               "-q -t")),
    Program("http", {"*": Via.HTTP}),
    Program("invoke-webrequest", {"*": Via.HTTP}),
    Program("invoke-restmethod", {"*": Via.HTTP}),
    Program("iwr", {"*": Via.HTTP}),
    Program("irm", {"*": Via.HTTP}),
    Program("start-bitstransfer", {"*": "dependencies"}),
    Program("slack", {"*": "notify"}),
    Program("apprise", {"*": "notify"}),
    Program("sendmail", {"*": "notify"}),
    Program("mail", {"*": "notify"}),
    Program("mailx", {"*": "notify"}),
)
