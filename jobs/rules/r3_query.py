"""Load R3's inputs for many schools at one instant, set-based.

The submissions of every school are read in one grouped pass (a window function finds
each pupil's last piece handed in per class; the group counts the rest and lists the
work of the streak), so the cost grows with the table, not with a query per school or
pupil. What differs between schools (their excusing rule, their windows) rides along in
the statement (:func:`jobs.rules.per_school.per_school`). Lessons and attendance are
grouped the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    not_,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from connector.records import ClassState, Role, SubmissionState, WorkState
from jobs.rules.per_school import per_school
from jobs.rules.r3 import R3Inputs, R3Lesson, R3Membership, R3Tally, quiet_window_start
from jobs.rules.r4 import needs_recording
from jobs.rules.rule import Target
from sync.models import Attendance, LiveLesson, Membership, Person, SchoolClass, Submission, Work
from sync.types import UTCDateTime

S = SubmissionState
_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class SchoolWindows:
    """What R3 needs of one school beside its rows."""

    school_id: int
    excuse_returned: bool
    share_start: datetime
    quiet_start: datetime


def school_windows(t: Target, as_of: datetime) -> SchoolWindows:
    r3 = t.settings.r3
    return SchoolWindows(
        t.row.id,
        r3.excuse_returned_ungraded,
        as_of - timedelta(days=r3.share_days),
        quiet_window_start(t.calendar, as_of, r3.inactive_days),
    )


def _current_member(as_of: datetime) -> ColumnElement[bool]:
    return and_(
        Membership.role == Role.PUPIL,
        or_(Membership.left_at.is_(None), Membership.left_at > as_of),
        or_(Membership.joined_at.is_(None), Membership.joined_at <= as_of),
    )


def _school_classes(school_ids: Sequence[int]) -> ColumnElement[bool]:
    return and_(
        SchoolClass.school_id.in_(list(school_ids)),
        SchoolClass.state == ClassState.ACTIVE,
        SchoolClass.deleted_at.is_(None),
    )


def load_r3_memberships(
    session: Session, school_ids: Sequence[int], as_of: datetime
) -> dict[int, list[R3Membership]]:
    rows = session.execute(
        select(
            SchoolClass.school_id, Membership.person_id, Membership.class_id, Membership.joined_at
        )
        .join(SchoolClass, SchoolClass.id == Membership.class_id)
        .where(_school_classes(school_ids), _current_member(as_of))
    )
    out: dict[int, list[R3Membership]] = defaultdict(list)
    for s, p, c, j in rows:
        out[s].append(R3Membership(p, c, j))
    return out


def _work_rows(schools: Sequence[SchoolWindows], as_of: datetime, *, fence: bool) -> Any:
    """Per submission of a current member, what the tally needs of it: the due time when it
    counts as handed in (``handed_due``) or as missed (``missed_due``), whether it falls in
    the share window (1: due, 2: due and handed in) and the inactivity window, and its
    turn-in; and over its pupil and class, the last handed-in due time.

    ``fence``: plan the submission–work join on its own (PostgreSQL reads the join with
    memberships on two columns as matching a few hundred rows, and would then look work
    up row by row instead of hashing it).
    """
    sub = Submission
    excusing = [w.school_id for w in schools if w.excuse_returned]
    excused_if = sub.state == S.EXCUSED
    if excusing:
        returned_ungraded = [sub.state == S.RETURNED, sub.turned_in_at.is_(None), not_(sub.graded)]
        if len(excusing) < len(schools):
            returned_ungraded.append(SchoolClass.school_id.in_(excusing))
        excused_if = or_(excused_if, and_(*returned_ungraded))
    turned_in = and_(sub.turned_in_at.is_not(None), sub.turned_in_at <= as_of)
    handed_if = or_(
        and_(sub.state.in_([S.TURNED_IN, S.RETURNED]), turned_in),
        and_(sub.state == S.TURNED_IN, sub.turned_in_at.is_(None)),
        and_(sub.state == S.RETURNED, sub.turned_in_at.is_(None), sub.graded),
    )
    at = UTCDateTime()
    share_start = per_school(
        SchoolClass.school_id, {w.school_id: w.share_start for w in schools}, at
    )
    quiet_start = per_school(
        SchoolClass.school_id, {w.school_id: w.quiet_start for w in schools}, at
    )
    sw = (
        select(
            sub.pupil_id,
            sub.class_id,
            sub.work_id,
            Work.due_at,
            case((excused_if, 0), (handed_if, 1), else_=2).label("kind"),  # excused/handed/not
            case((Work.due_at > share_start, 1), else_=0).label("in_share"),
            case((Work.due_at >= quiet_start, 1), else_=0).label("in_quiet"),
            case((turned_in, sub.turned_in_at), else_=None).label("turn_in"),
        )
        .join(Work, Work.id == sub.work_id)
        .join(SchoolClass, SchoolClass.id == sub.class_id)
        .where(
            _school_classes([w.school_id for w in schools]),
            sub.deleted_at.is_(None),
            Work.deleted_at.is_(None),
            Work.state == WorkState.PUBLISHED,
        )
    )
    if fence:
        sw = sw.offset(0)
    r = sw.subquery("sw")
    considered = and_(
        r.c.due_at.is_not(None),
        r.c.due_at <= as_of,
        or_(Membership.joined_at.is_(None), r.c.due_at >= Membership.joined_at),
    )
    countable = and_(considered, r.c.kind != 0)
    b = (
        select(
            r.c.pupil_id,
            r.c.class_id,
            r.c.work_id,
            case((and_(considered, r.c.kind == 1), r.c.due_at)).label("handed_due"),
            case((and_(countable, r.c.kind == 2), r.c.due_at)).label("missed_due"),
            case((and_(countable, r.c.in_share == 1), 1 + r.c.kind % 2), else_=0).label("share"),
            case((and_(countable, r.c.in_quiet == 1), 1), else_=0).label("quiet"),
            r.c.turn_in,
        )
        .join(
            Membership,
            and_(Membership.class_id == r.c.class_id, Membership.person_id == r.c.pupil_id),
        )
        .where(_current_member(as_of))
        .subquery("b")
    )
    last_handed = func.max(b.c.handed_due).over(partition_by=[b.c.pupil_id, b.c.class_id])
    return select(b, type_coerce(last_handed, UTCDateTime()).label("last_handed")).subquery("x")


@dataclass(frozen=True, slots=True)
class Tallies:
    tallies: list[R3Tally]
    # (pupil id, class id) -> ids of the missed work in the streak, for streaks that trip
    streak_work: dict[tuple[int, int], list[int]]


def load_r3_tallies(
    session: Session,
    schools: Sequence[SchoolWindows],
    as_of: datetime,
    trips: Mapping[int, int],
) -> Tallies:
    """One grouped pass over every school's submissions: a tally per pupil and class, and
    the work of each streak of at least ``trips[class id]`` pieces."""
    fence = session.get_bind().dialect.name == "postgresql"
    x = _work_rows(schools, as_of, fence=fence)
    in_streak = and_(
        x.c.missed_due.is_not(None),
        or_(x.c.last_handed.is_(None), x.c.missed_due > x.c.last_handed),
    )

    def count(cond: ColumnElement[bool]) -> Any:
        return func.sum(case((cond, 1), else_=0))

    # Grouped by pupil and class only: the rows arrive in that order from the window, so
    # the database need not sort them again.
    stmt: Select[Any] = select(
        x.c.pupil_id,
        x.c.class_id,
        count(in_streak),
        count(x.c.share > 0),
        count(x.c.share == 2),
        func.sum(x.c.quiet),
        type_coerce(func.max(x.c.turn_in), UTCDateTime()),
        func.aggregate_strings(case((in_streak, cast(x.c.work_id, String))), ","),
    ).group_by(x.c.pupil_id, x.c.class_id)
    tallies: list[R3Tally] = []
    streak_work: dict[tuple[int, int], list[int]] = {}
    for p, c, streak, due, handed, quiet, last, work in session.execute(stmt):
        t = R3Tally(p, c, int(streak or 0), int(due or 0), int(handed or 0), int(quiet or 0), last)
        tallies.append(t)
        if t.streak >= trips[c] and work:
            streak_work[(p, c)] = [int(w) for w in work.split(",")]
    return Tallies(tallies, streak_work)


def load_r3_lessons(
    session: Session, targets: Sequence[Target], as_of: datetime
) -> dict[int, dict[int, list[R3Lesson]]]:
    """Per school id, each class's live lessons ended by ``as_of`` (oldest first);
    attendance is read for the last ``lessons_in_a_row`` of each class, the only ones the
    streak needs."""
    settings = {t.row.id: t.settings for t in targets}
    pupils = func.count(distinct(case((not_(Person.is_staff), Attendance.person_id))))
    rows = session.execute(
        select(
            LiveLesson.id,
            LiveLesson.school_id,
            LiveLesson.class_id,
            LiveLesson.title,
            LiveLesson.started_at,
            LiveLesson.ended_at,
            pupils,
        )
        .outerjoin(Attendance, Attendance.lesson_id == LiveLesson.id)
        .outerjoin(Person, Person.id == Attendance.person_id)
        .where(
            LiveLesson.school_id.in_(list(settings)),
            LiveLesson.class_id.is_not(None),
            LiveLesson.deleted_at.is_(None),
            LiveLesson.ended_at.is_not(None),
            LiveLesson.ended_at <= as_of,
        )
        .group_by(
            LiveLesson.id,
            LiveLesson.school_id,
            LiveLesson.class_id,
            LiveLesson.title,
            LiveLesson.started_at,
            LiveLesson.ended_at,
        )
    ).all()
    by_class: dict[tuple[int, int], list[tuple[datetime, int]]] = defaultdict(list)
    for lesson_id, school_id, class_id, title, started, ended, n in rows:
        r4 = settings[school_id].r4
        if class_id is None:
            continue
        if needs_recording(class_id, title, started, ended, int(n or 0), r4):
            by_class[(school_id, class_id)].append((started, lesson_id))
    tail_ids = sorted(
        lesson_id
        for (school_id, _), items in by_class.items()
        for _, lesson_id in sorted(items)[-settings[school_id].r3.lessons_in_a_row :]
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
    out: dict[int, dict[int, list[R3Lesson]]] = defaultdict(dict)
    for (school_id, class_id), items in by_class.items():
        out[school_id][class_id] = [
            R3Lesson(lesson_id, class_id, started, frozenset(attended.get(lesson_id, ())))
            for started, lesson_id in sorted(items)
        ]
    return out


def load_r3_last_attended(
    session: Session, school_ids: Sequence[int], as_of: datetime
) -> dict[int, dict[int, datetime]]:
    """Per school id, per person: the start of the latest lesson or call of the school
    they attended."""
    stmt = (
        select(
            LiveLesson.school_id,
            Attendance.person_id,
            type_coerce(func.max(LiveLesson.started_at), UTCDateTime()),
        )
        .join(LiveLesson, LiveLesson.id == Attendance.lesson_id)
        .where(
            LiveLesson.school_id.in_(list(school_ids)),
            LiveLesson.deleted_at.is_(None),
            LiveLesson.started_at <= as_of,
            Attendance.person_id.is_not(None),
        )
        .group_by(LiveLesson.school_id, Attendance.person_id)
    )
    out: dict[int, dict[int, datetime]] = defaultdict(dict)
    for s, p, at in session.execute(stmt):
        if p is not None and at is not None:
            out[s][p] = at
    return out


def load_r3_inputs(
    session: Session, targets: Sequence[Target], as_of: datetime
) -> dict[int, tuple[R3Inputs, datetime]]:
    """Per school id: everything :func:`jobs.rules.r3.evaluate_r3` needs, and the start of
    its inactivity window."""
    if not targets:
        return {}
    windows = [school_windows(t, as_of) for t in targets]
    ids = [w.school_id for w in windows]
    memberships = load_r3_memberships(session, ids, as_of)
    school_of = {m.class_id: s for s, ms in memberships.items() for m in ms}
    trips_by_school = {t.row.id: t.settings.r3.missed_in_a_row for t in targets}
    trips = {c: trips_by_school[s] for c, s in school_of.items()}
    found = load_r3_tallies(session, windows, as_of, trips)
    tallies: dict[int, list[R3Tally]] = defaultdict(list)
    for t in found.tallies:
        tallies[school_of[t.class_id]].append(t)
    lessons = load_r3_lessons(session, targets, as_of)
    attended = load_r3_last_attended(session, ids, as_of)
    return {
        w.school_id: (
            R3Inputs(
                memberships=memberships.get(w.school_id, []),
                tallies=tallies.get(w.school_id, []),
                missed_work=found.streak_work,
                lessons=lessons.get(w.school_id, {}),
                last_attended=attended.get(w.school_id, {}),
            ),
            w.quiet_start,
        )
        for w in windows
    }
