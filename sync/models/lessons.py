"""Live lessons, who attended them, and their recordings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from connector.records import Role
from sync.models.base import Base, Synced
from sync.types import str_enum


class LiveLesson(Synced, Base):
    """A held meeting. ``class_id`` is None for calls not tied to a class (e.g. 1:1s)."""

    __tablename__ = "live_lesson"
    __table_args__ = (
        UniqueConstraint("platform", "platform_id"),
        Index("ix_live_lesson_class_started", "class_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int | None] = mapped_column(
        ForeignKey("school_class.id", ondelete="SET NULL"), default=None
    )
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    title: Mapped[str | None] = mapped_column(String(1024), default=None)
    join_ref: Mapped[str | None] = mapped_column(String(2048), default=None)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class Attendance(Base):
    """Seconds one participant spent in one lesson. Only the total and the span are kept."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("lesson_id", "participant_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("live_lesson.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True, default=None
    )
    # The platform user id, else the email: anonymous and external guests still count.
    participant_key: Mapped[str] = mapped_column(String(320))
    role: Mapped[Role | None] = mapped_column(str_enum(Role), default=None)
    seconds: Mapped[int] = mapped_column(default=0)
    first_joined_at: Mapped[datetime | None] = mapped_column(default=None)
    last_left_at: Mapped[datetime | None] = mapped_column(default=None)


class Recording(Synced, Base):
    """That a recording exists and how long it is; never its content or its link."""

    __tablename__ = "recording"
    __table_args__ = (UniqueConstraint("platform", "platform_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("live_lesson.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    size_bytes: Mapped[int | None] = mapped_column(default=None)
