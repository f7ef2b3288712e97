"""System package managers and toolchain installers. Installing only compilers and build
tools prepares the job (toolchain); anything else is the project's dependencies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.program import Call, Lookup, Program, words_list
from xops_lens.backends.rules.shell import LazyPattern
from xops_lens.backends.rules.words import short

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader

# Packages that are a toolchain rather than what the code depends on: compilers, build
# systems and Python packaging tools. Installing only these is `toolchain`.
TOOLCHAIN_PACKAGES: frozenset[str] = frozenset(
    "meson ninja ninja-build cmake scons make build-essential gcc g++ clang lld llvm "
    "ccache sccache mold nasm yasm autoconf automake libtool pkg-config pkgconf bison flex "
    "pip setuptools wheel build packaging virtualenv uv poetry pipx hatch hatchling maturin "
    "cython gfortran clang-tools gcc-multilib g++-multilib mingw-w64 binutils "
    # command-line tools a job drives, not code the project imports (issue 15); the
    # Python project tools (tox, nox, pipenv) stay dependencies, as dev.tsv labels them
    "awscli aws-cli azure-cli jq yq gh rsync "
    "kubectl helm terraform "
    # build and packaging tools of their own ecosystems
    "snapcraft flatpak-builder rpm-build rpmbuild dpkg-dev debhelper devscripts fakeroot "
    "ghcup rustup pyenv rbenv nvm juliaup chocolatey gmake coreutils python3-pip python3-venv python3-setuptools python3-wheel python3-virtualenv "
    "python-pip "
    # checkers and command-line tools a job runs on the code, not code it imports: the
    # blind samples' labellers read installing them as preparing the job (issue 15)
    "shellcheck shfmt aspell hunspell codespell yamllint check-jsonschema ajv-cli "
    "ansible ansible-core ansible-lint pre-commit ripgrep hadolint actionlint "
    "markdownlint-cli markdownlint-cli2 cpplint clang-format clang-tidy cppcheck "
    "include-what-you-use iwyu valgrind lcov gcovr doxygen firebase-tools netlify-cli "
    "vercel wrangler heroku flyctl doctl google-cloud-sdk google-cloud-cli hub "
    "cargo-deb cargo-nextest cargo-llvm-cov cross mdbook twine ghp-import".split()
)
# language runtimes and SDKs ("install a compiler", TAXONOMY): python3.12, nodejs,
# golang-1.22-go, openjdk-17-jdk-headless, temurin21, dotnet-sdk-8.0, ruby3.2
_RUNTIME = LazyPattern(r"^(python|pypy|ruby|node|nodejs|golang|go|rust|rustc|php|perl|"
                       r"strawberryperl|mono|openjdk|temurin|zulu|corretto|jdk|default-jdk|"
                       r"dotnet|dotnet-sdk|msys2|cygwin|julia|lua|luajit|erlang|elixir|ghc)"
                       r"(-?[\d.]+)*(-jdk|-jdk-headless|-jre|-go|-sdk(-[\d.]+)*|-lts)?$")
# cross compilers and their binutils (`x86_64-elf-gcc`, `gcc-aarch64-linux-gnu`)
_CROSS_TOOL = LazyPattern(r"^[\w.-]+-(gcc|g\+\+|binutils|gdb|clang)$|^(gcc|g\+\+|binutils)-[a-z][\w.-]*$")
_PACKAGE_VERSION = LazyPattern(r"[=<>~!\[@]")
_OPTION_VALUE = LazyPattern(r"^['\"]|^[A-Z_][A-Z0-9_]*=")
_VERSION_SUFFIX = LazyPattern(r"-[\d.]+$")
# the value of a `--version 3.12` option, read as a positional
_BARE_VERSION = LazyPattern(r"^v?\d[\d.]*$")


def _only_toolchain(packages: Sequence[str]) -> bool:
    """`pip install meson ninja`, `brew install ccache`, `apt install g++-4.8`: compilers
    and build tools only (a compiler's version suffix read away)."""
    names = [_PACKAGE_VERSION.split(p.lower(), 1)[0] for p in packages
             if p not in ("install",) and not _OPTION_VALUE.match(p)]
    names = [n for n in names if not _BARE_VERSION.match(n)]
    return bool(names) and all(n in TOOLCHAIN_PACKAGES
                               or _VERSION_SUFFIX.sub("", n) in TOOLCHAIN_PACKAGES
                               or _CROSS_TOOL.match(n) is not None
                               or _RUNTIME.match(n) is not None
                               for n in names)


def toolchain_install(reader: Reader, call: Call, found: Lookup) -> Hit | None:
    """A package manager's install of build tools only: the refinement of every package
    manager whose `install` takes package names."""
    if found.value == "dependencies" and _only_toolchain(found.positionals):
        return Hit("toolchain", 0.85, f"installs tools for the job with `{short(found.label)}`", 2)
    return None


PROGRAMS: tuple[Program, ...] = (
    Program("apt-get", {"install": "dependencies", "update": "dependencies",
            "upgrade": "dependencies", "dist-upgrade": "dependencies", "build-dep": "dependencies",
            "source": "dependencies", "remove": "toolchain", "purge": "toolchain",
            "autoremove": "toolchain", "clean": "toolchain", "autoclean": "toolchain",
            "*": "dependencies"}, options=words_list("--target-release -o -t"),
            refine=toolchain_install),
    Program("apt", {"install": "dependencies", "update": "dependencies", "upgrade": "dependencies",
            "remove": "toolchain", "purge": "toolchain", "autoremove": "toolchain",
            "list": "metadata", "show": "metadata", "*": "dependencies"},
            options=words_list("-o -t"), refine=toolchain_install),
    Program("aptitude", {"*": "dependencies"}),
    Program("apt-add-repository", {"*": "dependencies"}),
    Program("add-apt-repository", {"*": "dependencies"}),
    Program("apt-key", {"*": "dependencies"}),
    Program("dpkg", {"-i": "dependencies", "--install": "dependencies", "-l": "metadata",
            "-s": "metadata", "-L": "metadata", "--print-architecture": "metadata",
            "--add-architecture": "toolchain", "*": "dependencies"}),
    # removing packages shapes the job's machine, as apt-get remove does
    Program("yum", {"remove": "toolchain", "erase": "toolchain", "*": "dependencies"},
            refine=toolchain_install),
    Program("dnf", {"remove": "toolchain", "erase": "toolchain", "*": "dependencies"},
            refine=toolchain_install),
    Program("microdnf", {"*": "dependencies"}),
    Program("zypper", {"*": "dependencies"}, refine=toolchain_install),
    Program("rpm", {"-q": "metadata", "-qa": "metadata", "--query": "metadata", "*": "dependencies"}),
    Program("apk", {"*": "dependencies"}, refine=toolchain_install),
    Program("pacman", {"-R": "toolchain", "-Rs": "toolchain", "-Rns": "toolchain",
            "-Rdd": "toolchain", "-Syu": "toolchain", "-Syuu": "toolchain", "-Q": "metadata",
            "-Qi": "metadata", "*": "dependencies"}, refine=toolchain_install),
    Program("emerge", {"*": "dependencies"}),
    Program("pkg", {"*": "dependencies"}, refine=toolchain_install),
    Program("pkg_add", {"*": "dependencies"}),
    Program("port", {"*": "dependencies"}, refine=toolchain_install),
    Program("brew", {"install": "dependencies", "update": "toolchain", "upgrade": "dependencies",
            "tap": "dependencies", "bundle": "dependencies", "link": "toolchain",
            "unlink": "toolchain", "uninstall": "toolchain", "list": "metadata",
            "info": "metadata", "config": "metadata", "--prefix": "metadata",
            "cleanup": "toolchain", "bump-formula-pr": "publish", "bump-cask-pr": "publish",
            "audit": "lint", "style": "lint", "test": "test",
            # `brew services start valkey`: a service for the tests (tie-breaker 6)
            "services": "toolchain", "pin": "toolchain", "unpin": "toolchain",
            "*": "dependencies"},
            options=words_list("--cask"),
            refine=toolchain_install),
    Program("choco", {"*": "dependencies"}, refine=toolchain_install),
    Program("winget", {"*": "dependencies"}, refine=toolchain_install),
    Program("scoop", {"*": "dependencies"}, refine=toolchain_install),
    Program("snap", {"*": "dependencies"}, refine=toolchain_install),
    Program("flatpak", {"*": "dependencies"}),
    Program("nix-env", {"*": "dependencies"}),
    Program("cygwin-setup", {"*": "dependencies"}),
    Program("setup-x86_64.exe", {"*": "dependencies"}),
)
