"""The plugin manager: entry points first, then the built-in plugins, all via one path."""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pluggy

from xops_lens import __version__, hookspecs
from xops_lens.errors import PluginError
from xops_lens.sdk import Backend, Format, Reporter

DEFAULT_PLUGINS: tuple[str, ...] = (
    "xops_lens.formats.github",
    "xops_lens.formats.gitlab",
    "xops_lens.formats.cirrus",
    "xops_lens.formats.buildkite",
    "xops_lens.formats.woodpecker",
    "xops_lens.formats.drone",
    "xops_lens.formats.appveyor",
    "xops_lens.formats.travis",
    "xops_lens.formats.bitbucket",
    "xops_lens.formats.circleci",
    "xops_lens.formats.azure",
    "xops_lens.formats.jenkins",
    "xops_lens.formats.tekton",
    "xops_lens.formats.cloudbuild",
    "xops_lens.backends.rules",
    "xops_lens.backends.openai_backend",
    "xops_lens.backends.llm_backend",
    "xops_lens.reporters.terminal",
    "xops_lens.reporters.json",
    "xops_lens.reporters.markdown",
    "xops_lens.reporters.sarif",
    "xops_lens.reporters.html",
)

# Tests set this so that whatever happens to be installed cannot change their outcome.
DISABLE_ENTRY_POINTS_ENV = "XOPS_LENS_DISABLE_ENTRY_POINTS"


@dataclass
class Registry:
    """Everything the loaded plugins registered, by name, with who registered it."""

    formats: dict[str, Format] = field(default_factory=dict)
    backends: dict[str, Backend] = field(default_factory=dict)
    reporters: dict[str, Reporter] = field(default_factory=dict)
    owners: dict[tuple[str, str], str] = field(default_factory=dict)
    # plugin name -> "project version" of the distribution that provided it
    distributions: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _plugin_label(pm: pluggy.PluginManager, registry: Registry, plugin: object) -> str:
    name: str = pm.get_name(plugin) or str(getattr(plugin, "__name__", repr(plugin)))
    dist = registry.distributions.get(name)
    if dist is None and name in DEFAULT_PLUGINS:
        dist = f"xops-lens {__version__}"
    return f"{name} ({dist})" if dist else name


def _collect(pm: pluggy.PluginManager, registry: Registry) -> None:
    tables: dict[str, tuple[dict[str, Any], type]] = {
        "register_formats": (registry.formats, Format),
        "register_backends": (registry.backends, Backend),
        "register_reporters": (registry.reporters, Reporter),
    }
    for hook_name, (table, protocol) in tables.items():
        category = hook_name.removeprefix("register_")
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            owner = _plugin_label(pm, registry, impl.plugin)

            def register(obj: Any, _table: dict[str, Any] = table, _owner: str = owner,
                         _protocol: type = protocol, _category: str = category) -> None:
                if not isinstance(obj, _protocol):
                    raise PluginError(
                        f"plugin {_owner} registered {obj!r}, which is not a "
                        f"{_protocol.__name__}"
                    )
                name: str = getattr(obj, "name")  # every protocol has one: checked above
                if name in _table:
                    previous = registry.owners[(_category, name)]
                    raise PluginError(
                        f"plugin {_owner} registers {_category[:-1]} {name!r}, "
                        f"already registered by {previous}"
                    )
                _table[name] = obj
                registry.owners[(_category, name)] = _owner

            try:
                impl.function(register)
            except PluginError as exc:
                registry.warnings.append(str(exc))
            except Exception as exc:  # a third-party bug must not take the scan down
                registry.warnings.append(
                    f"plugin {owner} failed in {hook_name}: {type(exc).__name__}: {exc}"
                )


def _load_entry_points(pm: pluggy.PluginManager, registry: Registry) -> None:
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group=hookspecs.PROJECT_NAME), key=lambda e: e.name):
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        try:
            plugin = ep.load()
            pm.register(plugin, name=ep.name)
        except Exception as exc:
            registry.warnings.append(
                f"plugin {ep.name} ({ep.value}) could not be loaded: {type(exc).__name__}: {exc}"
            )
            continue
        if ep.dist is not None:
            registry.distributions[ep.name] = f"{ep.dist.metadata['Name']} {ep.dist.version}"


def build_plugin_manager(
    load_entry_points: bool | None = None, extra_plugins: tuple[object, ...] = ()
) -> tuple[pluggy.PluginManager, Registry]:
    """A plugin manager with entry points (unless disabled), ``extra_plugins`` (for
    tests and embedding), then the built-ins; and what they all registered."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    registry = Registry()
    if load_entry_points is None:
        load_entry_points = not os.environ.get(DISABLE_ENTRY_POINTS_ENV)
    if load_entry_points:
        _load_entry_points(pm, registry)
    for plugin in extra_plugins:
        pm.register(plugin)
    for module_name in DEFAULT_PLUGINS:
        module = sys.modules.get(module_name) or importlib.import_module(module_name)
        pm.register(module, name=module_name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(str(exc)) from exc
    _collect(pm, registry)
    return pm, registry


@lru_cache(maxsize=1)
def get_registry() -> Registry:
    return build_plugin_manager()[1]
