"""A school's calendar: which days are school days, and its local clock.

A school day is a weekday that is not a bank holiday of the school's UK nation and not
a closure. Term dates, INSET days and iCal feeds arrive later: they become further
reasons in :meth:`SchoolCalendar.is_school_day`, nothing else has to change.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from config.settings import SchoolSettings

# The `holidays` package keys the UK nations as subdivisions of GB.
NATION_SUBDIV = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern_ireland": "NIR",
}

# How far back to look for a school day before giving up: longer than any school holiday.
_MAX_LOOKBACK_DAYS = 120


_HOLIDAYS_LOCK = threading.Lock()


@cache
def _uk_holidays(subdiv: str) -> Any:
    # Building a `holidays` object costs ~0.2 s: one per nation, years filled in as needed.
    return holidays.country_holidays("GB", subdiv=subdiv)


@cache
def _bank_holidays(subdiv: str, year: int) -> frozenset[date]:
    with _HOLIDAYS_LOCK:  # the shared object fills in years lazily: not thread-safe
        table = _uk_holidays(subdiv)
        _ = date(year, 1, 1) in table  # a lookup makes it fill in that year
        return frozenset(d for d in table if d.year == year)


class SchoolCalendar:
    """School days and local time for one school."""

    def __init__(self, time_zone: str, nation: str, closures: Iterable[date] = ()) -> None:
        try:
            subdiv = NATION_SUBDIV[nation]
        except KeyError:
            raise ValueError(f"unknown UK nation {nation!r}") from None
        self.time_zone = time_zone
        self.nation = nation
        self.zone = ZoneInfo(time_zone)
        self._subdiv = subdiv
        self._closures = frozenset(closures)

    @classmethod
    def for_school(cls, school: SchoolSettings) -> SchoolCalendar:
        return cls(school.time_zone, school.nation)

    def is_bank_holiday(self, d: date) -> bool:
        return d in _bank_holidays(self._subdiv, d.year)

    def is_school_day(self, d: date) -> bool:
        return d.weekday() < 5 and not self.is_bank_holiday(d) and d not in self._closures

    def school_days(self, start: date, end: date) -> list[date]:
        """The school days from ``start`` to ``end``, both included."""
        days = []
        d = start
        while d <= end:
            if self.is_school_day(d):
                days.append(d)
            d += timedelta(days=1)
        return days

    def local_instant(self, d: date, t: time) -> datetime:
        """The UTC instant at which the school's wall clock shows ``t`` on ``d``."""
        return datetime.combine(d, t, tzinfo=self.zone).astimezone(UTC)

    def local_midnight(self, d: date) -> datetime:
        return self.local_instant(d, time(0, 0))

    def local_date(self, instant: datetime) -> date:
        """The date on the school's wall clock at ``instant`` (an aware datetime)."""
        if instant.tzinfo is None:
            raise ValueError("local_date needs an aware datetime")
        return instant.astimezone(self.zone).date()

    def local_time(self, instant: datetime) -> time:
        if instant.tzinfo is None:
            raise ValueError("local_time needs an aware datetime")
        return instant.astimezone(self.zone).time()

    def last_school_day_on_or_before(self, d: date) -> date | None:
        for back in range(_MAX_LOOKBACK_DAYS + 1):
            candidate = d - timedelta(days=back)
            if self.is_school_day(candidate):
                return candidate
        return None

    def previous_school_day(self, d: date) -> date | None:
        """The last school day strictly before ``d``."""
        return self.last_school_day_on_or_before(d - timedelta(days=1))

    def week_school_days(self, d: date) -> list[date]:
        """The school days of ``d``'s week (Monday to Sunday)."""
        monday = d - timedelta(days=d.weekday())
        return self.school_days(monday, monday + timedelta(days=6))

    def is_last_school_day_of_week(self, d: date) -> bool:
        week = self.week_school_days(d)
        return bool(week) and week[-1] == d
