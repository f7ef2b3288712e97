"""How often a cron schedule fires in an average month, counted with croniter.

Months differ (February, weekdays, ``0 0 31 * *``), so the average month is a twelfth
of a fixed reference year (fixed rather than "now", so the same file always gives the
same figure). Schedules are read in UTC, as GitHub's are.

Counting every firing of ``* * * * *`` would take half a million croniter steps (a
7-field ``* * * * * * *``, one a second, 31 million: 14 minutes), so no schedule is
counted one firing at a time: in cron the time-of-day fields (minute, hour, second) do
not depend on the day, so firings = (days of the year on which the schedule fires) ×
(firings in one such day), and the year field (7-field form) either holds the
reference year or not. croniter finds the days (at most 366 steps, with cron's own
day-of-month / day-of-week rules); the product of the expanded time fields gives the
firings per day. Shorthands (``@hourly``...) are read as the five fields croniter
reads them as.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache

MONTHS_PER_YEAR = 12
# A non-leap year, so the average month is 365/12 days.
REFERENCE_START = datetime(2025, 1, 1, tzinfo=timezone.utc)
REFERENCE_END = datetime(2026, 1, 1, tzinfo=timezone.utc)
# Sizes of a '*' in the time-of-day fields: minute, hour, and (6-field form) second.
FULL_SIZE = {0: 60, 1: 24, 5: 60}


class CronError(ValueError):
    """A cron expression croniter cannot read."""


# croniter's shorthands, as the five fields it reads them as (croniter._expand).
_MACROS = {"@midnight": "0 0 * * *", "@hourly": "0 * * * *", "@daily": "0 0 * * *",
           "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *",
           "@annually": "0 0 1 1 *"}
# _count counts schedules that fire at most once a day: a year has at most 366 days.
MAX_DAY_STEPS = 366


def _count(expression: str) -> int:
    """Firings in the reference year of ``expression``, one croniter step each; only
    for expressions that fire at most once a day (``0 0 <day fields>``), so the walk is
    bounded by the days of the year whatever the expression says."""
    from croniter import CroniterBadDateError, croniter  # type: ignore[import-untyped]

    # Start one second early so a firing exactly at midnight on 1 January counts.
    iterator = croniter(expression, REFERENCE_START - timedelta(seconds=1))
    count = 0
    try:
        while iterator.get_next(datetime) < REFERENCE_END:
            count += 1
            if count > MAX_DAY_STEPS:
                raise CronError(f"cron {expression!r} fires more than once a day")
    except CroniterBadDateError:  # no date matches ("0 0 30 2 *"): no more firings
        pass
    return count


@lru_cache(maxsize=4096)
def firings_per_year(expression: str) -> int:
    """Firings in the reference year of a cron expression (5 fields, 6 with seconds).
    Cached: parsing and expanding an expression with croniter costs about a millisecond,
    and a tree of many workflows repeats a few schedules many times."""
    plain = _plain_firings(expression)
    return plain if plain is not None else _croniter_firings(expression)


def _croniter_firings(expression: str) -> int:
    """firings_per_year with croniter reading every field."""
    from croniter import croniter  # type: ignore[import-untyped]

    expression = _MACROS.get(expression.strip().lower(), expression)
    try:
        if not croniter.is_valid(expression):
            raise CronError(f"cron {expression!r} is not a valid expression")
        expanded = croniter(expression).expanded
    except (ValueError, KeyError, TypeError) as exc:  # croniter's errors are ValueErrors
        raise CronError(f"cron {expression!r} cannot be read: {exc}") from None
    fields = expression.split()
    if len(fields) not in (5, 6, 7) or len(expanded) != len(fields):
        raise CronError(f"cron {expression!r} cannot be read: not 5, 6 or 7 fields")
    if len(fields) == 7 and expanded[6] != ["*"] and REFERENCE_START.year not in expanded[6]:
        return 0  # a year field without the reference year: no firing in it
    per_day = 1
    for position, size in FULL_SIZE.items():
        if position < len(expanded):
            values = expanded[position]
            per_day *= size if values == ["*"] else len(set(values))
    # One firing per matching day: the day fields exactly as written, so croniter applies
    # its own rules for them (names, ranges, day-of-month OR day-of-week).
    return _matching_days(" ".join(fields[2:5])) * per_day


@lru_cache(maxsize=1024)
def _matching_days(day_fields: str) -> int:
    """Days of the reference year matched by cron's day fields (day-of-month, month,
    day-of-week). The time of day cannot move a firing out of the year, so it is fixed
    at midnight and the count cached by the day fields alone: "0 3 * * *" and
    "30 5 * * *" share one count. Each count is up to 366 croniter steps, which made
    schedules most of the time of a scan of many workflows (docs/benchmarks.md)."""
    plain = _plain_days(day_fields)
    return plain if plain is not None else _count(f"0 0 {day_fields}")


@lru_cache(maxsize=1024)
def _plain_days(day_fields: str) -> int | None:
    """_matching_days counted without croniter, for day fields that are all days, or
    plain weekdays (see _plain_weekdays), or plain days of the month every month (see
    _plain_values); None for anything else."""
    if day_fields == "* * *":  # every day, by far the most common
        return (REFERENCE_END - REFERENCE_START).days
    days = (REFERENCE_END - REFERENCE_START).days
    weekdays = _plain_weekdays(day_fields)
    if weekdays is not None:  # "* * 1", "* * 1-5", "* * 0,6", "* * MON": count them
        return sum(1 for d in range(days)
                   if (REFERENCE_START + timedelta(days=d)).isoweekday() % 7 in weekdays)
    month_day, month, weekday = day_fields.split(" ")
    if month == "*" and weekday == "*":  # "1 * *", "1,15 * *"
        wanted = _plain_values(month_day, 1, 31)
        if wanted is not None:
            return sum(1 for d in range(days)
                       if (REFERENCE_START + timedelta(days=d)).day in wanted)
    return None


_PLAIN_WEEKDAYS = re.compile(r"\* \* ([0-7](?:-[0-7])?(?:,[0-7](?:-[0-7])?)*)")
# Day names as cron (and croniter, in any case) reads them.
_DAY_NAMES = re.compile(r"\b(sun|mon|tue|wed|thu|fri|sat)\b", re.IGNORECASE)
_DAY_NUMBERS = {"sun": "0", "mon": "1", "tue": "2", "wed": "3", "thu": "4", "fri": "5",
                "sat": "6"}


def _plain_weekdays(day_fields: str) -> frozenset[int] | None:
    """Cron weekdays (0 = Sunday; 7 is Sunday too) of day fields that restrict only the
    day of the week with plain digits or day names, ranges and lists; None for anything
    else (steps, L, #), which croniter counts."""
    if not day_fields.isascii():
        return None
    day_fields = _DAY_NAMES.sub(lambda m: _DAY_NUMBERS[m.group(1).lower()], day_fields)
    match = _PLAIN_WEEKDAYS.fullmatch(day_fields)
    if match is None:
        return None
    days: set[int] = set()
    for part in match.group(1).split(","):
        low, _, high = part.partition("-")
        if high and int(high) <= int(low):
            return None  # wrapping or one-day ranges: croniter reads them its own way
        days.update(d % 7 for d in range(int(low), int(high or low) + 1))
    return frozenset(days)


_PLAIN_ITEM = re.compile(r"([0-9]{1,2})(?:-([0-9]{1,2})(?:/([0-9]{1,2}))?)?")


def _plain_values(text: str, low: int, high: int) -> frozenset[int] | None:
    """The values of a cron field made of numbers, ranges ``a-b`` and ``a-b/n`` (a < b)
    and lists of them, all within [low, high]; None for anything else, which croniter
    reads its own way (it takes ``5-5`` for ``*``, wraps ``50-10``, ...)."""
    values: set[int] = set()
    for item in text.split(","):
        match = _PLAIN_ITEM.fullmatch(item)
        if match is None:
            return None
        first, last, step = match.groups()
        start = int(first)
        end = start if last is None else int(last)
        if start < low or end > high or (last is not None and end <= start):
            return None
        if step is not None and not 1 <= int(step) <= end - start:
            return None
        values.update(range(start, end + 1, int(step or 1)))
    return frozenset(values)


def _plain_time(text: str, size: int) -> int | None:
    """How many values a minute or hour field (``size`` values from 0) holds: ``*``,
    ``*/n`` (n below ``size``) or _plain_values; None for anything else."""
    if text == "*":
        return size
    if text.startswith("*/"):
        step = text[2:]
        if not (step.isascii() and step.isdigit() and len(step) <= 2
                and 1 <= int(step) < size):
            return None
        return len(range(0, size, int(step)))
    values = _plain_values(text, 0, size - 1)
    return None if values is None else len(values)


def _plain_firings(expression: str) -> int | None:
    """firings_per_year without croniter for the plain expressions most schedules are
    (five fields of numbers, ranges, lists, ``*/n`` and day names, one space apart, see
    _plain_time and _plain_days): no croniter import, parse and expansion
    (docs/benchmarks.md). None for anything else, which croniter reads."""
    fields = expression.split(" ")
    if len(fields) != 5:
        return None
    minutes = _plain_time(fields[0], FULL_SIZE[0])
    if minutes is None:
        return None
    hours = _plain_time(fields[1], FULL_SIZE[1])
    if hours is None:
        return None
    days = _plain_days(" ".join(fields[2:]))
    return None if days is None else days * minutes * hours


def firings_per_month(expression: str) -> float:
    """Average firings per month (a twelfth of the reference year)."""
    return firings_per_year(expression) / MONTHS_PER_YEAR
