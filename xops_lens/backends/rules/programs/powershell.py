"""PowerShell: cmdlets known by name, the utility cmdlets, and any `Verb-Noun` with an
approved verb read by its verb and noun (the fallback for names no family declares)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit, ran
from xops_lens.backends.rules.programs.packaging import packs_archive
from xops_lens.backends.rules.program import Call, Program, Via
from xops_lens.backends.rules.programs.utilities import frees_disk, utility
from xops_lens.backends.rules.shell import LazyPattern
from xops_lens.backends.rules.words import kind_from_words, short, words_of

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader

_PS_VERB = LazyPattern(r"^([a-z]+)-([a-z][\w.]*)$")

# PowerShell's approved verbs: `Verb-Noun` is a cmdlet only with one of these
# (`ci-fairy`, `gcs-uploader` are programs whose subcommand says more).
POWERSHELL_VERBS: frozenset[str] = frozenset(
    "add approve assert backup block build checkpoint clear close compare complete compress "
    "confirm connect convert convertfrom convertto copy debug deny deploy disable "
    "disconnect dismount edit enable enter exit expand export find format get grant group "
    "hide import initialize install invoke join limit lock measure merge mount move new "
    "open optimize out ping pop protect publish push read receive redo register remove "
    "rename repair request reset resize resolve restart restore resume revoke save search "
    "select send set show skip split start step stop submit suspend switch sync test trace "
    "unblock undo uninstall unlock unprotect unpublish unregister update use wait watch "
    "write".split()
)
_READS = frozenset(("get", "show", "write", "format", "out", "measure", "select", "find",
                    "test", "read", "compare", "resolve", "wait"))
_PREPARES = frozenset(("import", "set", "new", "add", "remove", "clear", "copy", "move",
                       "rename", "enable", "disable", "register", "push", "pop", "expand",
                       "join", "split", "convert", "export", "unregister", "use", "stop",
                       "restart", "suspend", "resume", "mount", "dismount"))


def cmdlet(reader: Reader, call: Call) -> Hit | None:
    """A `Verb-Noun` no family declares, judged by its approved verb, then its noun."""
    verb = _PS_VERB.match(call.prog)
    if not verb or verb.group(1) not in POWERSHELL_VERBS:
        return None
    found = kind_from_words(words_of(verb.group(2)))
    shown = short(call.prog, 40)
    if verb.group(1) in _READS:
        return ran("metadata", 0.5, shown, 0)
    if verb.group(1) == "publish":
        return ran("publish", 0.7, shown)
    if verb.group(1) in ("install", "update", "save") and found is None:
        return ran("dependencies", 0.6, shown)
    if verb.group(1) in _PREPARES:
        return ran("toolchain", 0.5, shown, 0)
    if found is not None:
        return ran(found[0], 0.6, shown)
    return ran("unknown", 0.3, shown)


def _utilities(kind: str, names: str) -> tuple[Program, ...]:
    return tuple(Program(n, utility=kind,
                         handler=frees_disk if n == "remove-item" else utility)
                 for n in names.split())


PROGRAMS: tuple[Program, ...] = (
    *_utilities(
        "metadata",
        "write-host write-output write-verbose write-information write-warning write-error "
        "write-debug out-host set-location push-location pop-location start-sleep "
        "select-object where-object foreach-object format-table format-list out-string "
        "convertto-json convertfrom-json select-string measure-object sort-object "
        "group-object get-date get-location test-path resolve-path join-path split-path "
        "write-progress out-null import-module using-module get-variable "
        "register-argumentcompleter get-command"),
    *_utilities(
        "toolchain",
        "new-item remove-item copy-item move-item rename-item set-content add-content "
        "set-item set-variable new-variable clear-content set-executionpolicy set-strictmode "
        "expand-archive"),
    Program("get-filehash", {"*": "build"}),
    Program("compress-archive", {"*": "build"}, refine=packs_archive),
    Program("pester", {"*": "test"}),
    Program("invoke-pester", {"*": "test"}),
    Program("install-module", {"*": "dependencies"}),
    Program("install-package", {"*": "dependencies"}),
    Program("install-psresource", {"*": "dependencies"}),
    Program("add-mppreference", {"*": "toolchain"}),
    Program("set-mppreference", {"*": "toolchain"}),
    Program("get-childitem", {"*": "metadata"}),
    Program("get-content", {"*": "metadata"}),
    Program("get-item", {"*": "metadata"}),
    Program("show-environment", {"*": "metadata"}),
    Program("start-process", {"*": Via.COMMAND}),
)
