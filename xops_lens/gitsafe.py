"""Git run on a repository we do not trust.

The scanned tree may come with its own ``.git/config`` (an archive, a checkout made by
someone else), and its ``.gitattributes`` name filter drivers that the user's own
configuration defines. Plain ``git ls-files`` then runs ``core.fsmonitor``, and ``git
diff`` against the work tree pipes every changed file through the ``clean`` filter:
both are programs chosen by the repository. Every git command xops-lens runs goes
through the environment built here, which switches off every configuration key that
makes git start a program for a read-only question. (``diff.external`` cannot be
switched off this way, an empty value is run as a command: every ``git diff`` passes
``--no-ext-diff --no-textconv`` instead.)

The overrides travel as ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n``
(git 2.31 and newer), which git treats like ``-c`` options and which also reach the
``cat-file`` processes GitPython keeps open; the commands that touch the work tree also
get them as ``-c`` options, for older gits that ignore those variables.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Keys whose value is a program (or makes git run one) in a read-only command.
FIXED_OVERRIDES: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.untrackedCache", "false"),
    ("log.showSignature", "false"),
    ("core.pager", "cat"),
)
# An empty command disables a filter driver; `required` would then turn it into an error.
_FILTER_KEYS: tuple[tuple[str, str], ...] = (
    ("clean", ""), ("smudge", ""), ("process", ""), ("required", "false"))
_FILTER_TIMEOUT_S = 20


def _config_env(pairs: list[tuple[str, str]]) -> dict[str, str]:
    env = {"GIT_CONFIG_COUNT": str(len(pairs))}
    for index, (key, value) in enumerate(pairs):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def _base_env() -> dict[str, str]:
    return {
        # Never ask for a password; never use a pager or an editor.
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_PAGER": "cat",
        "GIT_EDITOR": "true",
        **_config_env(list(FIXED_OVERRIDES)),
    }


def filter_drivers(work_dir: Path) -> list[str]:
    """Names of the filter drivers any configuration visible in ``work_dir`` defines.

    Reading configuration runs nothing; the names are needed because git has no switch
    that turns every filter off at once."""
    env = {**os.environ, **_base_env()}
    try:
        done = subprocess.run(
            ["git", "config", "--null", "--get-regexp", r"^filter\."],
            cwd=work_dir, env=env, capture_output=True, timeout=_FILTER_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    names: set[str] = set()
    for record in done.stdout.split(b"\0"):
        key = record.split(b"\n", 1)[0].decode("utf-8", "replace")
        if key.startswith("filter.") and key.count(".") >= 2:
            names.add(key[len("filter."):key.rindex(".")])
    return sorted(names)


def overrides(work_dir: Path) -> list[tuple[str, str]]:
    """Every ``key=value`` a git command in ``work_dir`` must run with."""
    pairs = list(FIXED_OVERRIDES)
    for name in filter_drivers(work_dir):
        pairs.extend((f"filter.{name}.{key}", value) for key, value in _FILTER_KEYS)
    return pairs


def environment(work_dir: Path) -> dict[str, str]:
    """Variables to add to the environment of every git command run in ``work_dir``."""
    return {**_base_env(), **_config_env(overrides(work_dir))}


def command_options(work_dir: Path) -> list[str]:
    """The same overrides as ``-c`` options, for gits older than 2.31."""
    options: list[str] = []
    for key, value in overrides(work_dir):
        options += ["-c", f"{key}={value}"]
    return options


def harden(git_command: Any, work_dir: Path) -> Mapping[str, str]:
    """Give a GitPython ``Git`` object (``repo.git``) the safe environment; returns it."""
    env = environment(work_dir)
    git_command.update_environment(**env)
    return env
