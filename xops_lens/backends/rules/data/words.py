"""What words in names of steps, scripts, tasks, targets and actions say: the kinds
they state (TAXONOMY.md tie-breaker 2: names are read, commands win). Pure data; the
logic that reads names is words.py."""

from __future__ import annotations

# Single words in names of steps, scripts, tasks, targets and actions.
WORD_KINDS: dict[str, str] = {
    # information
    "checkout": "checkout", "clone": "checkout", "submodule": "checkout",
    "submodules": "checkout",
    "setup": "toolchain", "bootstrap": "toolchain", "toolchain": "toolchain",
    "toolchains": "toolchain", "sdk": "toolchain", "env": "toolchain",
    "environment": "toolchain", "prepare": "toolchain", "init": "toolchain",
    "initialize": "toolchain", "configure": "toolchain", "config": "toolchain",
    "teardown": "toolchain", "cleanup": "toolchain", "clean": "toolchain",
    "venv": "toolchain", "virtualenv": "toolchain", "qemu": "toolchain",
    "binfmt": "toolchain", "rustup": "toolchain", "path": "toolchain",
    "daemon": "toolchain", "pagefile": "toolchain", "chown": "toolchain", "chmod": "toolchain",
    "stop": "toolchain", "start": "toolchain", "restart": "toolchain",
    "shutdown": "toolchain", "kill": "toolchain", "service": "toolchain",
    "services": "toolchain",
    "swap": "toolchain", "mirror": "toolchain", "mirrors": "toolchain",
    "install": "dependencies", "installs": "dependencies", "installation": "dependencies",
    "deps": "dependencies", "dependencies": "dependencies", "dependency": "dependencies",
    "download": "dependencies", "fetch": "dependencies", "downloader": "dependencies",
    "fetcher": "dependencies",
    "requirements": "dependencies", "vendor": "dependencies", "prereqs": "dependencies",
    "prerequisites": "dependencies", "packages": "dependencies", "restore": "dependencies",
    "cache": "cache-restore", "caches": "cache-restore", "ccache": "cache-restore",
    "login": "credentials", "logon": "credentials", "signin": "credentials",
    "auth": "credentials", "authenticate": "credentials", "authentication": "credentials",
    "credentials": "credentials", "credential": "credentials", "creds": "credentials",
    "oidc": "credentials", "secrets": "credentials",
    "ssh": "credentials", "keychain": "credentials", "vault": "credentials",
    "sts": "credentials", "keyring": "credentials", "password": "credentials",
    "info": "metadata", "print": "metadata", "show": "metadata", "display": "metadata",
    "checker": "lint", "discourse": "notify", "results": "report", "assert": "lint",
    "memcheck": "test", "readme": "generate",
    "html": "generate",
    "runtest": "test", "runtests": "test", "buildpkg": "build", "commitlint": "lint",
    "automerge": "publish", "tarpaulin": "test", "pest": "test", "activate": "toolchain",
    # MSVC's environment scripts (`call vcvars64.bat`) prepare the compiler
    "vcvars": "toolchain", "vcvarsall": "toolchain", "vcvars32": "toolchain",
    "vcvars64": "toolchain", "vsdevcmd": "toolchain",
    "paratest": "test", "phpunit": "test", "rspec": "test", "jest": "test", "mocha": "test",
    "vitest": "test", "karma": "test",
    # bundlers named as scripts or targets (`yarn encore production`, `npm run webpack`)
    "encore": "build", "webpack": "build", "vite": "build", "rollup": "build",
    "esbuild": "build", "parcel": "build", "tsup": "build",
    "dump": "metadata", "list": "metadata", "debug": "metadata", "inspect": "metadata",
    "wait": "metadata", "sleep": "metadata", "uname": "metadata", "versions": "metadata",
    "version": "metadata", "metadata": "metadata",
    "changed": "metadata", "changes": "metadata", "detect": "metadata",
    "diagnostics": "metadata", "whoami": "metadata", "gather": "metadata",
    # model
    "build": "build", "builds": "build", "compile": "build", "compiles": "build",
    "precompile": "build",
    "make": "build", "package": "build", "packaging": "build", "pack": "build",
    "bundle": "build", "dist": "build", "assemble": "build", "wheel": "build",
    "wheels": "build", "sdist": "build", "binary": "build", "binaries": "build",
    "image": "build", "images": "build", "installer": "build", "installers": "build",
    "msi": "build", "rpm": "build", "deb": "build", "dmg": "build", "jar": "build",
    "sign": "build", "signing": "build", "codesign": "build", "notarize": "build",
    "checksum": "build", "checksums": "build", "cmake": "build", "msbuild": "build",
    "meson": "build", "compilation": "build", "bazel": "build", "maturin": "build",
    "test": "test", "tests": "test", "testing": "test", "spec": "test", "specs": "test",
    "e2e": "test", "integration": "test", "unittest": "test", "unittests": "test",
    "smoke": "test", "smoketest": "test", "selftest": "test", "smoketests": "test", "acceptance": "test", "pester": "test", "verify": "test",
    "qa": "test", "conformance": "test", "regression": "test", "sanity": "test",
    "fuzz": "test", "fuzzing": "test", "fuzzer": "test", "fuzzers": "test",
    "coverage": "test", "cov": "test", "ctest": "test", "pytest": "test",
    "doctest": "test", "doctests": "test",
    "tox": "test", "nox": "test", "playwright": "test", "cypress": "test",
    "selenium": "test", "ginkgo": "test", "helix": "test",
    "lint": "lint", "linter": "lint", "linters": "lint", "linting": "lint",
    "lints": "lint", "fmt": "lint", "format": "lint", "formatting": "lint",
    "style": "lint", "codestyle": "lint", "prettier": "lint", "eslint": "lint",
    "flake8": "lint", "ruff": "lint", "mypy": "lint", "typecheck": "lint",
    "typing": "lint", "clippy": "lint", "vet": "lint", "spell": "lint",
    "spelling": "lint", "spellcheck": "lint", "codespell": "lint", "cspell": "lint",
    "validate": "lint", "validation": "lint", "validates": "lint", "policy": "lint",
    "shellcheck": "lint", "hadolint": "lint", "yamllint": "lint", "actionlint": "lint",
    "markdownlint": "lint", "tidy": "lint", "check": "lint", "checks": "lint",
    "require": "lint", "required": "lint", "requires": "lint", "enforce": "lint",
    "dirty": "lint", "uncommitted": "lint", "potfiles": "lint", "golangci": "lint",
    "stylelint": "lint", "rubocop": "lint", "pylint": "lint", "black": "lint",
    "isort": "lint", "gofmt": "lint", "rustfmt": "lint", "checkstyle": "lint",
    "spotless": "lint", "ktlint": "lint", "detekt": "lint", "semver": "lint",
    "analyze": "analysis", "analyse": "analysis", "analysis": "analysis",
    "scan": "analysis", "scanning": "analysis", "scanner": "analysis",
    "audit": "analysis", "sonar": "analysis", "sonarcloud": "analysis",
    "sonarqube": "analysis", "codeql": "analysis", "sast": "analysis",
    "security": "analysis", "vulnerability": "analysis", "vulnerabilities": "analysis",
    "cve": "analysis", "trivy": "analysis", "grype": "analysis", "snyk": "analysis",
    "semgrep": "analysis", "gitleaks": "analysis", "trufflehog": "analysis",
    "bandit": "analysis", "zizmor": "analysis", "scorecard": "analysis",
    "scorecards": "analysis", "virustotal": "analysis", "bench": "analysis",
    "benchmark": "analysis", "benchmarks": "analysis", "benchmarking": "analysis",
    "perf": "analysis", "performance": "analysis", "profiling": "analysis",
    "size": "analysis", "license": "analysis", "licenses": "analysis",
    "licence": "analysis", "sbom": "analysis", "coverity": "analysis",
    "codspeed": "analysis", "owasp": "analysis", "osv": "analysis",
    "generate": "generate", "gen": "generate", "codegen": "generate",
    "docs": "generate", "doc": "generate", "documentation": "generate",
    "javadoc": "generate", "doxygen": "generate", "sphinx": "generate",
    "mkdocs": "generate", "site": "generate", "manpages": "generate",
    "render": "generate", "changelog": "generate", "asciidoc": "generate",
    "asciidoctor": "generate", "apidocs": "generate", "typedoc": "generate",
    # documents rendered from sources (tie-breaker 12): `build-pdf.sh`, `gen-md`
    "pdf": "generate", "md": "generate", "markdown": "generate", "website": "generate",
    "decide": "decide", "compute": "decide", "calculate": "decide",
    "determine": "decide", "matrix": "decide", "outputs": "decide", "bump": "decide",
    "filter": "decide", "filters": "decide", "skip": "decide", "plan": "analysis",
    "channel": "decide", "fail": "decide",
    # action
    "deploy": "deploy", "deploys": "deploy", "deployment": "deploy",
    "deployments": "deploy", "rollout": "deploy", "provision": "deploy",
    "promote": "deploy", "promotion": "deploy", "destroy": "deploy",
    "undeploy": "deploy", "pages": "deploy",
    "publish": "publish", "publishing": "publish", "release": "publish",
    "releases": "publish", "releaser": "publish", "push": "publish",
    "tag": "publish", "tagging": "publish", "ship": "publish", "upload": "publish", "uploader": "publish",
    "uploads": "publish", "mirroring": "publish", "backport": "publish",
    "cherry": "publish", "commit": "publish",
    "report": "report", "reports": "report", "reporting": "report",
    "summary": "report", "annotate": "report", "annotation": "report",
    "summarize": "report",
    "annotations": "report", "codecov": "report", "coveralls": "report",
    "dashboard": "report",
    "notify": "notify", "notification": "notify", "notifications": "notify",
    "slack": "notify", "discord": "notify", "teams": "notify", "mattermost": "notify",
    "telegram": "notify", "email": "notify", "mail": "notify", "comment": "notify",
    "comments": "notify", "label": "notify", "labels": "notify", "labeler": "notify",
    "labeling": "notify", "triage": "notify", "assign": "notify", "status": "notify",
    "welcome": "notify", "greet": "notify", "greetings": "notify", "stale": "notify",
    "lock": "notify", "react": "notify", "reaction": "notify", "announce": "notify",
    "approve": "approve", "approval": "approve", "approvals": "approve",
}

# Verbs of WORD_KINDS that are also nouns: followed by one of these words, or preceded
# by a word of NOUN_MARKERS, they name a thing ("commit message", "get tag", "image tag")
# and say nothing of the kind.
NOUN_USES: dict[str, frozenset[str]] = {
    "commit": frozenset("message messages msg metadata hash sha shas id ids info author "
                        "authors count log range list lint title body date status".split()),
    "tag": frozenset("name names list version prefix info exists format suffix".split()),
    "tags": frozenset("list info exist".split()),
}
NOUN_USES["commits"] = NOUN_USES["commit"]
NOUN_MARKERS: frozenset[str] = frozenset(
    "get compute determine find latest previous last current next calculate extract read "
    "parse resolve lookup detect image docker head base check validate verify lint list "
    "count".split()
)

# A verb and an object anywhere in one name settle the kind before single words do:
# "upload artifacts" is not "publish", "install test deps" is not "test".
PAIR_RULES: tuple[tuple[frozenset[str], frozenset[str], str], ...] = tuple(
    (frozenset(verbs.split()), frozenset(objects.split()), kind)
    for verbs, objects, kind in (
        ("pre", "commit", "lint"),
        # hook scripts named for the phase they come before (`before_build.sh`) prepare
        # for it; `before_install.sh` is read by its install
        ("before", "build script test compile", "toolchain"),
        # `docusaurusPublishGhpages`, `publish-to-pages`: a site pushed where it is served
        ("publish push deploy upload", "ghpages pages", "deploy"),
        # `create-test-failure-ticket`: an issue opened or updated for people
        ("create open update close manage file", "ticket tickets issue issues", "notify"),
        # results stored in a bucket are kept for later (13); results analysed are measured
        ("upload store copy push sync", "s3 gcs bucket buckets blob r2", "artifact-upload"),
        ("analyze analyse analyzes analysis compare", "results result benchmark benchmarks "
         "bench", "analysis"),
        # a quality gate passes or fails a change on its checks and metrics
        ("quality", "gate gates", "test"),
        # "publish-pipeline-artifacts", "publish-logs": CI artifacts of the run, not a release
        ("upload store persist save attach archive publish", "artifact artifacts log logs",
         "artifact-upload"),
        ("download fetch get restore retrieve pull load", "artifact artifacts dist war",
         "artifact-download"),
        ("save store upload write", "cache caches", "cache-save"),
        ("restore load mount fetch get setup", "cache caches", "cache-restore"),
        ("upload send submit publish push post", "coverage cov codecov coveralls results "
         "report reports sarif junit benchmark benchmarks metrics stats codeql findings",
         "report"),
        # Azure's `AdvancedSecurity-Publish`: scan results sent to the security service
        ("publish upload", "advancedsecurity", "report"),
        ("gen generate compute combine collect merge calculate produce", "coverage cov",
         "analysis"),
        ("get fetch generate create mint exchange obtain request issue", "token tokens "
         "credentials secret secrets sas", "credentials"),
        ("check checker require required requires validate verify enforce ensure", "label labels "
         "title template message signoff dco allow edits", "lint"),
        ("add apply remove set update sync", "label labels", "notify"),
        ("create open update draft merge", "pr pull prs mr mrs", "publish"),
        ("merge", "branch branches dependabot upstream", "publish"),
        ("upload generate", "steps pipeline pipelines", "decide"),
        ("create draft make cut publish upload", "release releases", "publish"),
        # "assemble-release-apk", "build release binaries": the release variant is built
        ("assemble build compile", "release releases", "build"),
        # "compare-release-version", "verify-version": a check that the versions agree
        ("compare check verify validate ensure", "version versions", "lint"),
        # checksum or wrapper validation measures a risk (TAXONOMY tie-breaker 11)
        ("validate verify check", "wrapper wrappers checksum checksums", "analysis"),
        # signing a release build makes it (TAXONOMY tie-breaker 7); installing a
        # tool from a project's releases prepares the job
        ("sign signing codesign notarize", "release releases", "build"),
        ("install installer", "release releases", "toolchain"),
        # "Release Test", "test release": testing a release candidate is a test
        ("test tests testing", "release releases", "test"),
        # "build and push": a build that exists to publish (TAXONOMY tie-breaker 7)
        ("push", "build", "publish"),
        ("push publish upload", "image images container docker", "publish"),
        ("build", "image images container docker", "build"),
        # making benchmark programs builds them; running them is analysis
        ("build compile", "benchmark benchmarks bench benches", "build"),
        # a multi-arch manifest is made in the registry: combining images publishes
        ("combine merge", "image images manifest manifests", "publish"),
        # creating repositories (on a registry or forge) is an effect on the world
        ("create", "repo repos repository repositories", "publish"),
        ("set update post send", "status", "notify"),
        ("make compose render generate create write prepare draft extract", "email body "
         "message notes", "generate"),
        # making a site or its pages generates them; publishing them is another step
        ("gen generate render build make", "pages site website docs doc", "generate"),
        ("install setup set get download", "toolchain sdk compiler jdk java python node "
         "go golang rust dotnet ruby cli tool tools binary binaries", "toolchain"),
        ("build compile", "deps dependencies prerequisites prereqs vendor", "dependencies"),
        ("install fetch download get restore update sync deploy prepare setup "
         "provision bootstrap", "deps dependencies dependency requirements packages package "
         "modules "
         "prerequisites prereqs vendor", "dependencies"),
        ("changed modified diff", "files paths file", "metadata"),
        # reading a version is metadata; making a new one decides (TAXONOMY: version bumps)
        ("set update compute calculate determine next increment generate create change",
         "version versions", "decide"),
        ("create delete remove provision start stop spin", "cluster clusters vm vms "
         "instance instances minikube emulator simulator", "toolchain"),
        ("free clean cleanup maximize reclaim reclaimer", "disk space workspace",
         "toolchain"),
        # "deploy-local.sh", "deploy to kind": a service brought up inside the job for tests
        ("deploy deploying", "local localhost kind minikube", "toolchain"),
        # Jenkins `assign_node_labels`: where the job runs, not a label on an issue
        ("assign set", "node nodes agent agents", "toolchain"),
        ("set export", "env environment variable variables path", "toolchain"),
    )
)

# A name that starts with one of these describes preparation whatever follows
# ("setup-test-env", "configure build cache").
PREPARE_PREFIXES: dict[str, str] = {
    "setup": "toolchain", "bootstrap": "toolchain", "init": "toolchain",
    "initialize": "toolchain", "configure": "toolchain", "teardown": "toolchain",
    "is": "decide", "has": "decide", "should": "decide", "needs": "decide",
    "print": "metadata", "show": "metadata", "display": "metadata", "dump": "metadata",
    "debug": "metadata", "wait": "metadata",
    # "checkout_merge_commit.sh", "clone-submodules": what is checked out follows
    "checkout": "checkout", "clone": "checkout",
}

# A name that ends with one of these names an environment ("cmake-env.sh",
# "build-vars.ps1"), whatever comes before.
ENVIRONMENT_SUFFIXES: frozenset[str] = frozenset(
    "env environment vars variables settings profile paths".split()
)

# Names of tools: they say less than a plain verb in the same name ("build_ruff_pgo" builds,
# "Run ruff" lints), so they count only when no plain word states a kind.
TOOL_WORDS: frozenset[str] = frozenset(
    "ruff eslint flake8 mypy prettier black isort clippy pylint rubocop golangci hadolint "
    "shellcheck yamllint actionlint markdownlint stylelint gofmt rustfmt checkstyle spotless "
    "ktlint detekt codespell cspell pytest tox nox ctest playwright cypress selenium ginkgo helix "
    "pester sonar sonarcloud sonarqube codeql trivy grype snyk semgrep gitleaks trufflehog "
    "bandit zizmor virustotal codspeed coverity owasp osv sphinx mkdocs doxygen javadoc "
    "asciidoc asciidoctor typedoc cmake msbuild meson bazel maturin codecov coveralls slack "
    "discord teams mattermost telegram rustup qemu binfmt "
    "ccache vault keychain".split()
)

# Words that state a kind only when nothing else in the name does, tools included: a
# version is what most names mention in passing ("mypy --new v${MYPY_VERSION}").
WEAK_WORDS: frozenset[str] = frozenset(("version", "versions"))

# Verbs of checking: at the head of a name they say the step checks what the rest
# names, even an effect ("check-index-pages", "validate-release-notes").
CHECK_HEADS: frozenset[str] = frozenset("check verify validate lint".split())

# A name that starts with a verb of reading, when no verb-object pair settled it, only
# looks something up ("get pr commits", "list python dependencies").
READ_PREFIXES: frozenset[str] = frozenset("get list read find lookup query count".split())
# Verbs of a step name saying the step reads what it hands on to later steps.
READ_VERBS: frozenset[str] = READ_PREFIXES | frozenset(
    "obtain extract retrieve fetch capture grab collect gather".split()
)

# Words that end the head of a name: what follows only qualifies it ("run with env
# secrets", "upload to S3", "install deps for tests").
MODIFIER_WORDS: frozenset[str] = frozenset(
    "with using via for from on into to against in by after before".split()
)

# Words that carry no kind but mislead a naive reading ("run tests" is about tests).
STOP_WORDS: frozenset[str] = frozenset(
    "a an and the of to for on in with from by via run runs running do ci job step "
    "script scripts sh bash ps1 py js ts mjs cjs cmd bat rb pl all main yml yaml "
    "action actions github gh workflow workflows local new use using linux windows "
    "macos osx win mac ubuntu x64 x86 arm64 amd64 it if not only".split()
)
