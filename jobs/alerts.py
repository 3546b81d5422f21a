"""Safeguarding alerts (R4 1:1 calls) and parent notes (R3), queued in the outbox.

A 1:1 call goes to the school's safeguarding contact (``r4.safeguarding_contact``) as its
own message, due in the send window of the day it was found (or the next window, when
found after it closed); the key ``contact:safeguarding:DAY:f<finding id>`` queues each
call once however often the job runs. A parent note goes, where a school turned them on,
to each guardian of a disengaged pupil at most once a week
(``guardian:parent:YYYY-Www:p<pupil id>``). Neither commits: the caller does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from config.settings import SchoolSettings, Settings
from jobs.calendar import SchoolCalendar
from jobs.digest_pupils import ONE_TO_ONE, R3, display_name, signal_names
from jobs.digest_week import Week
from jobs.emails import clean, day_label, render
from jobs.message_queue import is_queued, message_key, queue_message
from jobs.sendwindow import StaffTime
from sync.models import Finding, LiveLesson, Person, PupilAttribute, School, SchoolClass

log = structlog.get_logger(__name__)

SAFEGUARDING_KIND = "safeguarding"
PARENT_KIND = "parent"
# A contact configured late hears of the last fortnight's calls, not the whole year's.
LOOKBACK = timedelta(days=14)


@dataclass(slots=True)
class AlertSummary:
    queued: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    messages: list[tuple[str, str, str, str]] = field(default_factory=list)


def _school_rows(session: Session, settings: Settings) -> list[tuple[SchoolSettings, School]]:
    rows = []
    for school in settings.schools:
        row = session.scalar(select(School).where(School.key == school.key))
        if row is not None:
            rows.append((school, row))
    return rows


def _when(calendar: SchoolCalendar, started: str | None, ended: str | None) -> str:
    try:
        a = datetime.fromisoformat(started) if started else None
        b = datetime.fromisoformat(ended) if ended else None
    except ValueError:
        return ""
    if a is None:
        return ""
    local_a = a.astimezone(calendar.zone)
    text = f"{day_label(local_a.date())}, {local_a:%H:%M}"
    if b is not None:
        text += f"–{b.astimezone(calendar.zone):%H:%M}"
    return text


def safeguarding_context(
    school: SchoolSettings,
    calendar: SchoolCalendar,
    evidence: dict[str, Any],
    staff: Person | None,
    pupil: Person | None,
    class_name: str | None,
) -> dict[str, Any]:
    def who(p: Person | None) -> str:
        if p is None:
            return "(not known)"
        name = clean(display_name(p.full_name, p.given_name, p.family_name), 80)
        return f"{name} ({clean(p.email, 120)})" if p.email else name

    minutes = evidence.get("minutes")
    return {
        "school_name": clean(school.name),
        "staff": who(staff),
        "pupil": who(pupil),
        "when": _when(calendar, evidence.get("started_at"), evidence.get("ended_at")),
        "minutes": f"{float(minutes):.0f}" if isinstance(minutes, int | float) else "",
        "title": clean(evidence.get("title") if isinstance(evidence.get("title"), str) else None),
        "class_name": clean(class_name) if class_name else "",
    }


def queue_safeguarding_alerts(
    session: Session, settings: Settings, *, now: datetime
) -> AlertSummary:
    """Queue one message per open 1:1 call finding to the school's safeguarding contact."""
    summary = AlertSummary()
    staff_p, pupil_p = aliased(Person), aliased(Person)
    for school, row in _school_rows(session, settings):
        found = session.execute(
            select(Finding, staff_p, pupil_p, SchoolClass.name)
            .outerjoin(LiveLesson, LiveLesson.id == Finding.lesson_id)
            .outerjoin(staff_p, staff_p.id == LiveLesson.organiser_id)
            .outerjoin(pupil_p, pupil_p.id == Finding.pupil_id)
            .outerjoin(SchoolClass, SchoolClass.id == Finding.class_id)
            .where(
                Finding.rule == ONE_TO_ONE,
                Finding.school_id == row.id,
                Finding.resolved_at.is_(None),
                Finding.first_seen_at >= now - LOOKBACK,
            )
            .order_by(Finding.first_seen_at, Finding.id)
        ).all()
        contact = school.r4.safeguarding_contact
        if not contact:
            summary.skipped["no-safeguarding-contact"] += len(found)
            continue
        calendar = SchoolCalendar.for_school(school)
        when = StaffTime(calendar, school.messages)
        for finding, staff, pupil, class_name in found:
            day = calendar.local_date(finding.first_seen_at)
            key = message_key(contact, SAFEGUARDING_KIND, day.isoformat(), f"f{finding.id}")
            if is_queued(session, key):
                summary.skipped["already-sent"] += 1
                continue
            evidence = dict(finding.evidence or {})
            staff_id = evidence.get("staff_id")
            if isinstance(staff_id, int) and (staff is None or staff.id != staff_id):
                staff = session.get(Person, staff_id) or staff
            ctx = safeguarding_context(school, calendar, evidence, staff, pupil, class_name)
            content = render("safeguarding", ctx)
            send_at = when.next_open(contact, now) or now
            period = day.isoformat()
            if queue_message(
                session,
                key=key,
                kind=SAFEGUARDING_KIND,
                period=period,
                school_id=row.id,
                email=contact,
                name=None,
                content=content,
                now=now,
                send_at=send_at,
            ):
                summary.queued += 1
                summary.messages.append((contact, SAFEGUARDING_KIND, period, content.subject))
    log.info("alerts.safeguarding", queued=summary.queued, skipped=dict(summary.skipped))
    return summary


_GENTLE = {
    "missed work in a row": "{name} has not handed in some recent work",
    "little work handed in": "{name} has handed in less work than usual lately",
    "missed live lessons": "{name} has missed some recent live lessons",
    "no activity for days": "we have not seen {name} online for a few school days",
}


def parent_context(school: SchoolSettings, pupil: Person, signals: list[str]) -> dict[str, Any]:
    """Plain and kind: the pupil's first name and what was noticed, nothing else (R7)."""
    first = pupil.given_name or (pupil.full_name or "").split(" ")[0] or None
    name = clean(first, 40) or "your child"
    noticed = sorted({_GENTLE[s] for s in signals if s in _GENTLE}) or [
        "{name} has not been able to take part as much as usual lately"
    ]
    return {
        "school_name": clean(school.name),
        "first_name": name,
        "noticed": [n.format(name=name) for n in noticed],
    }


def queue_parent_notes(
    session: Session, settings: Settings, *, now: datetime, week: Week | None = None
) -> AlertSummary:
    """Queue this week's note to each disengaged pupil's guardians (schools that opted in)."""
    summary = AlertSummary()
    for school, row in _school_rows(session, settings):
        if not school.parent_notes.enabled:
            continue
        calendar = SchoolCalendar.for_school(school)
        w = week or Week.of(calendar.local_date(now))
        when = StaffTime(calendar, school.messages)
        rows = session.execute(
            select(Person, PupilAttribute.guardian_emails, Finding.evidence)
            .join(Finding, Finding.pupil_id == Person.id)
            .outerjoin(PupilAttribute, PupilAttribute.person_id == Person.id)
            .where(Finding.rule == R3, Finding.school_id == row.id, Finding.resolved_at.is_(None))
            .order_by(Person.id, Finding.id)
        ).all()
        pupils: dict[int, tuple[Person, list[str], list[str]]] = {}
        for pupil, guardians, evidence in rows:
            entry = pupils.setdefault(pupil.id, (pupil, list(guardians or []), []))
            entry[2].extend(s for s in signal_names(evidence or {}) if s not in entry[2])
        for pupil, guardians, signals in pupils.values():
            if not guardians:
                summary.skipped["no-guardian-email"] += 1
                continue
            content = render("parent", parent_context(school, pupil, signals))
            for guardian in guardians:
                key = message_key(guardian, PARENT_KIND, w.label, f"p{pupil.id}")
                if is_queued(session, key) or not queue_message(
                    session,
                    key=key,
                    kind=PARENT_KIND,
                    period=w.label,
                    school_id=row.id,
                    email=guardian,
                    name=None,
                    content=content,
                    now=now,
                    send_at=when.next_open(guardian, now) or now,
                ):
                    summary.skipped["already-sent"] += 1
                    continue
                summary.queued += 1
                summary.messages.append((guardian, PARENT_KIND, w.label, content.subject))
    log.info("alerts.parent_notes", queued=summary.queued, skipped=dict(summary.skipped))
    return summary
