"""A school's calendar settings: terms, INSET and closed days, closure periods, working hours.

The time zone and UK nation stay on :class:`config.settings.SchoolSettings`; this block
says which weekdays of the year are school days and when the school's working day runs.
With no terms (and no iCal file) every weekday that is not a bank holiday, an INSET day
or a closed day is a school day.
"""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from config.settings import Strict


def _regex(v: str) -> str:
    try:
        re.compile(v)
    except re.error as e:
        raise ValueError(f"not a regular expression: {e}") from e
    return v


class DateRange(Strict):
    """The days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError("'end' is before 'start'")
        return self

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.start <= d <= self.end


class ClosurePeriod(DateRange):
    """School days on which the building is closed and pupils learn at home.

    They stay school days, with the stricter expectations the policies set for closures
    ("daily relevant online work for each subject area … e.g. 5 hours").
    """

    name: str = "closure"
    # R1 during the closure: at least this many pieces per class per day (None: as usual).
    r1_min_items: int | None = Field(default=None, ge=1)
    # R1 during the closure: every class counts as daily, whatever its usual mode.
    r1_all_daily: bool = True


class IcalSettings(Strict):
    """Terms loaded from an iCal (.ics) file, as many schools publish them.

    Each VEVENT is classified by its SUMMARY, first match wins in this order: ``inset``
    (INSET / training days: not school days), ``holiday`` (half terms, holidays: not
    school days), ``term`` (the event's days are a term). Other events are ignored.
    An all-day event's DTEND is exclusive, as RFC 5545 says.
    """

    path: Path
    inset: str = r"(?i)\binset\b|training day|staff development"
    holiday: str = r"(?i)half[- ]?term|holiday|break|closed"
    term: str = r"(?i)\bterm\b"

    _check = field_validator("inset", "holiday", "term")(lambda cls, v: _regex(v))


class WorkingHours(Strict):
    """The school's working day, local time: marking windows count these hours."""

    start: time = time(8, 0)
    end: time = time(17, 0)

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if self.end <= self.start:
            raise ValueError("working hours must end after they start")
        return self


class CalendarSettings(Strict):
    terms: list[DateRange] = Field(default_factory=list)
    inset_days: list[date] = Field(default_factory=list)
    # Days the school is shut with no learning expected (snow days, polling days).
    closed_days: list[DateRange] = Field(default_factory=list)
    closure_periods: list[ClosurePeriod] = Field(default_factory=list)
    ical: IcalSettings | None = None
    working_hours: WorkingHours = WorkingHours()
