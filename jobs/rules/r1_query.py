"""Load R1's inputs for one school and one day: two set-based queries, never one per class."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from config.settings import ClassMode, R1Settings
from connector.records import ClassState, Role
from jobs.calendar import SchoolCalendar
from jobs.rules.r1 import LIVE_STATES, R1Class, R1Post, window
from sync.models import Membership, SchoolClass, Work


@dataclass(frozen=True, slots=True)
class R1Inputs:
    classes: list[R1Class]
    posts: list[R1Post]


def load_r1_classes(session: Session, school_id: int) -> list[R1Class]:
    """Active, not deleted classes of the school with their current teachers."""
    rows = session.execute(
        select(
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
            SchoolClass.school_id == school_id,
            SchoolClass.state == ClassState.ACTIVE,
            SchoolClass.deleted_at.is_(None),
        )
        .order_by(SchoolClass.id, Membership.person_id)
    ).all()
    classes: dict[int, R1Class] = {}
    teachers: dict[int, list[int]] = {}
    for class_id, platform_id, name, created_at, teacher_id in rows:
        classes.setdefault(class_id, R1Class(class_id, platform_id, name, (), created_at))
        if teacher_id is not None:
            teachers.setdefault(class_id, []).append(teacher_id)
    return [replace(cls, teacher_ids=tuple(teachers.get(cid, ()))) for cid, cls in classes.items()]


def load_r1_posts(
    session: Session, school_id: int, day: date, settings: R1Settings, calendar: SchoolCalendar
) -> list[R1Post]:
    """Live, counting work of the school that went live in the widest window ``day`` needs.

    The rule counts per class itself because daily and weekly classes have different
    windows; the filter here keeps the rows to the few the rule can count.
    """
    weekly = any(rule.mode is ClassMode.WEEKLY for rule in settings.classes)
    start, end = window(ClassMode.WEEKLY if weekly else ClassMode.DAILY, day, settings, calendar)
    live_at = func.coalesce(Work.published_at, Work.scheduled_at)
    rows = session.execute(
        select(Work.class_id, Work.kind, Work.state, live_at.label("live_at"))
        .join(SchoolClass, SchoolClass.id == Work.class_id)
        .where(
            SchoolClass.school_id == school_id,
            Work.state.in_(sorted(LIVE_STATES)),
            Work.kind.in_(list(settings.counts)),
            Work.deleted_at.is_(None),
            live_at >= start,
            live_at < end,
        )
    ).all()
    return [
        R1Post(class_id=class_id, kind=kind, state=state, published_at=live)
        for class_id, kind, state, live in rows
    ]


def load_r1_inputs(
    session: Session, school_id: int, day: date, settings: R1Settings, calendar: SchoolCalendar
) -> R1Inputs:
    return R1Inputs(
        classes=load_r1_classes(session, school_id),
        posts=load_r1_posts(session, school_id, day, settings, calendar),
    )
