"""Rows the messages tests need beyond tests.jobs.factories: findings of every rule,
pupils, lessons, and queued messages."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from config.messages import SchoolMessageSettings, StaffDays, Weekday
from config.settings import Settings
from connector.records import Platform, Role
from sync.models import (
    Finding,
    LiveLesson,
    Membership,
    OutboundMessage,
    Person,
    School,
    SchoolClass,
    Work,
)
from tests.jobs.factories import SYNCED, Factory, make_settings, school_settings

# Wednesday 25 November 2026; London is on UTC in November.
WED = date(2026, 11, 25)
TUE = date(2026, 11, 24)
THU = date(2026, 11, 26)
MORNING = datetime(2026, 11, 25, 7, 45, tzinfo=UTC)
SEEN = datetime(2026, 11, 24, 16, 5, tzinfo=UTC)

_ids = itertools.count(1)


def settings_with(**messages: Any) -> Settings:
    """One school ("oak") with these message settings (send_window, staff)."""
    return make_settings(school_settings(messages=SchoolMessageSettings(**messages)))


def part_time(email: str, *days: str) -> StaffDays:
    return StaffDays(email=email, days=[Weekday(d) for d in days])


def finding(
    db: Session,
    rule: str,
    school: School,
    *,
    day: date | None = None,
    cls: SchoolClass | None = None,
    work: Work | None = None,
    pupil: Person | None = None,
    lesson: LiveLesson | None = None,
    evidence: dict[str, Any] | None = None,
    first_seen: datetime = SEEN,
) -> Finding:
    row = Finding(
        key=f"{rule}:test:{next(_ids)}",
        rule=rule,
        school_id=school.id,
        day=day,
        class_id=cls.id if cls else None,
        work_id=work.id if work else None,
        pupil_id=pupil.id if pupil else None,
        lesson_id=lesson.id if lesson else None,
        evidence=evidence or {},
        first_seen_at=first_seen,
        last_seen_at=first_seen,
    )
    db.add(row)
    db.flush()
    return row


def pupil(make: Factory, cls: SchoolClass, name: str) -> Person:
    p = make.person(name, None, staff=False)
    make._add(Membership(class_id=cls.id, person_id=p.id, role=Role.PUPIL))
    return p


def lesson(
    db: Session,
    school: School,
    organiser: Person,
    *,
    cls: SchoolClass | None,
    title: str = "Algebra live",
    started_at: datetime = datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
) -> LiveLesson:
    row = LiveLesson(
        platform=Platform.MICROSOFT,
        platform_id=f"lesson-{next(_ids)}",
        synced_at=SYNCED,
        school_id=school.id,
        class_id=cls.id if cls else None,
        organiser_id=organiser.id,
        title=title,
        started_at=started_at,
        ended_at=started_at.replace(hour=started_at.hour + 1),
    )
    db.add(row)
    db.flush()
    return row


def work(make: Factory, cls: SchoolClass, title: str, link: str | None) -> Work:
    w = make.work(cls, datetime(2026, 11, 20, 9, tzinfo=UTC), title=title)
    w.alternate_link = link
    make.session.flush()
    return w


def queued(
    db: Session,
    email: str = "ann@oak.sch.uk",
    *,
    kind: str = "nudge",
    period: str = "2026-11-25",
    school: School | None = None,
    now: datetime = MORNING,
) -> int:
    row = OutboundMessage(
        key=f"{email}:{kind}:{period}",
        kind=kind,
        period=period,
        school_id=school.id if school else None,
        recipient_email=email,
        recipient_name="Ann Teacher",
        subject="As queued",
        body_text="Queued body\n",
        body_html="<p>Queued body</p>",
        created_at=now,
        next_attempt_at=now,
    )
    db.add(row)
    db.commit()
    return row.id


def reload(db: Session, row_id: int) -> OutboundMessage:
    db.commit()  # end the read snapshot: other sessions have written since
    db.expire_all()
    row = db.get(OutboundMessage, row_id)
    assert row is not None
    return row
