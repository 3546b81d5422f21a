"""Working time from many instants up to one: the per-finding age of R2's evidence.

:meth:`jobs.calendar.SchoolCalendar.working_time_between` walks every day between its
two instants; asked for thousands of turn-ins against the same check instant, most of
that walk is the same each time. Here each day's working time before the end is summed
once, newest first, and a call adds the two or three days around its own instant.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from jobs.calendar import SchoolCalendar

_ZERO = timedelta(0)
_DAY = timedelta(days=1)
_UNKNOWN: tuple[datetime, datetime] = (datetime.min, datetime.min)


class WorkingTimeUntil:
    """``calendar.working_time_between(a, end)`` for any ``a``, exactly, and cheaply."""

    def __init__(self, calendar: SchoolCalendar, end: datetime) -> None:
        self.calendar, self.end = calendar, end
        self._last = calendar.local_date(end)
        # date -> working time of that day and every later one, up to ``end``
        self._from: dict[date, timedelta] = {self._last + _DAY: _ZERO}
        self._oldest = self._last + _DAY
        self._intervals: dict[date, tuple[datetime, datetime] | None] = {}

    def __call__(self, a: datetime) -> timedelta:
        if a > self.end:
            return self.calendar.working_time_between(a, self.end)
        first = self.calendar.local_date(a)
        # The days from the one before ``a``'s to the one after are clipped to ``a``; every
        # later day's working hours lie wholly after it.
        near = _ZERO
        for d in (first - _DAY, first, first + _DAY):
            if d <= self._last:
                near += self._overlap(d, a)
        return near + self._sum_from(first + 2 * _DAY)

    def hours(self, a: datetime) -> float:
        return self(a) / timedelta(hours=1)

    def _overlap(self, d: date, a: datetime | None) -> timedelta:
        """Working time of day ``d`` in ``[a, end)`` (``a`` None: unbounded below)."""
        iv = self._intervals.get(d, _UNKNOWN)
        if iv is _UNKNOWN:
            iv = self._intervals[d] = self.calendar.working_interval(d)
        if iv is None:
            return _ZERO
        lo, hi = iv[0] if a is None else max(a, iv[0]), min(self.end, iv[1])
        return hi - lo if hi > lo else _ZERO

    def _sum_from(self, d: date) -> timedelta:
        if d > self._last:
            return _ZERO
        while self._oldest > d:
            total = self._from[self._oldest]
            self._oldest -= _DAY
            self._from[self._oldest] = total + self._overlap(self._oldest, None)
        return self._from[d]
