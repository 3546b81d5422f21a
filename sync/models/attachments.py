"""Inline images that travel with an outbox message (the digest's charts)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sync.models.base import Base


class OutboundAttachment(Base):
    """A part of the message's ``multipart/related`` HTML, referenced as ``cid:<content_id>``.

    Stored with the message in the transaction that queued it, so a resend after a crash
    sends the very same bytes.
    """

    __tablename__ = "outbound_attachment"
    __table_args__ = (UniqueConstraint("message_id", "content_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbound_message.id", ondelete="CASCADE"))
    content_id: Mapped[str] = mapped_column(String(128))
    mime_type: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(128))
    data: Mapped[bytes] = mapped_column(LargeBinary)
