"""Errors meant for users: each renders as one line naming the file (and line)."""

from __future__ import annotations


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
        return f"{where}: {self.message}"


class Declined(XopsLensError):
    """Raised by a format's ``parse`` when the file turns out not to be its format."""


class PluginError(XopsLensError):
    """A plugin failed to load or registered something invalid."""


class ConfigError(XopsLensError):
    """The command line or the configuration file asks for something impossible."""


class BackendError(XopsLensError):
    """A classification backend could not answer."""
