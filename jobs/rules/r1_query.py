"""Load R1's inputs for many schools at once: two set-based queries, never one per school,
day or class."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from connector.records import ClassState, Role
from jobs.rules.per_school import per_school
from jobs.rules.r1 import LIVE_STATES, R1Class, R1Post
from sync.models import Membership, SchoolClass, Work
from sync.types import UTCDateTime


def load_r1_classes(session: Session, school_ids: Sequence[int]) -> dict[int, list[R1Class]]:
    """Per school id: its active, not deleted classes with their current teachers."""
    rows = session.execute(
        select(
            SchoolClass.school_id,
            SchoolClass.id,
            SchoolClass.platform_id,
            SchoolClass.name,
            SchoolClass.created_at,
            Membership.person_id,
        )
        .outerjoin(
            Membership,
            and_(
                Membership.class_id == SchoolClass.id,
                Membership.role == Role.TEACHER,
                Membership.left_at.is_(None),
            ),
        )
        .where(
            SchoolClass.school_id.in_(list(school_ids)),
            SchoolClass.state == ClassState.ACTIVE,
            SchoolClass.deleted_at.is_(None),
        )
        .order_by(SchoolClass.id, Membership.person_id)
    ).all()
    classes: dict[int, R1Class] = {}
    school_of: dict[int, int] = {}
    teachers: dict[int, list[int]] = defaultdict(list)
    for school_id, class_id, platform_id, name, created_at, teacher_id in rows:
        if class_id not in classes:
            classes[class_id] = R1Class(class_id, platform_id, name, (), created_at)
            school_of[class_id] = school_id
        if teacher_id is not None:
            teachers[class_id].append(teacher_id)
    out: dict[int, list[R1Class]] = defaultdict(list)
    for class_id, cls in classes.items():
        out[school_of[class_id]].append(replace(cls, teacher_ids=tuple(teachers[class_id])))
    return out


def load_r1_posts(
    session: Session,
    spans: Mapping[int, tuple[datetime, datetime]],
    kinds: Collection[str],
) -> dict[int, list[R1Post]]:
    """Per school id: live, not deleted work of a kind in ``kinds`` that went live in the
    school's span ``[start, end)`` (covering every window judged there). The rule counts
    per class and day itself (daily and weekly classes have different windows); this keeps
    the rows to the few it can count."""
    live_at = func.coalesce(Work.published_at, Work.scheduled_at)
    at = UTCDateTime()
    start = per_school(SchoolClass.school_id, {s: a for s, (a, _) in spans.items()}, at)
    end = per_school(SchoolClass.school_id, {s: b for s, (_, b) in spans.items()}, at)
    rows = session.execute(
        select(SchoolClass.school_id, Work.class_id, Work.kind, Work.state, live_at)
        .join(SchoolClass, SchoolClass.id == Work.class_id)
        .where(
            SchoolClass.school_id.in_(list(spans)),
            Work.state.in_(sorted(LIVE_STATES)),
            Work.kind.in_(sorted(kinds)),
            Work.deleted_at.is_(None),
            live_at >= start,
            live_at < end,
        )
    ).all()
    out: dict[int, list[R1Post]] = defaultdict(list)
    for school_id, class_id, kind, state, live in rows:
        out[school_id].append(R1Post(class_id=class_id, kind=kind, state=state, published_at=live))
    return out
