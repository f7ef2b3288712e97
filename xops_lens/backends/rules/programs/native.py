"""Native build systems and compilers (make, CMake, Meson, Bazel...), C and C++
checkers, coverage tools, compiler caches and C/C++ package managers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.program import NEXT, Call, Program, Via, _Next, words_list
from xops_lens.backends.rules.programs.targets import TARGETS, target_kind
from xops_lens.backends.rules.shell import option_values, unquote
from xops_lens.backends.rules.words import short

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader


def _cmake_target(args: Sequence[str]) -> str:
    """The target of `cmake --build dir --target run-format` (or `-t name`)."""
    targets = option_values(args, ("--target", "-t"))
    return unquote(targets[0]) if targets else ""


def _cmake(reader: Reader, call: Call) -> Hit | _Next:
    if "--build" in call.args:
        target = _cmake_target(call.args)
        if target:
            found = target_kind(reader, TARGETS["make"], target, "make")
            if found is not None and found[0] not in ("build", "unknown"):
                return Hit(found[0], 0.8, f"builds target `{short(target, 30)}`", 2)
    return NEXT


def _meson(reader: Reader, call: Call) -> Hit | _Next:
    if call.args[:1] == ["configure"] and not any(a.startswith("-D") for a in call.args):
        # `meson configure builddir` without -D options lists the build options
        return Hit("metadata", 0.7, "lists the build options with `meson configure`", 0)
    if call.args[:1] == ["compile"]:
        # `meson compile -C build project-docs`: the targets named say what is built
        targets = reader.skip_options(call.args[1:], _MESON_VALUED)
        for target in targets:
            found = target_kind(reader, TARGETS["make"], unquote(target), "make")
            if found is not None and found[0] not in ("build", "unknown"):
                return Hit(found[0], 0.8, f"builds target `{short(target, 30)}`", 2)
    return NEXT


_MESON_VALUED = words_list("-C -j --jobs -l --load-average --vs-args --ninja-args")


PROGRAMS: tuple[Program, ...] = (
    Program("waf", {"*": Via.MAKE_TARGETS}),
    Program("scons", {"*": Via.MAKE_TARGETS}),
    Program("make", {"*": Via.MAKE_TARGETS},
            options=words_list("--directory --file --jobs --load-average -C -I -W -f -j -l -o")),
    Program("gmake", {"*": Via.MAKE_TARGETS},
            options=words_list("--directory --file --jobs -C -I -W -f -j -l -o")),
    Program("mingw32-make", {"*": Via.MAKE_TARGETS}, options=words_list("-C -f -j -l")),
    Program("nmake", {"*": Via.MAKE_TARGETS}, options=words_list("-f")),
    Program("jom", {"*": Via.MAKE_TARGETS}),
    Program("ninja", {"*": Via.MAKE_TARGETS}, options=words_list("-C -d -f -j -k -l -t -w")),
    Program("cmake", {"--build": "build", "--install": "build", "-P": Via.SCRIPT, "-E": "unknown",
            "--version": "metadata", "*": "build"},
            options=words_list("--build --config --install --parallel --preset --target -A -B "
                               "-C -D -G -P -S -T -U -j -t"), handler=_cmake),
    Program("ctest", {"*": "test"}),
    Program("cpack", {"*": "build"}),
    Program("meson", {"setup": "build", "compile": "build", "configure": "build",
            "install": "build", "test": "test", "dist": "build", "introspect": "metadata",
            "wrap": "dependencies", "subprojects": "dependencies", "--version": "metadata",
            # `meson devenv -C build pytest`: the command run in the build's environment
            "devenv": Via.COMMAND,
            "*": "build"}, options=words_list("--backend --buildtype --prefix -C -D"),
            sub_options={"devenv": words_list("-C -w --workdir --dump-format")},
            handler=_meson),
    Program("muon", {"test": "test", "*": "build"}),
    Program("bazel", {"build": "build", "test": "test", "coverage": "test", "run": "unknown",
            "query": "metadata", "cquery": "metadata", "aquery": "metadata", "info": "metadata",
            "version": "metadata", "fetch": "dependencies", "sync": "dependencies",
            "clean": "toolchain", "mod": "dependencies", "*": "build"},
            options=words_list("--bazelrc --output_base --output_user_root")),
    Program("bazelisk", {"build": "build", "test": "test", "coverage": "test", "run": "unknown",
            "query": "metadata", "*": "build"}, options=words_list("--bazelrc --output_base")),
    Program("buck", {"build": "build", "test": "test", "*": "build"}),
    Program("buck2", {"build": "build", "test": "test", "*": "build"}),
    Program("pants", {"test": "test", "lint": "lint", "fmt": "lint", "check": "lint",
            "package": "build", "publish": "publish", "*": "build"}),
    Program("xmake", {"*": "build"}),
    Program("premake5", {"*": "build"}),
    Program("qmake", {"*": "build"}),
    Program("configure", {"*": "build"}),
    Program("autoreconf", {"*": "build"}),
    Program("autogen.sh", {"*": "build"}),
    Program("gcc", {"--version": "metadata", "-v": "metadata", "*": "build"}),
    Program("g++", {"--version": "metadata", "-v": "metadata", "*": "build"}),
    Program("clang", {"--version": "metadata", "-v": "metadata", "*": "build"}),
    Program("clang++", {"--version": "metadata", "-v": "metadata", "*": "build"}),
    Program("cc", {"*": "build"}),
    Program("cl", {"*": "build"}),
    Program("emcc", {"*": "build"}),
    # `zig build check test`: the steps named after `build` are build.zig's targets
    Program("zig", {"build": Via.MAKE_TARGETS, "test": "test", "fmt": "lint", "*": "build"}),
    Program("clang-format", {"*": "lint"}),
    Program("clang-tidy", {"*": "lint"}),
    Program("run-clang-tidy", {"*": "lint"}),
    # a static analyser searching for defects, not a style check (tie-breaker 11)
    Program("cppcheck", {"*": "analysis"}),
    Program("flawfinder", {"*": "analysis"}),
    # BUGSENG ECLAIR (MISRA and other static analyses)
    Program("eclair", {"*": "analysis"}),
    Program("cpplint", {"*": "lint"}),
    Program("iwyu", {"*": "lint"}),
    Program("include-what-you-use", {"*": "lint"}),
    Program("valgrind", {"*": "test"}),
    Program("gcovr", {"*": "analysis"}),
    Program("lcov", {"*": "analysis"}),
    Program("genhtml", {"*": "analysis"}),
    Program("llvm-cov", {"*": "analysis"}),
    Program("llvm-profdata", {"*": "analysis"}),
    Program("gcov", {"*": "analysis"}),
    Program("cov-build", {"*": "analysis"}),
    # Coverity: sets up the compiler configuration
    Program("cov-configure", {"*": "toolchain"}),
    Program("cov-analyze", {"*": "analysis"}),
    Program("cov-format-errors", {"*": "analysis"}),
    Program("cov-commit-defects", {"*": "report"}),
    Program("scan-build", {"*": "analysis"}),
    Program("ccache", {"-s": "metadata", "--show-stats": "metadata", "-z": "toolchain",
            "--zero-stats": "toolchain", "-M": "toolchain", "--max-size": "toolchain",
            "*": "toolchain"}),
    Program("sccache", {"--show-stats": "metadata", "*": "toolchain"}),
    Program("vcpkg", {"install": "dependencies", "*": "dependencies"}),
    Program("conan", {"install": "dependencies", "create": "build", "upload": "publish",
            "profile": "toolchain", "remote": "toolchain", "*": "dependencies"}),
)
