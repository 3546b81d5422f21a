"""Queue a decided message in the outbox once per (recipient, kind, period), with its images.

The digest, the safeguarding alert and the parent note are rendered when queued and sent
as queued (no send-time rebuild): a digest is a snapshot of its week. The row and its
inline images are added in the caller's transaction. No savepoint: with the pysqlite
driver's default transaction handling, releasing a first SAVEPOINT commits, which would
defeat ``--dry-run``. Two runs racing to one key still queue one message: the unique
key makes the slower run's commit fail, and it queues nothing.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from jobs.emails import InlineImage, RenderedEmail
from sync.models import MessageStatus, OutboundAttachment, OutboundMessage


def message_key(email: str, kind: str, period: str, *extra: str) -> str:
    """``recipient:kind:period`` (and ``:extra`` for kinds with several per period)."""
    return ":".join([email.strip().lower(), kind, period, *extra])


def is_queued(session: Session, key: str) -> bool:
    return session.scalar(select(OutboundMessage.id).where(OutboundMessage.key == key)) is not None


def queue_message(
    session: Session,
    *,
    key: str,
    kind: str,
    period: str,
    school_id: int | None,
    email: str,
    name: str | None,
    content: RenderedEmail,
    now: datetime,
    send_at: datetime,
    images: Sequence[InlineImage] = (),
) -> bool:
    """Add the message (due at ``send_at``) and its images; False if ``key`` was queued."""
    if is_queued(session, key):
        return False
    row = OutboundMessage(
        key=key,
        kind=kind,
        period=period,
        school_id=school_id,
        recipient_email=email.strip(),
        recipient_name=name,
        subject=content.subject[:998],
        body_text=content.text,
        body_html=content.html,
        status=MessageStatus.QUEUED,
        created_at=now,
        next_attempt_at=max(send_at, now),
    )
    session.add(row)
    session.flush()
    session.add_all(
        OutboundAttachment(
            message_id=row.id,
            content_id=img.content_id,
            mime_type=img.mime_type,
            filename=img.filename,
            data=img.data,
        )
        for img in images
    )
    session.flush()
    return True


def stored_images(row: OutboundMessage) -> list[InlineImage]:
    """The inline images queued with ``row`` (read through the row's own session)."""
    session = object_session(row)
    if session is None or row.id is None:
        return []
    return [
        InlineImage(a.content_id, a.mime_type, a.filename, a.data)
        for a in session.scalars(
            select(OutboundAttachment)
            .where(OutboundAttachment.message_id == row.id)
            .order_by(OutboundAttachment.id)
        )
    ]


def inline_for_preview(html: str, images: Sequence[InlineImage]) -> str:
    """``cid:`` references replaced by ``data:`` URIs, so a saved file shows its charts."""
    by_cid = {img.content_id: img for img in images}

    def swap(m: re.Match[str]) -> str:
        img = by_cid.get(m.group(2))
        if img is None:
            return m.group(0)
        encoded = base64.b64encode(img.data).decode("ascii")
        return f'{m.group(1)}data:{img.mime_type};base64,{encoded}"'

    return re.sub(r'(src=")cid:([^"]+)"', swap, html)
