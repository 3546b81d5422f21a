"""A school's calendar: which days are school days, its local clock and its working hours.

A school day is a weekday, inside a term when terms are known (configured or loaded from
an iCal file), that is not a bank holiday of the school's UK nation, not an INSET day and
not a closed day. Closure periods (building shut, learning at home) stay school days but
carry their own expectations (:meth:`SchoolCalendar.closure_on`).

Working time is the school's working hours (default 08:00–17:00 local) on school days.
Marking windows are counted in it: :meth:`SchoolCalendar.add_working_time` and
:meth:`SchoolCalendar.working_time_between` work on aware instants and follow the
school's time zone, so the changes to and from summer time move them correctly.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from config.calendar import CalendarSettings, ClosurePeriod, DateRange, WorkingHours
from config.settings import ClassMode, ClassRule, R1Settings, SchoolSettings
from jobs.ical_terms import load_ical

# The `holidays` package keys the UK nations as subdivisions of GB.
NATION_SUBDIV = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern_ireland": "NIR",
}

# How far to look for a school day before giving up: longer than any school holiday.
_MAX_LOOKBACK_DAYS = 120
_ZERO = timedelta(0)

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
    """School days, local time and working time for one school."""

    def __init__(
        self,
        time_zone: str,
        nation: str,
        closures: Iterable[date] = (),
        *,
        terms: Iterable[DateRange] = (),
        closed: Iterable[DateRange] = (),
        closure_periods: Iterable[ClosurePeriod] = (),
        working_hours: WorkingHours | None = None,
    ) -> None:
        """``closures``: single days the school is shut (INSET, closed days)."""
        try:
            subdiv = NATION_SUBDIV[nation]
        except KeyError:
            raise ValueError(f"unknown UK nation {nation!r}") from None
        self.time_zone = time_zone
        self.nation = nation
        self.zone = ZoneInfo(time_zone)
        self._subdiv = subdiv
        self._closures = frozenset(closures)
        self._closed = tuple(closed)
        self._terms = tuple(sorted(terms, key=lambda r: r.start))
        self._closure_periods = tuple(closure_periods)
        self.working_hours = working_hours or WorkingHours()
        self._school_day_cache: dict[date, bool] = {}

    @classmethod
    def for_school(cls, school: SchoolSettings) -> SchoolCalendar:
        cal: CalendarSettings = school.calendar
        terms = list(cal.terms)
        closures = list(cal.inset_days)
        closed = list(cal.closed_days)
        if cal.ical is not None:
            feed = load_ical(cal.ical)
            terms += feed.terms
            closures += feed.inset_days
            closed += feed.holidays
        return cls(
            school.time_zone,
            school.nation,
            closures,
            terms=terms,
            closed=closed,
            closure_periods=cal.closure_periods,
            working_hours=cal.working_hours,
        )

    # --- days -------------------------------------------------------------------------------

    def is_bank_holiday(self, d: date) -> bool:
        return d in _bank_holidays(self._subdiv, d.year)

    def in_term(self, d: date) -> bool:
        """Inside a term; with no terms known the whole year is term."""
        return not self._terms or any(d in t for t in self._terms)

    def is_school_day(self, d: date) -> bool:
        known = self._school_day_cache.get(d)
        if known is None:
            known = (
                d.weekday() < 5
                and self.in_term(d)
                and not self.is_bank_holiday(d)
                and d not in self._closures
                and not any(d in r for r in self._closed)
            )
            self._school_day_cache[d] = known
        return known

    def closure_on(self, d: date) -> ClosurePeriod | None:
        """The closure period ``d`` falls in (a school day with closure expectations)."""
        for p in self._closure_periods:
            if d in p:
                return p
        return None

    def r1_settings(self, school: SchoolSettings, d: date) -> R1Settings:
        """R1's settings for ``d``: the school's, made stricter inside a closure period."""
        period = self.closure_on(d)
        if period is None:
            return school.r1
        update: dict[str, Any] = {}
        if period.r1_min_items is not None:
            update["min_items"] = period.r1_min_items
        if period.r1_all_daily:
            update["classes"] = [ClassRule(match=".*", mode=ClassMode.DAILY)]
        return school.r1.model_copy(update=update)

    def school_days(self, start: date, end: date) -> list[date]:
        """The school days from ``start`` to ``end``, both included."""
        days = []
        d = start
        while d <= end:
            if self.is_school_day(d):
                days.append(d)
            d += timedelta(days=1)
        return days

    def school_days_between(self, a: datetime, b: datetime) -> list[date]:
        """The school days whose local date lies between instants ``a`` and ``b`` (included)."""
        return self.school_days(self.local_date(a), self.local_date(b))

    def last_school_day_on_or_before(self, d: date) -> date | None:
        for back in range(_MAX_LOOKBACK_DAYS + 1):
            candidate = d - timedelta(days=back)
            if self.is_school_day(candidate):
                return candidate
        return None

    def previous_school_day(self, d: date) -> date | None:
        """The last school day strictly before ``d``."""
        return self.last_school_day_on_or_before(d - timedelta(days=1))

    def next_school_day_on_or_after(self, d: date) -> date | None:
        for ahead in range(_MAX_LOOKBACK_DAYS + 1):
            candidate = d + timedelta(days=ahead)
            if self.is_school_day(candidate):
                return candidate
        return None

    def week_school_days(self, d: date) -> list[date]:
        """The school days of ``d``'s week (Monday to Sunday)."""
        monday = d - timedelta(days=d.weekday())
        return self.school_days(monday, monday + timedelta(days=6))

    def is_last_school_day_of_week(self, d: date) -> bool:
        week = self.week_school_days(d)
        return bool(week) and week[-1] == d

    # --- local clock -----------------------------------------------------------------------

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

    # --- working time ----------------------------------------------------------------------

    def working_interval(self, d: date) -> tuple[datetime, datetime] | None:
        """``[start, end)`` of ``d``'s working hours as UTC instants; None off school days."""
        if not self.is_school_day(d):
            return None
        wh = self.working_hours
        return self.local_instant(d, wh.start), self.local_instant(d, wh.end)

    def _intervals_from(self, d: date) -> Iterator[tuple[datetime, datetime]]:
        for ahead in range(10 * _MAX_LOOKBACK_DAYS):
            iv = self.working_interval(d + timedelta(days=ahead))
            if iv is not None:
                yield iv
        raise ValueError(f"no school day within {10 * _MAX_LOOKBACK_DAYS} days of {d}")

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The instant ``amount`` of working time after ``start``.

        A positive amount always lands inside working hours (an interval's end counts:
        a window that ends at 17:00 ends at 17:00); zero returns ``start`` unchanged.
        """
        if amount < _ZERO:
            raise ValueError("amount must not be negative")
        if amount == _ZERO:
            return start
        remaining = amount
        for a, b in self._intervals_from(self.local_date(start) - timedelta(days=1)):
            cursor = max(start, a)
            if cursor >= b:
                continue
            if remaining <= b - cursor:
                return cursor + remaining
            remaining -= b - cursor
        raise AssertionError("unreachable")  # pragma: no cover

    def _intervals_back_from(self, d: date) -> Iterator[tuple[datetime, datetime]]:
        for back in range(10 * _MAX_LOOKBACK_DAYS):
            iv = self.working_interval(d - timedelta(days=back))
            if iv is not None:
                yield iv

    def more_working_time_before(self, end: datetime, amount: timedelta) -> datetime | None:
        """The instant ``x`` such that ``working_time_between(t, end) > amount`` exactly
        when ``t < x`` — one comparison per row instead of a calendar walk. None when no
        start has that much working time before ``end`` within the look-back.
        """
        if amount < _ZERO:
            raise ValueError("amount must not be negative")
        remaining = amount
        for a, b in self._intervals_back_from(self.local_date(end) + timedelta(days=1)):
            hi = min(b, end)
            if hi <= a:
                continue
            if remaining < hi - a:
                return hi - remaining
            # Exactly used up at an interval's start: the time before it adds nothing
            # until the previous interval's end.
            remaining -= hi - a
        return None

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        return self.add_working_time(start, timedelta(hours=hours))

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in ``[a, b)``; negative when ``b`` is before ``a``."""
        if b < a:
            return -self.working_time_between(b, a)
        total = _ZERO
        d = self.local_date(a) - timedelta(days=1)
        last = self.local_date(b)
        while d <= last:
            iv = self.working_interval(d)
            if iv is not None:
                lo, hi = max(a, iv[0]), min(b, iv[1])
                if hi > lo:
                    total += hi - lo
            d += timedelta(days=1)
        return total

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        return self.working_time_between(a, b) / timedelta(hours=1)
