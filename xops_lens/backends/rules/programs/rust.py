"""Rust: cargo and its plugins, rustup, formatters and builders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.program import Call, Lookup, Program, Via, words_list
from xops_lens.backends.rules.shell import unquote

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader


def _without_toolchain(args: list[str]) -> list[str]:
    """`cargo +nightly fmt`: the toolchain chosen says nothing of the work."""
    return [a for a in args if not unquote(a).startswith("+")]


def _compiles_only(reader: Reader, call: Call, found: Lookup) -> Hit | None:
    """`cargo test --no-run`, `cargo bench --no-run`: the tests are compiled and not run,
    which leaves a build (TAXONOMY tie-breaker 9)."""
    if found.sub in ("test", "t", "bench", "nextest") and "--no-run" in call.args:
        return Hit("build", 0.85, "compiles the tests without running them (--no-run)", 2)
    return None


PROGRAMS: tuple[Program, ...] = (
    # plugins and aliases (`cargo lambda deploy`, `cargo lint-docs`) are tasks
    Program("cargo", {"build": "build", "b": "build", "rustc": "build", "test": "test",
            "t": "test", "nextest": "test", "insta": "test", "miri": "test", "llvm-cov": "test",
            "tarpaulin": "test", "clippy": "lint", "fmt": "lint", "check": "lint",
            "doc": "generate", "publish": "publish", "install": "toolchain",
            "binstall": "toolchain", "fetch": "dependencies", "update": "dependencies",
            "vendor": "dependencies", "generate-lockfile": "dependencies", "bench": "analysis",
            "audit": "analysis", "deny": "analysis", "vet": "analysis", "udeps": "analysis", "machete": "analysis",
            "semver-checks": "lint", "hack": "lint", "run": "unknown", "xtask": Via.TASKS,
            "make": Via.TASKS, "dist": "build", "package": "build", "fuzz": "test",
            "codspeed": "analysis", "shear": "lint", "sort": "lint", "msrv": "lint",
            "metadata": "metadata", "tree": "metadata", "--version": "metadata", "-V": "metadata",
            "about": "metadata", "zigbuild": "build", "auditable": "build", "dev": Via.TASKS,
            "*": Via.TASKS},
            options=words_list("--bin --color --config --example --features --jobs "
                               "--manifest-path --package --profile --target --target-dir "
                               "--test -F -Z -j -p"), arguments=_without_toolchain,
            refine=_compiles_only),
    # `rustup show` also installs the toolchain rust-toolchain.toml names
    Program("rustup", {"show": "toolchain", "--version": "metadata", "-V": "metadata",
            "*": "toolchain"}),
    Program("rustc", {"--version": "metadata", "-V": "metadata", "-vV": "metadata",
            "-Vv": "metadata", "*": "build"},
            arguments=_without_toolchain),
    Program("rustfmt", {"*": "lint"}),
    Program("clippy-driver", {"*": "lint"}),
    Program("wasm-pack", {"build": "build", "test": "test", "publish": "publish", "*": "build"}),
    Program("cross", {"build": "build", "test": "test", "*": "build"}),
    Program("trunk", {"*": "build"}),
    Program("mdbook", {"build": "generate", "test": "test", "*": "generate"}),
    Program("rustdoc", arguments=_without_toolchain),
)
