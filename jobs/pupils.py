"""Subject access and erasure for one pupil (R7): everything held about them, as JSON, or gone.

A pupil is found by email (case-insensitive) on every platform. Erasure deletes their
rows, leaves a tombstone of hashed identifiers so the next sync does not bring them back
(see :mod:`sync.models.privacy`), and logs that it happened without naming them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, func, or_, select
from sqlalchemy.orm import Session

from jobs.alerts import PARENT_KIND
from sync.models import (
    Attendance,
    ErasedPerson,
    ErasureLog,
    Finding,
    LiveLesson,
    Membership,
    OutboundMessage,
    Person,
    PupilAttribute,
    SchoolClass,
    Submission,
    Work,
)
from sync.models.privacy import email_digest, id_digest, installation_key


class PupilNotFoundError(LookupError):
    """Nobody with that email is stored, or the person is staff (not erasable here)."""


@dataclass(slots=True)
class ErasureSummary:
    subject_digest: str
    counts: dict[str, int] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _row(obj: object, *skip: str) -> dict[str, Any]:
    table: Table = obj.__table__  # type: ignore[attr-defined]
    return {c.key: _plain(getattr(obj, c.key)) for c in table.c if c.key not in skip}


def find_pupils(session: Session, email: str) -> list[Person]:
    """Every stored person with this email; :class:`PupilNotFoundError` if none, or if staff."""
    people = list(
        session.scalars(select(Person).where(func.lower(Person.email) == email.strip().lower()))
    )
    if not people:
        raise PupilNotFoundError(f"no pupil with email {email} is stored")
    if any(p.is_staff for p in people):
        raise PupilNotFoundError(f"{email} teaches a class: staff records are not erased here")
    return people


def _participant_keys(people: list[Person]) -> list[str]:
    keys = {p.platform_id for p in people}
    keys |= {p.email for p in people if p.email}
    return sorted(keys)


def _messages(session: Session, people: list[Person]) -> list[OutboundMessage]:
    emails = {p.email.lower() for p in people if p.email}
    about = [OutboundMessage.key.like(f"%:p{p.id}") for p in people]
    stmt = select(OutboundMessage).where(
        or_(
            func.lower(OutboundMessage.recipient_email).in_(sorted(emails)),
            (OutboundMessage.kind == PARENT_KIND) & or_(*about),
        )
    )
    return list(session.scalars(stmt.order_by(OutboundMessage.id)))


def export_pupil(session: Session, email: str) -> dict[str, Any]:
    """Everything held about the pupil, JSON-ready (subject access request)."""
    people = find_pupils(session, email)
    ids = [p.id for p in people]
    memberships = session.execute(
        select(Membership, SchoolClass.name, SchoolClass.platform_id)
        .join(SchoolClass, SchoolClass.id == Membership.class_id)
        .where(Membership.person_id.in_(ids))
        .order_by(Membership.id)
    ).all()
    submissions = session.execute(
        select(Submission, Work.title, Work.platform_id)
        .join(Work, Work.id == Submission.work_id)
        .where(Submission.pupil_id.in_(ids))
        .order_by(Submission.id)
    ).all()
    attendance = session.execute(
        select(Attendance, LiveLesson.title, LiveLesson.started_at)
        .join(LiveLesson, LiveLesson.id == Attendance.lesson_id)
        .where(
            or_(
                Attendance.person_id.in_(ids),
                Attendance.participant_key.in_(_participant_keys(people)),
            )
        )
        .order_by(Attendance.id)
    ).all()
    findings = session.scalars(
        select(Finding).where(Finding.pupil_id.in_(ids)).order_by(Finding.id)
    ).all()
    attributes = session.scalars(
        select(PupilAttribute).where(PupilAttribute.person_id.in_(ids))
    ).all()
    return {
        "email": email.strip().lower(),
        "people": [_row(p) for p in people],
        "memberships": [
            {**_row(m), "class_name": name, "class_platform_id": pid}
            for m, name, pid in memberships
        ],
        "submissions": [
            {**_row(s), "work_title": title, "work_platform_id": pid}
            for s, title, pid in submissions
        ],
        "attendance": [
            {**_row(a), "lesson_title": title, "lesson_started_at": _plain(started)}
            for a, title, started in attendance
        ],
        "findings": [_row(f) for f in findings],
        "pupil_attributes": [_row(a) for a in attributes],
        "messages": [_row(m, "body_html") for m in _messages(session, people)],
    }


def erase_pupil(session: Session, email: str, *, now: datetime) -> ErasureSummary:
    """Delete everything held about the pupil and tombstone them (caller commits)."""
    people = find_pupils(session, email)
    ids = [p.id for p in people]
    key = installation_key(session, now=now)
    subject = email_digest(key, email)
    counts: dict[str, int] = {}

    def gone(name: str, n: int) -> None:
        if n:
            counts[name] = counts.get(name, 0) + n

    messages = _messages(session, people)
    for m in messages:
        session.delete(m)  # attachments go with it (ORM and FK cascade)
    gone("outbound_message", len(messages))
    keys = _participant_keys(people)
    for model, where in (
        (Finding, Finding.pupil_id.in_(ids)),
        (Submission, Submission.pupil_id.in_(ids)),
        (Attendance, or_(Attendance.person_id.in_(ids), Attendance.participant_key.in_(keys))),
        (Membership, Membership.person_id.in_(ids)),
        (PupilAttribute, PupilAttribute.person_id.in_(ids)),
        (Person, Person.id.in_(ids)),
    ):
        result = session.execute(delete(model).where(where).execution_options(
            synchronize_session=False))  # fmt: skip
        gone(model.__tablename__, cast(CursorResult[Any], result).rowcount)
    digests = {subject, *(email_digest(key, p.email) for p in people if p.email)}
    digests |= {id_digest(key, p.platform.value, p.platform_id) for p in people}
    known = set(session.scalars(select(ErasedPerson.digest).where(
        ErasedPerson.digest.in_(sorted(digests)))))  # fmt: skip
    session.add_all(ErasedPerson(digest=d, erased_at=now) for d in sorted(digests - known))
    session.add(ErasureLog(subject_digest=subject, erased_at=now, counts=counts))
    session.flush()
    return ErasureSummary(subject, counts)
