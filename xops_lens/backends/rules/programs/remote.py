"""Remote shells and copies (ssh, scp, rsync): deploying to a host, unless the copy is
local; and SSH keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.program import NEXT, Call, Program, _Next
from xops_lens.backends.rules.shell import LazyPattern, unquote

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader

_REMOTE = LazyPattern(r"^([\w.-]+@)?[\w.-]+:(?!//)|^(rsync|sftp|ssh)://")


def _local_copy(reader: Reader, call: Call) -> Hit | _Next:
    if not any(_REMOTE.match(unquote(a)) for a in call.args):
        return Hit("toolchain", 0.6, f"copies files locally with `{call.prog}`", 0)
    return NEXT


PROGRAMS: tuple[Program, ...] = (
    Program("ssh", {"*": "deploy"}),
    Program("scp", {"*": "deploy"}, handler=_local_copy),
    Program("rsync", {"*": "deploy"}, handler=_local_copy),
    Program("sftp", {"*": "deploy"}),
    Program("lftp", {"*": "deploy"}),
    Program("ssh-keyscan", {"*": "credentials"}),
    Program("ssh-add", {"*": "credentials"}),
    Program("ssh-agent", {"*": "credentials"}),
    Program("ssh-keygen", {"*": "credentials"}),
)
