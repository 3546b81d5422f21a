"""The week a digest covers: an ISO week (Monday to Sunday) on a school's wall clock."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from jobs.calendar import SchoolCalendar

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, slots=True, order=True)
class Week:
    """One ISO week, e.g. ``2026-W48``."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Week:
        """``YYYY-Www`` → Week; ValueError for anything else (or a week the year lacks)."""
        m = _ISO_WEEK.match(text.strip())
        if m is None:
            raise ValueError(f"{text!r} is not an ISO week like 2026-W48")
        year, number = int(m[1]), int(m[2])
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError as e:
            raise ValueError(f"{text!r} is not a week of {year}") from e
        return cls(year, number)

    @classmethod
    def of(cls, d: date) -> Week:
        iso = d.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def day(self, weekday: int) -> date:
        """The date of ``weekday`` (Monday 0) in this week."""
        return self.monday + timedelta(days=weekday)

    def previous(self) -> Week:
        return Week.of(self.monday - timedelta(days=7))

    def bounds(self, calendar: SchoolCalendar) -> tuple[datetime, datetime]:
        """UTC ``[Monday 00:00, next Monday 00:00)`` on the school's wall clock."""
        return (
            calendar.local_midnight(self.monday),
            calendar.local_midnight(self.monday + timedelta(days=7)),
        )

    def heading(self) -> str:
        """``23–29 November 2026`` (months and years only where they change)."""
        a, b = self.monday, self.sunday
        if a.year != b.year:
            return f"{a.day} {a:%B %Y} – {b.day} {b:%B %Y}"
        if a.month != b.month:
            return f"{a.day} {a:%B} – {b.day} {b:%B %Y}"
        return f"{a.day}–{b.day} {b:%B %Y}"
