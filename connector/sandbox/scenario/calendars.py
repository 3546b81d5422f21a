"""Per-school calendars in the scenario: INSET days, a term that ends, a closure period.

Most schools are "in term" throughout (every weekday that is not a bank holiday). In the
trust, one school has an INSET day and its term ends mid-scenario (the Easter holidays
start early), and another has a closure period in which every class is daily for R1 and
needs three pieces of work a day. :func:`settings_for` emits the matching ``calendar``
block, and the ground truths judge each school on :func:`open_days`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from connector.sandbox.scenario.context import Build
from connector.sandbox.scenario.days import is_school_day
from connector.sandbox.scenario.model import ClosureSpec, SchoolSpec

INSET_SCHOOL = 1  # school index: an INSET day on the 7th school day, term ends on the 15th
CLOSURE_SCHOOL = 2  # school index: a closure over the 11th to 15th school days
CLOSURE_MIN_ITEMS = 3


def plan_calendars(b: Build) -> None:
    """Give the trust's chosen schools their calendars (only when there are enough days)."""
    if len(b.schools) <= CLOSURE_SCHOOL or len(b.days) < 16:
        return
    days = b.days
    inset = b.schools[INSET_SCHOOL]
    inset.inset_days = [days[6]]
    inset.term = (days[0], days[14])
    closed = b.schools[CLOSURE_SCHOOL]
    closed.closure = ClosureSpec(days[10], days[14], CLOSURE_MIN_ITEMS)


def is_open(school: SchoolSpec, day: date) -> bool:
    """A school day of ``school``: in term, not a bank holiday, not an INSET day."""
    if school.term is not None and not school.term[0] <= day <= school.term[1]:
        return False
    return day not in school.inset_days and is_school_day(day, school.nation)


def open_days(b: Build, school: SchoolSpec) -> list[date]:
    """The scenario's days that are school days of ``school``."""
    return [d for d in b.days if is_open(school, d)]


def closure_on(school: SchoolSpec, day: date) -> ClosureSpec | None:
    c = school.closure
    return c if c is not None and c.start <= day <= c.end else None


def calendar_config(school: SchoolSpec) -> dict[str, Any]:
    """The ``calendar`` block of the school's config."""
    out: dict[str, Any] = {}
    if school.term is not None:
        out["terms"] = [{"start": school.term[0].isoformat(), "end": school.term[1].isoformat()}]
    if school.inset_days:
        out["inset_days"] = [d.isoformat() for d in school.inset_days]
    if school.closure is not None:
        c = school.closure
        out["closure_periods"] = [
            {
                "name": "closure",
                "start": c.start.isoformat(),
                "end": c.end.isoformat(),
                "r1_min_items": c.r1_min_items,
                "r1_all_daily": True,
            }
        ]
    return out
