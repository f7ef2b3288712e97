"""Every hook of the xops-lens plugin SDK, in one place.

A plugin is any module or object with functions named like these hooks and marked with
``xops_lens.hookimpl``. It is found through the ``xops_lens`` entry-point group, and the
built-in formats, backends and reporters are registered through these very hooks.

Each hook receives a ``register`` callback rather than returning objects, so the core
decides names, order and clashes (and can name the plugin at fault).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from xops_lens.sdk import Backend, Format, Reporter

PROJECT_NAME = "xops_lens"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_formats(register: Callable[[Format], None]) -> None:
    """Called once when the plugin manager loads; add CI formats with ``register(fmt)``.

    A format object has ``name``, ``globs``, ``claims(path) -> bool`` and
    ``parse(source) -> Pipeline`` (see :class:`xops_lens.sdk.Format`), and may have
    ``claims_content(path, text) -> bool`` for files it knows by their content
    (:class:`xops_lens.sdk.ContentClaimingFormat`).

    Example::

        @hookimpl
        def register_formats(register):
            register(WoodpeckerFormat())
    """


@hookspec
def register_backends(register: Callable[[Backend], None]) -> None:
    """Called once when the plugin manager loads; add classification backends.

    A backend has ``name`` and ``classify(steps) -> list[Classification]`` returning
    one answer per step, in order (see :class:`xops_lens.sdk.Backend`). A backend that
    needs settings also has ``configure(context) -> Backend``, called once per scan
    with a :class:`xops_lens.sdk.BackendContext` (see ``docs/plugins.md``, "Writing a
    backend").

    Example::

        @hookimpl
        def register_backends(register):
            register(MyModelBackend())
    """


@hookspec
def register_reporters(register: Callable[[Reporter], None]) -> None:
    """Called once when the plugin manager loads; add output formats for ``--format``.

    A reporter has ``name`` and ``render(result, stream, options)`` writing to ``stream``
    (see :class:`xops_lens.sdk.Reporter`).

    Example::

        @hookimpl
        def register_reporters(register):
            register(CsvReporter())
    """
