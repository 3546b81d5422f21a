"""The digest's numbers about work and lessons for one school and one week (R5).

Each function is one or two set-based queries over the store for the week's window on
the school's wall clock, ``[Monday 00:00, min(next Monday 00:00, as_of))``; nothing is
queried per class or per pupil.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from config.settings import ClassMode, SchoolSettings
from connector.records import ClassState, Role, SubmissionState
from jobs.calendar import SchoolCalendar
from jobs.rules.r1 import LIVE_STATES, class_rule
from jobs.rules.r2 import deadline, window_for
from sync.models import (
    Attendance,
    LiveLesson,
    Membership,
    Person,
    Recording,
    SchoolClass,
    Submission,
    Work,
)


@dataclass(frozen=True, slots=True)
class WorkDay:
    """R1 for one school day: daily classes expected to post, and those that did."""

    day: date
    expected: int
    posted: int


@dataclass(frozen=True, slots=True)
class Marking:
    marked: int
    median_hours: float | None  # working hours from turn-in to return
    within_window: int
    waiting: int  # turned in and not yet returned at the end of the window


@dataclass(frozen=True, slots=True)
class Lessons:
    held: int
    recorded: int
    attended: int  # pupil attendances
    expected: int  # pupil places: the class's pupils, summed over lessons


@dataclass(frozen=True, slots=True)
class Rate:
    part: int
    whole: int

    @property
    def share(self) -> float | None:
        return self.part / self.whole if self.whole else None


def turned_in() -> ColumnElement[bool]:
    """SQL: the submission was handed in (and not taken back)."""
    return or_(
        Submission.state == SubmissionState.TURNED_IN,
        and_(Submission.state == SubmissionState.RETURNED, Submission.turned_in_at.is_not(None)),
    )


def active_classes(session: Session, school_id: int) -> list[tuple[int, str]]:
    return [
        (cid, name)
        for cid, name in session.execute(
            select(SchoolClass.id, SchoolClass.name).where(
                SchoolClass.school_id == school_id,
                SchoolClass.state == ClassState.ACTIVE,
                SchoolClass.deleted_at.is_(None),
            )
        )
    ]


def work_days(
    session: Session,
    school_id: int,
    school: SchoolSettings,
    calendar: SchoolCalendar,
    days: list[date],
) -> list[WorkDay]:
    """Daily classes per school day, and how many had enough work live by the cut-off."""
    if not days:
        return []
    classes = active_classes(session, school_id)
    windows = [
        (calendar.local_midnight(d), calendar.local_instant(d, school.r1.cutoff)) for d in days
    ]
    live_at = func.coalesce(Work.published_at, Work.scheduled_at)
    bucket = case(
        *((and_(live_at >= a, live_at < b), i) for i, (a, b) in enumerate(windows)), else_=-1
    )
    posts = (
        select(Work.class_id.label("class_id"), bucket.label("day_index"))
        .join(SchoolClass, SchoolClass.id == Work.class_id)
        .where(
            SchoolClass.school_id == school_id,
            Work.state.in_(sorted(LIVE_STATES)),
            Work.kind.in_(list(school.r1.counts)),
            Work.deleted_at.is_(None),
            live_at >= windows[0][0],
            live_at < windows[-1][1],
        )
        .subquery()
    )
    rows = session.execute(
        select(posts.c.class_id, posts.c.day_index, func.count()).group_by(
            posts.c.class_id, posts.c.day_index
        )
    ).all()
    counts = {(cid, int(i)): n for cid, i, n in rows if i >= 0}
    out = []
    for i, d in enumerate(days):
        r1 = calendar.r1_settings(school, d)
        daily = [
            cid
            for cid, name in classes
            if (rule := class_rule(name, r1.classes)) is not None and rule.mode is ClassMode.DAILY
        ]
        posted = sum(1 for cid in daily if counts.get((cid, i), 0) >= r1.min_items)
        out.append(WorkDay(d, len(daily), posted))
    return out


def work_count(session: Session, school_id: int, start: datetime, end: datetime) -> int:
    """Pieces of work (any kind) that went live in ``[start, end)``."""
    live_at = func.coalesce(Work.published_at, Work.scheduled_at)
    return int(
        session.scalar(
            select(func.count())
            .select_from(Work)
            .join(SchoolClass, SchoolClass.id == Work.class_id)
            .where(
                SchoolClass.school_id == school_id,
                Work.state.in_(sorted(LIVE_STATES)),
                Work.deleted_at.is_(None),
                live_at >= start,
                live_at < end,
            )
        )
        or 0
    )


def submissions(session: Session, school_id: int, start: datetime, end: datetime) -> Rate:
    """Of the copies of work due in ``[start, end)`` (excused ones aside), how many came in."""
    row = session.execute(
        select(func.count(), func.sum(case((turned_in(), 1), else_=0)))
        .select_from(Submission)
        .join(Work, Work.id == Submission.work_id)
        .join(SchoolClass, SchoolClass.id == Submission.class_id)
        .where(
            SchoolClass.school_id == school_id,
            Work.deleted_at.is_(None),
            Submission.deleted_at.is_(None),
            Submission.state != SubmissionState.EXCUSED,
            Work.due_at >= start,
            Work.due_at < end,
        )
    ).one()
    return Rate(int(row[1] or 0), int(row[0] or 0))


def marking(
    session: Session,
    school_id: int,
    school: SchoolSettings,
    calendar: SchoolCalendar,
    start: datetime,
    end: datetime,
) -> Marking:
    """Work returned in the window: median turnaround and share back inside R2's window."""
    returned = session.execute(
        select(Submission.turned_in_at, Submission.returned_at, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == Submission.class_id)
        .where(
            SchoolClass.school_id == school_id,
            Submission.deleted_at.is_(None),
            Submission.turned_in_at.is_not(None),
            Submission.returned_at >= start,
            Submission.returned_at < end,
            Submission.returned_at >= Submission.turned_in_at,
        )
    ).all()
    hours: list[float] = []
    within = 0
    for t_in, t_back, class_name in returned:
        assert t_in is not None and t_back is not None  # the query's filters
        hours.append(calendar.working_hours_between(t_in, t_back))
        if t_back <= deadline(t_in, window_for(class_name, school.r2.windows), calendar):
            within += 1
    waiting = session.scalar(
        select(func.count())
        .select_from(Submission)
        .join(SchoolClass, SchoolClass.id == Submission.class_id)
        .where(
            SchoolClass.school_id == school_id,
            Submission.deleted_at.is_(None),
            Submission.state == SubmissionState.TURNED_IN,
            Submission.graded.is_(False),
            Submission.turned_in_at < end,
        )
    )
    median = round(statistics.median(hours), 1) if hours else None
    return Marking(len(hours), median, within, int(waiting or 0))


def lessons(session: Session, school_id: int, start: datetime, end: datetime) -> Lessons:
    """Class lessons held in the window, how many were recorded, and pupil attendance."""
    in_window = and_(
        LiveLesson.school_id == school_id,
        LiveLesson.class_id.is_not(None),
        LiveLesson.deleted_at.is_(None),
        LiveLesson.started_at >= start,
        LiveLesson.started_at < end,
    )
    recorded = exists().where(Recording.lesson_id == LiveLesson.id, Recording.deleted_at.is_(None))
    held, rec = session.execute(
        select(func.count(), func.sum(case((recorded, 1), else_=0))).where(in_window)
    ).one()
    attended = session.scalar(
        select(func.count())
        .select_from(Attendance)
        .join(LiveLesson, LiveLesson.id == Attendance.lesson_id)
        .outerjoin(Person, Person.id == Attendance.person_id)
        .where(
            in_window,
            or_(
                Attendance.role == Role.PUPIL,
                and_(Attendance.role.is_(None), Person.is_staff.is_(False)),
            ),
        )
    )
    expected = session.scalar(
        select(func.count())
        .select_from(LiveLesson)
        .join(
            Membership,
            and_(
                Membership.class_id == LiveLesson.class_id,
                Membership.role == Role.PUPIL,
                Membership.left_at.is_(None),
            ),
        )
        .where(in_window)
    )
    return Lessons(int(held or 0), int(rec or 0), int(attended or 0), int(expected or 0))
