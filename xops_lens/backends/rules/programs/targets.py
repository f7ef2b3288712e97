"""Task and target names: make, npm scripts, Maven goals, Gradle tasks, tox and nox
environments, setup.py commands, compose services, task runners (rake, just, mage...)
and Buildkite trigger steps. A name is read from the family's table, then as a release
task, then by its words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from xops_lens.backends.rules.data.words import TOOL_WORDS, WORD_KINDS
from xops_lens.backends.rules.hit import IDENT_RANK, RANK, Hit, ran
from xops_lens.backends.rules.program import NEXT, Call, Lookup, Program, Via, _Next
from xops_lens.backends.rules.shell import LazyPattern, option_values, program_of, unquote
from xops_lens.backends.rules.words import kind_from_words, short, words_of
from xops_lens.model import SUBSYSTEM_OF_KIND

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader

# Kinds of task and target names per tool family, before the word rules. "" is the
# tool run without a target.
TARGETS: dict[str, dict[str, str]] = {
    "make": {"": "build", "all": "build", "check": "test", "distcheck": "test",
             "install": "build", "dist": "build", "clean": "toolchain",
             "distclean": "toolchain", "html": "generate", "man": "generate",
             "pdf": "generate", "latex": "generate", "ci": "unknown", "default": "build",
             "release": "publish", "debug": "build", "cover": "analysis", "cov": "analysis",
             "coverage": "analysis",
             "deps": "dependencies", "vendor": "dependencies", "bench": "analysis",
             "format": "lint", "fmt": "lint", "vet": "lint", "tidy": "lint",
             "generate": "generate", "gen": "generate", "docs": "generate",
             "doc": "generate", "e2e": "test", "run": "unknown", "verify": "test",
             "audit": "analysis", "linkcheck": "lint", "spelling": "lint",
             "installcheck": "test", "unittest": "test", "unittests": "test"},
    "npm": {"": "unknown", "build": "build", "test": "test", "lint": "lint",
            "check": "lint", "typecheck": "lint", "tsc": "lint", "format": "lint",
            "prettier": "lint", "dev": "build", "start": "test", "ci": "test",
            "compile": "build", "dist": "build", "make": "build", "prepare": "build",
            "prepack": "build", "release": "publish", "publish": "publish",
            "deploy": "deploy", "docs": "generate", "coverage": "test",
            "cover": "test", "bench": "analysis", "benchmark": "analysis",
            "e2e": "test", "storybook": "generate", "size": "analysis",
            "madge": "lint", "knip": "lint", "changeset": "decide", "version": "decide",
            "codegen": "generate", "generate": "generate", "precheck": "lint",
            "audit": "analysis", "clean": "toolchain"},
    "mvn": {"": "build", "clean": "toolchain", "validate": "lint", "compile": "build",
            "test-compile": "build", "test": "test", "package": "build",
            "verify": "test", "install": "build", "deploy": "publish", "site": "generate",
            "site-deploy": "deploy", "javadoc": "generate", "sonar": "analysis",
            "dependency": "dependencies", "go-offline": "dependencies",
            "resolve": "dependencies", "tree": "metadata", "evaluate": "metadata",
            "help": "metadata", "checkstyle": "lint", "spotless": "lint",
            "check": "lint", "apply": "lint", "spotbugs": "analysis", "pmd": "analysis",
            "jacoco": "analysis", "report": "analysis", "dependency-check": "analysis",
            "aggregate": "analysis", "versions": "decide", "set": "decide",
            "release": "publish", "prepare": "publish", "perform": "publish",
            "integration-test": "test", "exec": "unknown", "java": "unknown",
            "enforce": "lint", "enforcer": "lint", "rat": "lint", "apache-rat": "lint",
            "license": "analysis", "revapi": "lint", "japicmp": "lint",
            "animal-sniffer": "lint", "modernizer": "lint", "formatter": "lint",
            "impsort": "lint", "owasp": "analysis", "nexus-staging": "publish",
            "gpg": "build", "sign": "build", "source": "build", "jar": "build",
            "assembly": "build", "single": "build", "jib": "publish",
            "build": "build", "dockerbuild": "build", "buildtar": "build",
            "wrapper": "toolchain", "buildplan": "metadata", "effective-pom": "metadata"},
    "gradle": {"": "build", "build": "build", "assemble": "build", "jar": "build",
               "shadowjar": "build", "bootjar": "build", "war": "build",
               "compilejava": "build", "compilekotlin": "build", "classes": "build",
               "test": "test", "check": "test", "connectedcheck": "test",
               "integrationtest": "test", "lint": "lint", "detekt": "lint",
               "ktlintcheck": "lint", "spotlesscheck": "lint", "spotlessapply": "lint",
               "checkstyle": "lint", "checkstylemain": "lint", "publish": "publish",
               "publishtomavenlocal": "build", "publishplugins": "publish",
               "uploadarchives": "publish", "javadoc": "generate", "dokka": "generate",
               "dokkahtml": "generate", "asciidoctor": "generate", "sonar": "analysis",
               "sonarqube": "analysis", "jacocotestreport": "analysis",
               "dependencies": "metadata", "clean": "toolchain", "wrapper": "toolchain",
               "installdist": "build", "distzip": "build", "jib": "publish",
               "release": "publish", "properties": "metadata", "tasks": "metadata",
               "projects": "metadata", "dependencyupdates": "metadata",
               "compile": "build", "package": "build", "stage": "build",
               "pmd": "lint", "pmdmain": "lint", "spotbugsmain": "analysis",
               # dependency-guard compares the resolved dependencies with a baseline
               "dependencyguard": "analysis", "dependencyguardbaseline": "generate",
               # gradle-play-publisher: `promoteReleaseArtifact` moves a release
               # between Play Store tracks
               "promote": "publish",
               # Android `bundleBlueRelease` builds an app bundle of a variant, as
               # `assembleRelease` builds an APK: the variant's name is no release
               "bundle": "build"},
    "tox": {"": "test", "*": "test", "lint": "lint", "style": "lint", "flake8": "lint", "mypy": "lint",
            "typing": "lint", "types": "lint", "pre-commit": "lint", "docs": "generate",
            "doc": "generate", "build": "build", "package": "build", "release": "publish",
            "publish": "publish", "coverage": "test", "cov": "test", "report": "analysis",
            "reporthtml": "analysis", "reportxml": "analysis", "bench": "analysis",
            "benchmark": "analysis", "pkg": "build", "dist": "build", "docset": "generate",
            "changelog": "generate", "man": "generate"},
    "setuppy": {"": "build", "build": "build", "build_ext": "build", "bdist_wheel": "build",
                "sdist": "build", "install": "build", "develop": "build",
                "pip_install": "build", "test": "test", "pytest": "test",
                "upload": "publish", "register": "publish", "build_sphinx": "generate",
                "check": "lint", "egg_info": "metadata", "clean": "toolchain",
                "--version": "metadata"},
    "compose": {"": "toolchain", "up": "toolchain", "down": "toolchain", "pull":
                "dependencies", "build": "build", "push": "publish", "run": "unknown",
                "exec": "unknown", "logs": "metadata", "ps": "metadata",
                "start": "toolchain", "stop": "toolchain", "rm": "toolchain",
                "config": "metadata", "kill": "toolchain", "wait": "metadata"},
    # task runners (just, task, invoke...): goals named as make's are (tie-breaker 10)
    "tasks": {"": "unknown", "check": "test", "verify": "test"},
    "pipelines": {"": "unknown"},
    "rcmd": {"build": "build", "check": "test", "install": "build", "INSTALL": "build"},
}

# Task families whose compound task names read "release-X" (make, rake, just): releasing
# alone or to one of these places publishes; the release of anything else (`release-cli`,
# `podman-release`, `release-artifacts`) is built by the task.
RELEASE_TARGET_FAMILIES: frozenset[str] = frozenset(("make", "tasks"))
RELEASE_WORDS: frozenset[str] = frozenset(("release", "releases"))
RELEASE_DESTINATIONS: frozenset[str] = frozenset(
    "s3 gcs gs r2 blob bucket cdn github gh gitlab gitea pypi npm docker dockerhub hub "
    "registry quay ghcr ecr gcr acr maven central sonatype nexus artifactory homebrew "
    "brew tap snap snapcraft flathub chocolatey choco nuget winget crates image images "
    "container containers manifest manifests tag tags upload push publish aws gcp azure "
    "marketplace store appstore".split()
)

_CONNECTIVES = frozenset("a an and the of to for on in with from by via run do all new ci "
                         "job step task tasks main default".split())
_TASK_SEP = LazyPattern(r"[:/]")
_CAMEL_HEAD = LazyPattern(r"^([a-z]+)[A-Z]")
# Maven goals that package a jar whatever the plugin (`source:jar`, `javadoc:jar`)
_MVN_JAR_GOALS = frozenset(("jar", "test-jar", "jar-no-fork", "test-jar-no-fork",
                            "aggregate-jar", "test-aggregate-jar"))
_TYPE_WORDS = frozenset("types typecheck typing typings tsc tsd mypy pyright".split())
_FORMAT_WORDS = frozenset(("format", "formatted", "formatting", "fmt"))
_COVERAGE_WORDS = frozenset(("coverage", "cover", "cov", "lcov", "gcov", "gcovr"))
_REPORT_WORDS = frozenset(("report", "reports", "html", "xml", "json", "summary", "merge",
                           "combine", "text", "txt"))
# goals that run the tests on the way (TAXONOMY tie-breaker 10) unless another goal named
# beside them (`verify sonar:sonar`) is what the call is for
_LIFECYCLE_CHECKS = frozenset(("verify", "check"))
_NAMED_WORK = frozenset(("test", "lint", "build", "generate", "analysis"))
_CHECK_WORDS = frozenset(("test", "tests", "check", "checks", "verify", "lint", "ci"))


def release_target(name: str) -> tuple[str, str] | None:
    """A task named after a release (`make release-cli`, `make podman-release`).

    Releasing alone (`release`), or to a place (`release_s3`, `docker-release`),
    publishes; making "the release of" something that is no place (a binary, a
    platform, the artifacts) builds it, and a word with a kind of its own
    (`release-test`, `release-checksums`) says what the task does.
    """
    ws = words_of(name)
    if not any(w in RELEASE_WORDS for w in ws):
        return None
    # platform words (`release-linux-amd64`) name a thing built; connectives do not
    rest = [w for w in ws if w not in RELEASE_WORDS and w not in _CONNECTIVES
            and not w.isdigit()]
    if not rest or any(w in RELEASE_DESTINATIONS for w in rest):
        return "publish", "release"
    if rest[0] in ("get", "fetch", "download", "pull"):
        # `make get-releases`: the releases of others fetched for the job
        return "dependencies", f"{rest[0]} releases"
    found = kind_from_words(rest)
    if found is not None:
        return found
    return "build", f"release {rest[0]}"


def target_kind(reader: Reader, table: Mapping[str, str], name: str,
                family: str = "") -> tuple[str, str] | None:
    """(kind, "exact" or the evidence) of one task or target name of ``family``."""
    low = name.lower()
    if low in table:
        return table[low], "exact"
    if low.startswith("db:") and family == "tasks":
        # `rails db:schema:load`, `rake db:create db:migrate`: the test database prepared
        # for the job (tie-breaker 6)
        return "toolchain", "database"
    if family == "mvn" and ":" in low and low.rsplit(":", 1)[1] in _MVN_JAR_GOALS:
        return "build", "exact"
    if family in RELEASE_TARGET_FAMILIES:
        release = release_target(name)
        if release is not None:
            return release
    if low in WORD_KINDS and low not in TOOL_WORDS:
        return WORD_KINDS[low], "exact"  # `make bundle` bundles (bundler installs)
    spec = reader.commands.get(low)
    if spec is not None:
        every = spec.get("*", Via.COMMAND)
        if not isinstance(every, Via) and every != "unknown":
            return every, "exact"  # `make tflint`, `npm run eslint`
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
    if len(parts) > 1 and _TYPE_WORDS.intersection(parts) \
            and parts - _TYPE_WORDS <= _CHECK_WORDS | {"test", "tests"}:
        # `test:types`, `check-types`, `typecheck:ci`: a type check runs nothing
        # (TAXONOMY tie-breaker 10)
        return "lint", "exact"
    if len(parts) > 1 and _COVERAGE_WORDS.intersection(parts) \
            and parts - {low} <= _COVERAGE_WORDS | _REPORT_WORDS:
        # `coverage-html`, `coverageReport`: coverage computed from runs already made
        # (TAXONOMY tie-breaker 11); `test-coverage` runs the tests
        return "analysis", "exact"
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


def targets(reader: Reader, prog: str, family: str, positionals: Sequence[str],
            args: Sequence[str] = ()) -> Hit:
    """A task runner's call judged by the names of the tasks or targets it runs."""
    table = TARGETS.get(family, {})
    names = [p for p in positionals if p and "=" not in p]
    if not names:
        # `make -C docs`, `make --directory=doc`: the directory names the work
        for folder in option_values(args, ("-C", "--directory", "--dir", "-p", "--project-dir")):
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
        return ran(kind, 0.6 if kind != "unknown" else 0.3, prog)
    best: tuple[str, str] | None = None
    kinds: set[str] = set()
    for name in names[:8]:
        found = target_kind(reader, table, name, family)
        if found is not None:
            kinds.add(found[0])
            if name.lower() in _LIFECYCLE_CHECKS:
                continue  # weighed below: the goal run on the way to another
            if best is None or RANK[found[0]] < RANK[best[0]]:
                best = found
    if "analysis" in kinds and (best is None or RANK["analysis"] < RANK[best[0]]):
        best = ("analysis", "exact")  # `mvn verify sonar:sonar`: the analysis is the aim
    elif best is None or best[0] in ("build", "toolchain") and "test" in kinds:
        for name in names[:8]:
            if name.lower() in _LIFECYCLE_CHECKS:
                found = target_kind(reader, table, name, family)
                if found is not None and (best is None or RANK[found[0]] < RANK[best[0]]):
                    best = found
    shown = short(f"{prog} {' '.join(names[:3])}", 40)
    if best is None:
        if "*" in table:  # tox and nox environments run tests unless named otherwise
            return ran(table["*"], 0.7, shown)
        return ran("unknown", 0.35, shown)
    exact = best[1] == "exact"
    # a goal named with a word of work (`test-unit`, `lint-go`, `docs-html`) is that work
    # (tie-breaker 10); one named for an effect (`release-x`) is less sure
    return ran(best[0], 0.85 if exact else 0.8 if best[0] in _NAMED_WORK else 0.65, shown)


def run_targets(reader: Reader, call: Call, found: Lookup) -> Hit | None:
    """A table entry Via.*_TARGETS: the positionals name the family's tasks."""
    family = found.value.family if isinstance(found.value, Via) else None
    assert family is not None
    positionals, rest = found.positionals, found.rest
    if family == "compose":
        # `docker compose -f compose.ci.yaml up -d`: the file is an option's value
        valued = reader.options.get("docker compose", frozenset()) \
            | reader.options.get("docker-compose", frozenset())
        inner = reader.skip_options(rest if found.sub else call.args, valued)
        positionals = [a for a in inner if not a.startswith("-")]
        if positionals[:1] in (["up"], ["run"], []):
            # `docker compose -f docker-compose.build.yml up`: a compose file named for
            # work (build, test, docs) runs that work, not services for other steps
            for file in option_values(call.args, ("-f", "--file")):
                named = [w for w in words_of(unquote(file))
                         if w.lower() not in ("docker", "compose", "yml", "yaml")]
                said = kind_from_words(named) if named else None
                if said is not None and SUBSYSTEM_OF_KIND.get(said[0]) == "model":
                    return Hit(said[0], 0.6, f"runs compose file `{short(file, 30)}`", 2)
    if family == "npm" and positionals and positionals[0] not in TARGETS["npm"] \
            and program_of(positionals[0])[0] in reader.commands and positionals[0] in rest:
        # `yarn node scripts/x.mjs`, `pnpm tsc`: a binary of the project
        return reader.words(rest[rest.index(positionals[0]):], call.cmd, call.depth + 1)
    if family == "compose" and positionals[:1] in (["run"], ["exec"]):
        # `docker compose run --rm app pytest`: the command in the service
        inner = reader.skip_options(rest[rest.index(positionals[0]) + 1:]
                                    if positionals[0] in rest else [],
                                    reader.options.get("docker run", frozenset()))
        hit = reader.words(inner[1:], call.cmd, call.depth + 1) if len(inner) > 1 else None
        if hit is not None:
            return hit
    return targets(reader, call.prog, family, positionals, call.args)


def _tasks(reader: Reader, call: Call) -> Hit | _Next:
    """A task runner no table knows: its first positional is a task (not when run as a
    path, which is the project's own script)."""
    if call.is_path:
        return NEXT
    return targets(reader, call.prog, "tasks", reader.positionals(call.prog, call.args), call.args)


DIRECTIVES = dict.fromkeys((v for v in Via if v.family is not None), run_targets)

PROGRAMS: tuple[Program, ...] = (
    *(Program(name, task_runner=True, handler=_tasks) for name in
      "just task invoke inv grunt gulp jake doit cake psake earthly dagger".split()),
)
