"""Safeguarding alerts for 1:1 calls, and the optional weekly parent note."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.engagement import R4Settings
from jobs.alerts import queue_parent_notes, queue_safeguarding_alerts
from sync.models import OutboundMessage
from tests.digest.factories import DigestFactory, at, school_settings, settings

DSL = "dsl@oak.sch.uk"
WITH_CONTACT = settings(school_settings(r4=R4Settings(safeguarding_contact=DSL)))
NOTES_ON = settings(school_settings(parent_notes={"enabled": True}))


def outbox(session: Session) -> list[OutboundMessage]:
    return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def one_to_one(make: DigestFactory, found_at: Any, title: str = "Catch-up") -> None:
    school = make.school()
    ann = make.person("Ann Teacher", "ann@oak.sch.uk", school=school)
    maths = make.klass(school, "7A Maths", teachers=[ann])
    sam = make.pupil("Sam Jones", school)
    lesson = make.lesson(maths, at(24, 16), attendees=(ann, sam))
    lesson.organiser_id = ann.id
    lesson.title = title
    make.finding(
        "R4-1to1",
        school,
        first_seen_at=found_at,
        day=date(2026, 11, 24),
        cls=maths,
        pupil=sam,
        lesson=lesson,
        evidence={
            "staff_id": ann.id,
            "pupil_id": sam.id,
            "title": title,
            "started_at": at(24, 16).isoformat(),
            "ended_at": at(24, 17).isoformat(),
            "minutes": 60.0,
        },
    )


def test_a_one_to_one_call_goes_to_the_safeguarding_contact_once(lite: DigestFactory) -> None:
    one_to_one(lite, found_at=at(24, 17, 5))
    db = lite.session

    first = queue_safeguarding_alerts(db, WITH_CONTACT, now=at(24, 17, 10))
    again = queue_safeguarding_alerts(db, WITH_CONTACT, now=at(24, 17, 20))
    next_day = queue_safeguarding_alerts(db, WITH_CONTACT, now=at(25, 9))

    [msg] = outbox(db)
    assert (first.queued, again.queued, next_day.queued) == (1, 0, 0)
    assert (msg.kind, msg.period, msg.recipient_email) == ("safeguarding", "2026-11-24", DSL)
    assert msg.key.startswith("dsl@oak.sch.uk:safeguarding:2026-11-24:f")
    assert msg.next_attempt_at == at(24, 17, 10)  # inside the day's window: now
    assert msg.subject == "Safeguarding: a 1:1 video call on Tuesday 24 November, 16:00–17:00"
    assert "Staff: Ann Teacher (ann@oak.sch.uk)" in msg.body_text
    assert "Pupil: Sam Jones" in msg.body_text
    assert "When: Tuesday 24 November, 16:00–17:00 (60 minutes)" in msg.body_text
    assert "Sam" not in msg.subject  # a subject shows on lock screens


def test_a_call_found_after_the_window_waits_for_the_next_one(lite: DigestFactory) -> None:
    one_to_one(lite, found_at=at(24, 18))
    queue_safeguarding_alerts(lite.session, WITH_CONTACT, now=at(24, 18))
    [msg] = outbox(lite.session)
    assert msg.next_attempt_at == at(25, 7, 30)
    assert msg.period == "2026-11-24"


def test_without_a_contact_a_call_is_counted_not_sent(lite: DigestFactory) -> None:
    one_to_one(lite, found_at=at(24, 17, 5))
    summary = queue_safeguarding_alerts(lite.session, settings(school_settings()), now=at(24, 17))
    assert summary.skipped["no-safeguarding-contact"] == 1
    assert outbox(lite.session) == []


def test_hostile_meeting_titles_are_escaped_in_the_alert(lite: DigestFactory) -> None:
    one_to_one(lite, found_at=at(24, 17, 5), title='"><img src=x onerror=alert(1)>\u202e')
    queue_safeguarding_alerts(lite.session, WITH_CONTACT, now=at(24, 17, 10))
    [msg] = outbox(lite.session)
    assert "<img src=x" not in msg.body_html and "&lt;img src=x" in msg.body_html
    assert "\u202e" not in msg.body_html


def disengaged(make: DigestFactory, guardians: list[str]) -> None:
    school = make.school()
    sam = make.pupil("Sam Jones", school)
    make.attributes(sam, school, guardian_emails=guardians)
    make.finding(
        "R3",
        school,
        first_seen_at=at(24, 17),
        pupil=sam,
        evidence={"signals": [{"signal": "missed_work"}, {"signal": "inactive"}]},
    )


def test_parent_notes_are_off_unless_the_school_turns_them_on(lite: DigestFactory) -> None:
    disengaged(lite, ["mum@home.example"])
    summary = queue_parent_notes(lite.session, settings(school_settings()), now=at(27, 15))
    assert summary.queued == 0 and outbox(lite.session) == []


def test_a_guardian_gets_at_most_one_kind_note_a_week(lite: DigestFactory) -> None:
    disengaged(lite, ["mum@home.example", "dad@home.example"])
    db = lite.session

    first = queue_parent_notes(db, NOTES_ON, now=at(27, 15))
    same_week = queue_parent_notes(db, NOTES_ON, now=at(28, 10))
    next_week = queue_parent_notes(db, NOTES_ON, now=at(4, 15, month=12))

    assert (first.queued, same_week.queued, next_week.queued) == (2, 0, 2)
    msg = outbox(db)[0]
    assert (msg.kind, msg.period) == ("parent", "2026-W48")
    assert msg.subject == "A note from Oak Primary about Sam"
    assert "Sam has not handed in some recent work" in msg.body_text
    assert "we have not seen Sam online for a few school days" in msg.body_text
    assert "Jones" not in msg.body_text  # the first name is enough
    assert "not a warning" in msg.body_text


def test_a_pupil_without_guardian_emails_is_skipped_with_a_reason(lite: DigestFactory) -> None:
    disengaged(lite, [])
    summary = queue_parent_notes(lite.session, NOTES_ON, now=at(27, 15))
    assert summary.skipped["no-guardian-email"] == 1
