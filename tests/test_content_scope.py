"""A content-claiming format may look only in some trees (``ContentScopedFormat``: GitLab
CI looks under ``.gitlab/`` only without the root file, tests/test_gitlab_content.py);
a plugin whose answer fails costs only its own claims. And what the listing of files
nobody read guesses for Jenkins X's ``.lighthouse/`` folder."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from pathlib import Path

import pytest

from tests.conftest import write_tree
from tests.corpus_check import StubBackend
from xops_lens.claims import looks_like_ci
from xops_lens.model import Pipeline, Source
from xops_lens.plugins import Registry
from xops_lens.scan import scan


class _Scoped:
    """A plugin format that looks at content only in trees holding a marker file."""

    name = "scoped"
    globs = ()
    content_claims = "YAML marked scoped, beside a SCOPED file"

    def claims(self, path: str) -> bool:
        return False

    def claims_content_in(self, tree: AbstractSet[str]) -> bool:
        if "BROKEN" in tree:
            raise RuntimeError("tree")
        return "SCOPED" in tree

    def claims_content(self, path: str, text: str) -> bool:
        return text.startswith("scoped:")

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        return Pipeline(path=source.path, format=self.name)


@pytest.mark.parametrize(("marker", "claimed"), [("SCOPED", True), ("OTHER", False),
                                                 ("BROKEN", False)])
def test_a_plugin_can_look_at_content_in_some_trees_only(tmp_path: Path, marker: str,
                                                          claimed: bool) -> None:
    write_tree(tmp_path, {"a.yaml": "scoped: yes\n", marker: ""})
    registry = Registry(formats={"scoped": _Scoped()}, backends={"stub": StubBackend()})
    result = scan(tmp_path, backend="stub", registry=registry)
    assert [f.path for f in result.files] == (["a.yaml"] if claimed else [])
    warnings = [m for m in result.messages if "scoped" in m]
    assert warnings == ([] if marker != "BROKEN" else [
        "format 'scoped' failed looking at the tree: RuntimeError; it claims no file by "
        "content in this scan"])


def test_lighthouse_files_nobody_reads_are_guessed_tekton_not_jenkins() -> None:
    found = looks_like_ci(".lighthouse/jenkins-x/triggers.yaml")
    assert found is not None and found.format == "tekton"
    other = looks_like_ci("ci/jenkins-x/pipeline.yaml")
    assert other is not None and other.format == "jenkins"
