"""The rule cases beside their family (tests/rules/cases/<family>.tsv), and the registry
that merges the families' declarations."""

from __future__ import annotations

from pathlib import Path

import pytest

from xops_lens.backends.rules import classify_step, programs
from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.program import Program, Via
from xops_lens.backends.rules.programs import DuplicateProgram, merge
from xops_lens.backends.rules.shell import program_of
from xops_lens.model import SUBSYSTEM_OF_KIND, Step

CASES = Path(__file__).parent / "rules" / "cases"


def _family(module: object) -> str:
    return str(getattr(module, "__name__", "")).rsplit(".", 1)[-1]


def read_cases(family: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in (CASES / f"{family}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line == "command\tsubsystem\tkind":
            continue
        command, subsystem, kind = line.split("\t")
        rows.append((command, subsystem, kind))
    return rows


ALL_CASES = [pytest.param(command, subsystem, kind, id=f"{_family(f)}: {command}")
             for f in programs.FAMILIES for command, subsystem, kind in read_cases(_family(f))]


@pytest.mark.parametrize(("command", "subsystem", "kind"), ALL_CASES)
def test_case(command: str, subsystem: str, kind: str) -> None:
    label = classify_step(Step(file="ci.yml", line=1, job="build", name="", text=command))
    assert (label.subsystem, label.kind) == (subsystem, kind), label.why
    assert SUBSYSTEM_OF_KIND[kind] == subsystem


def test_every_family_has_a_case_file_and_no_file_is_orphaned() -> None:
    families = {_family(f) for f in programs.FAMILIES}
    assert {p.stem for p in CASES.glob("*.tsv")} == families


@pytest.mark.parametrize("family", programs.FAMILIES, ids=_family)
def test_every_declared_program_has_a_case(family: object) -> None:
    name = _family(family)
    covered = {program_of(command.split()[0])[0] for command, _, _ in read_cases(name)}
    covered |= {command.split()[0] for command, _, _ in read_cases(name)}
    missing = [p.name for p in family.PROGRAMS if p.name not in covered]  # type: ignore[attr-defined]
    assert not missing, f"{name}.tsv has no case for {missing}"


def test_a_program_declared_twice_is_refused() -> None:
    one = (Program("tool", {"*": "build"}),)
    other = (Program("tool", {"*": "test"}),)
    with pytest.raises(DuplicateProgram, match="'tool' is declared by both first and second"):
        merge([("first", one, {}), ("second", other, {})])


def test_a_directive_declared_twice_is_refused() -> None:
    def read(*_: object) -> Hit | None:
        return None
    with pytest.raises(DuplicateProgram, match="HTTP"):
        merge([("first", (), {Via.HTTP: read}), ("second", (), {Via.HTTP: read})])


def test_the_families_merge_without_duplicates_and_read_every_directive() -> None:
    declared = [p.name for f in programs.FAMILIES for p in f.PROGRAMS]  # type: ignore[attr-defined]
    assert len(declared) == len(set(declared)) == len(programs.PROGRAMS)
    assert set(programs.DIRECTIVES) == set(Via)
    for table in programs.COMMANDS.values():
        for value in table.values():
            assert isinstance(value, Via) or value in SUBSYSTEM_OF_KIND or value == "unknown"
