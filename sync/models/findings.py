"""What the rules found, and the messages decided from it."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sync.models.base import Base
from sync.types import str_enum


class Finding(Base):
    """One problem a rule saw. ``key`` identifies it across runs, so a re-run updates it.

    ``resolved_at`` is set by the first run that no longer sees it; history is kept.
    """

    __tablename__ = "finding"
    __table_args__ = (Index("ix_finding_open", "rule", "school_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)
    rule: Mapped[str] = mapped_column(String(16))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    day: Mapped[date | None] = mapped_column(default=None)  # the school day judged
    class_id: Mapped[int | None] = mapped_column(
        ForeignKey("school_class.id", ondelete="CASCADE"), index=True, default=None
    )
    work_id: Mapped[int | None] = mapped_column(
        ForeignKey("work.id", ondelete="CASCADE"), default=None
    )
    pupil_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True, default=None
    )
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("live_lesson.id", ondelete="CASCADE"), default=None
    )
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # permanent: the transport said no (e.g. bad address)
    SKIPPED = "skipped"


class OutboundMessage(Base):
    """The outbox. Queued in the same transaction that decided it; ``key`` stops repeats."""

    __tablename__ = "outbound_message"
    __table_args__ = (Index("ix_outbound_message_status", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)  # recipient:kind:period
    kind: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(32))
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("school.id", ondelete="SET NULL"), default=None
    )
    recipient_email: Mapped[str] = mapped_column(String(320))
    recipient_name: Mapped[str | None] = mapped_column(String(512), default=None)
    subject: Mapped[str] = mapped_column(String(998))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[MessageStatus] = mapped_column(
        str_enum(MessageStatus), default=MessageStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    transport_id: Mapped[str | None] = mapped_column(String(998), default=None)
