""".NET: the dotnet CLI, NuGet, MSBuild, test consoles and signtool."""

from __future__ import annotations

from xops_lens.backends.rules.program import Program, words_list


PROGRAMS: tuple[Program, ...] = (
    Program("dotnet", {"build": "build", "publish": "build", "pack": "build", "msbuild": "build",
            "test": "test", "vstest": "test", "restore": "dependencies",
            "tool install": "toolchain", "tool restore": "toolchain", "tool": "toolchain",
            "format": "lint", "nuget push": "publish", "nuget": "dependencies", "run": "unknown",
            "new": "toolchain", "workload": "toolchain", "--info": "metadata",
            "--version": "metadata", "--list-sdks": "metadata", "clean": "toolchain",
            "sln": "toolchain", "add": "dependencies", "*": "unknown"},
            options=words_list("--configuration --framework --output --runtime --verbosity -c "
                               "-f -o -r -v")),
    Program("nuget", {"restore": "dependencies", "install": "dependencies", "push": "publish",
            "pack": "build", "sources": "toolchain", "*": "dependencies"}),
    Program("msbuild", {"*": "build"}),
    Program("vstest.console", {"*": "test"}),
    Program("xunit.console", {"*": "test"}),
    Program("nunit3-console", {"*": "test"}),
    Program("signtool", {"*": "build"}),
)
