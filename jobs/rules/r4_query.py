"""Load R4's inputs for many schools at once: the lessons in the span of every day judged,
their recordings and attendance, in three set-based queries (never one per school, day
or lesson)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from jobs.rules.per_school import per_school
from jobs.rules.r4 import R4Lesson
from sync.models import Attendance, LiveLesson, Person, Recording
from sync.types import UTCDateTime


def load_r4_lessons(
    session: Session, spans: Mapping[int, tuple[datetime, datetime]], as_of: datetime
) -> dict[int, list[R4Lesson]]:
    """Per school id: its lessons that started in the school's span ``[start, end)`` and
    had ended by ``as_of``, with who attended and whether a recording exists."""
    at = UTCDateTime()
    held = and_(
        LiveLesson.school_id.in_(list(spans)),
        LiveLesson.deleted_at.is_(None),
        LiveLesson.started_at
        >= per_school(LiveLesson.school_id, {s: a for s, (a, _) in spans.items()}, at),
        LiveLesson.started_at
        < per_school(LiveLesson.school_id, {s: b for s, (_, b) in spans.items()}, at),
        LiveLesson.ended_at.is_not(None),
        LiveLesson.ended_at <= as_of,
    )
    rows = session.execute(
        select(
            LiveLesson.id,
            LiveLesson.school_id,
            LiveLesson.platform_id,
            LiveLesson.class_id,
            LiveLesson.organiser_id,
            LiveLesson.title,
            LiveLesson.started_at,
            LiveLesson.ended_at,
        ).where(held)
    ).all()
    if not rows:
        return {}
    recorded = set(
        session.scalars(
            select(Recording.lesson_id)
            .join(LiveLesson, LiveLesson.id == Recording.lesson_id)
            .where(held, Recording.deleted_at.is_(None))
        )
    )
    staff: dict[int, set[int]] = defaultdict(set)
    pupils: dict[int, set[int]] = defaultdict(set)
    guests: dict[int, int] = defaultdict(int)
    for lesson_id, person_id, is_staff in _attendance(session, held):
        if person_id is None:
            guests[lesson_id] += 1
        elif is_staff:
            staff[lesson_id].add(person_id)
        else:
            pupils[lesson_id].add(person_id)
    out: dict[int, list[R4Lesson]] = defaultdict(list)
    for r in rows:
        out[r.school_id].append(
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
        )
    return out


Seen = tuple[int, int | None, bool | None]  # lesson id, person id (None: a guest), staff


def _attendance(session: Session, held: ColumnElement[bool]) -> list[Seen]:
    stmt = (
        select(Attendance.lesson_id, Attendance.person_id, Person.is_staff)
        .join(LiveLesson, LiveLesson.id == Attendance.lesson_id)
        .outerjoin(Person, Person.id == Attendance.person_id)
        .where(held)
    )
    return [(lesson, person, staff) for lesson, person, staff in session.execute(stmt)]
