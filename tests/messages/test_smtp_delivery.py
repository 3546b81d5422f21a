"""Delivery through a real SMTP server on 127.0.0.1 (aiosmtpd): STARTTLS, login, retries,
permanent failures and the crash points of the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from config.settings import EmailSettings
from jobs.outbox import SENDING_LEASE, handle_one_message, send_due
from jobs.transports.smtp import SmtpTransport
from sync.models import MessageStatus
from tests.messages.rows import MORNING, queued, reload
from tests.messages.smtp_server import PASSWORD, USERNAME, SmtpServer

EMAIL = EmailSettings(from_address="nudges@oak.sch.uk", from_name="Oak classpulse")


def smtp_for(server: SmtpServer) -> SmtpTransport:
    return SmtpTransport(
        "127.0.0.1",
        server.port,
        username=USERNAME,
        password=lambda: PASSWORD,
        tls_context=server.tls.client_context(),
        timeout_s=5,
    )


def test_a_message_goes_over_starttls_with_a_login_and_arrives_whole(
    db: Session, sessions: sessionmaker[Session], smtp_server: SmtpServer
) -> None:
    smtp_server.start()
    row_id = queued(db)
    assert send_due(sessions, smtp_for(smtp_server), now=MORNING, email_settings=EMAIL) == 1

    [msg] = smtp_server.received
    assert smtp_server.handler.logins == [USERNAME]
    assert msg["To"] == "Ann Teacher <ann@oak.sch.uk>"
    assert msg.get_content_type() == "multipart/alternative"
    html = msg.get_body(preferencelist=("html",))
    assert html is not None and "<p>Queued body</p>" in html.get_content()
    row = reload(db, row_id)
    assert (row.status, row.transport_id) == (MessageStatus.SENT, msg["Message-ID"])


def test_smtp_down_then_up_delivers_the_message_exactly_once(
    db: Session, sessions: sessionmaker[Session], smtp_server: SmtpServer
) -> None:
    row_id = queued(db)
    transport = smtp_for(smtp_server)
    send_due(sessions, transport, now=MORNING, email_settings=EMAIL)  # nobody listening
    row = reload(db, row_id)
    assert (row.status, row.attempts) == (MessageStatus.QUEUED, 1)
    assert "Connection refused" in (row.last_error or "")

    smtp_server.start()
    later = MORNING + timedelta(minutes=1)
    for when in (later, later + timedelta(minutes=5), later + timedelta(days=1)):
        send_due(sessions, transport, now=when, email_settings=EMAIL)
    assert len(smtp_server.received) == 1
    assert reload(db, row_id).status is MessageStatus.SENT


def test_a_550_fails_the_message_for_good_and_a_451_is_retried(
    db: Session, sessions: sessionmaker[Session], smtp_server: SmtpServer
) -> None:
    smtp_server.start()
    gone = queued(db, "nobody@oak.sch.uk")
    busy = queued(db, "busy@oak.sch.uk")
    send_due(sessions, smtp_for(smtp_server), now=MORNING, email_settings=EMAIL)

    failed, retried = reload(db, gone), reload(db, busy)
    assert failed.status is MessageStatus.FAILED
    assert failed.last_error == "550 5.1.1 No such mailbox here"
    assert retried.status is MessageStatus.QUEUED
    assert retried.next_attempt_at == MORNING + timedelta(minutes=1)
    assert smtp_server.received == []


class Killed(BaseException):
    """The process dying: not an Exception, so nothing in the sender catches it."""


class KilledAfterSending:
    """Delivers, then the process dies before the sender records it."""

    def __init__(self, inner: SmtpTransport) -> None:
        self.inner = inner

    def send(self, msg: object) -> str:
        self.inner.send(msg)  # type: ignore[arg-type]
        raise Killed


class KilledBeforeSending:
    def send(self, msg: object) -> str:
        raise Killed


def test_a_kill_between_queueing_and_sending_loses_nothing(
    db: Session, sessions: sessionmaker[Session], smtp_server: SmtpServer
) -> None:
    row_id = queued(db)  # committed; the process dies before any sender runs
    smtp_server.start()
    transport = smtp_for(smtp_server)
    send_due(sessions, transport, now=MORNING + timedelta(hours=1), email_settings=EMAIL)
    send_due(sessions, transport, now=MORNING + timedelta(hours=2), email_settings=EMAIL)
    assert len(smtp_server.received) == 1
    assert reload(db, row_id).status is MessageStatus.SENT


def test_a_kill_after_claiming_before_sending_sends_once_after_the_lease(
    db: Session, sessions: sessionmaker[Session], smtp_server: SmtpServer
) -> None:
    row_id = queued(db)
    with pytest.raises(Killed):
        handle_one_message(db, KilledBeforeSending(), now=MORNING)  # type: ignore[arg-type]
    assert reload(db, row_id).status is MessageStatus.SENDING

    smtp_server.start()
    transport = smtp_for(smtp_server)
    assert send_due(sessions, transport, now=MORNING + timedelta(minutes=5)) == 0  # leased
    send_due(sessions, transport, now=MORNING + SENDING_LEASE, email_settings=EMAIL)
    assert len(smtp_server.received) == 1
    assert reload(db, row_id).status is MessageStatus.SENT


def test_a_kill_after_sending_before_recording_resends_with_the_same_message_id(
    db: Session, sessions: sessionmaker[Session], smtp_server: SmtpServer
) -> None:
    """The one duplicate the outbox cannot rule out: the server took the message and the
    process died before writing SENT. The repeat carries the same Message-ID, so a
    receiver that de-duplicates by it shows one message."""
    smtp_server.start()
    row_id = queued(db)
    transport = smtp_for(smtp_server)
    with pytest.raises(Killed):
        handle_one_message(db, KilledAfterSending(transport), now=MORNING, email_settings=EMAIL)
    assert reload(db, row_id).status is MessageStatus.SENDING

    send_due(sessions, transport, now=MORNING + SENDING_LEASE, email_settings=EMAIL)
    first, second = smtp_server.received
    assert first["Message-ID"] == second["Message-ID"]
    assert reload(db, row_id).status is MessageStatus.SENT
    send_due(sessions, transport, now=MORNING + timedelta(days=1), email_settings=EMAIL)
    assert len(smtp_server.received) == 2
