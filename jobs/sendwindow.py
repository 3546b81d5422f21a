"""When a member of staff may be emailed (R6): inside the school's send window, on a school
day, on a day they work. Pure: the caller passes the instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from config.messages import SchoolMessageSettings
from jobs.calendar import SchoolCalendar

# Longer than any school holiday: past this, nobody is reachable and we stop looking.
_MAX_LOOKAHEAD_DAYS = 120


@dataclass(frozen=True, slots=True)
class StaffTime:
    """A school's calendar and message settings, asked about one person at a time."""

    calendar: SchoolCalendar
    settings: SchoolMessageSettings

    def can_email_on(self, email: str, d: date) -> bool:
        """``d`` is a school day and one of ``email``'s working days."""
        return self.calendar.is_school_day(d) and self.settings.works_on(email, d)

    def window_of(self, d: date) -> tuple[datetime, datetime]:
        """The UTC instants ``[start, end)`` of the send window on local day ``d``."""
        w = self.settings.send_window
        return self.calendar.local_instant(d, w.start), self.calendar.local_instant(d, w.end)

    def is_open(self, email: str, now: datetime) -> bool:
        """Whether ``email`` may be emailed at ``now``."""
        today = self.calendar.local_date(now)
        start, end = self.window_of(today)
        return self.can_email_on(email, today) and start <= now < end

    def previous_working_day(self, email: str, d: date) -> date | None:
        """The last day before ``d`` on which ``email`` could be emailed."""
        for back in range(1, _MAX_LOOKAHEAD_DAYS + 1):
            candidate = d - timedelta(days=back)
            if self.can_email_on(email, candidate):
                return candidate
        return None

    def next_open(self, email: str, now: datetime) -> datetime | None:
        """The first instant at or after ``now`` at which ``email`` may be emailed.

        None when no such day comes within the look-ahead (e.g. no working day configured
        falls on a school day).
        """
        today = self.calendar.local_date(now)
        for ahead in range(_MAX_LOOKAHEAD_DAYS + 1):
            d = today + timedelta(days=ahead)
            if not self.can_email_on(email, d):
                continue
            start, end = self.window_of(d)
            if now < end:
                return max(start, now)
        return None
