"""The JSON reporter's fast path (costs computed and encoded once per distinct object,
reporters/_cost_json.EncodedCosts) writes the same bytes as encoding the plain report
of to_dict, entry by entry."""

from __future__ import annotations

import io
import json

import pytest

from tests.conftest import EXAMPLES
from xops_lens.config import load_config
from xops_lens.cost.report import CostLine, CostReport
from xops_lens.model import AppliesTo
from xops_lens.reporters import _cost_json
from xops_lens.reporters.json import JsonReporter, _dump, to_dict
from xops_lens.result import ScanResult
from xops_lens.scan import scan
from xops_lens.sdk import ReportOptions


def _plain(result: ScanResult) -> str:
    out = io.StringIO()
    _dump(to_dict(result, lazy=True), out.write)  # every entry encoded whole
    out.write("\n")
    return out.getvalue()


def _fast(result: ScanResult) -> str:
    out = io.StringIO()
    JsonReporter().render(result, out, ReportOptions())
    return out.getvalue()


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_fast_path_writes_the_plain_report(example: str) -> None:
    root = EXAMPLES / example
    result = scan(root, config=load_config(root))
    fast = _fast(result)
    assert fast == _plain(result)
    assert json.loads(fast) == json.loads(json.dumps(to_dict(result)))


def test_settings_change_the_cached_costs() -> None:
    """Steps that differ only in a setting's value get their own cost objects."""
    root = EXAMPLES / "github"
    for assignments in (["cost.human_rate=0"], ["cost.human_rate=-0.0"],
                        # ubuntu-latest at 0.0, ${{ matrix.os }} at -0.0: both in one report
                        ["cost.runner_prices.linux=0.0", "cost.runner_prices.default=-0.0"],
                        ["cost.default_minutes.test=0", "cost.runner_prices.default=0.0"]):
        result = scan(root, config=load_config(root, assignments=assignments))
        assert _fast(result) == _plain(result)


def _line(**numbers: float) -> CostLine:
    values = {"uses": 10.0, "human": 0.0, "compute": 1.0, "price": 0.008, "rate": 100.0,
              **numbers}
    return CostLine("compute", AppliesTo("ci.yml", 3, "j", "s"), "model", "test", 0.9, "run",
                    values["uses"], values["human"], values["compute"], values["price"],
                    values["rate"], "formula", 1, ("cost.x",))


def test_line_keys_tell_apart_what_prints_apart() -> None:
    key = _cost_json._line_key
    assert key(_line()) == key(_line())
    # Equal as numbers, printed differently: 0.0 and -0.0, 1 and 1.0.
    assert key(_line(human=0.0)) != key(_line(human=-0.0))
    assert key(_line(uses=1)) != key(_line(uses=1.0))
    assert _cost_json._exact(0) != _cost_json._exact(0.0)
    assert _cost_json._exact(-0.0) != _cost_json._exact(0.0)
    # Where a line applies is not printed in it: not part of the key.
    moved = CostLine("compute", AppliesTo("other.yml", 9, "k", "t"), "model", "test", 0.9,
                     "run", 10.0, 0.0, 1.0, 0.008, 100.0, "formula", 1, ("cost.x",))
    assert key(moved) == key(_line())


@pytest.mark.parametrize("numbers", [
    {"uses": 10.0, "compute": 1.5, "price": 0.008},
    {"uses": 0, "compute": 2, "price": 1},  # int figures: Figures does the sums
])
def test_summary_totals_are_the_figures_totals(numbers: dict[str, float]) -> None:
    report = CostReport(currency="USD", human_rate=100.0)
    for i, subsystem in enumerate(("model", "information", "action", "model", "other")):
        line = _line(**numbers, human=float(i))
        line = CostLine(line.category, line.target, subsystem, line.kind, line.confidence,
                        line.use, line.uses_per_month, line.human_minutes_per_use,
                        line.compute_minutes_per_use, line.price_per_minute, line.human_rate,
                        line.formula, line.matrix_size, line.keys)
        report.add(line, report.step_lines, i)
    summary = _cost_json.summary_cost(report)
    assert summary is not None
    total = report.total()
    assert (summary["monthly"], summary["compute_monthly"], summary["human_monthly"],
            summary["human_hours_monthly"]) == (
        round(total.monthly, 4), round(total.compute_monthly, 4),
        round(total.human_monthly, 4), round(total.human_hours_monthly, 4))
    for name, part in report.by_subsystem().items():
        assert summary["subsystems"][name]["monthly"] == round(part.monthly, 4)
        assert summary["subsystems"][name]["compute_monthly"] == round(part.compute_monthly, 4)


@pytest.mark.parametrize(("name", "uses", "line", "confidence", "why"), [
    ("plain", None, 3, 0.9, "uses x"),
    ('quotes " and \\ and \n\t and \x01', "./a\u2028b", 7, 1, "why é ✓ \ud83d\ude00"),
    ("", "", True, 0.0, ""),  # a bool line and an int confidence print their own way
    ("unicode \u00e9", None, 10**20, 1.0, "\x7f"),
])
def test_step_heads_are_the_encoders_bytes(name: str, uses: str | None, line: int,
                                           confidence: float, why: str) -> None:
    """Step entries written by hand (json._StepHeads) are the bytes of the encoder, for
    odd strings and for types it would print otherwise."""
    from xops_lens.cost.report import CostReport
    from xops_lens.model import Classification, Step
    from xops_lens.result import StepResult

    result = ScanResult(root=".", backend="rules")
    step = Step("ci.yml", line, "job", name, "echo", uses)
    label = Classification("model", "test", confidence, "rules", why)
    result.steps = [StepResult(step, label),
                    StepResult(step, Classification("model", "test", 0.5, "rules", why))]
    result.cost = CostReport(currency="USD", human_rate=1.0)
    assert _fast(result) == _plain(result)


def test_encoder_is_the_json_encoder() -> None:
    """json._encode (the C encoder made once) writes what JSONEncoder.encode writes."""
    from xops_lens.reporters.json import _encode

    plain = json.JSONEncoder(ensure_ascii=False).encode
    for value in ["é \" \\ \n \u2028", 0, -0.0, 1.0, 1e300, float("nan"), float("inf"),
                  -float("inf"), True, None, [], {}, (1, "a"), 10**30, 0.1 + 0.2,
                  {"a": [1, {"b": None, "c": [True, False]}], "é": 2.5, "": ""}]:
        assert _encode(value) == plain(value)
    with pytest.raises(TypeError):
        _encode({"a": object()})
