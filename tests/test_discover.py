from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import write_tree
from xops_lens.discover import SmallReader, decode, discover, read_text
from xops_lens.errors import ParseError


def test_walk_skips_vendored_folders(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        ".github/workflows/ci.yml": "x",
        "node_modules/pkg/.github/workflows/ci.yml": "x",
        "vendor/lib/.gitlab-ci.yml": "x",
        "src/.gitlab-ci.yml": "x",
    })
    found = discover(tmp_path)
    assert not found.used_git
    assert found.paths == [".github/workflows/ci.yml", "src/.gitlab-ci.yml"]


def test_git_lists_tracked_and_untracked_but_not_ignored(tmp_path: Path) -> None:
    git = pytest.importorskip("git")
    repo = git.Repo.init(tmp_path)
    write_tree(tmp_path, {
        ".gitignore": "build/\n",
        ".github/workflows/tracked.yml": "x",
        ".github/workflows/untracked.yml": "x",
        "build/.github/workflows/ignored.yml": "x",
    })
    repo.index.add([".gitignore", ".github/workflows/tracked.yml"])
    found = discover(tmp_path)
    assert found.used_git
    assert found.paths == [".github/workflows/tracked.yml", ".github/workflows/untracked.yml",
                           ".gitignore"]


def test_symlink_out_of_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yml"
    outside.write_text("secret: 1\n")
    root = tmp_path / "repo"
    (root / ".github/workflows").mkdir(parents=True)
    os.symlink(outside, root / ".github/workflows/evil.yml")
    with pytest.raises(ParseError, match="points outside the scanned root"):
        read_text(root, ".github/workflows/evil.yml")


def test_include_escaping_root_is_refused(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "secret.yml").write_text("x")
    with pytest.raises(ParseError) as info:
        read_text(tmp_path / "repo", "../secret.yml", referrer=".gitlab-ci.yml")
    assert str(info.value) == ".gitlab-ci.yml: ../secret.yml points outside the scanned root; not read"


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big.yml").write_bytes(b"a: 1\n" * 1000)
    with pytest.raises(ParseError, match="over the 0 MiB limit"):
        read_text(tmp_path, "big.yml", max_bytes=100)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a: 1\n", "a: 1\n"),
        (b"\xef\xbb\xbfa: 1\n", "a: 1\n"),
        ("a: é\n".encode("utf-16"), "a: é\n"),
    ],
)
def test_decode_text(data: bytes, expected: str) -> None:
    assert decode(data, "f.yml") == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a: 1\nb: \x00\n", "f.yml:2: binary content (NUL byte); not a text file"),
        (b"a: 1\nb: \xff\n", "f.yml:2: not UTF-8 text (byte 0xff)"),
    ],
)
def test_decode_errors(data: bytes, message: str) -> None:
    with pytest.raises(ParseError) as info:
        decode(data, "f.yml")
    assert str(info.value) == message


def test_the_small_reader_reads_only_small_regular_text_files_inside_the_root(
        tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"x.yaml": "steps: []\n"})
    root = write_tree(tmp_path / "repo", {"ci/a.yaml": "steps: []\n", "ci/big.yaml": "x" * 101,
                                          "ci/bin.yaml": b"a\0b", "ci/latin.yaml": b"caf\xe9"})
    os.symlink(outside, root / "linked-dir")
    os.symlink(outside / "x.yaml", root / "ci" / "out.yaml")
    os.symlink(root / "ci" / "a.yaml", root / "ci" / "in.yaml")
    os.mkfifo(root / "ci" / "fifo.yaml")
    (root / "ci" / "dir.yaml").mkdir()
    reader = SmallReader(root)
    assert reader.read("ci/a.yaml", 100) == "steps: []\n"
    for path in ("linked-dir/x.yaml", "ci/out.yaml", "ci/in.yaml", "ci/fifo.yaml",
                 "ci/dir.yaml", "ci/big.yaml", "ci/bin.yaml", "ci/latin.yaml", "ci/none.yaml",
                 "../outside/x.yaml", "ci/.."):
        assert reader.read(path, 100) is None, path
    assert reader.read("ci/big.yaml", 101) == "x" * 101
