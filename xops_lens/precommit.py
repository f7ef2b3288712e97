"""``xops-lens pre-commit FILE...``: the pre-commit hooks' entry point.

pre-commit can only select files by a regular expression, and CI configuration has no
fixed names: Azure templates under ``eng/``, GitLab includes called anything, Tekton task
folders, ``.circleci/*.yml``, plugin formats. So the hooks pass every YAML, TOML, Groovy,
Starlark, Jsonnet and Jenkinsfile name (:data:`HOOK_FILES`, a superset of what the
formats claim, which a test checks against every registered glob) and the filtering
happens here: the repository is scanned once, as a whole (a CI file cannot be read alone),
and the hook ends quietly with 0 unless one of the committed files is a file the scan
read (claimed by a format, or included by one) or a settings file.

Only click is imported at module level: ``xops-lens --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import click

# The hooks' `files:` pattern, kept in .pre-commit-hooks.yaml; repeated here for the test
# that checks every registered format glob against it.
HOOK_FILES = r"(\.(ya?ml|toml|groovy|star|jsonnet)|(^|/)[^/]*[Jj]enkinsfile[^/]*)$"
SETTINGS_FILES = frozenset({".xops-lens.toml", "pyproject.toml"})


def _norm(path: str) -> str:
    return PurePosixPath(Path(path).as_posix()).as_posix().removeprefix("./")


def touches_ci(result: Any, touched: tuple[str, ...], registry: Any) -> bool:
    """Whether a committed file is CI configuration: read by the scan (parsed or
    included), claimed by a format, or a settings file."""
    read = {_norm(f.path) for f in result.files}
    formats = list(registry.formats.values())
    for name in map(_norm, touched):
        if name in read or PurePosixPath(name).name in SETTINGS_FILES:
            return True
        if any(fmt.claims(name) for fmt in formats):
            return True
    return False


@click.command("pre-commit")
@click.argument("files", nargs=-1, type=click.Path(path_type=str))
@click.option("--path", "root", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="The repository to scan (pre-commit runs hooks from its root).")
@click.option("--base", metavar="REF", help="PR mode against REF (HEAD: the uncommitted changes).")
@click.option("--fail-on", default="error", show_default=True, metavar="POLICY",
              help="As for scan: never, or a comma list of error, gate, suggestion.")
@click.option("--backend", "-b", default="rules", show_default=True,
              help="Classification backend (rules works offline).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A TOML settings file (read after the repository's own).")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="Override one setting (repeatable).")
def pre_commit(files: tuple[str, ...], root: Path, base: str | None, fail_on: str,
               backend: str, config_file: Path | None, assignments: tuple[str, ...]) -> None:
    """Scan the repository when a committed FILE is CI configuration (the pre-commit
    hooks' entry; exits 0 without a word otherwise). When --fail-on blocks the commit,
    says which step matched and why."""
    from xops_lens.cli import run_scan_command
    from xops_lens.llm.cli_options import OPTION_NAMES

    options: dict[str, Any] = {name: None for name in OPTION_NAMES}
    run_scan_command(root, "terminal", backend, None, True, config_file, assignments,
                     options, base, fail_on, (), (), None, None, touched=files)
