"""Suggestions: catalogue entries matched to the cost lines they replace, with the
talk's arithmetic (TAXONOMY.md) done here and only here:

    monthly saving = (human rate × hours saved per use + compute saved per use
                      − model cost per use) × uses per month
    one-time cost  = one_time_hours × human rate + one_time_extra
    break-even     = one-time cost / monthly saving   (never, when the saving is ≤ 0)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from xops_lens.cost.catalogue import Entry, builtin, configured, declare_keys
from xops_lens.cost.matching import Matcher
from xops_lens.cost.report import CostLine
from xops_lens.cost.settings import Settings
from xops_lens.model import (
    AppliesTo,
    Pipeline,
    Suggestion,
    SuggestionNumbers,
    SuggestionWording,
)


def _money(value: float, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def _num(value: float, digits: int) -> str:
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def matches(entry: Entry, lines: Sequence[CostLine],
            pipelines: Sequence[Pipeline] = ()) -> list[CostLine]:
    """The cost lines an entry would replace if no other entry claimed them first."""
    matcher = Matcher(lines, pipelines)
    return [line for line in lines if matcher.applies(entry, line)]


def numbers(entry: Entry, lines: Sequence[CostLine], *, human_rate: float,
            currency: str) -> SuggestionNumbers:
    """The arithmetic of one suggestion over the lines it replaces."""
    uses = sum(line.uses_per_month for line in lines)
    use = lines[0].use if lines and all(l.use == lines[0].use for l in lines) else "use"
    marginal = sum(line.monthly for line in lines)
    hours = entry.share * sum(line.human_hours_monthly for line in lines)
    compute = entry.share * sum(line.compute_monthly for line in lines)
    model = entry.model_per_use * uses
    saving = human_rate * hours + compute - model
    one_time = entry.one_time_hours * human_rate + entry.one_time_extra
    if saving > 0:
        break_even: float | None = one_time / saving
    else:
        break_even = None

    # The talk's form, per use: (X $/h × hours − Y $) × quantity.
    terms = []
    if hours:
        terms.append(f"{_num(human_rate, 2)} {currency}/h × {_num(hours / uses, 3)} h")
    if compute:
        terms.append(f"{_num(compute / uses, 4)} {currency} compute")
    first = " + ".join(terms) or "0"
    per_use = f"({first} − {_num(entry.model_per_use, 4)} {currency} model)"
    text = (f"{per_use} × {_num(uses, 1)} {use}s/month = {_money(saving, currency)}/month "
            f"(saves {entry.share:.0%} of {_money(marginal, currency)}/month marginal); "
            f"one-time {_num(entry.one_time_hours, 1)} h × {_num(human_rate, 2)} {currency}/h")
    if entry.one_time_extra:
        text += f" + {_money(entry.one_time_extra, currency)}"
    text += f" = {_money(one_time, currency)}; break-even "
    if break_even is None:
        text += "never (the saving is not positive)"
    else:
        text += f"{_money(one_time, currency)} / {_money(saving, currency)} = " \
                f"{_num(break_even, 1)} months"
    return SuggestionNumbers(
        currency=currency, marginal_monthly=marginal, one_time=one_time,
        model_per_run=entry.model_per_use, uses_per_month=uses, use=use,
        human_hours_saved_monthly=hours, compute_saved_monthly=compute, model_monthly=model,
        monthly_saving=saving, break_even_months=break_even, arithmetic=text,
    )


def _targets(lines: Iterable[CostLine]) -> tuple[AppliesTo, ...]:
    return tuple(dict.fromkeys(line.target for line in lines))


def assign(lines: Sequence[CostLine], settings: Settings,
           pipelines: Sequence[Pipeline] = ()) -> list[tuple[Entry, list[CostLine]]]:
    """Each catalogue entry (with the user's numbers) and the lines it claims: in
    catalogue order, every line no earlier entry claimed that the entry's rules match.
    An entry switched off claims nothing, so its lines stay free for the next one."""
    entries = builtin()
    declare_keys(settings, entries)
    matcher = Matcher(lines, pipelines)
    claimed: set[int] = set()
    out = []
    for raw in entries:
        matched = [line for line in lines
                   if id(line) not in claimed and matcher.applies(raw, line)]
        if not matched:
            continue
        entry = configured(settings, raw)
        if entry is None:
            continue
        claimed.update(id(line) for line in matched)
        out.append((entry, matched))
    return out


def suggest(lines: Sequence[CostLine], settings: Settings, *, human_rate: float,
            currency: str, pipelines: Sequence[Pipeline] = (),
            claimed: set[int] | None = None) -> list[Suggestion]:
    """Every catalogue entry that claims lines, sorted by monthly saving (largest
    first). ``pipelines`` are the scanned pipelines the lines come from, for the rules
    that read what a pipeline does; ``claimed`` receives the ids of the lines claimed."""
    out = []
    for entry, matched in assign(lines, settings, pipelines):
        if claimed is not None:
            claimed.update(id(line) for line in matched)
        figures = numbers(entry, matched, human_rate=human_rate, currency=currency)
        label_confidence = sum(l.confidence for l in matched) / len(matched)
        keys = {"cost.human_rate", "cost.currency"}
        keys.update(k for line in matched for k in line.keys)
        keys.update(f"cost.suggestions.{entry.id}.{name}" for name in
                    ("share", "one_time_hours", "one_time_extra", "model_per_use", "confidence"))
        out.append(Suggestion(
            id=entry.id,
            wording=SuggestionWording(entry.title, entry.description),
            numbers=figures,
            applies_to=_targets(matched),
            confidence=round(entry.confidence * label_confidence, 2),
            assumptions=tuple(sorted(keys)),
        ))
    out.sort(key=lambda s: (-s.numbers.monthly_saving, s.id))
    return out
