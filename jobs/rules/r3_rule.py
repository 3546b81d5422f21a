"""R3 in the registry: judged at the check instant, one finding per pupil and school.

A pupil's finding stays open while any signal trips and resolves on the first check at
which none does (the pupil re-engaged); seen again later, it reopens.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from config.settings import SchoolSettings
from jobs.calendar import SchoolCalendar
from jobs.rules.base import FindingDraft
from jobs.rules.r3 import RULE, evaluate_r3
from jobs.rules.r3_query import load_r3_inputs
from jobs.rules.rule import Rule
from sync.models import School


def judge_r3(
    session: Session,
    school_row: School,
    school: SchoolSettings,
    calendar: SchoolCalendar,
    *,
    day: date | None,
    as_of: datetime,
) -> list[FindingDraft]:
    """Who is disengaged at ``as_of`` (``day`` is ignored: R3 is judged at the instant)."""
    inputs, quiet_start = load_r3_inputs(session, school_row.id, school, calendar, as_of)
    return evaluate_r3(
        inputs,
        school.r3,
        school_id=school_row.id,
        as_of=as_of,
        day=calendar.local_date(as_of),
        quiet_start=quiet_start,
    )


R3 = Rule(name=RULE, judge=judge_r3)
