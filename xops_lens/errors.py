"""Errors meant for users: each renders as one line naming the file (and line)."""

from __future__ import annotations

import re

# Line breaks, escape sequences and other controls in a file name or a value would break
# the one-line promise: a name holding "\n::error::" could forge a line of a CI log.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def visible(text: str) -> str:
    """``text`` on one line: control characters written as escapes (``\\n``, ``\\x1b``)."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class XopsLensError(Exception):
    """Base of every error the tool reports to a user instead of a traceback."""


class ParseError(XopsLensError):
    """A CI file (or a file it includes) could not be read or understood."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return visible(f"{where}: {self.message}")


class MissingFileError(ParseError):
    """A file that a CI file names (an include, a template) is not in the scanned tree."""


class Declined(XopsLensError):
    """Raised by a format's ``parse`` when the file turns out not to be its format."""


class PluginError(XopsLensError):
    """A plugin failed to load or registered something invalid."""


class ConfigError(XopsLensError):
    """The command line or the configuration file asks for something impossible."""
