"""Load R2's inputs for many schools at one instant: one grouped pass over submissions
each, the database doing the counting.

``load_r2_overdue`` counts, per piece of work, the submissions waiting for marking whose
turn-in lies in their class's overdue spans (:mod:`jobs.rules.r2_spans`);
``load_r2_unfed`` returns only the pupils owed feedback (GROUP BY … HAVING).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, case, false, func, not_, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from connector.records import ClassState, SubmissionState, WorkState
from jobs.rules.per_school import per_school
from jobs.rules.r2 import R2Overdue, R2Pupil
from jobs.rules.r2_spans import Span
from sync.models import Person, SchoolClass, Submission, Work
from sync.types import UTCDateTime

S = SubmissionState
WAITING = (S.TURNED_IN, S.RETURNED)


def marked_at() -> ColumnElement[datetime | None]:
    """When a submission was marked: returned, or graded/RETURNED at its last update."""
    return case(
        (Submission.returned_at.is_not(None), Submission.returned_at),
        (or_(Submission.graded, Submission.state == S.RETURNED), Submission.updated_at),
        else_=None,
    )


def _active() -> list[ColumnElement[bool]]:
    return [
        SchoolClass.state == ClassState.ACTIVE,
        SchoolClass.deleted_at.is_(None),
        Work.state == WorkState.PUBLISHED,
        Work.deleted_at.is_(None),
        Submission.deleted_at.is_(None),
        Submission.turned_in_at.is_not(None),
    ]


def load_r2_overdue(
    session: Session,
    school_ids: Sequence[int],
    spans: Mapping[int, Sequence[Span]],
    as_of: datetime,
) -> dict[int, list[R2Overdue]]:
    """Per school id: its work with submissions overdue at ``as_of`` — waiting for marking
    and turned in within their class's overdue spans (``spans``: every active class of
    the schools) — counted in one grouped pass over the schools' submissions."""
    marked = marked_at()
    n = func.count().label("n")
    oldest = func.min(Submission.turned_in_at).label("oldest")
    counted = (
        select(Submission.work_id, n, oldest)
        .join(Work, Work.id == Submission.work_id)
        .join(SchoolClass, SchoolClass.id == Work.class_id)
        .where(
            *_active(),
            SchoolClass.school_id.in_(list(school_ids)),
            Submission.turned_in_at <= as_of,
            Submission.state.in_(WAITING),
            not_(and_(marked.is_not(None), marked >= Submission.turned_in_at, marked <= as_of)),
            _overdue(Work.class_id, Submission.turned_in_at, spans),
        )
        .group_by(Submission.work_id)
        .subquery("counted")
    )
    rows = session.execute(
        select(
            SchoolClass.school_id, Work.id, Work.class_id, SchoolClass.name, Work.title,
            Work.topic, counted.c.n, counted.c.oldest,
        )
        .join(Work, Work.id == counted.c.work_id)
        .join(SchoolClass, SchoolClass.id == Work.class_id)
    ).all()  # fmt: skip
    out: dict[int, list[R2Overdue]] = defaultdict(list)
    for school_id, work_id, class_id, name, title, topic, count, first in rows:
        out[school_id].append(R2Overdue(work_id, class_id, name, title, topic, count, first))
    return out


def _overdue(
    class_id: ColumnElement[int] | QueryableAttribute[int],
    at: ColumnElement[datetime | None] | QueryableAttribute[datetime | None],
    spans: Mapping[int, Sequence[Span]],
) -> ColumnElement[bool]:
    """``at`` in the spans of its class: one test per group of classes sharing spans (few:
    they follow the schools' calendars and windows), the largest group untested."""
    groups: dict[tuple[Span, ...], list[int]] = defaultdict(list)
    for cid, s in spans.items():
        groups[tuple(s)].append(cid)

    def within(s: tuple[Span, ...]) -> ColumnElement[bool]:
        if not s:
            return false()
        return or_(*(at < hi if lo is None else and_(at >= lo, at < hi) for lo, hi in s))

    *rest, (common, _) = sorted(groups.items(), key=lambda g: len(g[1]))
    if not rest:
        return within(common)
    # Class ids written into the statement: a trust has thousands of classes, more than
    # SQLite takes as parameters.
    return case(
        *((class_id.in_(bindparam(None, ids, expanding=True, literal_execute=True)), within(s))
          for s, ids in rest),
        else_=within(common),
    )  # fmt: skip


def load_r2_unfed(
    session: Session, since: Mapping[int, datetime], as_of: datetime
) -> dict[int, list[R2Pupil]]:
    """Per school id (of ``since``): the pupils owed feedback — their first turn-in in its
    classes at or before the school's ``since`` and nothing marked after it, up to
    ``as_of`` — with those two times, from one grouped pass over submissions."""
    marked = marked_at()
    first = func.min(Submission.turned_in_at)
    last = func.max(case((marked <= as_of, marked), else_=None))
    cut = per_school(SchoolClass.school_id, since, UTCDateTime())
    owed = (
        select(SchoolClass.school_id, Submission.pupil_id, first.label("first"), last.label("last"))
        .join(Work, Work.id == Submission.work_id)
        .join(SchoolClass, SchoolClass.id == Work.class_id)
        .where(*_active(), SchoolClass.school_id.in_(list(since)), Submission.turned_in_at <= as_of)
        .group_by(SchoolClass.school_id, Submission.pupil_id)
        .having(first <= cut, or_(last.is_(None), last <= cut))
        .subquery("owed")
    )
    rows = session.execute(
        select(owed.c.school_id, owed.c.pupil_id, owed.c.first, owed.c.last, Person.full_name).join(
            Person, Person.id == owed.c.pupil_id
        )
    ).all()
    out: dict[int, list[R2Pupil]] = defaultdict(list)
    for school_id, pid, first_in, last_marked, name in rows:
        out[school_id].append(R2Pupil(pid, first_in, last_marked, name))
    return out
