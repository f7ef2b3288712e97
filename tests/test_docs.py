"""Documentation that must not drift from the code."""

from __future__ import annotations

import inspect

from tests.conftest import REPO_ROOT
from xops_lens import hookspecs


def test_every_hook_is_documented_in_the_plugin_guide() -> None:
    guide = (REPO_ROOT / "docs/plugins.md").read_text()
    hooks = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(fn, "xops_lens_spec")]
    assert hooks, "no hookspecs found"
    for name in hooks:
        assert f"### `{name}(register)`" in guide, f"{name} is missing from docs/plugins.md"


def test_every_hook_has_a_docstring_with_an_example() -> None:
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction):
        if hasattr(fn, "xops_lens_spec"):
            assert fn.__doc__ and "Example::" in fn.__doc__, name


def test_every_backend_capability_is_documented_in_the_plugin_guide() -> None:
    from xops_lens import sdk

    guide = (REPO_ROOT / "docs/plugins.md").read_text()
    capabilities = [name for name, cls in inspect.getmembers(sdk, inspect.isclass)
                    if name.endswith("Backend") and getattr(cls, "_is_protocol", False)
                    and cls.__module__ == sdk.__name__]
    assert "RememberingBackend" in capabilities and "WordingBackend" in capabilities
    for name in capabilities:
        assert f"`{name}`" in guide, f"{name} is missing from docs/plugins.md"


def test_every_format_capability_is_documented_in_the_plugin_guide() -> None:
    from xops_lens import sdk

    guide = (REPO_ROOT / "docs/plugins.md").read_text()
    capabilities = [name for name, cls in inspect.getmembers(sdk, inspect.isclass)
                    if name.endswith("Format") and name != "Format"
                    and getattr(cls, "_is_protocol", False) and cls.__module__ == sdk.__name__]
    assert "ContentClaimingFormat" in capabilities and "ContentScopedFormat" in capabilities
    for name in capabilities:
        assert f"`{name}`" in guide, f"{name} is missing from docs/plugins.md"


def test_every_module_and_package_is_named_in_the_architecture() -> None:
    """docs/architecture.md describes the house as it is: a new top-level module or
    package of xops_lens must be placed on its map."""
    text = (REPO_ROOT / "docs/architecture.md").read_text()
    package = REPO_ROOT / "xops_lens"
    names = sorted(
        [f"xops_lens/{p.name}" for p in package.glob("*.py")]
        + [f"xops_lens/{p.name}/" for p in package.iterdir()
           if p.is_dir() and not p.name.startswith("__")])
    assert "xops_lens/scan.py" in names and "xops_lens/cost/" in names
    missing = [name for name in names if f"`{name}`" not in text]
    assert not missing, f"not in docs/architecture.md: {missing}"
