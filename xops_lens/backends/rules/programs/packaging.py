"""Signing, checksums and packaging into installers and archives (build, by tie-breaker
7, when the package is not shipped in the same step)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit, Tag, ran
from xops_lens.backends.rules.program import NEXT, Call, Lookup, Program, _Next
from xops_lens.backends.rules.words import short

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader

_VERIFYING = frozenset(("-c", "--check"))


def packs_archive(reader: Reader, call: Call, found: Lookup) -> Hit | None:
    """`zip -r out.zip dist`, `7z a x.zip bin`: an archive packed (build), marked so that a
    step which packs its outputs only to upload them is judged by the upload."""
    if found.value == "build":
        return Hit("build", 0.9, f"packs an archive with `{short(found.label)}`", 2,
                   Tag.PACKS_ARCHIVE)
    return None


def _hashes_a_value(reader: Reader, call: Call) -> Hit | _Next:
    if call.cmd.piped_from and all(a.startswith("-") for a in call.args):
        # `echo "$BRANCH-$SHA" | shasum`: hashing a value computes a name, no artifact
        return Hit("decide", 0.55, "hashes a value", 1)
    return NEXT


def _guards(reader: Reader, call: Call, found: Lookup) -> Hit | None:
    """Verifying a checksum guards what the step fetched or made: a check when alone,
    bookkeeping beside the download or build it guards."""
    if found.sub in _VERIFYING and isinstance(found.value, str):
        return ran(found.value, 0.9, short(found.label), 1)
    return None


PROGRAMS: tuple[Program, ...] = (
    Program("gpg", {"--import": "credentials", "--batch": "credentials", "--detach-sign": "build",
            "--sign": "build", "--clearsign": "build", "-a": "build", "--armor": "build",
            "-b": "build", "-s": "build", "--verify": "lint", "--list-keys": "metadata",
            "--recv-keys": "credentials", "--keyserver": "credentials", "*": "credentials"}),
    Program("gpg2", {"*": "credentials"}),
    Program("minisign", {"*": "build"}),
    # verifying (`-c`) guards what the step fetched: bookkeeping (see _guards)
    Program("sha256sum", {"-c": "lint", "--check": "lint", "*": "build"},
            handler=_hashes_a_value, refine=_guards),
    Program("sha512sum", {"-c": "lint", "--check": "lint", "*": "build"},
            handler=_hashes_a_value, refine=_guards),
    Program("sha1sum", {"-c": "lint", "--check": "lint", "*": "build"},
            handler=_hashes_a_value, refine=_guards),
    Program("md5sum", {"-c": "lint", "--check": "lint", "*": "build"},
            handler=_hashes_a_value, refine=_guards),
    Program("shasum", {"-c": "lint", "--check": "lint", "*": "build"},
            handler=_hashes_a_value, refine=_guards),
    Program("b2sum", {"*": "build"}, handler=_hashes_a_value),
    Program("codesign", {"*": "build"}),
    Program("notarytool", {"*": "build"}),
    Program("productsign", {"*": "build"}),
    Program("pkgbuild", {"*": "build"}),
    Program("productbuild", {"*": "build"}),
    Program("hdiutil", {"*": "build"}),
    Program("makensis", {"*": "build"}),
    Program("iscc", {"*": "build"}),
    Program("wix", {"*": "build"}),
    Program("candle", {"*": "build"}),
    Program("light", {"*": "build"}),
    Program("dpkg-buildpackage", {"*": "build"}),
    Program("debuild", {"*": "build"}),
    Program("rpmbuild", {"*": "build"}),
    Program("fpm", {"*": "build"}),
    Program("nfpm", {"*": "build"}),
    Program("snapcraft", {"upload": "publish", "push": "publish", "login": "credentials",
            "export-login": "credentials", "whoami": "metadata", "release": "publish",
            "*": "build"}),
    Program("flatpak-builder", {"*": "build"}),
    Program("appimagetool", {"*": "build"}),
    Program("linuxdeploy", {"*": "build"}),
    Program("windeployqt", {"*": "build"}),
    Program("macdeployqt", {"*": "build"}),
    Program("lipo", {"*": "build"}),
    Program("strip", {"*": "build"}),
    Program("upx", {"*": "build"}),
    Program("zip", {"*": "build"}, refine=packs_archive),
    Program("7z", {"a": "build", "x": "dependencies", "e": "dependencies", "*": "build"},
            refine=packs_archive),
    Program("7za", {"a": "build", "x": "dependencies", "e": "dependencies", "*": "build"},
            refine=packs_archive),
)
