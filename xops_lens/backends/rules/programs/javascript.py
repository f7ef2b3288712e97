"""JavaScript and TypeScript: package managers, runners of package scripts, test
runners, linters, bundlers and the hosting CLIs of front-end sites."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.program import Call, Lookup, Program, Via, words_list
from xops_lens.backends.rules.words import short

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader


def _global_install(reader: Reader, call: Call, found: Lookup) -> Hit | None:
    if found.sub in ("config", "set") and any(
            "authtoken" in a.lower() or "_auth" in a.lower() or "TOKEN" in a for a in call.args):
        # `npm config set //registry.npmjs.org/:_authToken $NPM_TOKEN`: a secret put where
        # the tool reads it (TAXONOMY tie-breaker 8)
        return Hit("credentials", 0.85, f"puts a registry token into `{short(found.label)}`", 2)
    if found.value == "dependencies" and found.positionals \
            and any(a in ("-g", "--global") for a in call.args):
        # `npm i -g npm@latest`, `npm install -g pnpm`: a command-line tool installed
        # for the machine, not the project's dependencies
        return Hit("toolchain", 0.8, f"installs a tool globally with `{short(found.label)}`", 2)
    return None


PROGRAMS: tuple[Program, ...] = (
    Program("npm", {"install": "dependencies", "i": "dependencies", "ci": "dependencies",
            "add": "dependencies", "update": "dependencies", "rebuild": "build", "test": "test",
            "t": "test", "run": Via.NPM_TARGETS, "run-script": Via.NPM_TARGETS,
            "publish": "publish", "pack": "build", "version": "decide", "audit": "analysis",
            "outdated": "metadata", "ls": "metadata", "list": "metadata", "view": "metadata",
            "config": "toolchain", "set": "toolchain", "login": "credentials",
            "whoami": "metadata", "exec": Via.COMMAND, "x": Via.COMMAND, "dist-tag": "publish",
            "deprecate": "publish", "link": "toolchain", "cache": "toolchain",
            "prune": "dependencies", "dedupe": "dependencies", "init": "toolchain",
            "start": "test", "--version": "metadata", "-v": "metadata", "*": Via.NPM_TARGETS},
            options=words_list("--loglevel --prefix --registry --workspace -C -w"),
            refine=_global_install),
    Program("yarn", {"": "dependencies", "install": "dependencies", "add": "dependencies",
            "upgrade": "dependencies", "run": Via.NPM_TARGETS, "test": "test",
            "publish": "publish", "npm": "publish", "pack": "build", "version": "decide",
            "audit": "analysis", "dlx": Via.COMMAND, "exec": Via.COMMAND, "config": "toolchain",
            "set": "toolchain", "cache": "toolchain", "workspace": Via.NPM_TARGETS,
            "workspaces": Via.NPM_TARGETS, "why": "metadata", "info": "metadata",
            "changeset": "decide", "--version": "metadata",
            # `yarn global add firebase-tools`: a tool for the machine (as `npm i -g`)
            "global": "toolchain", "*": Via.NPM_TARGETS},
            options=words_list("--cwd --mutex --network-timeout --registry")),
    Program("pnpm", {"install": "dependencies", "i": "dependencies", "add": "dependencies",
            "update": "dependencies", "fetch": "dependencies", "run": Via.NPM_TARGETS,
            "test": "test", "publish": "publish", "pack": "build", "exec": Via.COMMAND,
            "dlx": Via.COMMAND, "audit": "analysis", "store": "toolchain", "config": "toolchain",
            "setup": "toolchain", "env": "toolchain", "--version": "metadata", "*": Via.NPM_TARGETS},
            options=words_list("--dir --filter --loglevel --reporter -C -F"),
            refine=_global_install),
    Program("bun", {"install": "dependencies", "i": "dependencies", "add": "dependencies",
            "test": "test", "run": Via.NPM_TARGETS, "build": "build", "publish": "publish",
            "x": Via.COMMAND, "*": Via.NPM_TARGETS}, options=words_list("--cwd --filter")),
    Program("npx", {"*": Via.COMMAND}, options=words_list("--package -c -p")),
    Program("bunx", {"*": Via.COMMAND}),
    # pnpm's old `pnpm dlx`
    Program("pnpx", {"*": Via.COMMAND}, options=words_list("--package -c -p")),
    Program("corepack", {"enable": "toolchain", "prepare": "toolchain", "*": "toolchain"}),
    Program("nvm", {"install": "toolchain", "use": "toolchain", "*": "toolchain"}),
    Program("fnm", {"*": "toolchain"}),
    Program("volta", {"*": "toolchain"}),
    Program("node", {"--version": "metadata", "-v": "metadata", "-e": "unknown", "*": Via.SCRIPT},
            options=words_list("--import --loader --require -r")),
    Program("deno", {"test": "test", "lint": "lint", "fmt": "lint", "check": "lint",
            "compile": "build", "bundle": "build", "task": Via.NPM_TARGETS, "run": Via.SCRIPT,
            "install": "dependencies", "doc": "generate", "publish": "publish", "*": "unknown"}),
    Program("tsc", {"*": "build"}),
    Program("jest", {"*": "test"}),
    Program("vitest", {"*": "test"}),
    Program("mocha", {"*": "test"}),
    Program("ava", {"*": "test"}),
    Program("tap", {"*": "test"}),
    Program("karma", {"*": "test"}),
    Program("jasmine", {"*": "test"}),
    Program("playwright", {"install": "toolchain", "test": "test", "*": "test"}),
    Program("cypress", {"run": "test", "install": "toolchain", "verify": "toolchain", "*": "test"}),
    Program("wdio", {"*": "test"}),
    Program("nyc", {"report": "analysis", "*": "test"}),
    Program("c8", {"report": "analysis", "*": "test"}),
    Program("eslint", {"*": "lint"}),
    Program("prettier", {"*": "lint"}),
    Program("stylelint", {"*": "lint"}),
    Program("tslint", {"*": "lint"}),
    Program("biome", {"*": "lint"}),
    Program("oxlint", {"*": "lint"}),
    Program("knip", {"*": "lint"}),
    Program("madge", {"*": "lint"}),
    Program("markdownlint", {"*": "lint"}),
    Program("markdownlint-cli2", {"*": "lint"}),
    Program("cspell", {"*": "lint"}),
    Program("commitlint", {"*": "lint"}),
    Program("lerna", {"publish": "publish", "version": "decide", "run": Via.NPM_TARGETS,
            "bootstrap": "dependencies", "*": Via.NPM_TARGETS}),
    Program("nx", {"run": Via.NPM_TARGETS, "run-many": Via.NPM_TARGETS,
            "affected": Via.NPM_TARGETS, "*": Via.NPM_TARGETS}),
    Program("turbo", {"run": Via.NPM_TARGETS, "*": Via.NPM_TARGETS}),
    Program("vsce", {"publish": "publish", "package": "build", "*": "build"}),
    Program("ovsx", {"publish": "publish", "*": "publish"}),
    Program("webpack", {"*": "build"}),
    Program("vite", {"build": "build", "*": "build"}),
    Program("rollup", {"*": "build"}),
    Program("esbuild", {"*": "build"}),
    Program("parcel", {"*": "build"}),
    Program("electron-builder", {"*": "build"}),
    Program("typedoc", {"*": "generate"}),
    Program("jsdoc", {"*": "generate"}),
    Program("api-extractor", {"*": "lint"}),
    Program("size-limit", {"*": "analysis"}),
)
