"""R4 in the registry: judged per school day from ``r4.judge_at`` (default 17:00 local).

A day's findings are scoped to that day, and the two school days before it are judged
again on each run, so a recording that the platform publishes late resolves its finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from config.settings import SchoolSettings
from jobs.calendar import SchoolCalendar
from jobs.rules.base import FindingDraft
from jobs.rules.r4 import ONE_TO_ONE_RULE, RULE, evaluate_r4, lessons_from
from jobs.rules.r4_query import load_r4_lessons
from jobs.rules.rule import Rule, Target


def r4_ready_at(calendar: SchoolCalendar, school: SchoolSettings, day: date) -> datetime:
    return calendar.local_instant(day, school.r4.judge_at)


def judge_r4_all(
    session: Session, targets: Sequence[Target], *, as_of: datetime
) -> list[FindingDraft]:
    """R4 and R4-1to1 for every target school and day, from one read of the lessons in
    each school's span of days (each day's own lessons are picked by the pure rule)."""
    plans = [(t, day) for t in targets for day in t.days]
    if not plans:
        return []
    spans: dict[int, tuple[datetime, datetime]] = {}
    for t, day in plans:
        a = t.calendar.local_midnight(lessons_from(t.calendar, day))
        b = t.calendar.local_midnight(day + timedelta(days=1))
        if t.row.id in spans:
            a, b = min(a, spans[t.row.id][0]), max(b, spans[t.row.id][1])
        spans[t.row.id] = (a, b)
    lessons = load_r4_lessons(session, spans, as_of)
    drafts: list[FindingDraft] = []
    for t, day in plans:
        drafts += evaluate_r4(
            lessons.get(t.row.id, []), t.settings.r4, t.calendar,
            school_id=t.row.id, day=day, as_of=as_of,
        )  # fmt: skip
    return drafts


R4 = Rule(
    name=RULE,
    judge_all=judge_r4_all,
    ready_at=r4_ready_at,
    rejudge_days=2,
    produces=(RULE, ONE_TO_ONE_RULE),
)


# One school (and one day, for per-day rules) at a time, as the tests judge it.
judge_r4 = R4.judge
