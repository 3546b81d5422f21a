"""School days and local wall-clock times.

A school day is a weekday that is not a bank holiday in the school's nation (the
``holidays`` package's GB subdivisions). Terms and INSET days are not modelled: the
sandbox trust is "in term" throughout.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

# Monday; 20 school days from here cross the UK clock change (Sunday 2026-03-29) and
# Good Friday (2026-04-03) / Easter Monday (2026-04-06).
DEFAULT_START = date(2026, 3, 9)

_SUBDIV = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}


@cache
def _bank_holidays(nation: str, year: int) -> frozenset[date]:
    found = holidays.country_holidays("GB", subdiv=_SUBDIV[nation], years=year)
    return frozenset(found.keys())


def is_school_day(day: date, nation: str = "england") -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(nation, day.year)


def school_days(start: date, count: int, nation: str = "england") -> list[date]:
    """The first ``count`` school days on or after ``start``."""
    out: list[date] = []
    day = start
    while len(out) < count:
        if is_school_day(day, nation):
            out.append(day)
        day += timedelta(days=1)
    return out


def next_school_day(day: date, nation: str = "england") -> date:
    day += timedelta(days=1)
    while not is_school_day(day, nation):
        day += timedelta(days=1)
    return day


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(day: date, at: time, tz: str) -> datetime:
    """``day`` at wall-clock ``at`` in ``tz``, as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=zone(tz)).astimezone(UTC)


def local_minutes(day: date, minutes: int, tz: str) -> datetime:
    """``day`` plus ``minutes`` after local midnight (0..1439), as aware UTC."""
    return local(day, time(minutes // 60, minutes % 60), tz)


def local_date(at: datetime, tz: str) -> date:
    return at.astimezone(zone(tz)).date()
