"""Queueing the weekly digest and the trust roll-up, and sending them with inline charts."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from connector.records import SubmissionState as S
from jobs.digest import queue_digests
from jobs.digest_week import Week
from jobs.outbox import handle_one_message
from jobs.transports import MemoryTransport
from sync.models import OutboundAttachment, OutboundMessage
from tests.digest.factories import DigestFactory, at, school_settings, settings

SETTINGS = settings(school_settings(), trust_leaders=("ceo@oaks.org",))
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "\u202eevil\u202c Maths",
    "x" * 10_000,
]


def store(make: DigestFactory, class_names: list[str] | None = None) -> None:
    school = make.school()
    ann = make.person("Ann Teacher", "ann@oak.sch.uk", school=school)
    for name in class_names or ["7A Maths"]:
        cls = make.klass(school, name, teachers=[ann])
        pupil = make.pupil(f"{name} Pupil", school, email=None)
        make.enrol(pupil, cls)
        make.submission(make.due_work(cls, at(23, 9), at(23, 17)), pupil)
        make.finding("R1", school, first_seen_at=at(23, 17), day=date(2026, 11, 23), cls=cls)
        make.finding(
            "R3",
            school,
            first_seen_at=at(24, 17),
            pupil=pupil,
            evidence={"signals": [{"signal": "missed_work"}]},
        )
    make.session.commit()


def outbox(session: Session) -> list[OutboundMessage]:
    return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def test_each_leader_gets_one_digest_a_week_however_often_it_runs(lite: DigestFactory) -> None:
    store(lite)
    db = lite.session

    first = queue_digests(db, SETTINGS, now=at(27, 15, 5))
    db.commit()
    again = queue_digests(db, SETTINGS, now=at(27, 16))
    saturday = queue_digests(db, SETTINGS, now=at(28, 9))

    assert first.queued == 2 and again.queued == 0 and saturday.queued == 0
    assert again.skipped["already-sent"] == 2
    school, trust = outbox(db)
    assert (school.key, school.kind, school.period) == (
        "head@oak.sch.uk:digest:2026-W48",
        "digest",
        "2026-W48",
    )
    assert school.subject == "Oak Primary: weekly engagement digest, 23–29 November 2026"
    assert trust.key == "ceo@oaks.org:trust_digest:2026-W48"
    assert "Oak Primary" in trust.body_text


def test_the_digest_waits_for_its_day_and_time(lite: DigestFactory) -> None:
    store(lite)
    thursday = queue_digests(lite.session, SETTINGS, now=at(26, 16))
    friday_morning = queue_digests(lite.session, SETTINGS, now=at(27, 14, 59))
    assert thursday.queued == friday_morning.queued == 0
    assert friday_morning.skipped["not-due"] == 2  # the school and the trust
    assert outbox(lite.session) == []


def test_a_given_week_is_queued_now_inside_the_leaders_send_window(lite: DigestFactory) -> None:
    store(lite)
    summary = queue_digests(lite.session, SETTINGS, now=at(30, 6), week=Week(2026, 48))
    [school, trust] = outbox(lite.session)
    assert summary.queued == 2
    assert school.next_attempt_at == at(30, 7, 30)  # Monday: the send window opens at 07:30
    assert trust.period == "2026-W48"


def test_the_digest_is_sent_with_its_charts_inline(lite: DigestFactory) -> None:
    store(lite)
    db = lite.session
    queue_digests(db, SETTINGS, now=at(27, 15, 5))
    db.commit()
    transport = MemoryTransport()

    while handle_one_message(db, transport, now=at(27, 15, 6)):
        pass

    msg = next(m for m in transport.sent if m["To"].addresses[0].addr_spec == "head@oak.sch.uk")
    assert isinstance(msg, EmailMessage)
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    related = [p for p in msg.walk() if p.get_content_type() == "multipart/related"]
    images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert len(related) == 1 and len(images) == 2
    body = html.get_content()
    for img in images:
        cid = img["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in body
        assert img.get_content_disposition() == "inline"
        data = img.get_payload(decode=True)
        assert isinstance(data, bytes) and data.startswith(b"\x89PNG") and len(data) < 60_000
    assert 'alt="Daily classes with home learning posted by the cut-off: Mon 100%, Tue 0%' in body
    assert "<svg" not in body and "<script" not in body and "<style" not in body
    assert len(list(db.scalars(select(OutboundAttachment)))) == 3  # two charts + the trust's


def test_hostile_names_are_escaped_and_cut_in_the_digest(lite: DigestFactory) -> None:
    store(lite, HOSTILE)
    queue_digests(lite.session, SETTINGS, now=at(27, 15, 5))
    school = outbox(lite.session)[0]
    html = school.body_html

    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "\u202e" not in html and "\u202e" not in school.body_text
    assert "x" * 200 not in html and "x" * 79 + "…" in html
    assert html.count("<img ") == 2  # only the two charts


def test_a_school_without_leaders_or_store_is_skipped_with_a_reason(lite: DigestFactory) -> None:
    store(lite)
    cfg = Settings(
        trust=SETTINGS.trust.model_copy(
            update={"digest": SETTINGS.trust.digest.model_copy(update={"leaders": []})}
        ),
        schools=[school_settings(leaders=[]), school_settings("elm", name="Elm")],
    )
    summary = queue_digests(lite.session, cfg, now=at(27, 15, 5))
    assert summary.queued == 0
    assert summary.skipped == {"no-leaders": 1, "not-synced": 1}


def test_a_digest_counts_what_was_handed_in(lite: DigestFactory) -> None:
    school = lite.school()
    cls = lite.klass(school, "7A Maths")
    for i, state in enumerate([S.TURNED_IN, S.ASSIGNED]):
        pupil = lite.pupil(f"P{i} X", school)
        lite.submission(
            lite.due_work(cls, at(23, 9), at(23, 17)),
            pupil,
            state,
            turned_in_at=at(23, 10) if state is S.TURNED_IN else None,
        )
    queue_digests(lite.session, SETTINGS, now=at(27, 15, 5))
    assert "- Work handed in: 50% (1 of 2 due)" in outbox(lite.session)[0].body_text


def test_a_dry_run_rolled_back_leaves_nothing_queued(lite: DigestFactory) -> None:
    store(lite)
    summary = queue_digests(lite.session, SETTINGS, now=at(27, 15, 5))
    lite.session.rollback()
    assert summary.queued == 2
    assert outbox(lite.session) == []
    assert list(lite.session.scalars(select(OutboundAttachment))) == []
