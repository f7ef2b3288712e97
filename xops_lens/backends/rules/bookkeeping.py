"""Bookkeeping a command does for the CI system and the script: step outputs, job
environment, pipeline variables and results (GitHub, Azure Pipelines, Tekton), values
assigned to variables, and the kind of a value computed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit, Tag
from xops_lens.backends.rules.programs.http import DOWNLOADERS
from xops_lens.backends.rules.shell import LazyPattern, program_of

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader

_SUBST = LazyPattern(r"(?:\$\(|`|\|)\s*([\w./\\-]+)")
# `$(Build.SourcesDirectory)`, `$(BuildArchitecture)`: an Azure Pipelines macro, no command
_AZURE_MACRO = LazyPattern(r"\$\((?:[A-Z][\w.]*|[a-z][a-z0-9_]*[A-Z.][\w.]*)\)")  # $(ob_outputDirectory)
# `$(...)` with up to two levels of parentheses inside, as the shell reader's words hold
_SUBSTITUTION = LazyPattern(r"\$\((?!\()((?:[^()]|\((?:[^()]|\([^()]*\))*\))*)\)")
_CHECKSUMS = frozenset("sha256sum sha512sum sha1sum sha224sum sha384sum md5sum shasum b2sum "
                       "cksum".split())
# A command that yields a credential names itself (`crane auth login`, `aws ecr
# get-login-password`, `gcloud auth print-access-token`, `vault kv get`)
_CREDENTIAL_WORDS = ("login", "auth", "token", "password", "credential", "secret", "vault",
                     "sas")
_CACHE_LOCATION = LazyPattern(r"\$\([\w.-]+\s+(config\s+(--global\s+)?(get\s+)?(cache[-_]?dir|"
                              r"cachefolder|cache)\b|cache\s+dir\b|store\s+path\b|"
                              r"env\s+GO(MOD)?CACHE\b)", re.I)
# Programs whose output decides something when a value is computed with them
# (`NAME=$(echo $REF | sed ...)`); reading a value with anything else is metadata.
DECIDING_PROGRAMS: frozenset[str] = frozenset(
    "sed awk gawk jq yq cut shasum sha1sum sha256sum md5sum python node expr bc perl ruby "
    "semver printf openssl uuidgen".split()
)
# Programs that read or compute, used when a computed value ($(...)) decides.
TRIVIAL_SUBSTITUTIONS: frozenset[str] = frozenset(
    "pwd cygpath realpath readlink dirname basename nproc uname whoami id mktemp cat "
    "echo printf ls which command hostname getconf sysctl".split()
)


# a secret or token among what a line writes to the job's environment
_SECRET_IN_ENV = LazyPattern(r"secrets\.|GHX_SECRET|token|passw(or)?d|secret|api_?key|"
                             r"private_?key|credential", re.I)


def _tagged(kind: str, confidence: float, tag: Tag, weight: int) -> Hit:
    return Hit(kind, confidence, tag.value, weight, tag)


def ci_file_write(reader: Reader, raw: str) -> Hit | None:
    """A command line that writes one of the CI system's files or workflow commands."""
    low = raw.lower()
    if "github_output" in low or "::set-output" in low:
        if "$(" in raw and _CACHE_LOCATION.search(raw):
            # `dir=$(composer config cache-dir)`, `$(yarn cache dir)`: where a tool
            # keeps its cache, looked up for a cache step; nothing is decided
            return Hit("metadata", 0.65, "reads a tool's cache location into step outputs", 1)
        if "$(" in raw and _only_file_reads(substitution_programs(raw)):
            # `tag=$(cat ./VERSION)`, `sdist_name=$(ls ./dist)`: a value read from a
            # file or a listing is handed on as it was; nothing is decided
            return Hit("metadata", 0.65, "reads a file into step outputs", 1)
        if "$(" in raw:
            # the value's command says more: `hash=$(sha256sum dist/*)` checksums
            # (build), `sha=$(./get-last-commit.sh)` only reads
            work = substituted_work(reader, raw)
            if work is not None:
                return work
            if _substitution_reads(raw):
                return _tagged("decide", 0.7, Tag.WRITES_READ_OUTPUT, 1)
        if "$" not in raw.replace("$GITHUB_OUTPUT", "").replace("${GITHUB_OUTPUT}", "") \
                and "`" not in raw and ">>" in raw:
            # `echo "dependencies={}" >> $GITHUB_OUTPUT`: a constant handed on decides
            # nothing (tie-breaker 8: setting variables to constants is toolchain)
            return _tagged("toolchain", 0.6, Tag.WRITES_CONSTANT, 1)
        return _tagged("decide", 0.7, Tag.WRITES_OUTPUTS, 1)
    if "::add-matcher::" in low or "::remove-matcher" in low:
        # registers a problem matcher: the runner prepared to annotate later output
        return Hit("toolchain", 0.8, "registers a problem matcher", 1)
    if "github_step_summary" in low:
        return Hit("report", 0.7, "writes the job summary", 1)
    if "github_env" in low or "github_path" in low or "::add-path" in low or "::set-env" in low:
        if "github_env" in low and _SECRET_IN_ENV.search(raw):
            # `echo "TF_VAR_token=${{ steps.app.outputs.token }}" >> $GITHUB_ENV`: a secret
            # put into a variable for later steps (TAXONOMY tie-breaker 8)
            return Hit("credentials", 0.7, "puts a secret into the environment", 1)
        return _tagged("toolchain", 0.7, Tag.SETS_ENV, 1)
    if "##vso[task.setvariable" in low:
        return _tagged("decide", 0.7, Tag.SETS_VARIABLE, 1)
    if "##vso[task.prependpath" in low:
        return Hit("toolchain", 0.7, "adds to PATH for later steps", 1)
    if "##vso[artifact.upload" in low:
        return Hit("artifact-upload", 0.8, "uploads a pipeline artifact", 2)
    if "##vso[task.uploadsummary" in low or "##vso[task.addattachment" in low:
        return Hit("report", 0.7, "attaches a summary", 1)
    if "##vso[build.updatebuildnumber" in low or "##vso[build.addbuildtag" in low:
        return Hit("decide", 0.6, "sets the build number or tag", 1)
    return None


def _only_file_reads(programs: Sequence[str]) -> bool:
    """`$(cat VERSION)`, `$(ls ./dist)`: substitutions that only read a file or a listing."""
    return bool(programs) and all(p in ("cat", "ls") for p in programs)


def substituted_work(reader: Reader, text: str) -> Hit | None:
    """What a `$(...)` in ``text`` does when the value it captures is no mere value:
    a credential (`DOCKER_CONFIG=$(crane auth login ...)`,
    `TOKEN=$(aws codeartifact get-authorization-token ...)`) or the checksum of an
    artifact (`hash=$(sha256sum dist/*)`, tie-breaker 7: build). Other commands in a
    substitution mostly print (`$(git tag --list)`, `$(docker buildx imagetools
    inspect ...)`), whatever their program does elsewhere."""
    low = text.lower()
    if "sum" not in low and not any(w in low for w in _CREDENTIAL_WORDS):
        return None  # every checksum program's name holds "sum"
    for body in _SUBSTITUTION.findall(text):
        first = body.split(None, 1)[0] if body.strip() else ""
        if program_of(first)[0] not in _CHECKSUMS and not any(
                w in body.lower() for w in _CREDENTIAL_WORDS):
            continue  # most substitutions: no need to read them
        # a reader of its own: this one's memory of the command before is the step's
        hit = type(reader)(reader.functions, reader.variables).script_text(body, 1)
        if hit is None or hit.weight < 2 or hit.confidence < 0.7:
            continue
        if hit.kind == "credentials" or (
                hit.kind == "build" and program_of(body.split(None, 1)[0])[0] in _CHECKSUMS):
            return hit
    return None


def substitution_programs(text: str) -> list[str]:
    return [program_of(m.group(1))[0] for m in _SUBST.finditer(text)
            if not _AZURE_MACRO.match(text, m.start())]


# a parameter expansion that cuts or rewrites the value (`${X::7}`, `${X#v}`, `${X/a/b}`)
# (a default, `${X:-v}`, is no rule of its own)
_PARAMETER_OP = LazyPattern(r"\$\{[^}]*([#%/^,]|:\d|: -\d)[^}]*\}")


def _substitution_reads(text: str) -> bool:
    """Whether the `$(...)` of ``text`` only reads a value: from the web or an API
    (`$(curl $API/commits | jq length)`: the filters pick from what was read), or
    with programs that compute nothing."""
    programs = substitution_programs(text)
    if not programs:
        return False
    if programs[0] in DOWNLOADERS:
        return True
    return not any(p in DECIDING_PROGRAMS for p in programs) \
        and bool(set(programs) - TRIVIAL_SUBSTITUTIONS)


def assignment(reader: Reader, assigned: Sequence[str], exported: bool) -> Hit:
    """`VAR=$(...)`: transforming a value decides; only reading one is metadata."""
    if any("$(" in a for a in assigned):
        work = substituted_work(reader, " ".join(assigned))
        if work is not None:
            return work
    programs = [p for a in assigned for p in substitution_programs(a)]
    if programs and programs[0] in DOWNLOADERS:
        return _tagged("metadata", 0.5, Tag.READS_VALUE, 1)
    if any(p in DECIDING_PROGRAMS for p in programs) or any("$((" in a for a in assigned):
        return Hit("decide", 0.55, "computes a value", 1)
    if set(programs) - TRIVIAL_SUBSTITUTIONS:
        return _tagged("metadata", 0.5, Tag.READS_VALUE, 1)
    if exported:
        values = [a.split("=", 1)[1] for a in assigned if "=" in a]
        if any(_PARAMETER_OP.search(v) for v in values):
            # `export TAG=${COMMIT::7}`, `${REF#refs/tags/}`: a new value derived by a
            # rule of the step's own (tie-breaker 8)
            return Hit("decide", 0.6, "derives a value for later steps", 1)
        if not any("$" in v or "`" in v for v in values):
            # constants: the job's environment prepared (tie-breakers 6 and 8)
            return Hit("toolchain", 0.8, "sets environment variables to constants", 1,
                       Tag.EXPORTS)
        return Hit("toolchain", 0.7, "sets environment variables", 1, Tag.EXPORTS)
    return Hit("metadata", 0.4, "sets a shell variable", 0)

