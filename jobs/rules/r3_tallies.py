"""R3's tallies: per pupil and class, the streak of missed work, the share handed in and
the work due lately, counted over every school's submissions in one statement.

What differs between schools (their excusing rule, their windows) rides along in the
statement (:func:`jobs.rules.per_school.per_school`).
"""

from __future__ import annotations

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
    func,
    not_,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from connector.records import ClassState, Role, SubmissionState, WorkState
from jobs.rules.per_school import per_school
from jobs.rules.r3 import R3Tally, quiet_window_start
from jobs.rules.rule import Target
from sync.models import Membership, SchoolClass, Submission, Work
from sync.types import UTCDateTime

S = SubmissionState


def current_member(as_of: datetime) -> ColumnElement[bool]:
    return and_(
        Membership.role == Role.PUPIL,
        or_(Membership.left_at.is_(None), Membership.left_at > as_of),
        or_(Membership.joined_at.is_(None), Membership.joined_at <= as_of),
    )


def school_classes(school_ids: Sequence[int]) -> ColumnElement[bool]:
    return and_(
        SchoolClass.school_id.in_(list(school_ids)),
        SchoolClass.state == ClassState.ACTIVE,
        SchoolClass.deleted_at.is_(None),
    )


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


def _work_rows(
    schools: Sequence[SchoolWindows], as_of: datetime, *, missed_only: bool = False
) -> Any:
    """Per submission of a current member, what the tally needs of it: the due time when it
    counts as handed in (``handed_due``) or as missed (``missed_due``), whether it falls in
    the share window (1: due, 2: due and handed in) or the inactivity window, and its
    turn-in. ``missed_only``: only the rows that can be missed (the rest are dropped while
    the submissions are read, before any join).

    The submission–work join is planned on its own (``OFFSET 0`` keeps the database from
    merging it into the outer query): PostgreSQL reads the join with memberships on two
    columns as matching a few hundred rows and would then look work up row by row instead
    of hashing it; SQLite would otherwise work out each flag again wherever it is used.
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
            school_classes([w.school_id for w in schools]),
            sub.deleted_at.is_(None),
            Work.deleted_at.is_(None),
            Work.state == WorkState.PUBLISHED,
            *([not_(handed_if), Work.due_at <= as_of] if missed_only else []),
        )
    )
    r = sw.offset(0).subquery("sw")
    considered = and_(
        r.c.due_at.is_not(None),
        r.c.due_at <= as_of,
        or_(Membership.joined_at.is_(None), r.c.due_at >= Membership.joined_at),
    )
    countable = and_(considered, r.c.kind != 0)
    return (
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
        .where(current_member(as_of))
        .subquery("missed" if missed_only else "rows")
    )


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
    """A tally per pupil and class of every school, and the work of each streak of at
    least ``trips[class id]`` pieces, in one statement.

    The streak needs each pupil's last piece handed in per class before it can count what
    came after. PostgreSQL finds it with a window over the rows sorted once (it misjudges
    the join with memberships, so a plan that groups twice goes wrong there); SQLite,
    which has no hash aggregation, groups the rows once and then reads only those that can
    be missed again, which costs it one sort instead of two.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    stmt = _windowed(schools, as_of) if postgres else _grouped_twice(schools, as_of)
    tallies: list[R3Tally] = []
    streak_work: dict[tuple[int, int], list[int]] = {}
    for p, c, streak, due, handed, quiet, last, work in session.execute(stmt):
        t = R3Tally(p, c, int(streak or 0), int(due or 0), int(handed or 0), int(quiet or 0), last)
        tallies.append(t)
        if t.streak >= trips[c] and work:
            streak_work[(p, c)] = [int(w) for w in work.split(",")]
    return Tallies(tallies, streak_work)


def _count(cond: ColumnElement[bool]) -> Any:
    return func.sum(case((cond, 1), else_=0))


def _windowed(schools: Sequence[SchoolWindows], as_of: datetime) -> Select[Any]:
    rows = _work_rows(schools, as_of)
    last_handed = func.max(rows.c.handed_due).over(partition_by=[rows.c.pupil_id, rows.c.class_id])
    x = select(rows, last_handed.label("last_handed")).subquery("x")
    in_streak = and_(
        x.c.missed_due.is_not(None),
        or_(x.c.last_handed.is_(None), x.c.missed_due > x.c.last_handed),
    )
    # Grouped by pupil and class only: the rows leave the window in that order, so they
    # need no second sort.
    return select(
        x.c.pupil_id,
        x.c.class_id,
        _count(in_streak),
        _count(x.c.share > 0),
        _count(x.c.share == 2),
        func.sum(x.c.quiet),
        type_coerce(func.max(x.c.turn_in), UTCDateTime()),
        func.aggregate_strings(case((in_streak, cast(x.c.work_id, String))), ","),
    ).group_by(x.c.pupil_id, x.c.class_id)


def _grouped_twice(schools: Sequence[SchoolWindows], as_of: datetime) -> Select[Any]:
    x = _work_rows(schools, as_of)
    per_class = (
        select(
            x.c.pupil_id,
            x.c.class_id,
            func.max(x.c.handed_due).label("last_handed"),
            _count(x.c.share > 0).label("share_due"),
            _count(x.c.share == 2).label("share_handed"),
            func.sum(x.c.quiet).label("quiet_due"),
            func.max(x.c.turn_in).label("last_turn_in"),
        )
        .group_by(x.c.pupil_id, x.c.class_id)
        .cte("per_class")
        .prefix_with("MATERIALIZED")  # read twice below, worked out once
    )
    m = _work_rows(schools, as_of, missed_only=True)
    streaks = (
        select(
            m.c.pupil_id,
            m.c.class_id,
            func.count().label("streak"),
            func.aggregate_strings(cast(m.c.work_id, String), ",").label("work"),
        )
        .join(
            per_class,
            and_(per_class.c.pupil_id == m.c.pupil_id, per_class.c.class_id == m.c.class_id),
        )
        .where(
            m.c.missed_due.is_not(None),
            or_(per_class.c.last_handed.is_(None), m.c.missed_due > per_class.c.last_handed),
        )
        .group_by(m.c.pupil_id, m.c.class_id)
        .subquery("streaks")
    )
    return select(
        per_class.c.pupil_id,
        per_class.c.class_id,
        streaks.c.streak,
        per_class.c.share_due,
        per_class.c.share_handed,
        per_class.c.quiet_due,
        type_coerce(per_class.c.last_turn_in, UTCDateTime()),
        streaks.c.work,
    ).outerjoin(
        streaks,
        and_(
            streaks.c.pupil_id == per_class.c.pupil_id, streaks.c.class_id == per_class.c.class_id
        ),
    )
