"""The sender: claim one due outbox row, record the attempt, send it, record the result.

A row is claimed with a compare-and-set UPDATE and committed before the send, so two
senders never both send it. A claimed row holds a lease (``next_attempt_at`` while
SENDING): a sender that dies mid-send leaves a row another run re-claims once the lease
is over, so a message is delivered at least once and normally exactly once; its
Message-ID is derived from the outbox key so a repeat is recognisable downstream.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, cast

import structlog
from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.orm import Session

from config.settings import EmailSettings
from jobs.emails import clean
from jobs.transports.base import PermanentError, TransientError, Transport
from sync.models import MessageStatus, OutboundMessage

log = structlog.get_logger(__name__)

SENDING_LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
DEFAULT_EMAIL = EmailSettings()


def retry_delay(attempts: int) -> timedelta:
    """1 min, 2 min, 4 min … capped at 6 h, after the ``attempts``-th failed try."""
    delay: timedelta = FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 16))
    return min(delay, LONGEST_RETRY)


def message_id(key: str, from_address: str) -> str:
    domain = from_address.rpartition("@")[2] or "classpulse.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def build_email(
    row: OutboundMessage, email_settings: EmailSettings, *, now: datetime | None = None
) -> EmailMessage:
    """The MIME message for ``row``: text and HTML as alternatives, headers from the row.

    Raises PermanentError when the row cannot become a valid message (bad address).
    """
    msg = EmailMessage()
    try:
        msg["From"] = Address(
            display_name=clean(email_settings.from_name, 100),
            addr_spec=email_settings.from_address,
        )
        msg["To"] = Address(
            display_name=clean(row.recipient_name, 100), addr_spec=row.recipient_email
        )
    except (ValueError, IndexError, TypeError) as e:
        raise PermanentError(f"bad address: {e}") from e
    msg["Subject"] = clean(row.subject, 200)
    msg["Date"] = format_datetime(now or row.created_at)
    msg["Message-ID"] = message_id(row.key, email_settings.from_address)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(row.body_text)
    msg.add_alternative(row.body_html, subtype="html")
    return msg


def _set(session: Session, row_id: int, status: MessageStatus, **values: Any) -> None:
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == row_id, OutboundMessage.status == MessageStatus.SENDING)
        .values(status=status, **values)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _claim(session: Session, *, now: datetime) -> tuple[bool, OutboundMessage | None]:
    """Claim the next due row: ``(was one due, the row or None if another sender won)``."""
    due = or_(
        OutboundMessage.status == MessageStatus.QUEUED,
        # A sender that died mid-send: its lease is over.
        OutboundMessage.status == MessageStatus.SENDING,
    )
    row = session.execute(
        select(OutboundMessage.id, OutboundMessage.status, OutboundMessage.attempts)
        .where(due, OutboundMessage.next_attempt_at <= now)
        .order_by(OutboundMessage.next_attempt_at, OutboundMessage.id)
        .limit(1)
    ).first()
    if row is None:
        return False, None
    row_id, status, attempts = row
    result = cast(
        CursorResult[Any],
        session.execute(
            update(OutboundMessage)
            .where(
                and_(
                    OutboundMessage.id == row_id,
                    OutboundMessage.status == status,
                    OutboundMessage.attempts == attempts,
                )
            )
            .values(
                status=MessageStatus.SENDING,
                attempts=attempts + 1,
                next_attempt_at=now + SENDING_LEASE,
            )
            .execution_options(synchronize_session=False)
        ),
    )
    session.commit()
    if result.rowcount != 1:
        return True, None
    return True, session.get(OutboundMessage, row_id, populate_existing=True)


def handle_one_message(
    session: Session,
    transport: Transport,
    *,
    now: datetime,
    email_settings: EmailSettings = DEFAULT_EMAIL,
) -> bool:
    """Send one due message. Returns False when nothing was due (the loop can stop)."""
    due, row = _claim(session, now=now)
    if row is None:
        return due  # nothing due, or another sender took it first
    try:
        transport_id = transport.send(build_email(row, email_settings, now=now))
    except PermanentError as e:
        log.warning("outbox.failed", message_id=row.id, kind=row.kind, error=str(e))
        _set(session, row.id, MessageStatus.FAILED, last_error=str(e)[:2000])
    except (TransientError, Exception) as e:  # unknown errors: retry, don't lose the message
        attempts = row.attempts
        if attempts >= MAX_ATTEMPTS:
            log.warning("outbox.gave_up", message_id=row.id, attempts=attempts, error=str(e))
            _set(session, row.id, MessageStatus.FAILED, last_error=str(e)[:2000])
        else:
            log.info("outbox.retry", message_id=row.id, attempts=attempts, error=str(e))
            _set(
                session,
                row.id,
                MessageStatus.QUEUED,
                last_error=str(e)[:2000],
                next_attempt_at=now + retry_delay(attempts),
            )
    else:
        _set(
            session,
            row.id,
            MessageStatus.SENT,
            sent_at=now,
            transport_id=transport_id,
            last_error=None,
        )
    return True


def send_due(
    session_factory: Callable[[], Session],
    transport: Transport,
    *,
    now: datetime,
    email_settings: EmailSettings = DEFAULT_EMAIL,
    limit: int = 10_000,
) -> int:
    """Send every message due at ``now``; returns how many were handled."""
    handled = 0
    with session_factory() as session:
        while handled < limit and handle_one_message(
            session, transport, now=now, email_settings=email_settings
        ):
            handled += 1
    return handled
