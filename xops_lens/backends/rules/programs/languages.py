"""Other languages' tool chains: Ruby, PHP, Perl, Elixir, Swift and Apple platforms,
Flutter and Dart, R, Haskell, Nix, Julia, Lua, OCaml."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.program import NEXT, Call, Lookup, Program, Via, _Next, words_list
from xops_lens.backends.rules.shell import unquote

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader


def _ruby(reader: Reader, call: Call) -> Hit | _Next:
    args = call.args
    if "-e" in args and any(a.startswith("-r") for a in args) \
            and unquote(args[args.index("-e") + 1] if args.index("-e") + 1 < len(args)
                        else "").strip() in ("exit 0", "exit", "nil", "true", ""):
        # `ruby -I lib -r mygem -e 'exit 0'`: loads the libraries and stops, a test
        # that they load
        return Hit("test", 0.7, "checks that libraries load with `ruby -r`", 2)
    return NEXT


def _tmt(reader: Reader, call: Call) -> Hit | _Next:
    """`tmt run ... discover -v`: a run limited to its discover step lists the tests."""
    args = call.args
    if args[:1] == ["run"] and "discover" in args and not _TMT_EXECUTES.intersection(args):
        return Hit("metadata", 0.8, "lists the tests of tmt plans", 2)
    return NEXT


_TMT_EXECUTES = frozenset(("execute", "-a", "--all", "report", "finish", "provision"))


def _dune_alias(reader: Reader, call: Call, found: Lookup) -> Hit | None:
    """`dune build @fmt`, `dune build @runtest`: the alias built says what runs."""
    aliases = {a.lstrip("@").split("/")[-1] for a in call.args if a.startswith("@")}
    if aliases & {"fmt", "lint", "check"}:
        return Hit("lint", 0.85, "builds dune's format or check alias", 2)
    if aliases & {"runtest", "test"}:
        return Hit("test", 0.85, "runs dune's test alias", 2)
    if aliases & {"doc", "doc-private"}:
        return Hit("generate", 0.85, "builds dune's documentation alias", 2)
    return None


def _mix_check(reader: Reader, call: Call, found: Lookup) -> Hit | None:
    """`mix deps.unlock --check-unused`: fails on an unused lock entry, changes nothing
    (TAXONOMY tie-breakers 9, 11)."""
    if found.sub == "deps.unlock" and "--check-unused" in call.args:
        return Hit("lint", 0.85, "checks the lock file for unused entries", 2)
    return None


PROGRAMS: tuple[Program, ...] = (
    Program("bundle", {"install": "dependencies", "exec": Via.COMMAND, "update": "dependencies",
            "config": "toolchain", "*": "dependencies"}, options=words_list("--gemfile")),
    Program("gem", {"install": "dependencies", "build": "build", "push": "publish",
            "update": "dependencies", "*": "dependencies"}),
    Program("rake", {"*": Via.TASKS},
            options=words_list("--directory --libdir --rakefile -C -I -f -j")),
    Program("rspec", {"*": "test"}),
    Program("rubocop", {"*": "lint"}),
    Program("standardrb", {"*": "lint"}),
    Program("ruby", {"-v": "metadata", "--version": "metadata", "*": Via.SCRIPT}, handler=_ruby),
    Program("composer", {"install": "dependencies", "update": "dependencies",
            "require": "dependencies", "validate": "lint", "run": Via.NPM_TARGETS,
            "run-script": Via.NPM_TARGETS, "test": "test", "audit": "analysis",
            "self-update": "toolchain", "selfupdate": "toolchain", "*": Via.NPM_TARGETS}),
    # Laravel's console (`php artisan <command>`)
    Program("artisan", {"key:generate": "toolchain", "config:cache": "toolchain",
            "config:clear": "toolchain", "cache:clear": "toolchain", "storage:link": "toolchain",
            "optimize": "build", "test": "test", "dusk": "test", "*": "unknown"}),
    Program("phpunit", {"*": "test"}),
    Program("pest", {"*": "test"}),
    Program("paratest", {"*": "test"}),
    Program("phpstan", {"*": "lint"}),
    Program("psalm", {"*": "lint"}),
    Program("phpcs", {"*": "lint"}),
    Program("php-cs-fixer", {"*": "lint"}),
    Program("php", {"-v": "metadata", "--version": "metadata", "*": Via.SCRIPT}),
    Program("perl", {"*": Via.SCRIPT}),
    Program("prove", {"*": "test"}),
    Program("cpanm", {"*": "dependencies"}),
    # `mix release` assembles a release of the app in _build (nothing leaves)
    Program("mix", {"deps.get": "dependencies", "test": "test", "format": "lint",
            "compile": "build", "credo": "lint", "hex.publish": "publish", "release": "build",
            "local.hex": "toolchain", "local.rebar": "toolchain", "dialyzer": "lint",
            "deps.compile": "build", "deps.unlock": "dependencies", "deps.audit": "analysis",
            "hex.audit": "analysis", "sobelow": "analysis", "docs": "generate",
            "ecto.create": "toolchain", "ecto.migrate": "toolchain", "ecto.setup": "toolchain",
            "coveralls": "test", "*": "unknown"}, refine=_mix_check),
    Program("swift", {"build": "build", "test": "test", "package": "dependencies", "*": "build"}),
    Program("xcodebuild", {"test": "test", "clean test": "test", "build test": "test",
            "test-without-building": "test", "build-for-testing": "build",
            "-version": "metadata", "-showsdks": "metadata", "*": "build"},
            options=words_list("-project -workspace -scheme -configuration -destination -sdk "
                               "-arch -derivedDataPath -resultBundlePath -target -testPlan "
                               "-xcconfig -toolchain -only-testing -skip-testing "
                               "-destination-timeout -clonedSourcePackagesDirPath")),
    # the Test Management Tool (Fedora): `tmt run` runs plans, `tmt discover` lists tests
    Program("tmt", {"run": "test", "discover": "metadata", "lint": "lint", "*": "test"},
            handler=_tmt),
    Program("xcrun", {"notarytool": "build", "altool": "publish", "simctl list": "metadata",
            "simctl boot": "toolchain", "simctl create": "toolchain", "simctl": "toolchain",
            "--show-sdk-path": "metadata", "--find": "metadata", "*": "build"}),
    # `sudo xcode-select -s /Applications/Xcode_16.app`: picks the toolchain
    Program("xcode-select", {"-p": "metadata", "--print-path": "metadata", "*": "toolchain"}),
    Program("pod", {"install": "dependencies", "trunk": "publish", "lib": "lint",
            "*": "dependencies"}),
    Program("fastlane", {"*": Via.TASKS}),
    Program("flutter", {"test": "test", "build": "build", "analyze": "lint", "pub": "dependencies",
            "pub get": "dependencies", "pub global": "toolchain", "format": "lint",
            "doctor": "metadata", "*": "unknown"}),
    Program("dart", {"test": "test", "analyze": "lint", "format": "lint", "pub": "dependencies",
            # `dart pub global activate melos`: a command-line tool for the machine
            "pub global": "toolchain",
            "compile": "build", "*": "unknown"}),
    Program("R", {"CMD": Via.R_CMD, "*": "unknown"}),
    Program("Rscript", {"*": Via.SCRIPT}),
    Program("stack", {"build": "build", "test": "test", "install": "build", "*": "build"}),
    Program("cabal", {"build": "build", "test": "test", "update": "dependencies",
            "install": "dependencies", "*": "build"}),
    # language version managers: they put a compiler or runtime in place
    Program("ghcup", {"list": "metadata", "--version": "metadata", "*": "toolchain"}),
    Program("rvm", {"list": "metadata", "*": "toolchain"}),
    Program("rbenv", {"versions": "metadata", "*": "toolchain"}),
    Program("juliaup", {"status": "metadata", "*": "toolchain"}),
    Program("nix", {"build": "build", "flake check": "test", "flake update": "dependencies",
            "flake lock": "dependencies", "flake show": "metadata",
            "flake metadata": "metadata", "flake": "lint", "develop": "toolchain",
            "shell": "toolchain", "run": "unknown", "*": "build"}),
    Program("nix-build", {"*": "build"}),
    Program("nix-shell", {"*": "toolchain"}),
    Program("julia", {"*": Via.SCRIPT}),
    Program("lua", {"*": Via.SCRIPT}),
    Program("luarocks", {"make": "build", "pack": "build", "upload": "publish",
            "test": "test", "lint": "lint", "list": "metadata", "*": "dependencies"}),
    Program("luacheck", {"*": "lint"}),
    Program("busted", {"*": "test"}),
    Program("rails", {"test": "test", "test:system": "test", "new": "build", "*": Via.TASKS}),
    Program("opam", {"install": "dependencies", "exec": Via.COMMAND, "switch": "toolchain",
            "init": "toolchain", "env": "toolchain", "list": "metadata", "*": "dependencies"}),
    Program("dune", {"build": "build", "test": "test", "runtest": "test", "fmt": "lint",
            "*": "build"}, refine=_dune_alias),
)
