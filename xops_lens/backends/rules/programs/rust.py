"""Rust: cargo and its plugins, rustup, formatters and builders."""

from __future__ import annotations

from xops_lens.backends.rules.program import Program, Via, words_list
from xops_lens.backends.rules.shell import unquote


def _without_toolchain(args: list[str]) -> list[str]:
    """`cargo +nightly fmt`: the toolchain chosen says nothing of the work."""
    return [a for a in args if not unquote(a).startswith("+")]


PROGRAMS: tuple[Program, ...] = (
    # plugins and aliases (`cargo lambda deploy`, `cargo lint-docs`) are tasks
    Program("cargo", {"build": "build", "b": "build", "rustc": "build", "test": "test",
            "t": "test", "nextest": "test", "insta": "test", "miri": "test", "llvm-cov": "test",
            "tarpaulin": "test", "clippy": "lint", "fmt": "lint", "check": "lint",
            "doc": "generate", "publish": "publish", "install": "toolchain",
            "binstall": "toolchain", "fetch": "dependencies", "update": "dependencies",
            "vendor": "dependencies", "generate-lockfile": "dependencies", "bench": "analysis",
            "audit": "analysis", "deny": "analysis", "udeps": "analysis", "machete": "analysis",
            "semver-checks": "lint", "hack": "lint", "run": "unknown", "xtask": Via.TASKS,
            "make": Via.TASKS, "dist": "build", "package": "build", "fuzz": "test",
            "codspeed": "analysis", "shear": "lint", "sort": "lint", "msrv": "lint",
            "metadata": "metadata", "tree": "metadata", "--version": "metadata", "-V": "metadata",
            "about": "metadata", "zigbuild": "build", "auditable": "build", "dev": Via.TASKS,
            "*": Via.TASKS},
            options=words_list("--bin --color --config --example --features --jobs "
                               "--manifest-path --package --profile --target --target-dir "
                               "--test -F -Z -j -p"), arguments=_without_toolchain),
    Program("rustup", {"*": "toolchain"}),
    Program("rustc", {"--version": "metadata", "-V": "metadata", "-vV": "metadata", "*": "build"},
            arguments=_without_toolchain),
    Program("rustfmt", {"*": "lint"}),
    Program("clippy-driver", {"*": "lint"}),
    Program("wasm-pack", {"build": "build", "test": "test", "publish": "publish", "*": "build"}),
    Program("cross", {"build": "build", "test": "test", "*": "build"}),
    Program("trunk", {"*": "build"}),
    Program("mdbook", {"build": "generate", "test": "test", "*": "generate"}),
    Program("rustdoc", arguments=_without_toolchain),
)
