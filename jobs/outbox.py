"""The sender: claim one due outbox row, record the attempt, send it, record the result.

A row is claimed with a compare-and-set UPDATE and committed before the send, so two
senders never both send it. A claimed row holds a lease (``next_attempt_at`` while
SENDING): a sender that dies mid-send leaves a row another run re-claims once the lease
is over, so a message is delivered at least once and normally exactly once; its
Message-ID is derived from the outbox key so a repeat is recognisable downstream.

Crash points, and what happens next run:
- after queueing, before the claim: the row is QUEUED and due; it is sent once.
- after the claim, before the transport accepted it: SENDING until the lease ends, then
  claimed again and sent once.
- after the transport accepted it, before it was marked SENT: SENDING until the lease
  ends, then sent again with the same Message-ID (the file transport overwrites its
  file; SMTP, Graph and Gmail receivers see a second copy with an identical Message-ID,
  which many of them fold into one). This is the one window where a duplicate is possible.

Kinds that must be rebuilt when sent (the teacher nudge) have a :data:`Composer`: after
the claim it decides to send a fresh body, skip the row with a reason, or defer it to a
later instant (and period: a nudge deferred to the next day becomes that day's nudge).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, cast

import structlog
from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.settings import EmailSettings
from jobs.emails import RenderedEmail, attach_related, clean
from jobs.message_queue import stored_images
from jobs.transports.base import PermanentError, TransientError, Transport
from sync.models import MessageStatus, OutboundMessage

log = structlog.get_logger(__name__)

SENDING_LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
DEFAULT_EMAIL = EmailSettings()


@dataclass(frozen=True, slots=True)
class Send:
    """Send this freshly built content."""

    content: RenderedEmail


@dataclass(frozen=True, slots=True)
class Skip:
    """Do not send; the row is SKIPPED with ``reason`` (e.g. ``nothing-open``)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Defer:
    """Not now: try again at ``until``, as the message of ``period``."""

    until: datetime
    period: str


Composition = Send | Skip | Defer
Composer = Callable[[Session, OutboundMessage, datetime], Composition]


def retry_delay(attempts: int) -> timedelta:
    """1 min, 2 min, 4 min … capped at 6 h, after the ``attempts``-th failed try."""
    delay: timedelta = FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 16))
    return min(delay, LONGEST_RETRY)


def message_id(key: str, from_address: str) -> str:
    domain = from_address.rpartition("@")[2] or "classpulse.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def build_email(
    row: OutboundMessage,
    email_settings: EmailSettings,
    *,
    now: datetime | None = None,
    content: RenderedEmail | None = None,
) -> EmailMessage:
    """The MIME message for ``row``: text and HTML as alternatives, headers from the row
    (the body from ``content`` when the sender rebuilt it).

    Raises PermanentError when the row cannot become a valid message (bad address).
    """
    content = content or RenderedEmail(row.subject, row.body_text, row.body_html)
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
    msg["Subject"] = clean(content.subject, 200)
    msg["Date"] = format_datetime(now or row.created_at)
    msg["Message-ID"] = message_id(row.key, email_settings.from_address)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(content.text)
    msg.add_alternative(content.html, subtype="html")
    attach_related(msg, stored_images(row))  # inline images (a digest's charts), if any
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


def _compose(
    session: Session, row: OutboundMessage, composer: Composer | None, now: datetime
) -> RenderedEmail | None:
    """Run the row's composer; None when the row was skipped or deferred (and recorded)."""
    if composer is None:
        return RenderedEmail(row.subject, row.body_text, row.body_html)
    decision = composer(session, row, now)
    # Nothing was sent: a skip or a deferral does not use up an attempt.
    attempts = row.attempts - 1
    if isinstance(decision, Skip):
        log.info("outbox.skipped", message_id=row.id, kind=row.kind, reason=decision.reason)
        _set(
            session,
            row.id,
            MessageStatus.SKIPPED,
            attempts=attempts,
            last_error=f"skipped: {decision.reason}",
        )
        return None
    if isinstance(decision, Defer):
        key = row.key
        if decision.period != row.period:
            key = f"{row.key.rsplit(':', 1)[0]}:{decision.period}"
        try:
            _set(
                session,
                row.id,
                MessageStatus.QUEUED,
                attempts=attempts,
                key=key,
                period=decision.period,
                next_attempt_at=decision.until,
            )
        except IntegrityError:
            # That period already has its own message: one per recipient and period. It
            # inherits this one's start, so what this one waited to say is not lost.
            session.rollback()
            decided = row.created_at
            _set(
                session,
                row.id,
                MessageStatus.SKIPPED,
                attempts=attempts,
                last_error=f"skipped: superseded by {key}",
            )
            session.execute(
                update(OutboundMessage)
                .where(
                    OutboundMessage.key == key,
                    OutboundMessage.status == MessageStatus.QUEUED,
                    OutboundMessage.created_at > decided,
                )
                .values(created_at=decided)
                .execution_options(synchronize_session=False)
            )
            session.commit()
        return None
    return decision.content


def handle_one_message(
    session: Session,
    transport: Transport,
    *,
    now: datetime,
    email_settings: EmailSettings = DEFAULT_EMAIL,
    composers: Mapping[str, Composer] | None = None,
) -> bool:
    """Send one due message. Returns False when nothing was due (the loop can stop).

    ``composers`` rebuild the kinds they name at send time; other kinds are sent as queued.
    """
    due, row = _claim(session, now=now)
    if row is None:
        return due  # nothing due, or another sender took it first
    row_id, kind, attempts = row.id, row.kind, row.attempts
    try:
        content = _compose(session, row, (composers or {}).get(row.kind), now)
        if content is None:
            return True
        msg = build_email(row, email_settings, now=now, content=content)
        session.commit()  # no transaction stays open across the network call
        transport_id = transport.send(msg)
    except PermanentError as e:
        session.rollback()
        log.warning("outbox.failed", message_id=row_id, kind=kind, error=str(e))
        _set(session, row_id, MessageStatus.FAILED, last_error=str(e)[:2000])
    except (TransientError, Exception) as e:  # unknown errors: retry, don't lose the message
        session.rollback()
        if attempts >= MAX_ATTEMPTS:
            log.warning("outbox.gave_up", message_id=row_id, attempts=attempts, error=str(e))
            _set(session, row_id, MessageStatus.FAILED, last_error=str(e)[:2000])
        else:
            delay = retry_delay(attempts)
            hint = e.retry_after if isinstance(e, TransientError) else None
            if hint is not None:
                delay = max(delay, min(hint, LONGEST_RETRY))
            log.info("outbox.retry", message_id=row_id, attempts=attempts, error=str(e))
            _set(
                session,
                row_id,
                MessageStatus.QUEUED,
                last_error=str(e)[:2000],
                next_attempt_at=now + delay,
            )
    else:
        _set(
            session,
            row_id,
            MessageStatus.SENT,
            sent_at=now,
            transport_id=transport_id,
            last_error=None,
            subject=content.subject[:998],
            body_text=content.text,
            body_html=content.html,
        )
    return True


def send_due(
    session_factory: Callable[[], Session],
    transport: Transport,
    *,
    now: datetime,
    email_settings: EmailSettings = DEFAULT_EMAIL,
    composers: Mapping[str, Composer] | None = None,
    limit: int = 10_000,
) -> int:
    """Send every message due at ``now``; returns how many were handled.

    A transport with a ``close()`` (SMTP keeps its connection for the run) is closed at
    the end.
    """
    handled = 0
    try:
        with session_factory() as session:
            while handled < limit and handle_one_message(
                session, transport, now=now, email_settings=email_settings, composers=composers
            ):
                handled += 1
    finally:
        close = getattr(transport, "close", None)
        if callable(close):
            close()
    return handled
