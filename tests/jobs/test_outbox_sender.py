from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.settings import EmailSettings, FileTransportSettings
from jobs.outbox import build_email, handle_one_message, send_due
from jobs.transports import (
    FileTransport,
    MemoryTransport,
    PermanentError,
    TransientError,
    transport_for,
)
from sync.models import MessageStatus, OutboundMessage
from tests.jobs.factories import make_settings

NOW = datetime(2026, 11, 25, 7, 45, tzinfo=UTC)
EMAIL = EmailSettings(from_address="nudges@oak.sch.uk", from_name="Oak classpulse")


def queued(db: Session, key: str = "ann@oak.sch.uk:nudge:2026-11-25", **kw: object) -> int:
    row = OutboundMessage(
        key=key,
        kind="nudge",
        period="2026-11-25",
        recipient_email=kw.pop("email", "ann@oak.sch.uk"),
        recipient_name="Ann Teacher",
        subject="Home learning to post for 1 class",
        body_text="Hello Ann,\n7A Maths: nothing posted on Tuesday 24 November.\n",
        body_html="<p>Hello Ann,</p><p>7A Maths: nothing posted.</p>",
        created_at=NOW,
        next_attempt_at=kw.pop("next_attempt_at", NOW),
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


def test_the_file_transport_writes_a_parseable_eml_with_both_parts(
    db: Session, tmp_path: Path
) -> None:
    row = reload(db, queued(db))
    transport = FileTransport(tmp_path / "outbox")
    name = transport.send(build_email(row, EMAIL))

    [path] = (tmp_path / "outbox").iterdir()
    assert path.name == name and path.suffix == ".eml"
    msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert msg["To"] == "Ann Teacher <ann@oak.sch.uk>"
    assert msg["From"] == "Oak classpulse <nudges@oak.sch.uk>"
    assert msg["Subject"] == "Home learning to post for 1 class"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert text is not None and "nothing posted on Tuesday" in text.get_content()
    assert html is not None and "<p>Hello Ann,</p>" in html.get_content()


def test_sending_a_row_again_overwrites_its_file_rather_than_adding_one(
    db: Session, tmp_path: Path
) -> None:
    row = reload(db, queued(db))
    transport = FileTransport(tmp_path / "outbox")
    first = transport.send(build_email(row, EMAIL))
    second = transport.send(build_email(row, EMAIL, now=NOW + timedelta(hours=1)))
    assert first == second
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == [first]  # no temp files left behind


def test_the_message_id_is_derived_from_the_outbox_key(db: Session) -> None:
    a = reload(db, queued(db, "a@x:nudge:2026-11-25"))
    b = reload(db, queued(db, "b@x:nudge:2026-11-25"))
    assert build_email(a, EMAIL)["Message-ID"] == build_email(a, EMAIL)["Message-ID"]
    assert build_email(a, EMAIL)["Message-ID"] != build_email(b, EMAIL)["Message-ID"]
    assert str(build_email(a, EMAIL)["Message-ID"]).endswith("@oak.sch.uk>")


def test_the_sender_marks_a_row_sent_and_never_sends_it_twice(
    db: Session, jobs_sessions: sessionmaker[Session]
) -> None:
    row_id = queued(db)
    transport = MemoryTransport()
    assert send_due(jobs_sessions, transport, now=NOW, email_settings=EMAIL) == 1
    assert send_due(jobs_sessions, transport, now=NOW + timedelta(days=1)) == 0
    assert len(transport.sent) == 1
    row = reload(db, row_id)
    assert (row.status, row.transport_id, row.sent_at, row.attempts) == (
        MessageStatus.SENT,
        "memory-1",
        NOW,
        1,
    )


def test_a_message_not_yet_due_is_not_sent(db: Session) -> None:
    queued(db, next_attempt_at=NOW + timedelta(minutes=5))
    assert handle_one_message(db, MemoryTransport(), now=NOW) is False


def test_a_transient_failure_queues_the_message_again_with_a_backoff(
    db: Session, jobs_sessions: sessionmaker[Session]
) -> None:
    row_id = queued(db)
    transport = MemoryTransport()
    transport.failures.append(TransientError("421 try later"))
    assert send_due(jobs_sessions, transport, now=NOW) == 1
    row = reload(db, row_id)
    assert row.status is MessageStatus.QUEUED
    assert (row.attempts, row.last_error) == (1, "421 try later")
    assert row.next_attempt_at == NOW + timedelta(minutes=1)
    # Not before it is due; then it goes.
    assert send_due(jobs_sessions, transport, now=NOW + timedelta(seconds=59)) == 0
    assert send_due(jobs_sessions, transport, now=NOW + timedelta(minutes=1)) == 1
    row = reload(db, row_id)
    assert (row.status, row.attempts, len(transport.sent)) == (MessageStatus.SENT, 2, 1)


def test_a_permanent_failure_fails_the_message_for_good(
    db: Session, jobs_sessions: sessionmaker[Session]
) -> None:
    row_id = queued(db)
    transport = MemoryTransport()
    transport.failures.append(PermanentError("550 no such user"))
    send_due(jobs_sessions, transport, now=NOW)
    row = reload(db, row_id)
    assert (row.status, row.last_error) == (MessageStatus.FAILED, "550 no such user")
    assert send_due(jobs_sessions, transport, now=NOW + timedelta(days=1)) == 0
    assert transport.sent == []


def test_a_bad_recipient_address_fails_the_message(db: Session) -> None:
    row_id = queued(db, email="not an address")
    handle_one_message(db, MemoryTransport(), now=NOW)
    assert reload(db, row_id).status is MessageStatus.FAILED


def test_a_row_claimed_by_a_sender_that_died_is_sent_after_its_lease(
    db: Session, jobs_sessions: sessionmaker[Session]
) -> None:
    row_id = queued(db)
    row = reload(db, row_id)
    row.status = MessageStatus.SENDING
    row.next_attempt_at = NOW + timedelta(minutes=15)
    db.commit()
    transport = MemoryTransport()
    assert send_due(jobs_sessions, transport, now=NOW) == 0
    assert send_due(jobs_sessions, transport, now=NOW + timedelta(minutes=15)) == 1
    assert reload(db, row_id).status is MessageStatus.SENT


def test_the_configured_transport_is_the_file_transport(tmp_path: Path) -> None:
    settings = make_settings().model_copy(
        update={"email": EmailSettings(file=FileTransportSettings(directory=tmp_path))}
    )
    transport = transport_for(settings)
    assert isinstance(transport, FileTransport) and transport.directory == tmp_path
    smtp = settings.model_copy(update={"email": EmailSettings(transport="smtp")})
    assert type(transport_for(smtp)).__name__ == "SmtpTransport"


def test_queued_nudges_arrive_as_files_end_to_end(
    db: Session, jobs_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    queued(db, "a@oak.sch.uk:nudge:2026-11-25", email="a@oak.sch.uk")
    queued(db, "b@oak.sch.uk:nudge:2026-11-25", email="b@oak.sch.uk")
    outbox = tmp_path / "outbox"
    assert send_due(jobs_sessions, FileTransport(outbox), now=NOW) == 2
    assert len(list(outbox.glob("*.eml"))) == 2
    statuses = db.scalars(select(OutboundMessage.status)).all()
    assert set(statuses) == {MessageStatus.SENT}
