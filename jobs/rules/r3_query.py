"""Load R3's inputs for one school at one instant, set-based.

The submissions are read in one grouped pass (a window function finds each pupil's last
piece handed in per class; the group counts the rest), so the cost grows with the
table, not with a query per pupil. Only the streaks that trip are read again, by pupil,
for the evidence. Lessons and attendance are grouped the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    distinct,
    func,
    not_,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from config.settings import SchoolSettings
from connector.records import ClassState, Role, SubmissionState, WorkState
from jobs.calendar import SchoolCalendar
from jobs.rules.r3 import R3Inputs, R3Lesson, R3Membership, R3Tally, quiet_window_start
from jobs.rules.r4 import needs_recording
from sync.models import Attendance, LiveLesson, Membership, Person, SchoolClass, Submission, Work
from sync.types import UTCDateTime

S = SubmissionState
_CHUNK = 500


def _current_member(as_of: datetime) -> ColumnElement[bool]:
    return and_(
        Membership.role == Role.PUPIL,
        or_(Membership.left_at.is_(None), Membership.left_at > as_of),
        or_(Membership.joined_at.is_(None), Membership.joined_at <= as_of),
    )


def _school_class(school_id: int) -> ColumnElement[bool]:
    return and_(
        SchoolClass.school_id == school_id,
        SchoolClass.state == ClassState.ACTIVE,
        SchoolClass.deleted_at.is_(None),
    )


def load_r3_memberships(session: Session, school_id: int, as_of: datetime) -> list[R3Membership]:
    rows = session.execute(
        select(Membership.person_id, Membership.class_id, Membership.joined_at)
        .join(SchoolClass, SchoolClass.id == Membership.class_id)
        .where(_school_class(school_id), _current_member(as_of))
    )
    return [R3Membership(p, c, j) for p, c, j in rows]


def _work_rows(
    school_id: int, as_of: datetime, excuse_returned: bool, pupils: Sequence[int] | None = None
) -> Any:
    """Per submission of a current member: flags, and its class's last handed-in due time."""
    sub = Submission
    excused_if = sub.state == S.EXCUSED
    if excuse_returned:
        excused_if = or_(
            excused_if,
            and_(sub.state == S.RETURNED, sub.turned_in_at.is_(None), not_(sub.graded)),
        )
    turned_in = and_(sub.turned_in_at.is_not(None), sub.turned_in_at <= as_of)
    handed_if = and_(
        not_(excused_if),
        or_(
            and_(sub.state.in_([S.TURNED_IN, S.RETURNED]), turned_in),
            and_(sub.state == S.TURNED_IN, sub.turned_in_at.is_(None)),
            and_(sub.state == S.RETURNED, sub.turned_in_at.is_(None), sub.graded),
        ),
    )
    considered_if = and_(
        Work.due_at.is_not(None),
        Work.due_at <= as_of,
        or_(Membership.joined_at.is_(None), Work.due_at >= Membership.joined_at),
    )
    base = (
        select(
            sub.pupil_id,
            sub.class_id,
            sub.work_id,
            Work.due_at,
            case((considered_if, 1), else_=0).label("considered"),
            case((excused_if, 1), else_=0).label("excused"),
            case((handed_if, 1), else_=0).label("handed"),
            case((turned_in, sub.turned_in_at), else_=None).label("turn_in"),
        )
        .join(Work, Work.id == sub.work_id)
        .join(SchoolClass, SchoolClass.id == sub.class_id)
        .join(
            Membership,
            and_(Membership.class_id == sub.class_id, Membership.person_id == sub.pupil_id),
        )
        .where(
            _school_class(school_id),
            _current_member(as_of),
            sub.deleted_at.is_(None),
            Work.deleted_at.is_(None),
            Work.state == WorkState.PUBLISHED,
        )
    )
    if pupils is not None:
        base = base.where(sub.pupil_id.in_(list(pupils)))
    b = base.subquery("b")
    last_handed = func.max(case((and_(b.c.considered == 1, b.c.handed == 1), b.c.due_at))).over(
        partition_by=[b.c.pupil_id, b.c.class_id]
    )
    return select(b, type_coerce(last_handed, UTCDateTime()).label("last_handed")).subquery("x")


def _in_streak(x: Any) -> ColumnElement[bool]:
    return and_(
        x.c.considered == 1,
        x.c.excused == 0,
        x.c.handed == 0,
        or_(x.c.last_handed.is_(None), x.c.due_at > x.c.last_handed),
    )


def load_r3_tallies(
    session: Session,
    school_id: int,
    as_of: datetime,
    *,
    excuse_returned: bool,
    share_start: datetime,
    quiet_start: datetime,
) -> list[R3Tally]:
    """One grouped pass over the school's submissions: a tally per pupil and class."""
    x = _work_rows(school_id, as_of, excuse_returned)
    countable = and_(x.c.considered == 1, x.c.excused == 0)

    def count(cond: ColumnElement[bool]) -> Any:
        return func.sum(case((cond, 1), else_=0))

    stmt: Select[Any] = select(
        x.c.pupil_id,
        x.c.class_id,
        count(_in_streak(x)),
        count(and_(countable, x.c.due_at > share_start)),
        count(and_(countable, x.c.handed == 1, x.c.due_at > share_start)),
        count(and_(countable, x.c.due_at >= quiet_start)),
        type_coerce(func.max(x.c.turn_in), UTCDateTime()),
    ).group_by(x.c.pupil_id, x.c.class_id)
    return [
        R3Tally(p, c, int(streak or 0), int(due or 0), int(handed or 0), int(quiet or 0), last)
        for p, c, streak, due, handed, quiet, last in session.execute(stmt)
    ]


def load_r3_missed_work(
    session: Session,
    school_id: int,
    as_of: datetime,
    pairs: Sequence[tuple[int, int]],
    *,
    excuse_returned: bool,
) -> dict[tuple[int, int], list[int]]:
    """The work ids of the given (pupil, class) streaks, read by pupil in chunks."""
    wanted = set(pairs)
    pupils = sorted({p for p, _ in wanted})
    out: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in range(0, len(pupils), _CHUNK):
        x = _work_rows(school_id, as_of, excuse_returned, pupils[i : i + _CHUNK])
        stmt = select(x.c.pupil_id, x.c.class_id, x.c.work_id).where(_in_streak(x))
        for p, c, w in session.execute(stmt):
            if (p, c) in wanted:
                out[(p, c)].append(w)
    return out


def load_r3_lessons(
    session: Session, school_id: int, school: SchoolSettings, as_of: datetime
) -> dict[int, list[R3Lesson]]:
    """Each class's live lessons ended by ``as_of`` (oldest first); attendance is read
    for the last ``lessons_in_a_row`` of each class, the only ones the streak needs."""
    pupils = func.count(distinct(case((not_(Person.is_staff), Attendance.person_id))))
    rows = session.execute(
        select(
            LiveLesson.id,
            LiveLesson.class_id,
            LiveLesson.title,
            LiveLesson.started_at,
            LiveLesson.ended_at,
            pupils,
        )
        .outerjoin(Attendance, Attendance.lesson_id == LiveLesson.id)
        .outerjoin(Person, Person.id == Attendance.person_id)
        .where(
            LiveLesson.school_id == school_id,
            LiveLesson.class_id.is_not(None),
            LiveLesson.deleted_at.is_(None),
            LiveLesson.ended_at.is_not(None),
            LiveLesson.ended_at <= as_of,
        )
        .group_by(
            LiveLesson.id,
            LiveLesson.class_id,
            LiveLesson.title,
            LiveLesson.started_at,
            LiveLesson.ended_at,
        )
    ).all()
    by_class: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for lesson_id, class_id, title, started, ended, n in rows:
        if class_id is not None and needs_recording(
            class_id, title, started, ended, int(n or 0), school.r4
        ):
            by_class[class_id].append((started, lesson_id))
    n_tail = school.r3.lessons_in_a_row
    tail_ids = sorted(
        lesson_id for items in by_class.values() for _, lesson_id in sorted(items)[-n_tail:]
    )
    attended: dict[int, set[int]] = defaultdict(set)
    for i in range(0, len(tail_ids), _CHUNK):
        for lesson_id, person_id in session.execute(
            select(Attendance.lesson_id, Attendance.person_id).where(
                Attendance.lesson_id.in_(tail_ids[i : i + _CHUNK]),
                Attendance.person_id.is_not(None),
            )
        ):
            if person_id is not None:
                attended[lesson_id].add(person_id)
    return {
        class_id: [
            R3Lesson(lesson_id, class_id, started, frozenset(attended.get(lesson_id, ())))
            for started, lesson_id in sorted(items)
        ]
        for class_id, items in by_class.items()
    }


def load_r3_last_attended(session: Session, school_id: int, as_of: datetime) -> dict[int, datetime]:
    """Per person, the start of the latest lesson or call of the school they attended."""
    stmt = (
        select(Attendance.person_id, type_coerce(func.max(LiveLesson.started_at), UTCDateTime()))
        .join(LiveLesson, LiveLesson.id == Attendance.lesson_id)
        .where(
            LiveLesson.school_id == school_id,
            LiveLesson.deleted_at.is_(None),
            LiveLesson.started_at <= as_of,
            Attendance.person_id.is_not(None),
        )
        .group_by(Attendance.person_id)
    )
    return {p: at for p, at in session.execute(stmt) if p is not None and at is not None}


def load_r3_inputs(
    session: Session,
    school_id: int,
    school: SchoolSettings,
    calendar: SchoolCalendar,
    as_of: datetime,
) -> tuple[R3Inputs, datetime]:
    """Everything :func:`jobs.rules.r3.evaluate_r3` needs, and the inactivity window start."""
    settings = school.r3
    quiet_start = quiet_window_start(calendar, as_of, settings.inactive_days)
    excuse = settings.excuse_returned_ungraded
    tallies = load_r3_tallies(
        session,
        school_id,
        as_of,
        excuse_returned=excuse,
        share_start=as_of - timedelta(days=settings.share_days),
        quiet_start=quiet_start,
    )
    tripped = [(t.pupil_id, t.class_id) for t in tallies if t.streak >= settings.missed_in_a_row]
    inputs = R3Inputs(
        memberships=load_r3_memberships(session, school_id, as_of),
        tallies=tallies,
        missed_work=load_r3_missed_work(session, school_id, as_of, tripped, excuse_returned=excuse),
        lessons=load_r3_lessons(session, school_id, school, as_of),
        last_attended=load_r3_last_attended(session, school_id, as_of),
    )
    return inputs, quiet_start
