"""Python: installers and environment managers, test runners, linters, docs and
packaging tools, and `python -m MODULE`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit, ran
from xops_lens.backends.rules.program import NEXT, Call, Lookup, Program, Via, _Next, words_list
from xops_lens.backends.rules.programs.packages import toolchain_install
from xops_lens.backends.rules.programs.targets import targets
from xops_lens.backends.rules.shell import option_values, unquote
from xops_lens.backends.rules.words import short

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader

# `python -m MODULE`: modules that are not programs of their own.
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


def run_module(reader: Reader, call: Call, found: Lookup) -> Hit | None:
    """`python -m MODULE` (Via.MODULE): the module is the program."""
    if not found.rest:
        return None
    module = unquote(found.rest[0])
    kind = MODULES.get(module.lower())
    if kind is not None:
        return ran(kind, 0.9, f"{call.prog} -m {short(module)}")
    return reader.words(found.rest, call.cmd, call.depth + 1)


def _tox(reader: Reader, call: Call) -> Hit | _Next:
    if "--notest" in call.args:
        # `tox run --notest`: environments created and filled, no test run (tie-breaker 9)
        return Hit("dependencies", 0.85, "prepares tox environments without testing", 2)
    # `tox run -e docset`, `tox r -f typing`, `tox -e py312,mypy`: the environments (or
    # the factors or labels that pick them) named say what runs, wherever they stand
    named = [unquote(v) for v in option_values(
        call.args, ("-e", "--env", "-f", "--factors", "-m", "--labels"))]
    if named and call.args[:1] != ["-e"]:
        return targets(reader, call.prog, "tox", named, call.args)
    return NEXT


def _pip(reader: Reader, call: Call) -> Hit | _Next:
    if call.args[:1] == ["install"] and "--no-index" in call.args:
        # `pip install pkg --no-index --find-links dist`: nothing comes from the world;
        # the job installs what it built, to try it (TAXONOMY tie-breaker 1)
        return Hit("test", 0.6, "installs the package the job built (--no-index)", 2)
    return NEXT


def _joined_flags(args: list[str]) -> list[str]:
    """`python -Ic 'code'`, `python -Bm pytest`: the last of joined one-letter flags
    takes the value, as if it stood alone."""
    out = []
    for a in args:
        if len(a) > 2 and a[0] == "-" and a[1] != "-" and a[-1] in "cm" and a[1:].isalpha():
            out.append("-" + a[-1])
        else:
            out.append(a)
    return out


DIRECTIVES = {Via.MODULE: run_module}


PROGRAMS: tuple[Program, ...] = (
    Program("pip", {"install": "dependencies", "download": "dependencies", "wheel": "build",
            "freeze": "metadata", "list": "metadata", "show": "metadata", "check": "lint",
            "config": "toolchain", "cache": "metadata", "uninstall": "toolchain",
            "*": "dependencies"}, handler=_pip, refine=toolchain_install),
    Program("python", {"-m": Via.MODULE, "setup.py": Via.SETUP_PY_COMMANDS, "-c": "unknown",
            "--version": "metadata", "-V": "metadata", "*": Via.SCRIPT, "": "unknown"},
            options=words_list("--check-hash-based-pycs -W -X"), arguments=_joined_flags),
    Program("uv", {"pip install": "dependencies", "pip sync": "dependencies",
            "pip list": "metadata", "pip freeze": "metadata", "pip show": "metadata",
            "pip tree": "metadata", "tree": "metadata", "pip check": "lint",
            "pip": "dependencies", "sync": "dependencies", "lock": "dependencies",
            "add": "dependencies", "venv": "toolchain", "python": "toolchain",
            "tool install": "toolchain", "tool run": Via.COMMAND, "tool": "toolchain",
            "build": "build",
            "publish": "publish", "run": Via.COMMAND, "export": "dependencies",
            "version": "metadata", "cache": "toolchain", "self": "toolchain", "*": "dependencies"},
            options=words_list("--cache-dir --config-setting --directory --env-file --extra "
                               "--extra-index-url --from --group --index --index-url --no-group "
                               "--only-group --package --project --python --with "
                               "--with-requirements -C -p"), refine=toolchain_install),
    Program("uvx", {"*": Via.COMMAND}, options=words_list("--from --index-url --python --with -p")),
    Program("pipx", {"run": Via.COMMAND, "install": "toolchain", "*": "toolchain"},
            options=words_list("--python --spec")),
    Program("poetry", {"install": "dependencies", "lock": "dependencies", "add": "dependencies",
            "update": "dependencies", "build": "build", "publish": "publish", "run": Via.COMMAND,
            "check": "lint", "version": "decide", "config": "toolchain", "self": "toolchain",
            "env": "toolchain", "*": "dependencies"},
            options=words_list("--directory --project -C -P")),
    Program("pipenv", {"install": "dependencies", "sync": "dependencies", "run": Via.COMMAND,
            "lock": "dependencies", "check": "analysis", "*": "dependencies"}),
    Program("pdm", {"install": "dependencies", "sync": "dependencies", "lock": "dependencies",
            "build": "build", "publish": "publish", "run": Via.COMMAND, "*": "dependencies"},
            options=words_list("--group --project -G -p")),
    Program("hatch", {"build": "build", "publish": "publish", "run": Via.COMMAND,
            "env": "toolchain", "test": "test", "fmt": "lint", "version": "decide", "*": "unknown"},
            options=words_list("--env -e")),
    Program("conda", {"install": "dependencies", "create": "toolchain", "env": "toolchain",
            "activate": "toolchain", "config": "toolchain", "update": "dependencies",
            "build": "build", "mambabuild": "build", "run": Via.COMMAND, "info": "metadata",
            "list": "metadata", "init": "toolchain", "clean": "toolchain", "*": "dependencies"},
            options=words_list("--channel --name --prefix -c -n -p")),
    Program("mamba", {"install": "dependencies", "create": "toolchain", "env": "toolchain",
            "update": "dependencies", "run": Via.COMMAND, "info": "metadata", "list": "metadata",
            "*": "dependencies"}, options=words_list("--channel --name --prefix -c -n -p")),
    Program("micromamba", {"install": "dependencies", "create": "toolchain", "run": Via.COMMAND,
            "activate": "toolchain", "*": "dependencies"},
            options=words_list("--channel --name --prefix -c -n -p")),
    Program("conda-build", {"*": "build"}),
    Program("rattler-build", {"*": "build"}),
    Program("twine", {"upload": "publish", "check": "lint", "*": "publish"}),
    Program("flit", {"publish": "publish", "build": "build", "install": "dependencies",
            "*": "build"}),
    Program("maturin", {"build": "build", "develop": "build", "publish": "publish",
            "upload": "publish", "*": "build"}),
    Program("cibuildwheel", {"*": "build"}),
    Program("auditwheel", {"repair": "build", "show": "metadata", "*": "build"}),
    Program("delocate-wheel", {"*": "build"}),
    Program("pytest", {"*": "test"},
            options=words_list("--cov --durations --junitxml --maxfail --rootdir --timeout -c "
                               "-k -m -n -p")),
    Program("py.test", {"*": "test"}),
    Program("tox", {"-e": Via.TOX_ENVIRONMENTS, "*": "test"},
            options=words_list("--conf --parallel --root --workdir -c -p"), handler=_tox),
    Program("nox", {"-s": Via.TOX_ENVIRONMENTS, "--session": Via.TOX_ENVIRONMENTS, "*": "test"},
            options=words_list("--noxfile --python -f -p")),
    Program("coverage", {"run": "test", "report": "analysis", "xml": "analysis",
            "html": "analysis", "combine": "analysis", "json": "analysis", "lcov": "analysis",
            "erase": "toolchain", "*": "analysis"}),
    Program("unittest", {"*": "test"}),
    Program("green", {"*": "test"}),
    Program("behave", {"*": "test"}),
    Program("robot", {"*": "test"}),
    Program("hypothesis", {"*": "test"}),
    Program("asv", {"machine": "toolchain", "*": "analysis"}),
    Program("pytest-benchmark", {"*": "analysis"}),
    Program("ruff", {"*": "lint"}),
    Program("flake8", {"*": "lint"}),
    Program("pylint", {"*": "lint"}),
    Program("mypy", {"*": "lint"}),
    Program("pyright", {"*": "lint"}),
    Program("basedpyright", {"*": "lint"}),
    Program("pytype", {"*": "lint"}),
    Program("ty", {"*": "lint"}),
    Program("black", {"*": "lint"}),
    Program("isort", {"*": "lint"}),
    Program("yapf", {"*": "lint"}),
    Program("autopep8", {"*": "lint"}),
    Program("pydocstyle", {"*": "lint"}),
    Program("pycodestyle", {"*": "lint"}),
    Program("codespell", {"*": "lint"}),
    Program("cython-lint", {"*": "lint"}),
    Program("bandit", {"*": "analysis"}),
    Program("safety", {"*": "analysis"}),
    Program("pip-audit", {"*": "analysis"}),
    Program("vulture", {"*": "analysis"}),
    Program("radon", {"*": "analysis"}),
    Program("pre-commit", {"install": "toolchain", "autoupdate": "dependencies",
            "install-hooks": "toolchain", "*": "lint"}),
    Program("prek", {"install": "toolchain", "*": "lint"}),
    Program("sphinx-build", {"*": "generate"}),
    Program("sphinx-apidoc", {"*": "generate"}),
    Program("mkdocs", {"build": "generate", "gh-deploy": "deploy", "serve": "generate",
            "*": "generate"}),
    Program("pdoc", {"*": "generate"}),
    Program("jupyter-book", {"*": "generate"}),
    Program("towncrier", {"check": "lint", "*": "generate"}),
    Program("bump2version", {"*": "decide"}),
    Program("bumpversion", {"*": "decide"}),
    Program("bump-my-version", {"*": "decide"}),
    Program("setuptools-scm", {"*": "metadata"}),
    Program("virtualenv", {"*": "toolchain"}),
    Program("pyenv", {"install": "toolchain", "*": "toolchain"}),
    Program("spin", {"build": "build", "test": "test", "docs": "generate", "lint": "lint",
            "bench": "analysis", "install": "build", "*": "unknown"}),
    Program("asv-spyglass", {"*": "analysis"}),
)
