"""Load R4's inputs for one school and one day: the day's lessons, their recordings and
attendance, in three set-based queries (never one per lesson)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.calendar import SchoolCalendar
from jobs.rules.r4 import R4Lesson, lessons_from
from sync.models import Attendance, LiveLesson, Person, Recording


def load_r4_lessons(
    session: Session, school_id: int, day: date, calendar: SchoolCalendar, as_of: datetime
) -> list[R4Lesson]:
    """The school's lessons judged with school day ``day`` that had ended by ``as_of``."""
    start = calendar.local_midnight(lessons_from(calendar, day))
    end = calendar.local_midnight(day + timedelta(days=1))
    rows = session.execute(
        select(
            LiveLesson.id,
            LiveLesson.platform_id,
            LiveLesson.class_id,
            LiveLesson.organiser_id,
            LiveLesson.title,
            LiveLesson.started_at,
            LiveLesson.ended_at,
        ).where(
            LiveLesson.school_id == school_id,
            LiveLesson.deleted_at.is_(None),
            LiveLesson.started_at >= start,
            LiveLesson.started_at < end,
            LiveLesson.ended_at.is_not(None),
            LiveLesson.ended_at <= as_of,
        )
    ).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    recorded = set(
        session.scalars(
            select(Recording.lesson_id).where(
                Recording.lesson_id.in_(ids), Recording.deleted_at.is_(None)
            )
        )
    )
    staff: dict[int, set[int]] = defaultdict(set)
    pupils: dict[int, set[int]] = defaultdict(set)
    guests: dict[int, int] = defaultdict(int)
    people = session.execute(
        select(Attendance.lesson_id, Attendance.person_id, Person.is_staff)
        .outerjoin(Person, Person.id == Attendance.person_id)
        .where(Attendance.lesson_id.in_(ids))
    )
    for lesson_id, person_id, is_staff in people:
        if person_id is None:
            guests[lesson_id] += 1
        elif is_staff:
            staff[lesson_id].add(person_id)
        else:
            pupils[lesson_id].add(person_id)
    return [
        R4Lesson(
            lesson_id=r.id,
            platform_id=r.platform_id,
            class_id=r.class_id,
            organiser_id=r.organiser_id,
            title=r.title,
            started_at=r.started_at,
            ended_at=r.ended_at,
            recorded=r.id in recorded,
            staff_ids=frozenset(staff[r.id]),
            pupil_ids=frozenset(pupils[r.id]),
            guests=guests[r.id],
        )
        for r in rows
    ]
