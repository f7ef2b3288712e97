from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from tests.conftest import write_tree
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Classification, Job, Pipeline, Source, Step
from xops_lens.plugins import DEFAULT_PLUGINS, build_plugin_manager
from xops_lens.scan import scan


class DotCiFormat:
    """A throwaway format: every line of `.dotci` is one step."""

    name = "dotci"
    globs = (".dotci",)

    def claims(self, path: str) -> bool:
        return path == ".dotci"

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        steps = tuple(
            Step(file=source.path, line=i, job="main", name=line, text=line)
            for i, line in enumerate(source.text.splitlines(), start=1) if line.strip()
        )
        return Pipeline(path=source.path, format=self.name,
                        jobs=(Job(id="main", name="main", file=source.path, line=1, steps=steps),))


class ConstantBackend:
    name = "constant"

    def classify(self, steps: Sequence[Step]) -> list[Classification]:
        return [Classification("model", "build", 0.5, self.name, "always build") for _ in steps]


class ThirdParty:
    @hookimpl
    def register_formats(self, register: Any) -> None:
        register(DotCiFormat())

    @hookimpl
    def register_backends(self, register: Any) -> None:
        register(ConstantBackend())


def test_defaults_register_through_the_public_hooks() -> None:
    pm, registry = build_plugin_manager(load_entry_points=False)
    assert {"github-actions", "gitlab-ci"} <= set(registry.formats)
    assert "rules" in registry.backends
    assert {"terminal", "json"} <= set(registry.reporters)
    assert [pm.get_name(p) for p in pm.get_plugins() if pm.get_name(p) in DEFAULT_PLUGINS]
    assert registry.warnings == []


def test_a_third_party_format_and_backend_are_used_by_the_scan(tmp_path: Path) -> None:
    _, registry = build_plugin_manager(load_entry_points=False, extra_plugins=(ThirdParty(),))
    write_tree(tmp_path, {".dotci": "make\n\nmake test\n"})
    result = scan(tmp_path, backend="constant", registry=registry)
    assert [(s.step.line, s.label.kind) for s in result.steps] == [(1, "build"), (3, "build")]


def test_a_broken_plugin_is_named_and_does_not_stop_the_others() -> None:
    class Broken:
        @hookimpl
        def register_formats(self, register: Any) -> None:
            raise RuntimeError("boom")

    _, registry = build_plugin_manager(load_entry_points=False, extra_plugins=(Broken(),))
    assert "github-actions" in registry.formats
    assert len(registry.warnings) == 1
    assert "failed in register_formats: RuntimeError: boom" in registry.warnings[0]


def test_a_name_clash_is_reported_not_silently_replaced() -> None:
    class Impostor:
        @hookimpl
        def register_backends(self, register: Any) -> None:
            register(SimpleNamespace(name="rules", classify=lambda steps: []))

    _, registry = build_plugin_manager(load_entry_points=False, extra_plugins=(Impostor(),))
    assert any("already registered by" in w and "'rules'" in w for w in registry.warnings)


def test_registering_a_non_format_is_refused() -> None:
    class Wrong:
        @hookimpl
        def register_formats(self, register: Any) -> None:
            register(object())

    _, registry = build_plugin_manager(load_entry_points=False, extra_plugins=(Wrong(),))
    assert any("which is not a Format" in w for w in registry.warnings)


class PickyGitlabFormat:
    """Claims GitLab files too, but reads only those marked for it; declines the rest."""

    name = "picky"
    globs = ("**/*.gitlab-ci.yml", ".gitlab-ci.yml")

    def claims(self, path: str) -> bool:
        return path.endswith(".gitlab-ci.yml")

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        from xops_lens.sdk import Declined

        if not source.text.startswith("# picky"):
            raise Declined(source.path)
        step = Step(file=source.path, line=2, job="picky", name="picky step", text="make")
        return Pipeline(path=source.path, format=self.name,
                        jobs=(Job(id="picky", name="picky", file=source.path, line=1,
                                  steps=(step,)),))


def test_a_declined_file_goes_to_the_next_format_that_claims_it(tmp_path: Path) -> None:
    class Plugin:
        @hookimpl
        def register_formats(self, register: Any) -> None:
            register(PickyGitlabFormat())

    _, registry = build_plugin_manager(load_entry_points=False, extra_plugins=(Plugin(),))
    assert list(registry.formats).index("picky") < list(registry.formats).index("gitlab-ci")
    write_tree(tmp_path, {".gitlab-ci.yml": "build:\n  script:\n    - make\n",
                          "sub/x.gitlab-ci.yml": "# picky\nwhatever: 1\n"})
    result = scan(tmp_path, registry=registry)
    formats = {f.path: f.format for f in result.files}
    assert formats == {".gitlab-ci.yml": "gitlab-ci", "sub/x.gitlab-ci.yml": "picky"}
    assert {s.step.name for s in result.steps} == {"make", "picky step"}


def test_a_misspelt_kind_hint_is_an_error_naming_the_plugin(tmp_path: Path) -> None:
    class HintingFormat(DotCiFormat):
        name = "hinting"

        def parse(self, source: Source) -> Pipeline:
            step = Step(file=source.path, line=1, job="main", name="t", text="t",
                        kind_hint="tset")
            return Pipeline(path=source.path, format=self.name,
                            jobs=(Job(id="main", name="main", file=source.path, line=1,
                                      steps=(step,)),))

    class Plugin:
        @hookimpl
        def register_formats(self, register: Any) -> None:
            register(HintingFormat())

    _, registry = build_plugin_manager(load_entry_points=False, extra_plugins=(Plugin(),))
    write_tree(tmp_path, {".dotci": "make\n"})
    result = scan(tmp_path, registry=registry)
    [failed] = result.failed_files
    owner = registry.owners[("formats", "hinting")]
    assert failed.error == (f".dotci:1: format 'hinting' of plugin {owner} gave the step a "
                            "kind_hint 'tset' that is not a kind (did you mean 'test'?); "
                            "file skipped")
    assert result.steps == []
