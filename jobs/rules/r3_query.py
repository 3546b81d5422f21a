"""Load R3's inputs for many schools at one instant, set-based.

The submissions of every school are read in one statement grouped per pupil and class
(:mod:`jobs.rules.r3_tallies`), so the cost grows with the table, not with a query per
school or pupil; memberships, lessons and attendance are read the same way, one query
each for all schools.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    case,
    distinct,
    func,
    not_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from jobs.rules.r3 import R3Inputs, R3Lesson, R3Membership, R3Tally
from jobs.rules.r3_tallies import current_member, load_r3_tallies, school_classes, school_windows
from jobs.rules.r4 import needs_recording
from jobs.rules.rule import Target
from sync.models import Attendance, LiveLesson, Membership, Person, SchoolClass
from sync.types import UTCDateTime

_CHUNK = 1000


def load_r3_memberships(
    session: Session, school_ids: Sequence[int], as_of: datetime
) -> dict[int, list[R3Membership]]:
    rows = session.execute(
        select(
            SchoolClass.school_id, Membership.person_id, Membership.class_id, Membership.joined_at
        )
        .join(SchoolClass, SchoolClass.id == Membership.class_id)
        .where(school_classes(school_ids), current_member(as_of))
    )
    out: dict[int, list[R3Membership]] = defaultdict(list)
    for s, p, c, j in rows:
        out[s].append(R3Membership(p, c, j))
    return out


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
