"""Shell built-ins and small utilities: they prepare, read or print, and almost never are
the step's purpose (weight 0). Their special cases: what xargs and find run, archives
packed with tar, secrets decoded or written into files, files edited in place, copied
into a published output, and runner tools deleted to free disk space."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit, Tag, ran
from xops_lens.backends.rules.program import NEXT, Call, Program, _Next
from xops_lens.backends.rules.shell import (
    LazyPattern,
    redirect_target,
    unquote,
    without_redirects,
)
from xops_lens.backends.rules.words import kind_from_words, words_of

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader

_WRITERS = frozenset("echo printf cat write-output tee".split())
_ETC_WRITERS = frozenset("echo printf cat tee sed cp mv ln install".split())
_ETC_WRITE = LazyPattern(r"(\btee\b(\s+-a)?|>>?)\s*['\"]?/etc/|\bsed\s+-i\S*\s.*\s/etc/")
_SECRET_FILE = LazyPattern(r"\.ssh/|id_rsa|id_ed25519|\.netrc|\.npmrc|\.pypirc|credentials|"
                          r"\.docker/config|kubeconfig|\.kube/config|\.gnupg|token|\.pem\b|"
                          r"\.key\b|\.p12\b|keystore", re.I)
_SECRET_VALUE = LazyPattern(r"GHX_SECRET|\$\{?[A-Z0-9_]*(TOKEN|SECRET|PASSWORD|PASSWD|SSH|"
                            r"CREDENTIAL|PRIVATE|DATABASE_URL|DB_URL|DSN|CONNECTION_STRING|"
                            r"(ACCESS|API|DEPLOY|SIGNING|GPG|PGP)_?KEY)")
# Variables through which a CI system hands the job its ref, commit or run number:
# written to a file as they are, they are read, not decided (TAXONOMY tie-breaker 8).
_CI_VALUE = LazyPattern(r"(BITBUCKET_(TAG|COMMIT|BRANCH|BUILD_NUMBER)|"
                        r"CI_COMMIT_(TAG|SHA|SHORT_SHA|REF_NAME|BRANCH)|CI_PIPELINE_I?ID|"
                        r"GITHUB_(SHA|REF|REF_NAME|RUN_NUMBER|RUN_ID)|CIRCLE_(TAG|SHA1|BRANCH|"
                        r"BUILD_NUM)|(DRONE|TRAVIS|BUILDKITE|CI)_(TAG|COMMIT|BRANCH|BUILD_NUMBER)|"
                        r"BUILD_(BUILDNUMBER|SOURCEVERSION|SOURCEBRANCH(NAME)?))$")
_ANY_VAR = LazyPattern(r"\$\{?(\w+)")


def _only_ci_values(raw: str) -> bool:
    """`echo "APP_VERSION=$BITBUCKET_TAG" >> .env`: every variable written is one the CI
    system gives (the ref, the commit, the run number)."""
    names = _ANY_VAR.findall(raw)
    return bool(names) and all(_CI_VALUE.match(n) is not None for n in names)


_DOCUMENT_FILE = LazyPattern(r"\.(html?|md|markdown|rst|adoc|css|svg)['\"]?$", re.I)
# Output folders the CI system uploads as the job's artifacts by itself.
PUBLISHED_DIR = LazyPattern(r"ob_outputdirectory", re.I)
_VAR_REF = LazyPattern(r"^\$(?:env:)?\{?(\w+)")
_FILE_MOVES = frozenset("mv cp copy copy-item move-item xcopy robocopy rsync-local".split())
_IN_PLACE_EDITORS = frozenset(("sed", "yq"))
_IN_PLACE = LazyPattern(r"^(-[a-zA-Z]*i\S*|--in-?place(=.*)?|-pi\S*)$")
_DECODES = frozenset(("-d", "--decode", "-D", "-di", "-id"))
# `tar -czf`, `tar czf`, `tar --create`: the first option word creates an archive
_TAR_CREATE = LazyPattern(r"^(--create$|-?[a-zA-Z]*c[a-zA-Z]*$)")
_PROJECT_PATH = LazyPattern(r"^['\"]?(\.{1,2}|[\w.-]*\w)[/\\]")  # `scripts/test`, `./x`, `../bin/y`
_RUNNER_TOOLS = LazyPattern(r"/usr/share/dotnet|/opt/ghc\b|/opt/hostedtoolcache|"
                            r"/usr/local/lib/android|/usr/local/share/boost|"
                            r"AGENT_TOOLSDIRECTORY|/usr/local/\.ghcup|/opt/microsoft/msedge")


def written(target: str) -> Hit:
    """What writing shell output to ``target`` is: a credentials file, a document
    (content the job makes), or else a file that prepares the environment."""
    if _SECRET_FILE.search(target):
        return Hit("credentials", 0.7, "writes a credentials file", 1)
    if _DOCUMENT_FILE.search(target):
        return Hit("generate", 0.5, "writes a document", 0)
    return Hit("toolchain", 0.6, "writes a file", 0)


def _move_destination(args: Sequence[str]) -> str:
    """Where `cp a b`, `Copy-Item -Path a -Destination b` or `mv a b` puts files."""
    for i, a in enumerate(args):
        if a.lower() in ("-destination", "-dest", "--target-directory", "-t",
                         "-destinationpath") \
                and i + 1 < len(args):
            return unquote(args[i + 1])
    plain = [a for a in without_redirects(args) if not a.startswith("-")]
    return unquote(plain[-1]) if len(plain) > 1 else ""


def utility(reader: Reader, call: Call) -> Hit | _Next:
    """A utility judged by what it does to files and output; shared by every utility."""
    prog, args, cmd, depth = call.prog, call.args, call.cmd, call.depth
    kind = reader.utilities[prog]
    if call.is_path and kind == "metadata" and _PROJECT_PATH.match(call.words[0]):
        # `scripts/test` is the project's script named for testing, not the builtin;
        # `/usr/bin/test` is the builtin, and `./aws/install`, named for preparing,
        # prepares either way
        return NEXT
    if prog == "xargs":
        # `find . -name lcov.info | xargs lcov ...`: the program xargs runs
        inner = reader.skip_options(args, reader.options.get("xargs", frozenset()))
        hit = reader.words(inner, cmd, depth + 1) if inner else None
        if hit is not None and hit.weight == 2 and hit.kind != "unknown":
            return hit
    elif prog == "base64" and _DECODES.intersection(args) and redirect_target(args):
        # `echo "$KEYSTORE_B64" | base64 --decode > release.jks`: a secret put in a file
        return Hit("credentials", 0.65, "decodes a secret into a file", 1)
    elif prog in _IN_PLACE_EDITORS and any(_IN_PLACE.match(a) for a in args):
        # `sed -i`, `yq -i`: the job edits its own files (a version set in them decides)
        if "version" in cmd.raw.lower():
            return Hit("decide", 0.5, f"sets a version in files with `{prog}`", 1)
        return Hit("toolchain", 0.6, f"edits files in place with `{prog}`", 0)
    elif prog in ("diff", "cmp") and not cmd.piped_to and not cmd.piped_from \
            and len([a for a in args if not a.startswith("-")]) == 2 \
            and not redirect_target(args):
        # `diff README.md README.md.new` alone fails the step when the files differ
        return Hit("lint", 0.55, "fails when two files differ", 1)
    if prog in ("echo", "printf", "write-host", "write-output", "cat") and cmd.piped_to:
        # `echo $PASSWORD | docker login`, `cat lcov.info | coveralls`: the
        # receiving command speaks for both
        return Hit(kind, 0.5, "prints", 0)
    if "/etc/" in cmd.raw and prog in _ETC_WRITERS and _ETC_WRITE.search(cmd.raw):
        return Hit("toolchain", 0.7, "configures the runner (writes /etc)", 1)
    target = redirect_target(args) if prog in _WRITERS else ""
    if target:
        if _SECRET_VALUE.search(cmd.raw):
            # `echo "$SSH_KEY" > /tmp/key`, `echo "${{ secrets.X }}" > keys.properties`:
            # a secret put in a file, whatever the file is called
            return Hit("credentials", 0.7, "writes a secret into a file", 1)
        if "$" in cmd.raw and _only_ci_values(cmd.raw):
            return Hit("metadata", 0.6, "writes a value the CI system gives into a file", 1)
        return written(target)
    if prog in ("sleep", "start-sleep", "wait"):
        return Hit("metadata", 0.8, "waits", 0)
    if prog in ("echo", "printf", "write-host", "write-output", "cat", "ls", "pwd"):
        return Hit("metadata", 0.8, "prints information", 0)
    if prog in ("cd", "pushd", "popd", "set-location", "push-location", "pop-location"):
        return Hit("metadata", 0.8, "changes directory", 0)
    if prog == "set":
        return Hit("metadata", 0.8, "sets shell options", 0)
    if prog in _FILE_MOVES or prog == "expand-archive":
        destination = _move_destination(args)
        var = _VAR_REF.match(destination)
        if PUBLISHED_DIR.search(destination):
            # OneBranch uploads what its output directory holds when the job ends
            return Hit("artifact-upload", 0.6, "copies files into the published output", 2)
        if var is not None and var.group(1).lower() in reader.published:
            # the same through a variable: weaker than a build the step also runs
            return Hit("artifact-upload", 0.55, "copies files into the published output", 1)
    if prog in _FILE_MOVES:
        paths = " ".join(unquote(a) for a in args if not a.startswith("-"))
        found = kind_from_words(words_of(paths))
        if found is not None and found[0] == "generate":
            return Hit("generate", 0.45, f"moves generated {found[1]} into place", 0)
        return Hit("toolchain", 0.6, Tag.MOVES_FILES.value, 0, Tag.MOVES_FILES)
    return ran(kind, 0.6, prog, 0)


def frees_disk(reader: Reader, call: Call) -> Hit | None | _Next:
    """`rm -rf /usr/share/dotnet /opt/ghc`: the runner's preinstalled tools deleted to
    free disk space prepare the job (rule 6), more than the sums around them."""
    if _RUNNER_TOOLS.search(call.cmd.raw):
        return Hit("toolchain", 0.75, "frees disk space on the runner", 2)
    return utility(reader, call) if call.prog in reader.utilities else NEXT


def _find(reader: Reader, call: Call) -> Hit | None | _Next:
    args = call.args
    if "-exec" in args or "-execdir" in args:
        # `find dir -type f -exec chmod +x {} +`: the command run on each file
        start = next(i for i, a in enumerate(args) if a in ("-exec", "-execdir"))
        inner = [a for a in args[start + 1:] if a not in ("{}", "+", ";", "\\;", "';'")]
        hit = reader.words(inner, call.cmd, call.depth + 1) if inner else None
        if hit is not None:
            return hit
    return utility(reader, call)


def _tar(reader: Reader, call: Call) -> Hit | None | _Next:
    args = call.args
    creates = any(_TAR_CREATE.match(a)
                  for a in args[:1] + [a for a in args[1:] if a.startswith("-")])
    if any("cache" in a.lower() for a in args):
        # `tar czf /build_cache/cache.tgz .gradle`, `tar xzf cache.tgz`: a cache packed to
        # be stored, or unpacked after it was fetched (TAXONOMY tie-breaker 5)
        if creates:
            return Hit("cache-save", 0.6, "packs a cache with `tar`", 1)
        return Hit("cache-restore", 0.6, "unpacks a cache with `tar`", 1)
    if creates:
        # `tar -czf dist.tgz build/`: packing an archive packages (build)
        return Hit("build", 0.6, "packs an archive with `tar`", 1, Tag.PACKS_ARCHIVE)
    return utility(reader, call)


_DELETERS = frozenset("rm rmz rmdir rd del".split())  # and PowerShell's remove-item
_SPECIAL = {"find": _find, "tar": _tar, **dict.fromkeys(_DELETERS, frees_disk)}


def _utilities(kind: str, names: str) -> tuple[Program, ...]:
    return tuple(Program(n, utility=kind, handler=_SPECIAL.get(n, utility))
                 for n in names.split())


PROGRAMS: tuple[Program, ...] = (
    *_utilities(
        "metadata",
        "echo printf print cat head tail less more pwd ls cd pushd popd sleep true false exit "
        "return test [ [[ : wait read shift local declare typeset readonly let eval trap set "
        "shopt unset alias break continue grep egrep fgrep rg sed awk gawk jq yq cut tr sort "
        "uniq wc tee find basename dirname realpath readlink date seq expr bc base64 xxd od "
        "hexdump diff cmp comm column rev fold fmt paste join split envsubst gettext ps kill "
        "pkill pgrep netstat ss lsof ping nslookup dig host mktemp tput clear nproc df du free "
        "lscpu lsb_release sw_vers uname hostname whoami id nvidia-smi rocm-smi systeminfo "
        "which where type printenv pkg-config"),
    *_utilities(
        "toolchain",
        "export mkdir rm rmdir cp mv ln touch chmod chown chgrp install umask unzip tar "
        "gunzip gzip bunzip2 bzip2 xz unxz zstd mount umount hdiutil-attach truncate dd "
        "mkfifo rsync-local icacls attrib rimraf compgen robocopy xcopy copy del rd md mklink "
        "cygpath wslpath subst git-lfs"),
    # not a utility: deleting the runner's tools is its only rule here
    Program("rmz", handler=frees_disk),
    Program("xargs", utility="metadata", handler=utility, options=frozenset(
        "-I -i -n -P -L -l -d -a -s -E -e --max-args --max-procs --delimiter --arg-file "
        "--max-chars".split())),
)
