"""The notifier: turn open findings into at most one nudge per teacher per school day.

The nudge is rendered when it is queued, from the findings still open at that moment,
and queued in the same transaction that decided it. Every teacher not sent one gets a
counted reason, never a silent drop (R6: at most one a day, inside the send window,
never an empty one).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time

import structlog
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.settings import SchoolSettings, Settings
from connector.records import ClassState, Role
from jobs.calendar import SchoolCalendar
from jobs.emails import NudgeItem, nudge_context, render
from jobs.rules.r1 import RULE as R1
from sync.models import (
    Finding,
    Membership,
    MessageStatus,
    OutboundMessage,
    Person,
    School,
    SchoolClass,
)

log = structlog.get_logger(__name__)

# R6 defaults; per-school settings come in a later issue.
SEND_WINDOW_START = time(7, 30)
SEND_WINDOW_END = time(17, 30)
NUDGE_KIND = "nudge"


@dataclass(slots=True)
class NotifySummary:
    queued: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class _Teacher:
    person_id: int
    email: str | None
    name: str | None
    # (class id, weekly) -> item pieces
    classes: dict[tuple[int, bool], tuple[str, str | None, set[date], int]] = field(
        default_factory=dict
    )


def nudge_key(email: str, local_day: date) -> str:
    return f"{email.strip().lower()}:{NUDGE_KIND}:{local_day.isoformat()}"


def in_send_window(calendar: SchoolCalendar, now: datetime) -> bool:
    local = now.astimezone(calendar.zone)
    return (
        calendar.is_school_day(local.date())
        and SEND_WINDOW_START <= local.time().replace(tzinfo=None) < SEND_WINDOW_END
    )


def _display_name(p: Person) -> str | None:
    if p.full_name:
        return p.full_name
    parts = [n for n in (p.given_name, p.family_name) if n]
    return " ".join(parts) or None


def _teachers(session: Session, school_id: int) -> dict[int, _Teacher]:
    """Every current staff teacher of an active class of the school."""
    rows = session.scalars(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .join(SchoolClass, SchoolClass.id == Membership.class_id)
        .where(
            SchoolClass.school_id == school_id,
            SchoolClass.state == ClassState.ACTIVE,
            SchoolClass.deleted_at.is_(None),
            Membership.role == Role.TEACHER,
            Membership.left_at.is_(None),
            Person.is_staff.is_(True),
            Person.deleted_at.is_(None),
        )
        .distinct()
    )
    return {p.id: _Teacher(p.id, p.email, _display_name(p)) for p in rows}


def _collect_open(
    session: Session, school_id: int, since: date, until: date, teachers: dict[int, _Teacher]
) -> None:
    """Attach each open R1 finding judged in ``[since, until]`` to the class's teachers."""
    rows = session.execute(
        select(
            Membership.person_id,
            Finding.class_id,
            Finding.day,
            Finding.evidence,
            SchoolClass.name,
            SchoolClass.alternate_link,
        )
        .join(SchoolClass, SchoolClass.id == Finding.class_id)
        .join(
            Membership,
            and_(
                Membership.class_id == SchoolClass.id,
                Membership.role == Role.TEACHER,
                Membership.left_at.is_(None),
            ),
        )
        .where(
            Finding.rule == R1,
            Finding.school_id == school_id,
            Finding.resolved_at.is_(None),
            Finding.day >= since,
            Finding.day <= until,
        )
    ).all()
    for person_id, class_id, day, evidence, name, link in rows:
        teacher = teachers.get(person_id)
        if teacher is None or day is None:
            continue
        weekly = evidence.get("mode") == "weekly"
        required = int(evidence.get("required", 1))
        entry = teacher.classes.setdefault((class_id, weekly), (name, link, set(), required))
        entry[2].add(day)


def _items(teacher: _Teacher) -> list[NudgeItem]:
    return [
        NudgeItem(
            class_name=name,
            link=link,
            days=tuple(sorted(days)),
            weekly=weekly,
            required=required,
        )
        for (_, weekly), (name, link, days, required) in teacher.classes.items()
    ]


def _queue_one(
    session: Session,
    school_row: School,
    school: SchoolSettings,
    teacher: _Teacher,
    email: str,
    local_day: date,
    now: datetime,
) -> bool:
    """Queue the nudge; False if one for this address and day already exists."""
    key = nudge_key(email, local_day)
    if session.scalar(select(OutboundMessage.id).where(OutboundMessage.key == key)):
        return False
    context = nudge_context(
        teacher_name=teacher.name,
        school_name=school.name,
        items=_items(teacher),
        cutoff=school.r1.cutoff,
        today=local_day,
    )
    rendered = render("nudge", context)
    try:
        # A savepoint: a notifier racing us to the same key costs one row, not the run.
        with session.begin_nested():
            session.add(
                OutboundMessage(
                    key=key,
                    kind=NUDGE_KIND,
                    period=local_day.isoformat(),
                    school_id=school_row.id,
                    recipient_email=email.strip(),
                    recipient_name=teacher.name,
                    subject=rendered.subject,
                    body_text=rendered.text,
                    body_html=rendered.html,
                    status=MessageStatus.QUEUED,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    except IntegrityError:
        return False
    return True


def queue_nudges(session: Session, settings: Settings, *, now: datetime) -> NotifySummary:
    """Queue today's nudge for each teacher with open R1 findings; commit per school.

    A nudge covers findings judged today or on the previous school day: a nudge sent in
    the morning names yesterday's gaps, and one missed window waits for the next.
    """
    summary = NotifySummary()
    for school in settings.schools:
        row = session.scalar(select(School).where(School.key == school.key))
        if row is None:
            continue
        calendar = SchoolCalendar.for_school(school)
        local_day = calendar.local_date(now)
        since = calendar.previous_school_day(local_day) or local_day
        teachers = _teachers(session, row.id)
        _collect_open(session, row.id, since, local_day, teachers)
        open_window = in_send_window(calendar, now)
        for teacher in sorted(teachers.values(), key=lambda t: t.person_id):
            if not teacher.classes:
                reason = "nothing-open"
            elif not open_window:
                reason = "outside-window"
            elif not teacher.email:
                reason = "no-email"
            elif not _queue_one(session, row, school, teacher, teacher.email, local_day, now):
                reason = "already-sent"
            else:
                summary.queued += 1
                continue
            summary.skipped[reason] += 1
        session.commit()
        log.info(
            "notify.done",
            school=school.key,
            queued=summary.queued,
            skipped=dict(summary.skipped),
        )
    return summary
