"""What teachers post and what pupils hand back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from connector.records import SubmissionState, WorkKind, WorkState
from sync.models.base import Base, Synced
from sync.types import str_enum


class Work(Synced, Base):
    """Coursework, a material or an announcement; a Teams assignment.

    Only the title is kept of the content (R7): the nudge names the work and the
    not-for-marking rule may match a title tag. Descriptions are never stored.
    """

    __tablename__ = "work"
    __table_args__ = (
        UniqueConstraint("platform", "platform_id"),
        Index("ix_work_class_published", "class_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    kind: Mapped[WorkKind] = mapped_column(str_enum(WorkKind))
    state: Mapped[WorkState] = mapped_column(str_enum(WorkState))
    title: Mapped[str] = mapped_column(String(1024))
    topic: Mapped[str | None] = mapped_column(String(512), default=None)
    creator_platform_id: Mapped[str | None] = mapped_column(String(256), default=None)
    created_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    scheduled_at: Mapped[datetime | None] = mapped_column(default=None)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    max_points: Mapped[float | None] = mapped_column(default=None)
    alternate_link: Mapped[str | None] = mapped_column(String(2048), default=None)


class Submission(Synced, Base):
    """One pupil's copy of one piece of work. ``graded``: a grade was given, not its value."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("platform", "platform_id"),
        Index("ix_submission_work_id", "work_id"),
        Index("ix_submission_pupil_id", "pupil_id"),
        Index("ix_submission_class_state", "class_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    state: Mapped[SubmissionState] = mapped_column(str_enum(SubmissionState))
    late: Mapped[bool] = mapped_column(default=False)
    graded: Mapped[bool] = mapped_column(default=False)
    turned_in_at: Mapped[datetime | None] = mapped_column(default=None)
    returned_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)
    alternate_link: Mapped[str | None] = mapped_column(String(2048), default=None)
