"""Data for the rule backend: what well-known actions, programs and words mean.

Pure data, no logic, so that extending the rules means adding a line here. Every value
is a kind of :data:`xops_lens.model.KINDS`; the subsystem follows from the kind. Keys
are lower case. The reasoning behind each group is the rubric in TAXONOMY.md.
"""

from __future__ import annotations

# When commands of one step disagree, the step takes the kind of its purpose
# (TAXONOMY.md tie-breaker 1). Effects on the world are what a step exists for, then the
# work that judges or makes things, then add-ons that report, then preparation.
# "unknown" stands for a program no table knows: it outranks preparation (the step
# probably exists to run it) but not a command we understand.
KIND_PRIORITY: tuple[str, ...] = (
    "deploy", "publish", "approve",
    "test", "lint", "analysis", "generate", "build",
    "report", "notify", "artifact-upload",
    "decide", "unknown",
    "artifact-download", "checkout", "credentials", "dependencies",
    # caching is never what a step is for while anything else happens in it; restoring
    # outranks saving (tie-breaker 5: a step that does both is information)
    "cache-restore", "cache-save",
    "toolchain", "metadata",
)

# Within one name ("test-php-style", "build-docs", "docker-push") the more specific
# word wins: a style test is lint, a docs build is generate, a push of a build is publish.
IDENT_PRIORITY: tuple[str, ...] = (
    "deploy", "publish", "approve", "report", "notify",
    "artifact-upload", "cache-save", "artifact-download", "cache-restore",
    "credentials", "lint", "analysis", "generate", "test", "build", "decide",
    "checkout", "dependencies", "toolchain", "metadata",
)

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
    "paratest": "test",
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
    "smoke": "test", "acceptance": "test", "pester": "test", "verify": "test",
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
    "decide": "decide", "compute": "decide", "calculate": "decide",
    "determine": "decide", "matrix": "decide", "outputs": "decide", "bump": "decide",
    "filter": "decide", "filters": "decide", "skip": "decide", "plan": "decide",
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
        ("make compose render generate create write prepare draft", "email body message "
         "notes", "generate"),
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

# GitHub actions (and any "owner/name[/path]" reusable unit) by name, without "@ref".
ACTIONS: dict[str, str] = {
    "actions/checkout": "checkout",
    "actions/cache": "cache-restore",
    "actions/cache/restore": "cache-restore",
    "actions/cache/save": "cache-save",
    "actions/upload-artifact": "artifact-upload",
    "actions/download-artifact": "artifact-download",
    "actions/upload-pages-artifact": "artifact-upload",
    "actions/deploy-pages": "deploy",
    "actions/configure-pages": "toolchain",
    "actions/labeler": "notify",
    "actions/stale": "notify",
    "actions/first-interaction": "notify",
    "actions/add-to-project": "notify",
    "actions/create-github-app-token": "credentials",
    "actions/attest-build-provenance": "build",
    "actions/attest": "build",
    "actions/attest-sbom": "build",
    "actions/dependency-review-action": "analysis",
    "actions/create-release": "publish",
    "actions/upload-release-asset": "publish",
    "actions/delete-package-versions": "publish",
    "actions/jekyll-build-pages": "generate",
    "actions/ai-inference": "generate",
    "docker/login-action": "credentials",
    "docker/setup-buildx-action": "toolchain",
    "docker/setup-qemu-action": "toolchain",
    "docker/setup-docker-action": "toolchain",
    "docker/metadata-action": "decide",
    "docker/bake-action": "build",
    "docker/scout-action": "analysis",
    "aws-actions/configure-aws-credentials": "credentials",
    "aws-actions/amazon-ecr-login": "credentials",
    "aws-actions/amazon-ecs-deploy-task-definition": "deploy",
    "aws-actions/amazon-ecs-render-task-definition": "generate",
    "google-github-actions/auth": "credentials",
    "google-github-actions/setup-gcloud": "toolchain",
    "google-github-actions/deploy-cloudrun": "deploy",
    "google-github-actions/deploy-appengine": "deploy",
    "google-github-actions/get-gke-credentials": "credentials",
    "google-github-actions/upload-cloud-storage": "publish",
    "google-github-actions/release-please-action": "publish",
    "googleapis/release-please-action": "publish",
    "azure/login": "credentials",
    "azure/webapps-deploy": "deploy",
    "azure/k8s-deploy": "deploy",
    "azure/setup-kubectl": "toolchain",
    "azure/setup-helm": "toolchain",
    "azure/cli": "unknown",
    "hashicorp/setup-terraform": "toolchain",
    "hashicorp/vault-action": "credentials",
    "codecov/codecov-action": "report",
    "codecov/test-results-action": "report",
    "coverallsapp/github-action": "report",
    "ffurrer2/extract-release-notes": "metadata",  # reads a section of the changelog
    "softprops/action-gh-release": "publish",
    "ncipollo/release-action": "publish",
    "svenstaro/upload-release-action": "publish",
    "release-drafter/release-drafter": "publish",
    "changesets/action": "publish",
    # comments on, labels, closes and locks issues
    "actions-cool/issues-helper": "notify",
    "actions-cool/maintain-one-comment": "notify",
    "peter-evans/create-pull-request": "publish",
    "peter-evans/create-or-update-comment": "notify",
    "peter-evans/find-comment": "metadata",
    "peter-evans/repository-dispatch": "notify",
    "peter-evans/slash-command-dispatch": "notify",
    "marocchino/sticky-pull-request-comment": "notify",
    "thollander/actions-comment-pull-request": "notify",
    "mshick/add-pr-comment": "notify",
    "github/codeql-action/init": "analysis",
    "github/codeql-action/analyze": "analysis",
    "github/codeql-action/autobuild": "build",
    "github/codeql-action/upload-sarif": "report",
    "github/issue-labeler": "notify",
    "pypa/gh-action-pypi-publish": "publish",
    "pypa/cibuildwheel": "build",
    "pypa/gh-action-pip-audit": "analysis",
    "hynek/build-and-inspect-python-package": "build",
    "slackapi/slack-github-action": "notify",
    "8398a7/action-slack": "notify",
    "rtcamp/action-slack-notify": "notify",
    "dorny/paths-filter": "metadata",
    "tj-actions/changed-files": "metadata",
    "dorny/test-reporter": "report",
    "mikepenz/action-junit-report": "report",
    "enricomi/publish-unit-test-result-action": "report",
    "golangci/golangci-lint-action": "lint",
    "pre-commit/action": "lint",
    "pre-commit-ci/lite-action": "lint",
    "super-linter/super-linter": "lint",
    "github/super-linter": "lint",
    "reviewdog/action-actionlint": "lint",
    "ludeeus/action-shellcheck": "lint",
    "hadolint/hadolint-action": "lint",
    "crate-ci/typos": "lint",
    "codespell-project/actions-codespell": "lint",
    "amannn/action-semantic-pull-request": "lint",
    "lycheeverse/lychee-action": "lint",
    "gaurav-nelson/github-action-markdown-link-check": "lint",
    "jamesives/github-pages-deploy-action": "deploy",
    "peaceiris/actions-gh-pages": "deploy",
    "peaceiris/actions-hugo": "toolchain",
    "dtolnay/rust-toolchain": "toolchain",
    "actions-rs/toolchain": "toolchain",
    "actions-rust-lang/setup-rust-toolchain": "toolchain",
    "swatinem/rust-cache": "cache-restore",
    "mozilla-actions/sccache-action": "cache-restore",
    "hendrikmuhs/ccache-action": "cache-restore",
    "taiki-e/install-action": "toolchain",
    "astral-sh/setup-uv": "toolchain",
    "astral-sh/ruff-action": "lint",
    "pnpm/action-setup": "toolchain",
    "oven-sh/setup-bun": "toolchain",
    "denoland/setup-deno": "toolchain",
    "ruby/setup-ruby": "toolchain",
    "shivammathur/setup-php": "toolchain",
    "gradle/actions/setup-gradle": "toolchain",
    "gradle/gradle-build-action": "build",
    "gradle/wrapper-validation-action": "lint",
    "gradle/actions/wrapper-validation": "lint",
    "gradle/actions/dependency-submission": "report",
    "conda-incubator/setup-miniconda": "toolchain",
    "mamba-org/setup-micromamba": "toolchain",
    "ilammy/msvc-dev-cmd": "toolchain",
    "microsoft/setup-msbuild": "toolchain",
    "lukka/get-cmake": "toolchain",
    "lukka/run-vcpkg": "dependencies",
    "jurplel/install-qt-action": "toolchain",
    "msys2/setup-msys2": "toolchain",
    "cygwin/cygwin-install-action": "toolchain",
    "egor-tensin/setup-mingw": "toolchain",
    "awalsh128/cache-apt-pkgs-action": "dependencies",
    "nick-fields/retry": "unknown",
    "nick-invision/retry": "unknown",
    "step-security/harden-runner": "toolchain",
    "jlumbroso/free-disk-space": "toolchain",
    "mxschmitt/action-tmate": "toolchain",
    "helm/kind-action": "toolchain",
    "helm/chart-testing-action": "toolchain",
    "helm/chart-releaser-action": "publish",
    "sigstore/cosign-installer": "toolchain",
    "anchore/sbom-action": "analysis",
    "anchore/scan-action": "analysis",
    "aquasecurity/trivy-action": "analysis",
    "snyk/actions": "analysis",
    "ossf/scorecard-action": "analysis",
    "sonarsource/sonarcloud-github-action": "analysis",
    "sonarsource/sonarqube-scan-action": "analysis",
    "fossas/fossa-action": "analysis",
    "github/dependabot-action": "analysis",
    "dependabot/fetch-metadata": "metadata",
    "actions/github-script": "unknown",
    "pypa/build": "build",
    "goreleaser/goreleaser-action": "publish",
    "crazy-max/ghaction-import-gpg": "credentials",
    "crazy-max/ghaction-github-labeler": "notify",
    "crazy-max/ghaction-github-pages": "deploy",
    "webfactory/ssh-agent": "credentials",
    "shimataro/ssh-key-action": "credentials",
    "tibdex/github-app-token": "credentials",
    "octokit/request-action": "unknown",
    "benchmark-action/github-action-benchmark": "report",
    "andresz1/size-limit-action": "analysis",
    "preactjs/compressed-size-action": "analysis",
    "cachix/install-nix-action": "toolchain",
    "cachix/cachix-action": "cache-restore",
    "extractions/setup-just": "toolchain",
    "arduino/setup-protoc": "toolchain",
    "bufbuild/buf-setup-action": "toolchain",
    "papeloto/action-zip": "build",
    "montudor/action-zip": "build",
    "stefanzweifel/git-auto-commit-action": "publish",
    "eps1lon/actions-label-merge-conflict": "notify",
    "dessant/lock-threads": "notify",
    "dessant/label-actions": "notify",
    "kentaro-m/auto-assign-action": "notify",
    "pascalgn/automerge-action": "publish",
    "myci-actions/add-deb-repo": "dependencies",
    "pyo3/maturin-action": "build",
    "securego/gosec": "analysis",
    "r-lib/actions/check-r-package": "test",
    "r-lib/actions/setup-r-dependencies": "dependencies",
    "subosito/flutter-action": "toolchain",
    "cypress-io/github-action": "test",
    "treosh/lighthouse-ci-action": "analysis",
    "microsoft/playwright-github-action": "toolchain",
    "julia-actions/julia-runtest": "test",
    "julia-actions/julia-buildpkg": "build",
    "julia-actions/julia-processcoverage": "analysis",
    "julia-actions/julia-docdeploy": "deploy",
    "wagoid/commitlint-github-action": "lint",
    "actions-rs/clippy-check": "lint",
    "actions-rs/tarpaulin": "test",
    "geekyeggo/delete-artifact": "artifact-upload",
    "test-summary/action": "report",
    "browser-actions/setup-chrome": "toolchain",
    "nanasess/setup-chromedriver": "toolchain",
    "bufbuild/buf-action": "lint",
    "bufbuild/buf-breaking-action": "lint",
    "bufbuild/buf-lint-action": "lint",
    "bufbuild/buf-push-action": "publish",
    "endbug/add-and-commit": "publish",
    "endbug/label-sync": "notify",
    "micnncim/action-label-syncer": "notify",
    "embarkstudios/cargo-deny-action": "analysis",
    "jdx/mise-action": "toolchain",
    "jetli/wasm-bindgen-action": "toolchain",
    "jetli/wasm-pack-action": "toolchain",
    "sebrollen/toml-action": "metadata",
    "larsoner/circleci-artifacts-redirector-action": "notify",
    "andstor/file-existence-action": "decide",
    "re-actors/alls-green": "decide",
    "styfle/cancel-workflow-action": "toolchain",
    "mikefarah/yq": "unknown",
    "uraimo/run-on-arch-action": "unknown",
    "addnab/docker-run-action": "unknown",
    "appleboy/ssh-action": "deploy",
    "appleboy/scp-action": "deploy",
    "burnett01/rsync-deployments": "deploy",
    "cloudflare/wrangler-action": "deploy",
    "amondnet/vercel-action": "deploy",
    "netlify/actions/cli": "deploy",
    "nwtgck/actions-netlify": "deploy",
    "superfly/flyctl-actions/setup-flyctl": "toolchain",
    "akhileshns/heroku-deploy": "deploy",
    "appleboy/telegram-action": "notify",
    "appleboy/discord-action": "notify",
    "sarisia/actions-status-discord": "notify",
    "dawidd6/action-send-mail": "notify",
    "dawidd6/action-download-artifact": "artifact-download",
    "actions/upload-artifact/merge": "artifact-upload",
    "mathieudutour/github-tag-action": "publish",
    "anothrnick/github-tag-action": "publish",
    "rickstaa/action-create-tag": "publish",
    "ad-m/github-push-action": "publish",
    "ilammy/setup-nasm": "toolchain",
    "actions/setup-dotnet": "toolchain",
    "mheap/github-action-required-labels": "lint",
    "ljharb/require-allow-edits": "lint",
    "actions/setup-python": "toolchain",
}

# Kinds of GitHub actions the table does not list, read from their names. Checked in
# order against "owner/name/path"; the first that matches wins, before the word rules.
ACTION_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"(^|[/_-])setup($|[/_-])|/setup-|/install-|-installer($|/)", "toolchain"),
    (r"upload-artifact|upload-artifacts", "artifact-upload"),
    (r"download-artifact|download-artifacts", "artifact-download"),
    (r"cache/save|save-cache", "cache-save"),
    (r"(^|[/_-])login($|[/_-])|-login|login-|(^|[/_-])auth($|[/_-])|credentials", "credentials"),
    (r"deploy", "deploy"),
    (r"^reviewdog/", "lint"),
)

# Programs run from a shell: program -> {subcommand: kind}. "" is the program alone,
# "*" any other subcommand; "a b" a two-word subcommand. A value may instead be a
# directive read by the backend:
#   "@targets:FAMILY"  the positional words are task or target names (TARGETS[FAMILY])
#   "@script"          the first positional is a script, judged by its name
#   "@cmd"             the rest is another command (a wrapper such as `uv run`)
#   "@module"          `-m module` names the real program (python -m pip)
COMMANDS: dict[str, dict[str, str]] = {
    # python
    "pip": {"install": "dependencies", "download": "dependencies", "wheel": "build",
            "freeze": "metadata", "list": "metadata", "show": "metadata",
            "check": "lint", "config": "toolchain", "cache": "metadata",
            "uninstall": "toolchain", "*": "dependencies"},
    "python": {"-m": "@module", "setup.py": "@targets:setuppy", "-c": "unknown",
               "--version": "metadata", "-V": "metadata", "*": "@script", "": "unknown"},
    "uv": {"pip install": "dependencies", "pip sync": "dependencies", "pip": "dependencies",
           "sync": "dependencies", "lock": "dependencies", "add": "dependencies",
           "venv": "toolchain", "python": "toolchain", "tool install": "toolchain",
           "tool": "toolchain", "build": "build", "publish": "publish", "run": "@cmd",
           "export": "dependencies", "version": "metadata", "cache": "toolchain",
           "self": "toolchain", "*": "dependencies"},
    "uvx": {"*": "@cmd"},
    "pipx": {"run": "@cmd", "install": "toolchain", "*": "toolchain"},
    "poetry": {"install": "dependencies", "lock": "dependencies", "add": "dependencies",
               "update": "dependencies", "build": "build", "publish": "publish",
               "run": "@cmd", "check": "lint", "version": "decide", "config": "toolchain",
               "self": "toolchain", "env": "toolchain", "*": "dependencies"},
    "pipenv": {"install": "dependencies", "sync": "dependencies", "run": "@cmd",
               "lock": "dependencies", "check": "analysis", "*": "dependencies"},
    "pdm": {"install": "dependencies", "sync": "dependencies", "lock": "dependencies",
            "build": "build", "publish": "publish", "run": "@cmd", "*": "dependencies"},
    "hatch": {"build": "build", "publish": "publish", "run": "@cmd", "env": "toolchain",
              "test": "test", "fmt": "lint", "version": "decide", "*": "unknown"},
    "conda": {"install": "dependencies", "create": "toolchain", "env": "toolchain",
              "activate": "toolchain", "config": "toolchain", "update": "dependencies",
              "build": "build", "mambabuild": "build", "run": "@cmd", "info": "metadata",
              "list": "metadata", "init": "toolchain", "clean": "toolchain",
              "*": "dependencies"},
    "mamba": {"install": "dependencies", "create": "toolchain", "env": "toolchain",
              "update": "dependencies", "run": "@cmd", "info": "metadata",
              "list": "metadata", "*": "dependencies"},
    "micromamba": {"install": "dependencies", "create": "toolchain", "run": "@cmd",
                   "activate": "toolchain", "*": "dependencies"},
    "conda-build": {"*": "build"},
    "rattler-build": {"*": "build"},
    "twine": {"upload": "publish", "check": "lint", "*": "publish"},
    "flit": {"publish": "publish", "build": "build", "install": "dependencies", "*": "build"},
    "maturin": {"build": "build", "develop": "build", "publish": "publish",
                "upload": "publish", "*": "build"},
    "cibuildwheel": {"*": "build"},
    "auditwheel": {"repair": "build", "show": "metadata", "*": "build"},
    "delocate-wheel": {"*": "build"},
    "pytest": {"*": "test"},
    "py.test": {"*": "test"},
    "tox": {"-e": "@targets:tox", "*": "test"},
    "nox": {"-s": "@targets:tox", "--session": "@targets:tox", "*": "test"},
    "coverage": {"run": "test", "report": "analysis", "xml": "analysis",
                 "html": "analysis", "combine": "analysis", "json": "analysis",
                 "lcov": "analysis", "erase": "toolchain", "*": "analysis"},
    "unittest": {"*": "test"},
    "green": {"*": "test"},
    "behave": {"*": "test"},
    "robot": {"*": "test"},
    "hypothesis": {"*": "test"},
    "asv": {"machine": "toolchain", "*": "analysis"},
    "pytest-benchmark": {"*": "analysis"},
    "ruff": {"*": "lint"},
    "flake8": {"*": "lint"},
    "pylint": {"*": "lint"},
    "mypy": {"*": "lint"},
    "pyright": {"*": "lint"},
    "basedpyright": {"*": "lint"},
    "pytype": {"*": "lint"},
    "ty": {"*": "lint"},
    "black": {"*": "lint"},
    "isort": {"*": "lint"},
    "yapf": {"*": "lint"},
    "autopep8": {"*": "lint"},
    "pydocstyle": {"*": "lint"},
    "pycodestyle": {"*": "lint"},
    "codespell": {"*": "lint"},
    "cython-lint": {"*": "lint"},
    "bandit": {"*": "analysis"},
    "safety": {"*": "analysis"},
    "pip-audit": {"*": "analysis"},
    "vulture": {"*": "analysis"},
    "radon": {"*": "analysis"},
    "pre-commit": {"install": "toolchain", "autoupdate": "dependencies",
                   "install-hooks": "toolchain", "*": "lint"},
    "prek": {"install": "toolchain", "*": "lint"},
    "sphinx-build": {"*": "generate"},
    "sphinx-apidoc": {"*": "generate"},
    "mkdocs": {"build": "generate", "gh-deploy": "deploy", "serve": "generate",
               "*": "generate"},
    "pdoc": {"*": "generate"},
    "jupyter-book": {"*": "generate"},
    "towncrier": {"check": "lint", "*": "generate"},
    "bump2version": {"*": "decide"},
    "bumpversion": {"*": "decide"},
    "bump-my-version": {"*": "decide"},
    "setuptools-scm": {"*": "metadata"},
    "virtualenv": {"*": "toolchain"},
    "pyenv": {"install": "toolchain", "*": "toolchain"},
    "spin": {"build": "build", "test": "test", "docs": "generate", "lint": "lint",
             "bench": "analysis", "install": "build", "*": "unknown"},
    "asv-spyglass": {"*": "analysis"},
    "waf": {"*": "@targets:make"},
    "scons": {"*": "@targets:make"},
    # javascript
    "npm": {"install": "dependencies", "i": "dependencies", "ci": "dependencies",
            "add": "dependencies", "update": "dependencies", "rebuild": "build",
            "test": "test", "t": "test", "run": "@targets:npm", "run-script": "@targets:npm",
            "publish": "publish", "pack": "build", "version": "decide", "audit": "analysis",
            "outdated": "metadata", "ls": "metadata", "list": "metadata", "view": "metadata",
            "config": "toolchain", "set": "toolchain", "login": "credentials",
            "whoami": "metadata", "exec": "@cmd", "x": "@cmd", "dist-tag": "publish",
            "deprecate": "publish", "link": "toolchain", "cache": "toolchain",
            "prune": "dependencies", "dedupe": "dependencies", "init": "toolchain",
            "start": "test", "--version": "metadata", "-v": "metadata",
            "*": "@targets:npm"},
    "yarn": {"": "dependencies", "install": "dependencies", "add": "dependencies",
             "upgrade": "dependencies", "run": "@targets:npm", "test": "test",
             "publish": "publish", "npm": "publish", "pack": "build", "version": "decide",
             "audit": "analysis", "dlx": "@cmd", "exec": "@cmd", "config": "toolchain",
             "set": "toolchain", "cache": "toolchain", "workspace": "@targets:npm",
             "workspaces": "@targets:npm", "why": "metadata", "info": "metadata",
             "changeset": "decide", "--version": "metadata", "*": "@targets:npm"},
    "pnpm": {"install": "dependencies", "i": "dependencies", "add": "dependencies",
             "update": "dependencies", "fetch": "dependencies", "run": "@targets:npm",
             "test": "test", "publish": "publish", "pack": "build", "exec": "@cmd",
             "dlx": "@cmd", "audit": "analysis", "store": "toolchain",
             "config": "toolchain", "setup": "toolchain", "env": "toolchain",
             "--version": "metadata", "*": "@targets:npm"},
    "bun": {"install": "dependencies", "i": "dependencies", "add": "dependencies",
            "test": "test", "run": "@targets:npm", "build": "build", "publish": "publish",
            "x": "@cmd", "*": "@targets:npm"},
    "npx": {"*": "@cmd"},
    "bunx": {"*": "@cmd"},
    "pnpx": {"*": "@cmd"},  # pnpm's old `pnpm dlx`
    "corepack": {"enable": "toolchain", "prepare": "toolchain", "*": "toolchain"},
    "nvm": {"install": "toolchain", "use": "toolchain", "*": "toolchain"},
    "fnm": {"*": "toolchain"},
    "volta": {"*": "toolchain"},
    "node": {"--version": "metadata", "-v": "metadata", "-e": "unknown", "*": "@script"},
    "deno": {"test": "test", "lint": "lint", "fmt": "lint", "check": "lint",
             "compile": "build", "bundle": "build", "task": "@targets:npm",
             "run": "@script", "install": "dependencies", "doc": "generate",
             "publish": "publish", "*": "unknown"},
    "tsc": {"*": "build"},
    "jest": {"*": "test"},
    "vitest": {"*": "test"},
    "mocha": {"*": "test"},
    "ava": {"*": "test"},
    "tap": {"*": "test"},
    "karma": {"*": "test"},
    "jasmine": {"*": "test"},
    "playwright": {"install": "toolchain", "test": "test", "*": "test"},
    "cypress": {"run": "test", "install": "toolchain", "verify": "toolchain", "*": "test"},
    "wdio": {"*": "test"},
    "nyc": {"report": "analysis", "*": "test"},
    "c8": {"report": "analysis", "*": "test"},
    "eslint": {"*": "lint"},
    "prettier": {"*": "lint"},
    "stylelint": {"*": "lint"},
    "tslint": {"*": "lint"},
    "biome": {"*": "lint"},
    "oxlint": {"*": "lint"},
    "knip": {"*": "lint"},
    "madge": {"*": "lint"},
    "markdownlint": {"*": "lint"},
    "markdownlint-cli2": {"*": "lint"},
    "cspell": {"*": "lint"},
    "commitlint": {"*": "lint"},
    "lerna": {"publish": "publish", "version": "decide", "run": "@targets:npm",
              "bootstrap": "dependencies", "*": "@targets:npm"},
    "nx": {"run": "@targets:npm", "run-many": "@targets:npm", "affected": "@targets:npm",
           "*": "@targets:npm"},
    "turbo": {"run": "@targets:npm", "*": "@targets:npm"},
    # changesets for GitLab: `comment` posts the release plan on the merge request; alone
    # it opens the version MR or publishes
    "changesets-gitlab": {"comment": "notify", "*": "publish", "": "publish"},
    "changeset": {"publish": "publish", "version": "decide", "status": "metadata",
                  "*": "decide"},
    "semantic-release": {"*": "publish"},
    "release-it": {"*": "publish"},
    "vsce": {"publish": "publish", "package": "build", "*": "build"},
    "ovsx": {"publish": "publish", "*": "publish"},
    "webpack": {"*": "build"},
    "vite": {"build": "build", "*": "build"},
    "rollup": {"*": "build"},
    "esbuild": {"*": "build"},
    "parcel": {"*": "build"},
    "electron-builder": {"*": "build"},
    "typedoc": {"*": "generate"},
    "jsdoc": {"*": "generate"},
    "api-extractor": {"*": "lint"},
    "size-limit": {"*": "analysis"},
    "netlify": {"deploy": "deploy", "*": "deploy"},
    "vercel": {"deploy": "deploy", "pull": "toolchain", "build": "build", "*": "deploy"},
    "wrangler": {"deploy": "deploy", "publish": "deploy", "pages": "deploy", "*": "deploy"},
    "firebase": {"deploy": "deploy", "*": "deploy"},
    "surge": {"*": "deploy"},
    # rust
    "cargo": {"build": "build", "b": "build", "rustc": "build", "test": "test",
              "t": "test", "nextest": "test", "insta": "test", "miri": "test",
              "llvm-cov": "test", "tarpaulin": "test", "clippy": "lint", "fmt": "lint",
              "check": "lint", "doc": "generate", "publish": "publish",
              "install": "toolchain", "binstall": "toolchain", "fetch": "dependencies",
              "update": "dependencies", "vendor": "dependencies", "generate-lockfile":
              "dependencies", "bench": "analysis", "audit": "analysis", "deny": "analysis",
              "udeps": "analysis", "machete": "analysis", "semver-checks": "lint",
              "hack": "lint", "run": "unknown", "xtask": "@targets:tasks",
              "make": "@targets:tasks", "dist": "build", "package": "build",
              "fuzz": "test", "codspeed": "analysis", "shear": "lint", "sort": "lint",
              "msrv": "lint", "metadata": "metadata", "tree": "metadata",
              "--version": "metadata", "-V": "metadata", "about": "metadata",
              "zigbuild": "build", "auditable": "build", "dev": "@targets:tasks",
              # plugins and aliases: `cargo lambda deploy`, `cargo lint-docs`
              "*": "@targets:tasks"},
    "rustup": {"*": "toolchain"},
    "rustc": {"--version": "metadata", "-V": "metadata", "-vV": "metadata", "*": "build"},
    "rustfmt": {"*": "lint"},
    "clippy-driver": {"*": "lint"},
    "wasm-pack": {"build": "build", "test": "test", "publish": "publish", "*": "build"},
    "cross": {"build": "build", "test": "test", "*": "build"},
    "trunk": {"*": "build"},
    "mdbook": {"build": "generate", "test": "test", "*": "generate"},
    # go
    "go": {"build": "build", "install": "toolchain", "test": "test", "vet": "lint",
           "fmt": "lint", "generate": "generate", "mod download": "dependencies",
           "mod tidy": "lint", "mod verify": "lint", "mod vendor": "dependencies",
           "mod": "dependencies", "get": "dependencies", "work": "dependencies",
           "run": "unknown", "tool": "unknown", "version": "metadata", "env": "metadata",
           "list": "metadata", "clean": "toolchain", "doc": "generate", "*": "unknown"},
    "gofmt": {"*": "lint"},
    "goimports": {"*": "lint"},
    "golangci-lint": {"*": "lint"},
    "staticcheck": {"*": "lint"},
    "govulncheck": {"*": "analysis"},
    "gosec": {"*": "analysis"},
    "ginkgo": {"*": "test"},
    "gotestsum": {"*": "test"},
    "goreleaser": {"release": "publish", "build": "build", "check": "lint",
                   "*": "publish"},
    "mage": {"*": "@targets:tasks"},
    "ko": {"build": "publish", "publish": "publish", "apply": "deploy", "resolve": "build",
           "*": "publish"},
    # jvm
    "mvn": {"*": "@targets:mvn"},
    "mvnw": {"*": "@targets:mvn"},
    "gradle": {"*": "@targets:gradle"},
    "gradlew": {"*": "@targets:gradle"},
    "ant": {"*": "@targets:make"},
    "sbt": {"*": "@targets:gradle"},
    "lein": {"*": "@targets:gradle"},
    "java": {"-version": "metadata", "--version": "metadata", "*": "unknown"},
    "javac": {"*": "build"},
    "jar": {"*": "build"},
    "javadoc": {"*": "generate"},
    "kotlinc": {"*": "build"},
    "jbang": {"*": "unknown"},
    # dotnet
    "dotnet": {"build": "build", "publish": "build", "pack": "build", "msbuild": "build",
               "test": "test", "vstest": "test", "restore": "dependencies",
               "tool install": "toolchain", "tool restore": "toolchain", "tool": "toolchain",
               "format": "lint", "nuget push": "publish", "nuget": "dependencies",
               "run": "unknown", "new": "toolchain", "workload": "toolchain",
               "--info": "metadata", "--version": "metadata", "--list-sdks": "metadata",
               "clean": "toolchain", "sln": "toolchain", "add": "dependencies",
               "*": "unknown"},
    "nuget": {"restore": "dependencies", "install": "dependencies", "push": "publish",
              "pack": "build", "sources": "toolchain", "*": "dependencies"},
    "msbuild": {"*": "build"},
    "vstest.console": {"*": "test"},
    "xunit.console": {"*": "test"},
    "nunit3-console": {"*": "test"},
    "signtool": {"*": "build"},
    # c / c++ / native
    "make": {"*": "@targets:make"},
    "gmake": {"*": "@targets:make"},
    "mingw32-make": {"*": "@targets:make"},
    "nmake": {"*": "@targets:make"},
    "jom": {"*": "@targets:make"},
    "ninja": {"*": "@targets:make"},
    "cmake": {"--build": "build", "--install": "build", "-P": "@script", "-E": "unknown",
              "--version": "metadata", "*": "build"},
    "ctest": {"*": "test"},
    "cpack": {"*": "build"},
    "meson": {"setup": "build", "compile": "build", "configure": "build",
              "install": "build", "test": "test", "dist": "build", "introspect": "metadata",
              "wrap": "dependencies", "subprojects": "dependencies", "--version":
              "metadata", "*": "build"},
    "muon": {"test": "test", "*": "build"},
    "bazel": {"build": "build", "test": "test", "coverage": "test", "run": "unknown",
              "query": "metadata", "cquery": "metadata", "aquery": "metadata",
              "info": "metadata", "version": "metadata", "fetch": "dependencies",
              "sync": "dependencies", "clean": "toolchain", "mod": "dependencies",
              "*": "build"},
    "bazelisk": {"build": "build", "test": "test", "coverage": "test", "run": "unknown",
                 "query": "metadata", "*": "build"},
    "buck": {"build": "build", "test": "test", "*": "build"},
    "buck2": {"build": "build", "test": "test", "*": "build"},
    "pants": {"test": "test", "lint": "lint", "fmt": "lint", "check": "lint",
              "package": "build", "publish": "publish", "*": "build"},
    "xmake": {"*": "build"},
    "premake5": {"*": "build"},
    "qmake": {"*": "build"},
    "configure": {"*": "build"},
    "autoreconf": {"*": "build"},
    "autogen.sh": {"*": "build"},
    "gcc": {"--version": "metadata", "-v": "metadata", "*": "build"},
    "g++": {"--version": "metadata", "-v": "metadata", "*": "build"},
    "clang": {"--version": "metadata", "-v": "metadata", "*": "build"},
    "clang++": {"--version": "metadata", "-v": "metadata", "*": "build"},
    "cc": {"*": "build"},
    "cl": {"*": "build"},
    "emcc": {"*": "build"},
    "zig": {"build": "build", "test": "test", "fmt": "lint", "*": "build"},
    "clang-format": {"*": "lint"},
    "clang-tidy": {"*": "lint"},
    "run-clang-tidy": {"*": "lint"},
    "cppcheck": {"*": "lint"},
    "cpplint": {"*": "lint"},
    "iwyu": {"*": "lint"},
    "include-what-you-use": {"*": "lint"},
    "valgrind": {"*": "test"},
    # Launchable (CloudBees Smart Tests): records test results to the service, picks tests
    "launchable": {"record": "report", "subset": "decide", "verify": "metadata",
                   "inspect": "metadata", "*": "report"},
    "gcovr": {"*": "analysis"},
    "lcov": {"*": "analysis"},
    "genhtml": {"*": "analysis"},
    "llvm-cov": {"*": "analysis"},
    "llvm-profdata": {"*": "analysis"},
    "gcov": {"*": "analysis"},
    "cov-build": {"*": "analysis"},
    "cov-configure": {"*": "toolchain"},  # Coverity: sets up the compiler configuration
    "cov-analyze": {"*": "analysis"},
    "cov-format-errors": {"*": "analysis"},
    "cov-commit-defects": {"*": "report"},
    "scan-build": {"*": "analysis"},
    "ccache": {"-s": "metadata", "--show-stats": "metadata", "-z": "toolchain",
               "--zero-stats": "toolchain", "-M": "toolchain", "--max-size": "toolchain",
               "*": "toolchain"},
    "sccache": {"--show-stats": "metadata", "*": "toolchain"},
    "vcpkg": {"install": "dependencies", "*": "dependencies"},
    "conan": {"install": "dependencies", "create": "build", "upload": "publish",
              "profile": "toolchain", "remote": "toolchain", "*": "dependencies"},
    "doxygen": {"*": "generate"},
    "asciidoctor": {"*": "generate"},
    "pandoc": {"*": "generate"},
    "hugo": {"*": "generate"},
    "jekyll": {"build": "generate", "*": "generate"},
    "bundle": {"install": "dependencies", "exec": "@cmd", "update": "dependencies",
               "config": "toolchain", "*": "dependencies"},
    "gem": {"install": "dependencies", "build": "build", "push": "publish",
            "update": "dependencies", "*": "dependencies"},
    "rake": {"*": "@targets:tasks"},
    "rspec": {"*": "test"},
    "rubocop": {"*": "lint"},
    "standardrb": {"*": "lint"},
    "ruby": {"-v": "metadata", "--version": "metadata", "*": "@script"},
    "composer": {"install": "dependencies", "update": "dependencies",
                 "require": "dependencies", "validate": "lint", "run": "@targets:npm",
                 "run-script": "@targets:npm", "test": "test", "audit": "analysis",
                 "self-update": "toolchain", "selfupdate": "toolchain",
                 "*": "@targets:npm"},
    # Laravel's console (`php artisan <command>`)
    "artisan": {"key:generate": "toolchain", "config:cache": "toolchain",
                "config:clear": "toolchain", "cache:clear": "toolchain",
                "storage:link": "toolchain", "optimize": "build", "test": "test",
                "dusk": "test", "*": "unknown"},
    "phpunit": {"*": "test"},
    "pest": {"*": "test"},
    "paratest": {"*": "test"},
    "phpstan": {"*": "lint"},
    "psalm": {"*": "lint"},
    "phpcs": {"*": "lint"},
    "php-cs-fixer": {"*": "lint"},
    "php": {"-v": "metadata", "--version": "metadata", "*": "@script"},
    "perl": {"*": "@script"},
    "prove": {"*": "test"},
    "cpanm": {"*": "dependencies"},
    "mix": {"deps.get": "dependencies", "test": "test", "format": "lint",
            "compile": "build", "credo": "lint", "hex.publish": "publish",
            # `mix release` assembles a release of the app in _build (nothing leaves)
            "release": "build", "local.hex": "toolchain", "local.rebar": "toolchain",
            "*": "unknown"},
    "swift": {"build": "build", "test": "test", "package": "dependencies", "*": "build"},
    "xcodebuild": {"test": "test", "-version": "metadata", "*": "build"},
    "xcrun": {"notarytool": "build", "altool": "publish", "*": "build"},
    "pod": {"install": "dependencies", "trunk": "publish", "lib": "lint", "*": "dependencies"},
    "fastlane": {"*": "@targets:tasks"},
    "flutter": {"test": "test", "build": "build", "analyze": "lint", "pub": "dependencies",
                "pub get": "dependencies", "format": "lint", "doctor": "metadata",
                "*": "unknown"},
    "dart": {"test": "test", "analyze": "lint", "format": "lint", "pub": "dependencies",
             "compile": "build", "*": "unknown"},
    "R": {"CMD": "@targets:rcmd", "*": "unknown"},
    "Rscript": {"*": "@script"},
    "stack": {"build": "build", "test": "test", "install": "build", "*": "build"},
    "cabal": {"build": "build", "test": "test", "update": "dependencies",
              "install": "dependencies", "*": "build"},
    "nix": {"build": "build", "flake": "lint", "develop": "toolchain", "shell": "toolchain",
            "run": "unknown", "*": "build"},
    "nix-build": {"*": "build"},
    "nix-shell": {"*": "toolchain"},
    "julia": {"*": "@script"},
    "lua": {"*": "@script"},
    "luarocks": {"*": "dependencies"},
    "opam": {"install": "dependencies", "*": "dependencies"},
    "dune": {"build": "build", "test": "test", "runtest": "test", "fmt": "lint", "*": "build"},
    "pwsh": {"*": "@script"},
    "powershell": {"*": "@script"},
    "bash": {"*": "@script"},
    "sh": {"*": "@script"},
    "zsh": {"*": "@script"},
    "ash": {"*": "@script"},
    # a Buildkite trigger step names another pipeline, not a task of a task runner
    "trigger": {"pipeline": "@targets:pipelines", "*": "@targets:pipelines"},
    "get-filehash": {"*": "build"},
    "dash": {"*": "@script"},
    "ksh": {"*": "@script"},
    "cmd": {"*": "@script"},
    "source": {"*": "@script"},
    ".": {"*": "@script"},
    "call": {"*": "@script"},
    # containers and clusters
    "docker": {"build": "build", "buildx build": "build", "buildx bake": "build",
               "buildx imagetools": "publish", "buildx create": "toolchain",
               "buildx use": "toolchain", "buildx inspect": "metadata", "buildx": "build",
               "image build": "build", "push": "publish", "image push": "publish",
               "manifest push": "publish", "manifest create": "build",
               "manifest annotate": "build", "manifest": "build", "tag": "build",
               "login": "credentials", "logout": "toolchain", "pull": "dependencies",
               "image pull": "dependencies", "load": "dependencies", "save": "build",
               "run": "@cmd", "exec": "@cmd", "compose": "@targets:compose",
               "info": "metadata", "version": "metadata", "images": "metadata",
               "ps": "metadata", "inspect": "metadata", "logs": "metadata",
               "system": "toolchain", "network": "toolchain", "volume": "toolchain",
               "rm": "toolchain", "rmi": "toolchain", "stop": "toolchain",
               # pruning images and build cache frees the runner's disk (rule 6)
               "image prune": "toolchain", "image rm": "toolchain",
               "container prune": "toolchain", "builder prune": "toolchain",
               "buildx prune": "toolchain",
               "kill": "toolchain", "start": "toolchain", "create": "toolchain",
               "cp": "metadata", "context": "toolchain", "swarm": "toolchain",
               "scout": "analysis", "sbom": "analysis", "trust": "build",
               "container": "toolchain", "stack deploy": "deploy", "service": "deploy",
               "--version": "metadata", "*": "unknown"},
    "docker-compose": {"*": "@targets:compose"},
    "podman": {"build": "build", "push": "publish", "login": "credentials",
               "pull": "dependencies", "run": "@cmd", "exec": "@cmd", "tag": "build",
               "manifest push": "publish", "manifest": "build", "info": "metadata",
               "version": "metadata", "metadata": "metadata", "images": "metadata", "system": "toolchain",
               "*": "toolchain"},
    "buildah": {"bud": "build", "build": "build", "build-using-dockerfile": "build",
                "commit": "build", "push": "publish", "login": "credentials",
                "manifest push": "publish", "manifest": "build", "from": "build",
                "run": "build", "copy": "build", "config": "build", "*": "build"},
    "kaniko": {"*": "publish"},
    "executor": {"*": "publish"},
    "skopeo": {"copy": "publish", "sync": "publish", "inspect": "metadata",
               "login": "credentials", "*": "publish"},
    "crane": {"push": "publish", "copy": "publish", "cp": "publish", "tag": "publish",
              "digest": "metadata", "manifest": "metadata", "auth": "credentials",
              "*": "publish"},
    "oras": {"push": "publish", "pull": "dependencies", "login": "credentials",
             "*": "publish"},
    "cosign": {"sign": "build", "attest": "build", "verify": "lint",
               "verify-attestation": "lint", "*": "build"},
    "notation": {"sign": "build", "verify": "lint", "*": "build"},
    "syft": {"*": "analysis"},
    "grype": {"*": "analysis"},
    "trivy": {"*": "analysis"},
    "snyk": {"*": "analysis"},
    "hadolint": {"*": "lint"},
    "dive": {"*": "analysis"},
    "kubectl": {"apply": "deploy", "create": "deploy", "delete": "deploy",
                "rollout": "deploy", "set": "deploy", "scale": "deploy", "patch": "deploy",
                "replace": "deploy", "label": "deploy", "annotate": "deploy",
                "wait": "metadata", "get": "metadata", "describe": "metadata",
                "logs": "metadata", "version": "metadata", "cluster-info": "metadata",
                "config": "credentials", "auth": "metadata", "top": "metadata",
                "port-forward": "toolchain", "exec": "unknown", "cp": "metadata",
                "kustomize": "build", "diff": "decide", "events": "metadata",
                "api-resources": "metadata", "*": "deploy"},
    "oc": {"apply": "deploy", "create": "deploy", "delete": "deploy", "rollout": "deploy",
           "get": "metadata", "describe": "metadata", "login": "credentials",
           "wait": "metadata", "logs": "metadata", "*": "deploy"},
    "kustomize": {"build": "build", "edit": "build", "*": "build"},
    "helm": {"upgrade": "deploy", "install": "deploy", "uninstall": "deploy",
             "delete": "deploy", "rollback": "deploy", "lint": "lint", "template": "build",
             "package": "build", "push": "publish", "repo add": "dependencies",
             "repo update": "dependencies", "repo": "dependencies",
             "dependency": "dependencies", "dep": "dependencies", "registry login":
             "credentials", "registry": "credentials", "test": "test", "unittest": "test",
             "version": "metadata", "metadata": "metadata", "list": "metadata", "ls": "metadata",
             "status": "metadata", "show": "metadata", "plugin": "toolchain",
             "diff": "decide", "*": "deploy"},
    "helmfile": {"apply": "deploy", "sync": "deploy", "diff": "decide", "lint": "lint",
                 "template": "build", "*": "deploy"},
    "ct": {"lint": "lint", "install": "test", "lint-and-install": "test", "*": "lint"},
    "kubeconform": {"*": "lint"},
    "kubeval": {"*": "lint"},
    "kind": {"create": "toolchain", "delete": "toolchain", "load": "toolchain",
             "export": "metadata", "get": "metadata", "*": "toolchain"},
    "minikube": {"*": "toolchain"},
    "k3d": {"*": "toolchain"},
    "tkn": {"*": "deploy"},
    "argocd": {"app sync": "deploy", "login": "credentials", "*": "deploy"},
    "flux": {"reconcile": "deploy", "bootstrap": "deploy", "install": "deploy",
             "create": "deploy", "delete": "deploy", "suspend": "deploy", "resume": "deploy",
             "uninstall": "deploy", "get": "metadata", "check": "metadata",
             "logs": "metadata", "events": "metadata", "tree": "metadata",
             "trace": "metadata", "stats": "metadata", "list": "metadata",
             "version": "metadata", "metadata": "metadata", "build": "build", "diff": "decide", "push": "publish",
             "tag": "publish", "pull": "dependencies", "*": "deploy"},
    "terraform": {"init": "dependencies", "plan": "decide", "apply": "deploy",
                  "destroy": "deploy", "import": "deploy", "fmt": "lint",
                  "validate": "lint", "output": "metadata", "show": "metadata",
                  "providers": "metadata", "workspace": "toolchain", "state": "metadata",
                  "test": "test", "version": "metadata", "*": "deploy"},
    "tofu": {"init": "dependencies", "plan": "decide", "apply": "deploy",
             "destroy": "deploy", "fmt": "lint", "validate": "lint", "*": "deploy"},
    "terragrunt": {"init": "dependencies", "plan": "decide", "apply": "deploy",
                   "run-all": "deploy", "*": "deploy"},
    "tflint": {"*": "lint"},
    "tfsec": {"*": "analysis"},
    "checkov": {"*": "analysis"},
    "pulumi": {"up": "deploy", "preview": "decide", "destroy": "deploy", "login":
               "credentials", "stack": "toolchain", "*": "deploy"},
    "ansible-playbook": {"*": "deploy"},
    "ansible-lint": {"*": "lint"},
    "packer": {"build": "build", "validate": "lint", "fmt": "lint", "init": "dependencies",
               "*": "build"},
    "vagrant": {"*": "toolchain"},
    "serverless": {"deploy": "deploy", "package": "build", "*": "deploy"},
    "sls": {"deploy": "deploy", "package": "build", "*": "deploy"},
    "sam": {"build": "build", "deploy": "deploy", "package": "build", "*": "deploy"},
    "cdk": {"deploy": "deploy", "synth": "build", "diff": "decide", "bootstrap": "deploy",
            "*": "deploy"},
    "copilot": {"deploy": "deploy", "*": "deploy"},
    "eb": {"deploy": "deploy", "*": "deploy"},
    "heroku": {"*": "deploy"},
    "fly": {"deploy": "deploy", "*": "deploy"},
    "flyctl": {"deploy": "deploy", "*": "deploy"},
    "doctl": {"*": "deploy"},
    "aws": {"s3 cp": "publish", "s3 sync": "publish", "s3 mv": "publish",
            "s3 rm": "publish", "s3 ls": "metadata", "s3": "publish",
            "s3api": "publish", "ecr get-login-password": "credentials",
            "ecr get-login": "credentials", "ecr-public get-login-password": "credentials",
            "ecr describe-images": "metadata", "ecr": "publish",
            "sts assume-role": "credentials", "sts get-caller-identity": "metadata",
            "sts": "credentials", "configure": "credentials",
            "codeartifact login": "credentials",
            "codeartifact get-authorization-token": "credentials",
            "cloudformation": "deploy", "lambda": "deploy", "ecs": "deploy", "eks update-kubeconfig":
            "credentials", "eks": "deploy", "cloudfront": "deploy", "ssm get-parameter":
            "credentials", "ssm": "deploy", "secretsmanager": "credentials",
            "sns": "notify", "ses": "notify", "ec2 describe-instances": "metadata",
            "ec2": "deploy", "--version": "metadata", "*": "deploy"},
    "gcloud": {"auth": "credentials", "config": "toolchain", "components": "toolchain",
               "builds submit": "build", "builds list": "metadata",
               "builds describe": "metadata", "builds log": "metadata", "builds": "build",
               "run deploy": "deploy",
               "run": "deploy", "app deploy": "deploy", "app": "deploy",
               "functions deploy": "deploy", "functions": "deploy",
               "container clusters get-credentials": "credentials",
               "container images": "publish", "artifacts docker": "publish",
               "artifacts print-settings": "metadata", "artifacts": "publish",
               "storage cp": "publish", "storage cat": "metadata", "storage ls": "metadata",
               "storage": "publish", "secrets": "credentials",
               "compute": "deploy", "info": "metadata", "version": "metadata",
               "projects describe": "metadata", "*": "deploy"},
    "gsutil": {"cp": "publish", "rsync": "publish", "mv": "publish", "rm": "publish",
               "ls": "metadata", "cat": "metadata", "stat": "metadata", "*": "publish"},
    "az": {"login": "credentials", "account": "credentials", "acr login": "credentials",
           "acr build": "publish", "acr": "publish", "storage blob upload": "publish",
           "storage blob upload-batch": "publish", "storage blob download": "dependencies",
           "storage": "publish", "webapp": "deploy", "functionapp": "deploy",
           "aks get-credentials": "credentials", "aks": "deploy",
           "deployment": "deploy", "group": "deploy", "keyvault secret show": "credentials",
           "keyvault": "credentials", "pipelines": "deploy", "devops": "toolchain",
           "extension": "toolchain", "config": "toolchain", "version": "metadata",
           "--version": "metadata", "artifacts universal publish": "publish",
           "artifacts universal download": "dependencies", "*": "deploy"},
    "azcopy": {"copy": "publish", "sync": "publish", "login": "credentials",
               "*": "publish"},
    "s3cmd": {"put": "publish", "sync": "publish", "cp": "publish", "get": "artifact-download",
              "ls": "metadata", "info": "metadata", "*": "publish"},
    "rclone": {"copy": "publish", "sync": "publish", "copyto": "publish", "move": "publish",
               "ls": "metadata", "lsf": "metadata", "lsd": "metadata", "cat": "metadata",
               "config": "toolchain", "*": "publish"},
    "vault": {"login": "credentials", "read": "credentials", "kv": "credentials",
              "write": "deploy", "*": "credentials"},
    # git and forges
    "git": {"clone": "checkout", "fetch": "checkout", "pull": "checkout",
            "checkout": "checkout", "switch": "checkout", "submodule": "checkout",
            "lfs": "checkout", "sparse-checkout": "checkout", "worktree": "checkout",
            "init": "checkout", "remote": "toolchain", "reset": "checkout",
            "clean": "toolchain", "stash": "toolchain", "restore": "checkout",
            "config": "toolchain", "update-index": "toolchain",
            "push": "publish", "tag": "publish", "commit": "build", "add": "build",
            "am": "build", "apply": "build", "merge": "build", "rebase": "build",
            "cherry-pick": "build", "revert": "build", "mv": "build", "rm": "build",
            "branch": "toolchain", "format-patch": "build",
            "diff": "metadata", "diff-index": "metadata", "diff-tree": "metadata",
            "log": "metadata", "show": "metadata", "rev-parse": "metadata",
            "rev-list": "metadata", "describe": "metadata", "status": "metadata",
            "ls-files": "metadata", "ls-remote": "metadata", "ls-tree": "metadata",
            "merge-base": "metadata", "name-rev": "metadata", "shortlog": "metadata",
            "blame": "metadata", "cat-file": "metadata", "for-each-ref": "metadata",
            "symbolic-ref": "metadata", "version": "metadata", "--version": "metadata",
            "grep": "metadata", "archive": "build", "bundle": "build",
            "*": "metadata"},
    "gh": {"release create": "publish", "release upload": "publish",
           "release edit": "publish", "release delete": "publish",
           "release download": "artifact-download", "release view": "metadata",
           "release list": "metadata", "release": "publish",
           "pr create": "publish", "pr merge": "publish", "pr checkout": "checkout",
           "pr comment": "notify", "pr edit": "notify", "pr review": "approve",
           "pr close": "notify", "pr ready": "notify", "pr reopen": "notify",
           "pr view": "metadata", "pr list": "metadata", "pr diff": "metadata",
           "pr checks": "metadata", "pr status": "metadata", "pr": "metadata",
           "issue create": "notify", "issue comment": "notify", "issue edit": "notify",
           "issue close": "notify", "issue reopen": "notify", "issue lock": "notify",
           "issue view": "metadata", "issue list": "metadata", "issue": "notify",
           "label": "notify", "run download": "artifact-download", "run list": "metadata",
           "run view": "metadata", "run watch": "metadata", "run rerun": "notify",
           "run cancel": "notify", "run": "metadata", "workflow run": "notify",
           "workflow": "metadata", "api": "@api", "auth": "credentials",
           "repo clone": "checkout", "repo": "metadata", "secret": "credentials",
           "variable": "toolchain", "cache delete": "cache-save", "cache": "metadata",
           "attestation": "build", "extension": "toolchain", "gist": "publish",
           "search": "metadata", "status": "metadata", "*": "metadata"},
    "glab": {"release": "publish", "mr create": "publish", "mr note": "notify",
             "mr": "metadata", "auth": "credentials", "api": "@api", "*": "metadata"},
    "hub": {"release": "publish", "pull-request": "publish", "*": "metadata"},
    "ghr": {"*": "publish"},
    "gitlab-release-cli": {"*": "publish"},
    "release-cli": {"*": "publish"},
    "git-cliff": {"*": "generate"},
    "git-chglog": {"*": "generate"},
    "conventional-changelog": {"*": "generate"},
    "updatecli": {"apply": "publish", "diff": "decide", "*": "publish"},
    "renovate": {"*": "publish"},
    "codecov": {"*": "report"},
    "codeclimate-test-reporter": {"*": "report"},
    "cc-test-reporter": {"before-build": "toolchain", "format-coverage": "analysis",
                         "sum-coverage": "analysis", "*": "report"},
    "codecovcli": {"*": "report"},
    "coveralls": {"*": "report"},
    "codacy-coverage-reporter": {"*": "report"},
    "sonar-scanner": {"*": "analysis"},
    "buildkite-agent": {"artifact upload": "artifact-upload",
                        "artifact download": "artifact-download",
                        "artifact": "artifact-upload", "annotate": "report",
                        "meta-data set": "decide", "meta-data get": "metadata",
                        "meta-data": "metadata", "pipeline upload": "decide",
                        "pipeline": "decide", "step": "decide", "oidc": "credentials",
                        "secret": "credentials", "lock": "toolchain", "*": "metadata"},
    "circleci": {"orb publish": "publish", "config validate": "lint",
                 "config": "lint", "tests": "test", "*": "unknown"},
    "circleci-agent": {"step halt": "decide", "*": "unknown"},
    "gitlab-runner": {"*": "toolchain"},
    "curl": {"*": "@http"},
    "wget": {"*": "@http"},
    "http": {"*": "@http"},
    "invoke-webrequest": {"*": "@http"},
    "invoke-restmethod": {"*": "@http"},
    "iwr": {"*": "@http"},
    "irm": {"*": "@http"},
    "start-bitstransfer": {"*": "dependencies"},
    "slack": {"*": "notify"},
    "apprise": {"*": "notify"},
    "sendmail": {"*": "notify"},
    "mail": {"*": "notify"},
    "mailx": {"*": "notify"},
    "ssh": {"*": "deploy"},
    "scp": {"*": "deploy"},
    "rsync": {"*": "deploy"},
    "sftp": {"*": "deploy"},
    "lftp": {"*": "deploy"},
    "ssh-keyscan": {"*": "credentials"},
    "ssh-add": {"*": "credentials"},
    "ssh-agent": {"*": "credentials"},
    "ssh-keygen": {"*": "credentials"},
    "gpg": {"--import": "credentials", "--batch": "credentials", "--detach-sign": "build",
            "--sign": "build", "--clearsign": "build", "-a": "build", "--armor": "build",
            "-b": "build", "-s": "build", "--verify": "lint", "--list-keys":
            "metadata", "--recv-keys": "credentials", "--keyserver": "credentials",
            "*": "credentials"},
    "gpg2": {"*": "credentials"},
    "minisign": {"*": "build"},
    # (verifying, `-c`, weighs as bookkeeping: see GUARD_COMMANDS)
    "sha256sum": {"-c": "lint", "--check": "lint", "*": "build"},
    "sha512sum": {"-c": "lint", "--check": "lint", "*": "build"},
    "sha1sum": {"-c": "lint", "--check": "lint", "*": "build"},
    "md5sum": {"-c": "lint", "--check": "lint", "*": "build"},
    "shasum": {"-c": "lint", "--check": "lint", "*": "build"},
    "b2sum": {"*": "build"},
    "codesign": {"*": "build"},
    "notarytool": {"*": "build"},
    "productsign": {"*": "build"},
    "pkgbuild": {"*": "build"},
    "productbuild": {"*": "build"},
    "hdiutil": {"*": "build"},
    "makensis": {"*": "build"},
    "iscc": {"*": "build"},
    "wix": {"*": "build"},
    "candle": {"*": "build"},
    "light": {"*": "build"},
    "dpkg-buildpackage": {"*": "build"},
    "debuild": {"*": "build"},
    "rpmbuild": {"*": "build"},
    "fpm": {"*": "build"},
    "nfpm": {"*": "build"},
    "snapcraft": {"upload": "publish", "push": "publish", "login": "credentials",
                  "*": "build"},
    "flatpak-builder": {"*": "build"},
    "appimagetool": {"*": "build"},
    "linuxdeploy": {"*": "build"},
    "windeployqt": {"*": "build"},
    "macdeployqt": {"*": "build"},
    "lipo": {"*": "build"},
    "strip": {"*": "build"},
    "upx": {"*": "build"},
    "zip": {"*": "build"},
    "7z": {"a": "build", "x": "dependencies", "e": "dependencies", "*": "build"},
    "7za": {"a": "build", "x": "dependencies", "e": "dependencies", "*": "build"},
    "compress-archive": {"*": "build"},
    "shellcheck": {"*": "lint"},
    "shfmt": {"*": "lint"},
    "yamllint": {"*": "lint"},
    "actionlint": {"*": "lint"},
    "zizmor": {"*": "analysis"},
    "editorconfig-checker": {"*": "lint"},
    "ec": {"validate": "lint", "*": "lint"},
    "typos": {"*": "lint"},
    "vale": {"*": "lint"},
    "lychee": {"*": "lint"},
    "markdown-link-check": {"*": "lint"},
    "reuse": {"*": "lint"},
    "licensee": {"*": "analysis"},
    "license-checker": {"*": "analysis"},
    "scancode": {"*": "analysis"},
    "semgrep": {"*": "analysis"},
    "gitleaks": {"*": "analysis"},
    "trufflehog": {"*": "analysis"},
    "osv-scanner": {"*": "analysis"},
    "lockfile-lint": {"*": "analysis"},  # checks the lockfile's hosts and schemes
    "dependency-check": {"*": "analysis"},
    "hyperfine": {"*": "analysis"},
    "codeql": {"database create": "build", "database analyze": "analysis",
               "*": "analysis"},
    "calens": {"*": "lint"},
    "xvfb-run": {"*": "@cmd"},
    "xvfb": {"*": "toolchain"},
    "lintrunner": {"init": "toolchain", "*": "lint"},
    "invoke-expression": {"*": "@script"},
    "iex": {"*": "@script"},
    "script": {"*": "@script"},
    "pester": {"*": "test"},
    "invoke-pester": {"*": "test"},
    # system packages and toolchains
    "apt-get": {"install": "dependencies", "update": "dependencies",
                "upgrade": "dependencies", "dist-upgrade": "dependencies",
                "build-dep": "dependencies", "source": "dependencies",
                "remove": "toolchain", "purge": "toolchain", "autoremove": "toolchain",
                "clean": "toolchain", "autoclean": "toolchain", "*": "dependencies"},
    "apt": {"install": "dependencies", "update": "dependencies", "upgrade": "dependencies",
            "remove": "toolchain", "purge": "toolchain", "autoremove": "toolchain",
            "list": "metadata", "show": "metadata", "*": "dependencies"},
    "aptitude": {"*": "dependencies"},
    "apt-add-repository": {"*": "dependencies"},
    "add-apt-repository": {"*": "dependencies"},
    "apt-key": {"*": "dependencies"},
    "dpkg": {"-i": "dependencies", "--install": "dependencies", "-l": "metadata",
             "-s": "metadata", "-L": "metadata", "--print-architecture": "metadata",
             "--add-architecture": "toolchain", "*": "dependencies"},
    "yum": {"*": "dependencies"},
    "dnf": {"*": "dependencies"},
    "microdnf": {"*": "dependencies"},
    "zypper": {"*": "dependencies"},
    "rpm": {"-q": "metadata", "-qa": "metadata", "--query": "metadata", "*": "dependencies"},
    "apk": {"*": "dependencies"},
    "pacman": {"*": "dependencies"},
    "emerge": {"*": "dependencies"},
    "pkg": {"*": "dependencies"},
    "pkg_add": {"*": "dependencies"},
    "port": {"*": "dependencies"},
    "brew": {"install": "dependencies", "update": "toolchain", "upgrade": "dependencies",
             "tap": "dependencies", "bundle": "dependencies", "link": "toolchain",
             "unlink": "toolchain", "uninstall": "toolchain", "list": "metadata",
             "info": "metadata", "config": "metadata", "--prefix": "metadata",
             "cleanup": "toolchain", "*": "dependencies"},
    "choco": {"*": "dependencies"},
    "winget": {"*": "dependencies"},
    "scoop": {"*": "dependencies"},
    "snap": {"*": "dependencies"},
    "flatpak": {"*": "dependencies"},
    "nix-env": {"*": "dependencies"},
    "cygwin-setup": {"*": "dependencies"},
    "setup-x86_64.exe": {"*": "dependencies"},
    "install-module": {"*": "dependencies"},
    "install-package": {"*": "dependencies"},
    "install-psresource": {"*": "dependencies"},
    "update-alternatives": {"*": "toolchain"},
    "systemctl": {"status": "metadata", "is-active": "metadata", "*": "toolchain"},
    "service": {"*": "toolchain"},
    "sysctl": {"-n": "metadata", "*": "toolchain"},
    "ulimit": {"*": "toolchain"},
    "swapon": {"*": "toolchain"},
    "mkswap": {"*": "toolchain"},
    "fallocate": {"*": "toolchain"},
    "modprobe": {"*": "toolchain"},
    "kldload": {"*": "toolchain"},  # FreeBSD's modprobe
    "kldstat": {"*": "metadata"},
    "ifconfig": {"*": "metadata"},
    "wg": {"show": "metadata", "showconf": "metadata", "*": "toolchain"},
    "wg-quick": {"*": "toolchain"},
    # the Android SDK's tools: they install SDK parts and prepare emulators
    "android": {"list": "metadata", "*": "toolchain"},
    # the MinIO client: copies to and from object storage aliases
    "mc": {"cp": "publish", "mirror": "publish", "mv": "publish", "put": "publish",
           "alias": "credentials", "config": "credentials", "ls": "metadata",
           "stat": "metadata", "cat": "metadata", "mb": "toolchain", "*": "publish"},
    "useradd": {"*": "toolchain"},
    "groupadd": {"*": "toolchain"},
    "usermod": {"*": "toolchain"},
    "locale-gen": {"*": "toolchain"},
    "ldconfig": {"*": "toolchain"},
    "update-ca-certificates": {"*": "toolchain"},
    "add-mppreference": {"*": "toolchain"},
    "set-mppreference": {"*": "toolchain"},
    "setx": {"*": "toolchain"},
    "reg": {"query": "metadata", "*": "toolchain"},
    "get-childitem": {"*": "metadata"},
    "get-content": {"*": "metadata"},
    "get-item": {"*": "metadata"},
    "show-environment": {"*": "metadata"},
    "dir": {"*": "metadata"},
    "tree": {"*": "metadata"},
    "file": {"*": "metadata"},
    "stat": {"*": "metadata"},
    "ldd": {"*": "metadata"},
    "otool": {"*": "metadata"},
    "objdump": {"*": "metadata"},
    "nm": {"*": "metadata"},
    "readelf": {"*": "metadata"},
    "dumpbin": {"*": "metadata"},
    "env": {"": "metadata", "*": "@cmd"},
    "timeout": {"*": "@cmd"},
    "time": {"*": "@cmd"},
    "nice": {"*": "@cmd"},
    "nohup": {"*": "@cmd"},
    "exec": {"*": "@cmd"},
    "command": {"*": "@cmd"},
    "builtin": {"*": "@cmd"},
    "stdbuf": {"*": "@cmd"},
    "retry": {"*": "@cmd"},
    "eatmydata": {"*": "@cmd"},
    "fakeroot": {"*": "@cmd"},
    "chronic": {"*": "@cmd"},
    "caffeinate": {"*": "@cmd"},
    "arch": {"*": "@cmd"},
    "catchsegv": {"*": "@cmd"},
    "dbus-run-session": {"*": "@cmd"},
    "scl": {"*": "@cmd"},
    "winpty": {"*": "@cmd"},
    "start-process": {"*": "@cmd"},
}

# Kinds of task and target names per tool family, before the word rules. "" is the
# tool run without a target.
TARGETS: dict[str, dict[str, str]] = {
    "make": {"": "build", "all": "build", "check": "test", "distcheck": "test",
             "install": "build", "dist": "build", "clean": "toolchain",
             "distclean": "toolchain", "html": "generate", "man": "generate",
             "pdf": "generate", "latex": "generate", "ci": "unknown", "default": "build",
             "release": "publish", "debug": "build", "cover": "test", "cov": "test",
             "deps": "dependencies", "vendor": "dependencies", "bench": "analysis",
             "format": "lint", "fmt": "lint", "vet": "lint", "tidy": "lint",
             "generate": "generate", "gen": "generate", "docs": "generate",
             "doc": "generate", "e2e": "test", "run": "unknown", "verify": "test",
             "audit": "analysis"},
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
            "verify": "build", "install": "build", "deploy": "publish", "site": "generate",
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
            "benchmark": "analysis", "pkg": "build", "dist": "build"},
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
    "tasks": {"": "unknown"},
    "pipelines": {"": "unknown"},
    "rcmd": {"build": "build", "check": "test", "install": "build", "INSTALL": "build"},
}

# Copies between the job and object storage: uploads unless the destination is local
# and a source is a bucket (then the copy downloads).
STORAGE_COPIES: frozenset[str] = frozenset((
    "gsutil cp", "gsutil rsync", "gsutil mv", "gcloud storage cp", "gcloud storage rsync",
    "gcloud storage mv", "aws s3 cp", "aws s3 sync", "aws s3 mv", "azcopy copy",
    "azcopy sync", "azcopy cp", "s3cmd sync", "s3cmd cp", "rclone copy", "rclone sync",
    "rclone copyto", "rclone move", "mc cp", "mc mirror", "mc mv",
))
# Words in a tool's name that say which way it moves files (with a bucket, see above).
UPLOAD_WORDS: frozenset[str] = frozenset("upload uploader uploads push pusher put store".split())
# Programs whose output piped into a shell is an installer from the web
# (`curl -fsSL https://.../install.sh | sh`); anything else piped into a shell is a script
# of unknown purpose.
DOWNLOADERS: frozenset[str] = frozenset(
    "curl wget iwr irm invoke-webrequest invoke-restmethod fetch aria2c".split()
)

# `git config` options that only read a setting (`git config --get remote.origin.url`).
GIT_CONFIG_READS: frozenset[str] = frozenset(
    "--get --get-all --get-regexp --get-urlmatch --list -l --show-origin --show-scope".split()
)

FETCH_WORDS: frozenset[str] = frozenset(
    "fetch fetcher download downloader pull puller get retrieve".split()
)

# Commands that guard what the step fetched or made (checksum verification): a check
# when alone, bookkeeping beside the download or build they guard.
GUARD_COMMANDS: frozenset[str] = frozenset(
    f"{prog} {flag}" for prog in ("sha256sum", "sha512sum", "sha1sum", "md5sum", "shasum")
    for flag in ("-c", "--check")
)

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

# Shell built-ins and small utilities: they prepare, read or print, and almost never are
# the step's purpose (weight 0 in the backend).
UTILITIES: dict[str, str] = {
    **dict.fromkeys(
        "echo printf print write-host write-output write-verbose write-information "
        "write-warning write-error write-debug out-host cat head tail less more pwd ls "
        "cd pushd popd set-location push-location pop-location sleep start-sleep true "
        "false exit return test [ [[ : wait read shift local declare typeset readonly "
        "let eval trap set shopt unset alias break continue grep egrep fgrep rg sed awk "
        "gawk jq yq cut tr sort uniq wc xargs tee find basename dirname realpath "
        "readlink date seq expr bc base64 xxd od hexdump diff cmp comm column rev fold "
        "fmt paste join split envsubst gettext select-object "
        "where-object foreach-object format-table format-list out-string convertto-json "
        "convertfrom-json select-string measure-object sort-object group-object "
        "get-date get-location test-path resolve-path join-path split-path "
        "write-progress out-null import-module using-module get-variable "
        "register-argumentcompleter ps kill pkill pgrep netstat ss lsof ping nslookup "
        "dig host mktemp tput clear nproc df du free lscpu lsb_release sw_vers uname "
        "hostname whoami id nvidia-smi rocm-smi systeminfo which where type get-command "
        "printenv pkg-config".split(),
        "metadata"),
    **dict.fromkeys(
        "export mkdir rm rmdir cp mv ln touch chmod chown chgrp install umask "
        "new-item remove-item copy-item move-item rename-item set-content add-content "
        "set-item set-variable new-variable clear-content set-executionpolicy "
        "set-strictmode unzip tar gunzip gzip bunzip2 bzip2 xz unxz zstd expand-archive "
        "mount umount hdiutil-attach truncate dd mkfifo rsync-local icacls attrib rimraf "
        "compgen "
        "robocopy xcopy copy del rd md mklink cygpath wslpath subst git-lfs".split(),
        "toolchain"),
}

# Utility kinds that describe the step when nothing else does: a step that only
# creates directories prepares the environment; one that only prints reads.
EXTRACT_PROGRAMS: frozenset[str] = frozenset(
    "unzip tar gunzip bunzip2 unxz zstd expand-archive 7z 7za gzip xz bzip2".split()
)

# Programs whose output decides something when a value is computed with them
# (`NAME=$(echo $REF | sed ...)`); reading a value with anything else is metadata.
DECIDING_PROGRAMS: frozenset[str] = frozenset(
    "sed awk gawk jq yq cut shasum sha1sum sha256sum md5sum python node expr bc perl ruby "
    "semver printf openssl uuidgen".split()
)

# Container plugins (Woodpecker, Drone, Buildkite) by image name: "@image" builds and
# pushes an image unless a dry run is set.
PLUGIN_KINDS: tuple[tuple[str, str], ...] = (
    (r"docker|buildx|kaniko|buildah|(^|[/-])img($|-)|[/-](ecr|gcr|acr)($|-)|manifest", "@image"),
    (r"slack|discord|email|matrix|telegram|teams|webhook|gitter|mattermost|irc|pushover|"
     r"ntfy|notify|bluesky|mastodon|twitter|tweet|toot|social", "notify"),
    (r"codecov|coveralls|codacy|sonar", "report"),
    # `atlassian/aws-s3-deploy`: a pipe named for deploying deploys, whatever it copies
    # to; invalidating a CDN's cache makes a deploy live
    (r"deploy|cloudfront|cdn-purge|invalidat", "deploy"),
    (r"github-release|gitea-release|gitlab-release|release", "publish"),
    (r"cache", "cache-restore"),
    (r"(^|[/-])(s3|gcs|minio|azure-storage|blob)($|[/-])", "publish"),
    (r"scp|ssh|rsync|ftp|sftp|surge|netlify|pages|helm|kubernetes|k8s|kubectl|ansible",
     "deploy"),
    (r"(^|[/-])(git|clone)($|[/-])", "checkout"),
    (r"(^|[/-])(npm|pypi|gem|nuget|maven)($|[/-])", "publish"),
)

# Packages that are a toolchain rather than what the code depends on: compilers, build
# systems and Python packaging tools. Installing only these is `toolchain`.
TOOLCHAIN_PACKAGES: frozenset[str] = frozenset(
    "meson ninja ninja-build cmake scons make build-essential gcc g++ clang lld llvm "
    "ccache sccache mold nasm yasm autoconf automake libtool pkg-config pkgconf bison flex "
    "pip setuptools wheel build packaging virtualenv uv poetry pipx hatch hatchling maturin "
    "cython gfortran clang-tools gcc-multilib g++-multilib mingw-w64".split()
)

# Package managers whose `install` takes package names (for TOOLCHAIN_PACKAGES).
PACKAGE_INSTALLERS: frozenset[str] = frozenset(
    "pip uv apt-get apt yum dnf apk brew choco pacman zypper port".split()
)

# PowerShell's approved verbs: `Verb-Noun` is a cmdlet only with one of these
# (`ci-fairy`, `gcs-uploader` are programs whose subcommand says more).
POWERSHELL_VERBS: frozenset[str] = frozenset(
    "add approve assert backup block build checkpoint clear close compare complete compress "
    "confirm connect convert convertfrom convertto copy debug deny deploy disable "
    "disconnect dismount edit enable enter exit expand export find format get grant group "
    "hide import initialize install invoke join limit lock measure merge mount move new "
    "open optimize out ping pop protect publish push read receive redo register remove "
    "rename repair request reset resize resolve restart restore resume revoke save search "
    "select send set show skip split start step stop submit suspend switch sync test trace "
    "unblock undo uninstall unlock unprotect unpublish unregister update use wait watch "
    "write".split()
)

# Programs whose first positional is a task runner's task name (rake, mage, just, task).
TASK_RUNNERS: frozenset[str] = frozenset(
    "rake mage just task invoke inv make gmake ninja fastlane grunt gulp jake "
    "doit cake psake earthly dagger".split()
)

# Jenkins pipeline steps the format does not mark (see formats/_jenkins_steps.py for
# those it does), by their exact, case-sensitive name. Names a CircleCI or other config
# could give its own commands ("build", "step") are left out.
JENKINS_STEPS: dict[str, str] = {
    "echo": "metadata", "println": "metadata", "print": "metadata", "pwd": "metadata",
    "isUnix": "metadata", "fileExists": "metadata", "readFile": "metadata",
    "readJSON": "metadata", "readYaml": "metadata", "readProperties": "metadata",
    "readCSV": "metadata", "findFiles": "metadata", "sleep": "metadata",
    "error": "decide", "unstable": "decide",
    "deleteDir": "toolchain", "cleanWs": "toolchain", "writeFile": "toolchain",
    "writeJSON": "toolchain", "writeYaml": "toolchain", "load": "toolchain",
    "libraryResource": "toolchain", "properties": "toolchain", "tool": "toolchain",
    "recordIssues": "report", "publishCoverage": "report", "recordCoverage": "report",
    "jacoco": "analysis",
    "s3Upload": "publish", "s3Download": "artifact-download",
    "sshPublisher": "deploy",
}

# Azure Pipelines tasks ("Name@version") by name.
AZURE_TASKS: dict[str, str] = {
    "checkout": "checkout",
    "downloadpipelineartifact": "artifact-download",
    "downloadbuildartifacts": "artifact-download",
    "downloadsecurefile": "credentials",
    "downloadgithubrelease": "artifact-download",
    "publishpipelineartifact": "artifact-upload",
    "publishbuildartifacts": "artifact-upload",
    "publishtestresults": "report",
    "publishcodecoverageresults": "report",
    "publishsymbols": "publish",
    "copyfiles": "build",
    "deletefiles": "toolchain",
    "archivefiles": "build",
    "extractfiles": "dependencies",
    "cmake": "build",
    "msbuild": "build",
    "vsbuild": "build",
    "vstest": "test",
    "dotnetcorecli": "build",
    "nugetcommand": "dependencies",
    "nugetauthenticate": "credentials",
    "nugettoolinstaller": "toolchain",
    "npmauthenticate": "credentials",
    "pipauthenticate": "credentials",
    "twineauthenticate": "credentials",
    "mavenauthenticate": "credentials",
    "docker": "build",
    "dockercompose": "toolchain",
    "kubernetesmanifest": "deploy",
    "kubernetes": "deploy",
    "helmdeploy": "deploy",
    "helminstaller": "toolchain",
    "azurewebapp": "deploy",
    "azurermwebappdeployment": "deploy",
    "azurefunctionapp": "deploy",
    "azureresourcemanagertemplatedeployment": "deploy",
    "azurefilecopy": "publish",
    "azurekeyvault": "credentials",
    "usepythonversion": "toolchain",
    "usenode": "toolchain",
    "nodetool": "toolchain",
    "usedotnet": "toolchain",
    "javatoolinstaller": "toolchain",
    "gotool": "toolchain",
    "userubyversion": "toolchain",
    "cache": "cache-restore",
    "cachebeta": "cache-restore",
    "maven": "build",
    "gradle": "build",
    "ant": "build",
    "xcode": "build",
    "gulp": "build",
    "npm": "dependencies",
    "manualvalidation": "approve",
    "github release": "publish",
    "githubrelease": "publish",
    "esrpcodesigning": "build",
    "sfp.build-tasks.custom-build-task": "build",
    "codeql3000init": "analysis",
    "codeql3000finalize": "analysis",
    "credscan": "analysis",
    "componentgovernancecomponentdetection": "analysis",
    "antimalware": "analysis",
    "binskim": "analysis",
    "postanalysis": "analysis",
    "sdl": "analysis",
    "tsaupload": "report",
    "publishsecurityanalysislogs": "report",
    "sonarqubeprepare": "analysis",
    "sonarqubeanalyze": "analysis",
    "sonarqubepublish": "report",
    "sonarcloudprepare": "analysis",
    "sonarcloudanalyze": "analysis",
    "sonarcloudpublish": "report",
    "universalpackages": "publish",
    "servicebus": "notify",
    "invokerestapi": "notify",
    "1es.publishpipelineartifact": "artifact-upload",
    "1es.publishbuildartifacts": "artifact-upload",
    "1es.downloadpipelineartifact": "artifact-download",
    "microbuildsigningplugin": "build",
    "microbuildcleanup": "toolchain",
    "onebranch.pipeline.signing": "build",
    "onebranch.pipeline.version": "decide",
    "installappleprovisioningprofile": "credentials",
    "installapplecertificate": "credentials",
    "sshkey": "credentials",
    "installsshkey": "credentials",
    "ftpupload": "deploy",
    "copyfilesoverssh": "deploy",
    "sshdeployment": "deploy",
    "publishtoazureservicebus": "notify",
}

# Azure tasks that wrap one tool and take its subcommand in an input:
# task -> (program, input naming the subcommand). AZURE_COMMAND_WORDS rewrites task
# commands that are no subcommand of the program itself.
AZURE_COMMAND_TASKS: dict[str, tuple[str, str]] = {
    "dotnetcorecli": ("dotnet", "command"), "nugetcommand": ("nuget", "command"),
    "npm": ("npm", "command"), "docker": ("docker", "command"),
    "dockercompose": ("docker-compose", "dockercomposecommand"),
    "gradle": ("gradle", "tasks"), "maven": ("mvn", "goals"),
}
AZURE_COMMAND_WORDS: dict[str, str] = {
    "dotnet push": "dotnet nuget push", "docker buildandpush": "docker push",
    "npm custom": "npm",
}

# Azure tasks that only move files: alone they keep their kind above, beside other tasks
# (a `${{ if }}` block rendered as one step) they are chores like cp and rm.
AZURE_FILE_TASKS: frozenset[str] = frozenset(("copyfiles", "deletefiles"))

# Azure tasks that run a script given in their inputs: the script decides the kind.
AZURE_SCRIPT_TASKS: frozenset[str] = frozenset(
    "powershell pwsh bash cmdline shellscript azurecli azurepowershell pythonscript "
    "batchscript".split()
)

# Inputs of a reusable unit (action, task, orb command) that hold a command or script.
SCRIPT_INPUTS: tuple[str, ...] = (
    "script", "run", "command", "commands", "inlinescript", "inline", "cmd",
    "scriptpath", "filepath",
)

# `python -m MODULE`: modules that are not programs of their own in COMMANDS.
MODULES: dict[str, str] = {
    "build": "build", "venv": "toolchain", "virtualenv": "toolchain",
    "ensurepip": "toolchain", "http.server": "toolchain", "json.tool": "metadata",
    "site": "metadata", "sysconfig": "metadata", "platform": "metadata",
    "unittest": "test", "doctest": "test", "pydoc": "generate", "compileall": "build",
    "zipapp": "build", "cprofile": "analysis", "timeit": "analysis",
    "pyperf": "analysis", "pyperformance": "analysis", "sphinx": "generate",
    "pip_audit": "analysis", "piptools": "dependencies", "wheel": "build",
    "setuptools_scm": "metadata", "pipdeptree": "metadata",
}

# Options that take a value, per program, so the value is not read as a subcommand
# (`make -C build test`, `git -c k=v fetch`, `sudo -u www-data cmd`).
OPTION_VALUES: dict[str, frozenset[str]] = {
    prog: frozenset(opts.split())
    for prog, opts in {
        "sudo": "-u -g -C -D -h -p -U -r -t",
        "xargs": "-I -i -n -P -L -l -d -a -s -E -e --max-args --max-procs --delimiter "
                 "--arg-file --max-chars",
        "nice": "-n --adjustment",
        "timeout": "-s -k --signal --kill-after",
        "env": "-u -C --unset --chdir -S",
        "xvfb-run": "-s --server-args -n --server-num -e --error-file -f --auth-file -p",
        "stdbuf": "-i -o -e",
        "retry": "-t --times --tries -d --delay -s --sleep",
        "make": "-C -f -j -l -o -W -I --directory --file --jobs --load-average",
        "gmake": "-C -f -j -l -o -W -I --directory --file --jobs",
        "mingw32-make": "-C -f -j -l",
        "nmake": "-f",
        "ninja": "-C -f -j -k -l -d -t -w",
        "git": "-c -C --git-dir --work-tree --namespace",
        "mvn": "-f --file -pl --projects -P --activate-profiles -s --settings -t "
               "--toolchains -T --threads -rf --resume-from -gs --global-settings -l "
               "--log-file -am -amd -b --builder -e",
        "mvnw": "-f --file -pl --projects -P --activate-profiles -s --settings -T "
                "--threads -rf --resume-from",
        "gradle": "-p --project-dir -c --settings-file -b --build-file -x --exclude-task "
                  "-D -P -I --init-script --max-workers --console -g --gradle-user-home",
        "gradlew": "-p --project-dir -c --settings-file -b --build-file -x --exclude-task "
                   "-I --init-script --max-workers --console -g --gradle-user-home",
        "npm": "--prefix -w --workspace -C --loglevel --registry",
        "pnpm": "--filter -F -C --dir --reporter --loglevel",
        "yarn": "--cwd --mutex --network-timeout --registry",
        "bun": "--cwd --filter",
        "npx": "-p --package -c",
        "pnpx": "-p --package -c",
        "uv": "--with -p --python --project --directory --package --group --extra "
              "--env-file --from --index --index-url --extra-index-url -C --config-setting "
              "--cache-dir --only-group --no-group --with-requirements",
        "uvx": "--from --with -p --python --index-url",
        "pipx": "--python --spec",
        "poetry": "-C --directory -P --project",
        "pdm": "-p --project -G --group",
        "hatch": "-e --env",
        "conda": "-n --name -p --prefix -c --channel",
        "mamba": "-n --name -p --prefix -c --channel",
        "micromamba": "-n --name -p --prefix -c --channel",
        "cargo": "-p --package --manifest-path --target --features -F -j --jobs "
                 "--target-dir --config -Z --color --profile --bin --test --example",
        "go": "-C",
        "docker": "--context -c --config -H --host -l --log-level",
        "kubectl": "-n --namespace --context --kubeconfig -l --selector --cluster --user "
                   "-f --filename -o --output",
        "oc": "-n --namespace --context --kubeconfig",
        "helm": "-n --namespace --kube-context --kubeconfig --repo --version -f --values "
                "--set --set-string",
        "terraform": "-chdir",
        "dotnet": "-c --configuration -f --framework -r --runtime -v --verbosity -o "
                  "--output",
        "bazel": "--output_base --bazelrc --output_user_root",
        "bazelisk": "--output_base --bazelrc",
        "cmake": "-S -B -G -T -A -C -P -D -U --preset --build --install --config -j "
                 "--parallel --target -t",
        "meson": "-C --buildtype --prefix -D --backend",
        "python": "-W -X --check-hash-based-pycs",
        "node": "-r --require --loader --import",
        "pwsh": "-ExecutionPolicy -executionpolicy -WorkingDirectory -OutputFormat",
        "powershell": "-ExecutionPolicy -executionpolicy -WorkingDirectory",
        "tox": "-c --conf -p --parallel --root --workdir",
        "nox": "-f --noxfile -p --python",
        "pytest": "-k -m -n -c -p --rootdir --cov --junitxml --durations --maxfail "
                  "--timeout",
        "gh": "-R --repo",
        "aws": "--region --profile --endpoint-url --output --exclude --include "
               "--cache-control --content-type --content-encoding --acl --storage-class "
               "--expires --metadata --sse",
        "gcloud": "--project --region --zone --account --format --configuration",
        "az": "--subscription -g --resource-group -o --output",
        "bundle": "--gemfile",
        "rake": "-f --rakefile -C --directory -I --libdir -j",
        "brew": "--cask",
        "apt-get": "-o -t --target-release",
        "apt": "-o -t",
        "curl": "-o --output -X --request -H --header -d --data --data-raw --data-binary "
                "--data-urlencode -F --form -u --user -T --upload-file -A --user-agent "
                "-e --referer --retry --retry-delay --max-time -m --connect-timeout "
                "-w --write-out --json --cacert --cert --key -b --cookie -c --cookie-jar "
                "--create-dirs --output-dir -K --config",
        "wget": "-O --output-document -P --directory-prefix -o --output-file -t --tries "
                "--header -U --user-agent -T --timeout -a --append-output -q",
        "docker run": "-v --volume -e --env -w --workdir --name -p --publish --platform "
                      "--network --net --entrypoint -u --user --env-file --mount --gpus "
                      "--shm-size --cpus -m --memory --label -l --cap-add --cap-drop "
                      "--device --ipc --pid --add-host --hostname -h --dns --runtime "
                      "--security-opt --ulimit --tmpfs --volumes-from --log-driver "
                      "--restart --pull --cidfile --stop-signal --stop-timeout",
        "docker exec": "-e --env -w --workdir -u --user --env-file",
    }.items()
}

# Shell words that open or close a construct; what follows them (if any) is a command.
SHELL_KEYWORDS: frozenset[str] = frozenset(
    "if then else elif fi do done while until ! { } time in esac ;; try catch "
    "finally foreach else{ }else".split()
)

# Shell constructs whose whole line is structure, not a command.
SHELL_HEADERS: frozenset[str] = frozenset(
    "for case select function param begin process end switch return trap".split()
)

# Programs that read or compute, used when a computed value ($(...)) decides.
TRIVIAL_SUBSTITUTIONS: frozenset[str] = frozenset(
    "pwd cygpath realpath readlink dirname basename nproc uname whoami id mktemp cat "
    "echo printf ls which command hostname getconf sysctl".split()
)
