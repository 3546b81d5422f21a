"""Load R2's inputs for one school at one instant: one pass over submissions each.

``load_r2_pending`` returns only the submissions unmarked at ``as_of`` (the database does
the filtering); ``load_r2_pupils`` aggregates per pupil in the database (GROUP BY).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select
from sqlalchemy.orm import Session

from connector.records import ClassState, SubmissionState, WorkState
from jobs.rules.r2 import R2Pending, R2Pupil
from sync.models import Person, SchoolClass, Submission, Work

S = SubmissionState
WAITING = (S.TURNED_IN, S.RETURNED)


def marked_at() -> ColumnElement[datetime | None]:
    """When a submission was marked: returned, or graded/RETURNED at its last update."""
    return case(
        (Submission.returned_at.is_not(None), Submission.returned_at),
        (or_(Submission.graded, Submission.state == S.RETURNED), Submission.updated_at),
        else_=None,
    )


def _in_school(school_id: int) -> list[ColumnElement[bool]]:
    return [
        SchoolClass.school_id == school_id,
        SchoolClass.state == ClassState.ACTIVE,
        SchoolClass.deleted_at.is_(None),
        Work.state == WorkState.PUBLISHED,
        Work.deleted_at.is_(None),
        Submission.deleted_at.is_(None),
        Submission.turned_in_at.is_not(None),
    ]


def load_r2_pending(session: Session, school_id: int, as_of: datetime) -> list[R2Pending]:
    """Submissions of the school waiting for marking at ``as_of``."""
    marked = marked_at()
    rows = session.execute(
        select(
            Submission.work_id,
            Work.class_id,
            SchoolClass.name,
            Work.title,
            Work.topic,
            Submission.turned_in_at,
        )
        .join(Work, Work.id == Submission.work_id)
        .join(SchoolClass, SchoolClass.id == Work.class_id)
        .where(
            *_in_school(school_id),
            Submission.turned_in_at <= as_of,
            Submission.state.in_(WAITING),
            not_(
                and_(
                    marked.is_not(None),
                    marked >= Submission.turned_in_at,
                    marked <= as_of,
                )
            ),
        )
    ).all()
    return [
        R2Pending(w, c, name, title, topic, t)
        for w, c, name, title, topic, t in rows
        if t is not None  # filtered above; the column is nullable
    ]


def load_r2_pupils(session: Session, school_id: int, as_of: datetime) -> list[R2Pupil]:
    """Per pupil of the school: earliest turn-in and latest marked time, both ≤ ``as_of``."""
    marked = marked_at()
    last_marked = func.max(case((marked <= as_of, marked), else_=None))
    rows = session.execute(
        select(
            Submission.pupil_id,
            func.min(Submission.turned_in_at),
            last_marked,
            Person.full_name,
        )
        .join(Work, Work.id == Submission.work_id)
        .join(SchoolClass, SchoolClass.id == Work.class_id)
        .join(Person, Person.id == Submission.pupil_id)
        .where(*_in_school(school_id), Submission.turned_in_at <= as_of)
        .group_by(Submission.pupil_id, Person.full_name)
    ).all()
    return [R2Pupil(pid, first, last, name) for pid, first, last, name in rows]
