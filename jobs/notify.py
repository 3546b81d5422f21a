"""The notifier: at most one nudge per teacher per school day, inside the send window (R6).

``queue_nudges`` decides who gets one and queues it (with a rendered body, for dry runs
and the outbox listing) in the transaction that decided it. The sender rebuilds the body
at send time through :class:`NudgeComposer`, from the findings still open then: a nudge
that missed its window waits for the teacher's next one, a fixed finding is never sent,
and a nudge with nothing left to say is skipped. Every teacher not queued a nudge gets a
counted reason, never a silent drop.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import structlog
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.settings import SchoolSettings, Settings
from connector.records import ClassState, Role
from jobs.calendar import SchoolCalendar
from jobs.emails import RenderedEmail, render
from jobs.nudge_items import open_items, staff_by_email
from jobs.nudge_text import nudge_context, person_name
from jobs.outbox import Composer, Composition, Defer, Send, Skip
from jobs.sendwindow import StaffTime
from sync.models import Membership, MessageStatus, OutboundMessage, Person, School, SchoolClass

log = structlog.get_logger(__name__)

NUDGE_KIND = "nudge"
# A teacher back after a long absence hears about the last fortnight, not the whole term.
LOOKBACK = timedelta(days=14)


@dataclass(slots=True)
class NotifySummary:
    queued: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def nudge_key(email: str, local_day: date) -> str:
    return f"{email.strip().lower()}:{NUDGE_KIND}:{local_day.isoformat()}"


def staff_time(school: SchoolSettings) -> StaffTime:
    return StaffTime(SchoolCalendar.for_school(school), school.messages)


def _last_sent(session: Session, email: str) -> datetime | None:
    return session.scalar(
        select(OutboundMessage.sent_at)
        .where(
            OutboundMessage.kind == NUDGE_KIND,
            func.lower(OutboundMessage.recipient_email) == email.strip().lower(),
            OutboundMessage.status == MessageStatus.SENT,
        )
        .order_by(OutboundMessage.sent_at.desc())
        .limit(1)
    )


def build_nudge(
    session: Session,
    school: SchoolSettings,
    school_id: int,
    email: str,
    *,
    now: datetime,
    persons: list[Person] | None = None,
    decided: datetime | None = None,
) -> RenderedEmail | None:
    """The nudge ``email`` would get at ``now``, from what is open now; None: nothing to say.

    ``decided``: when the nudge was first queued (default ``now``).
    """
    persons = persons if persons is not None else staff_by_email(session, school_id, email)
    if not persons:
        return None
    when = staff_time(school)
    calendar = when.calendar
    today = calendar.local_date(now)
    told = _last_sent(session, email)
    if told is not None:
        since = calendar.local_date(told)
    else:
        # Never nudged: what happened since the last day they could have been told, as
        # of when this nudge was first decided (a nudge that waited keeps its start).
        decided_day = calendar.local_date(decided or now)
        since = when.previous_working_day(email, decided_day) or decided_day
    classes = open_items(
        session,
        school_id,
        [p.id for p in persons],
        now=now,
        today=today,
        since=max(since, today - LOOKBACK),
        told_before=told,
        time_zone=school.time_zone,
    )
    if not classes:
        return None
    context = nudge_context(
        teacher_name=person_name(persons[0], fallback="") or None,
        school_name=school.name,
        classes=classes,
        cutoff=school.r1.cutoff,
        today=today,
    )
    return render("nudge", context)


def _teachers(session: Session, school_id: int) -> tuple[dict[str, list[Person]], int]:
    """Current staff teachers of the school's active classes, by address; and how many
    have no address."""
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
        .order_by(Person.id)
    )
    by_email: dict[str, list[Person]] = {}
    no_email = 0
    for p in rows:
        if p.email and p.email.strip():
            by_email.setdefault(p.email.strip().lower(), []).append(p)
        else:
            no_email += 1
    return by_email, no_email


def _queue(
    session: Session,
    school_id: int,
    key: str,
    email: str,
    day: date,
    name: str | None,
    email_body: RenderedEmail,
    now: datetime,
) -> bool:
    try:
        # A savepoint: a notifier racing us to the same key costs one row, not the run.
        with session.begin_nested():
            session.add(
                OutboundMessage(
                    key=key,
                    kind=NUDGE_KIND,
                    period=day.isoformat(),
                    school_id=school_id,
                    recipient_email=email,
                    recipient_name=name,
                    subject=email_body.subject,
                    body_text=email_body.text,
                    body_html=email_body.html,
                    status=MessageStatus.QUEUED,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    except IntegrityError:
        return False
    return True


def _queue_one(
    session: Session,
    school: SchoolSettings,
    school_id: int,
    email: str,
    persons: list[Person],
    when: StaffTime,
    now: datetime,
) -> str | None:
    """Queue ``email``'s nudge for today; the reason it was not queued, or None."""
    today = when.calendar.local_date(now)
    if not when.is_open(email, now):
        if when.calendar.is_school_day(today) and not school.messages.works_on(email, today):
            return "not-working-day"
        return "outside-window"
    key = nudge_key(email, today)
    if session.scalar(select(OutboundMessage.id).where(OutboundMessage.key == key)):
        return "already-sent"
    built = build_nudge(session, school, school_id, email, now=now, persons=persons)
    if built is None:
        return "nothing-open"
    address = (persons[0].email or email).strip()
    name = person_name(persons[0], fallback="") or None
    if not _queue(session, school_id, key, address, today, name, built, now):
        return "already-sent"
    return None


def queue_nudges(session: Session, settings: Settings, *, now: datetime) -> NotifySummary:
    """Queue today's nudge for each teacher with something open; commit per school."""
    summary = NotifySummary()
    for school in settings.schools:
        row = session.scalar(select(School).where(School.key == school.key))
        if row is None:
            continue
        when = staff_time(school)
        by_email, no_email = _teachers(session, row.id)
        if no_email:
            summary.skipped["no-email"] += no_email
        for email, persons in sorted(by_email.items()):
            reason = _queue_one(session, school, row.id, email, persons, when, now)
            if reason is None:
                summary.queued += 1
            else:
                summary.skipped[reason] += 1
        session.commit()
        log.info(
            "notify.done", school=school.key, queued=summary.queued, skipped=dict(summary.skipped)
        )
    return summary


class NudgeComposer:
    """Rebuilds a queued nudge at send time (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self._schools = {s.key: s for s in settings.schools}

    def __call__(self, session: Session, row: OutboundMessage, now: datetime) -> Composition:
        school_row = session.get(School, row.school_id) if row.school_id is not None else None
        school = self._schools.get(school_row.key) if school_row is not None else None
        if school_row is None or school is None:
            return Skip("school-not-configured")
        when = staff_time(school)
        email = row.recipient_email
        if not when.is_open(email, now):
            nxt = when.next_open(email, now)
            if nxt is None:
                return Skip("no-working-day")
            return Defer(nxt, when.calendar.local_date(nxt).isoformat())
        today = when.calendar.local_date(now).isoformat()
        if row.period != today:  # it missed its own day's window: it is today's nudge now
            return Defer(now, today)
        built = build_nudge(session, school, school_row.id, email, now=now, decided=row.created_at)
        return Skip("nothing-open") if built is None else Send(built)


def composers_for(settings: Settings) -> dict[str, Composer]:
    """The send-time builders of message kinds that are rebuilt when sent."""
    return {NUDGE_KIND: NudgeComposer(settings)}
