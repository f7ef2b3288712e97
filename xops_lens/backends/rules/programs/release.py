"""Release tools: they tag, publish and announce a release, or compute the next one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.program import NEXT, Call, Program, _Next

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader


def _local_release(args: Sequence[str]) -> bool:
    """`goreleaser release --snapshot`, `--skip-publish`, `--skip=publish,sign`,
    `--skip publish`: a release made in the job that is not published."""
    for i, a in enumerate(args):
        if a in ("--snapshot", "--skip-publish"):
            return True
        if a.startswith("--skip"):
            value = a.partition("=")[2] if "=" in a else (args[i + 1] if i + 1 < len(args) else "")
            if "publish" in value.split(","):
                return True
    return False


def _goreleaser(reader: Reader, call: Call) -> Hit | _Next:
    if _local_release(call.args):
        # `goreleaser release --snapshot`, `--skip=publish`: builds, nothing leaves
        return Hit("build", 0.85, "builds a release locally with `goreleaser`", 2)
    return NEXT


PROGRAMS: tuple[Program, ...] = (
    # changesets for GitLab: `comment` posts the release plan on the merge
    # request; alone it opens the version MR or publishes
    Program("changesets-gitlab", {"comment": "notify", "*": "publish", "": "publish"}),
    Program("changeset", {"publish": "publish", "version": "decide", "status": "metadata",
            "*": "decide"}),
    Program("semantic-release", {"*": "publish"}),
    Program("release-it", {"*": "publish"}),
    Program("goreleaser", {"release": "publish", "build": "build", "check": "lint", "*": "publish"},
            handler=_goreleaser),
    Program("ghr", {"*": "publish"}),
    Program("gitlab-release-cli", {"*": "publish"}),
    Program("release-cli", {"*": "publish"}),
    Program("git-cliff", {"*": "generate"}),
    Program("git-chglog", {"*": "generate"}),
    Program("conventional-changelog", {"*": "generate"}),
    Program("updatecli", {"apply": "publish", "diff": "decide", "*": "publish"}),
    Program("renovate", {"*": "publish"}),
)
