"""R4 in the registry: judged per school day from ``r4.judge_at`` (default 17:00 local).

A day's findings are scoped to that day, and the two school days before it are judged
again on each run, so a recording that the platform publishes late resolves its finding.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from config.settings import SchoolSettings
from jobs.calendar import SchoolCalendar
from jobs.rules.base import FindingDraft
from jobs.rules.r4 import ONE_TO_ONE_RULE, RULE, evaluate_r4
from jobs.rules.r4_query import load_r4_lessons
from jobs.rules.rule import Rule
from sync.models import School


def r4_ready_at(calendar: SchoolCalendar, school: SchoolSettings, day: date) -> datetime:
    return calendar.local_instant(day, school.r4.judge_at)


def judge_r4(
    session: Session,
    school_row: School,
    school: SchoolSettings,
    calendar: SchoolCalendar,
    *,
    day: date | None,
    as_of: datetime,
) -> list[FindingDraft]:
    """R4 and R4-1to1 for the lessons of one school day that had ended by ``as_of``."""
    if day is None:
        raise ValueError("R4 is judged per day")
    lessons = load_r4_lessons(session, school_row.id, day, calendar, as_of)
    return evaluate_r4(lessons, school.r4, calendar, school_id=school_row.id, day=day, as_of=as_of)


R4 = Rule(
    name=RULE,
    judge=judge_r4,
    ready_at=r4_ready_at,
    rejudge_days=2,
    produces=(RULE, ONE_TO_ONE_RULE),
)
