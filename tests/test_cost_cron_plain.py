"""Cron expressions counted without croniter (cron._plain_firings) give the count the
croniter reading gives, and are only taken for expressions croniter reads as valid:
each field form checked against croniter's own expansion and day stepping."""

from __future__ import annotations

import pytest
from croniter import croniter

from xops_lens.cost.cron import (
    FULL_SIZE,
    _count,
    _plain_days,
    _plain_firings,
    _plain_time,
    firings_per_year,
)

TIME_FIELDS = [
    "*", "*/1", "*/2", "*/5", "*/7", "*/15", "*/23", "*/24", "*/25", "*/59", "*/60", "*/0",
    "*/05", "0", "00", "03", "5", "23", "24", "59", "60", "0-59", "0-23", "1-1", "10-20",
    "20-10", "10-20/5", "10-20/10", "10-20/11", "10-20/30", "0-59/0", "0,30", "5,5",
    "0-10,50-59", "7/15", "1-5,3-8", "a", "", "1,", ",1", "1--2", "100", "-1", "*/1/2",
    "1-2-3", "*,5", "L", "?", "H",
]

DAY_FIELDS = [
    "* * *", "* * 1", "* * 1-5", "* * 0,6", "* * 6,0", "* * 7", "* * 0,7", "* * MON",
    "* * mon", "* * Mon-Fri", "* * SUN", "* * sun-sat", "* * SUN-SAT", "* * MON-5",
    "* * 1-FRI", "* * SUN,WED", "* * FRI-MON", "* * 5-1", "* * 7-7", "* * 8", "* * 0-7",
    "* * monday", "* * MON/2", "* * MON#1", "* * 5L", "1 * *", "31 * *", "30 * *", "29 * *",
    "28 * *", "1,15 * *", "1-7 * *", "1-31/2 * *", "10-20/3 * *", "5-5 * *", "0 * *",
    "32 * *", "01 * *", "1 1 *", "1 * 1", "L * *", "15W * *", "? * *", "1 * MON",
    "* 2 *", "29 2 *", "1-7 * 1", "*/2 * *",
]


def croniter_per_day(field: str, position: int) -> int | None:
    """Values per day croniter reads in a minute (0) or hour (1) field, None if invalid."""
    expression = f"{field} * * * *" if position == 0 else f"0 {field} * * *"
    try:
        if not croniter.is_valid(expression):
            return None
        values = croniter(expression).expanded[position]
    except (ValueError, KeyError, TypeError):
        return None
    return FULL_SIZE[position] if values == ["*"] else len(set(values))


@pytest.mark.parametrize("field", TIME_FIELDS)
@pytest.mark.parametrize("position", [0, 1])
def test_time_field_as_croniter_reads_it(field: str, position: int) -> None:
    plain = _plain_time(field, FULL_SIZE[position])
    if plain is not None:
        assert plain == croniter_per_day(field, position)


@pytest.mark.parametrize("day_fields", DAY_FIELDS)
def test_day_fields_as_croniter_counts_them(day_fields: str) -> None:
    plain = _plain_days(day_fields)
    if plain is not None:
        assert croniter.is_valid(f"0 0 {day_fields}")
        assert plain == _count(f"0 0 {day_fields}")


def test_plain_forms_are_taken() -> None:
    """The common schedules do not need croniter."""
    for expression in ["*/15 * * * *", "0 0 * * *", "03 03 * * 1-5", "0 5 * * MON",
                       "0 0 1,15 * *", "39 */6 * * 1-5", "21 3 * * 1,2,3,4,5"]:
        assert _plain_firings(expression) is not None, expression


@pytest.mark.parametrize("expression", [
    "*/15 * * * *", "17 */4 * * *", "03 03 * * 1-5", "0 16 * * THU", "0 0 1,15 * *",
    "39 */6 * * 1-5", "0-10,50-59 1-5 * * 0,6", "10-20/5 0 31 * *", "1-1 * * * *",
    "0 0  * * *", " 0 0 * * *", "0 0 * * 7-7", "5/15 * * * *", "*/60 3 * * *",
    "0 12 * * MON-FRI", "0 0 29 * *",
])
def test_counts_as_the_croniter_reading(expression: str) -> None:
    from xops_lens.cost.cron import _croniter_firings

    firings_per_year.cache_clear()
    assert firings_per_year(expression) == _croniter_firings(expression)
    plain = _plain_firings(expression)
    if plain is not None:
        assert croniter.is_valid(expression)
        assert plain == _croniter_firings(expression)


def test_every_form_is_counted_without_walking_its_firings() -> None:
    """Seconds and years (6 and 7 fields) and shorthands, as days x firings per day
    (issue 13: `* * * * * * *` was 31 million croniter steps)."""
    from xops_lens.cost.cron import firings_per_year

    year = 365 * 24 * 60 * 60
    assert firings_per_year("* * * * * * *") == year
    assert firings_per_year("* * * * * 5 2025") == year // 60
    assert firings_per_year("* * * * * * 2024,2026") == 0
    assert firings_per_year("*/30 * * * * 0 2020-2030") == 2 * 24 * 365
    assert firings_per_year("@hourly") == 24 * 365
    assert firings_per_year("@WEEKLY") == 52
    assert firings_per_year("0 0 30 2 *") == 0  # no such day: was a CroniterBadDateError
