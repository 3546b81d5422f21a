"""One school's week in numbers (R5): what the digest says, before any wording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from config.settings import SchoolSettings
from jobs.calendar import SchoolCalendar
from jobs.digest_metrics import (
    Lessons,
    Marking,
    Rate,
    WorkDay,
    lessons,
    marking,
    submissions,
    work_count,
    work_days,
)
from jobs.digest_pupils import (
    GroupRow,
    Ranked,
    Trend,
    count_one_to_one,
    disengagement,
    groups,
    most_open,
)
from jobs.digest_week import Week
from sync.models import School


@dataclass(frozen=True, slots=True)
class SchoolWeek:
    """Everything measured for one school over one week, up to ``until``."""

    school_key: str
    school_name: str
    week: Week
    until: datetime  # the window's end: the week's end, or the moment measured
    days: list[WorkDay]
    work_items: int
    submissions: Rate
    marking: Marking
    lessons: Lessons
    trend: Trend
    one_to_one: int
    top_classes: list[Ranked]
    top_teachers: list[Ranked]
    groups: list[GroupRow]

    @property
    def r1(self) -> Rate:
        """Class-days with enough work posted, of those R1 expected."""
        return Rate(sum(d.posted for d in self.days), sum(d.expected for d in self.days))

    @property
    def within_window(self) -> Rate:
        return Rate(self.marking.within_window, self.marking.marked)

    @property
    def recorded(self) -> Rate:
        return Rate(self.lessons.recorded, self.lessons.held)

    @property
    def attendance(self) -> Rate:
        return Rate(self.lessons.attended, self.lessons.expected)


def measure_week(
    session: Session,
    school_row: School,
    school: SchoolSettings,
    calendar: SchoolCalendar,
    week: Week,
    *,
    now: datetime,
) -> SchoolWeek:
    """Measure ``week`` at ``school`` as it stands at ``now`` (a week not over is cut there)."""
    start, end = week.bounds(calendar)
    until = min(end, now)
    # R1 is judged per school day once its cut-off has passed.
    days = [
        d
        for d in calendar.school_days(week.monday, week.sunday)
        if calendar.local_instant(d, school.r1.cutoff) <= until
    ]
    sid = school_row.id
    trend = disengagement(session, sid, start, until)
    now_disengaged = {p.pupil_id for p in trend.new + trend.still}
    top_classes, top_teachers = most_open(session, sid, until)
    return SchoolWeek(
        school_key=school.key,
        school_name=school.name,
        week=week,
        until=until,
        days=work_days(session, sid, school, calendar, days),
        work_items=work_count(session, sid, start, until),
        submissions=submissions(session, sid, start, until),
        marking=marking(session, sid, school, calendar, start, until),
        lessons=lessons(session, sid, start, until),
        trend=trend,
        one_to_one=count_one_to_one(session, sid, start, until),
        top_classes=top_classes,
        top_teachers=top_teachers,
        groups=groups(session, sid, start, until, now_disengaged),
    )
