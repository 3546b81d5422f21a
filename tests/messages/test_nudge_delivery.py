"""R6 end to end: a nudge is rebuilt when sent, waits for the next window, is never sent
for a fixed finding or to a part-time teacher on a day off, and goes at most once a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from jobs.notify import composers_for, queue_nudges
from jobs.outbox import send_due
from jobs.transports import MemoryTransport, TransientError
from sync.models import Finding, MessageStatus, OutboundMessage, School, SchoolClass
from tests.jobs.factories import Factory
from tests.messages.rows import TUE, WED, finding, part_time, settings_with

SETTINGS = settings_with()
FIVE_PM = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
THURSDAY_MORNING = datetime(2026, 11, 26, 7, 30, tzinfo=UTC)


def two_gaps(make: Factory, db: Session) -> tuple[School, SchoolClass, SchoolClass]:
    school = make.school()
    ann = make.person("Ann Teacher", "ann@oak.sch.uk")
    maths = make.klass(school, "7A Maths", teachers=[ann])
    art = make.klass(school, "7A Art", teachers=[ann])
    for cls in (maths, art):
        finding(db, "R1", school, day=TUE, cls=cls)
    db.commit()
    return school, maths, art


def send(
    sessions: sessionmaker[Session],
    transport: MemoryTransport,
    now: datetime,
    settings: Settings = SETTINGS,
) -> int:
    return send_due(sessions, transport, now=now, composers=composers_for(settings))


def outbox(db: Session) -> list[OutboundMessage]:
    db.commit()  # end the read snapshot: other sessions have written since
    db.expire_all()
    return list(db.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def text_of(transport: MemoryTransport, i: int = -1) -> str:
    part = transport.sent[i].get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_nudge_that_misses_its_window_waits_and_is_rebuilt_in_the_next(
    db: Session, make: Factory, sessions: sessionmaker[Session]
) -> None:
    _, maths, _ = two_gaps(make, db)
    assert queue_nudges(db, SETTINGS, now=FIVE_PM).queued == 1
    transport = MemoryTransport()
    transport.failures.append(TransientError("421 relay busy"))
    send(sessions, transport, FIVE_PM)  # fails; retried a minute later…
    send(sessions, transport, FIVE_PM + timedelta(minutes=40))  # …but the window has closed

    [row] = outbox(db)
    assert transport.sent == []
    assert (row.status, row.period, row.next_attempt_at) == (
        MessageStatus.QUEUED,
        "2026-11-26",
        THURSDAY_MORNING,
    )
    assert row.key == "ann@oak.sch.uk:nudge:2026-11-26"
    # Before Thursday's window, 7A Maths gets its work posted after all.
    fixed = db.scalars(select(Finding).where(Finding.class_id == maths.id)).one()
    fixed.resolved_at = THURSDAY_MORNING - timedelta(hours=1)
    db.commit()

    assert send(sessions, transport, THURSDAY_MORNING - timedelta(minutes=1)) == 0
    send(sessions, transport, THURSDAY_MORNING)
    [msg] = transport.sent
    assert msg["Subject"] == "Home learning to post for 1 class"
    assert "7A Art" in text_of(transport) and "7A Maths" not in text_of(transport)
    [row] = outbox(db)
    assert row.status is MessageStatus.SENT and "7A Maths" not in row.body_text
    # Thursday's own notifier run finds Thursday's nudge already there.
    assert queue_nudges(db, SETTINGS, now=THURSDAY_MORNING).skipped["already-sent"] == 1


def test_a_nudge_whose_findings_were_all_fixed_before_sending_is_skipped(
    db: Session, make: Factory, sessions: sessionmaker[Session]
) -> None:
    two_gaps(make, db)
    queue_nudges(db, SETTINGS, now=FIVE_PM)
    for f in db.scalars(select(Finding)):
        f.resolved_at = FIVE_PM
    db.commit()
    transport = MemoryTransport()
    send(sessions, transport, FIVE_PM + timedelta(minutes=1))
    [row] = outbox(db)
    assert transport.sent == []
    assert (row.status, row.last_error, row.attempts) == (
        MessageStatus.SKIPPED,
        "skipped: nothing-open",
        0,
    )


def test_a_part_time_teacher_is_not_nudged_on_a_day_they_do_not_work(
    db: Session, make: Factory, sessions: sessionmaker[Session]
) -> None:
    settings = settings_with(staff=[part_time("ann@oak.sch.uk", "mon", "thu")])
    two_gaps(make, db)
    wednesday = datetime(2026, 11, 25, 9, tzinfo=UTC)
    summary = queue_nudges(db, settings, now=wednesday)
    assert (summary.queued, dict(summary.skipped)) == (0, {"not-working-day": 1})
    assert outbox(db) == []
    # Thursday is a working day: the gaps wait for it.
    assert queue_nudges(db, settings, now=THURSDAY_MORNING).queued == 1


def test_a_queued_nudge_is_held_back_to_the_teachers_next_working_day(
    db: Session, make: Factory, sessions: sessionmaker[Session]
) -> None:
    two_gaps(make, db)
    queue_nudges(db, SETTINGS, now=FIVE_PM)  # queued before the pattern came in
    settings = settings_with(staff=[part_time("ann@oak.sch.uk", "mon")])
    transport = MemoryTransport()
    send(sessions, transport, FIVE_PM, settings)
    [row] = outbox(db)
    assert transport.sent == []
    assert (row.period, row.next_attempt_at) == (
        "2026-11-30",
        datetime(2026, 11, 30, 7, 30, tzinfo=UTC),
    )


def test_a_teacher_gets_at_most_one_nudge_a_school_day(
    db: Session, make: Factory, sessions: sessionmaker[Session]
) -> None:
    school, maths, _ = two_gaps(make, db)
    queue_nudges(db, SETTINGS, now=FIVE_PM)
    transport = MemoryTransport()
    transport.failures.append(TransientError("421 relay busy"))
    send(sessions, transport, FIVE_PM)
    finding(db, "R1", school, day=WED, cls=maths, first_seen=FIVE_PM + timedelta(hours=1))
    db.commit()
    # The service was down overnight; Thursday's notifier runs before the sender.
    assert queue_nudges(db, SETTINGS, now=THURSDAY_MORNING).queued == 1
    for minutes in (0, 1, 60):
        send(sessions, transport, THURSDAY_MORNING + timedelta(minutes=minutes))
    assert len(transport.sent) == 1
    wednesday, thursday = outbox(db)
    assert wednesday.status is MessageStatus.SKIPPED
    assert wednesday.last_error == "skipped: superseded by ann@oak.sch.uk:nudge:2026-11-26"
    assert thursday.status is MessageStatus.SENT
    # What Wednesday's nudge waited to say is in Thursday's.
    assert "Tuesday 24 November" in text_of(transport)
    assert "Wednesday 25 November" in text_of(transport)


def test_a_day_already_told_is_not_told_again_but_waiting_marking_is(
    db: Session, make: Factory, sessions: sessionmaker[Session]
) -> None:
    school, maths, _ = two_gaps(make, db)
    work = make.work(maths, None, title="Fractions")
    finding(db, "R2", school, work=work, evidence={"overdue": 2})
    db.commit()
    transport = MemoryTransport()
    morning = datetime(2026, 11, 25, 8, tzinfo=UTC)
    queue_nudges(db, SETTINGS, now=morning)
    send(sessions, transport, morning)
    assert "Tuesday 24 November" in text_of(transport)

    queue_nudges(db, SETTINGS, now=THURSDAY_MORNING)
    send(sessions, transport, THURSDAY_MORNING)
    thursday = text_of(transport)
    assert len(transport.sent) == 2
    assert "Tuesday 24 November" not in thursday
    assert "Fractions: 2 submissions waiting to be marked." in thursday
    assert WED.isoformat() in {m.period for m in outbox(db)}
