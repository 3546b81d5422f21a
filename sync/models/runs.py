"""Sync bookkeeping: cursors, runs and what went wrong in them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sync.models.base import Base
from sync.types import str_enum


class SyncCursor(Base):
    """Where a stream got to, per partition (e.g. per course). Written with its rows."""

    __tablename__ = "sync_cursor"
    __table_args__ = (UniqueConstraint("platform", "stream", "partition"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    stream: Mapped[str] = mapped_column(String(64))
    partition: Mapped[str] = mapped_column(String(256), default="")
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # finished, with classes or records it could not read
    FAILED = "failed"


class SyncRun(Base):
    __tablename__ = "sync_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), index=True)
    school_key: Mapped[str | None] = mapped_column(String(64), default=None)
    full: Mapped[bool] = mapped_column(default=False)
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus), default=RunStatus.RUNNING)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    requests: Mapped[int] = mapped_column(default=0)
    api_calls: Mapped[int] = mapped_column(default=0)
    rows_inserted: Mapped[int] = mapped_column(default=0)
    rows_updated: Mapped[int] = mapped_column(default=0)
    rows_deleted: Mapped[int] = mapped_column(default=0)
    records_skipped: Mapped[int] = mapped_column(default=0)
    classes_done: Mapped[int] = mapped_column(default=0)
    cursors_moved: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class SyncIssue(Base):
    """A record skipped or a class not readable in one run: logged, kept, not fatal."""

    __tablename__ = "sync_issue"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_run.id", ondelete="CASCADE"), index=True)
    resource: Mapped[str] = mapped_column(String(64))
    platform_id: Mapped[str | None] = mapped_column(String(256), default=None)
    status: Mapped[int | None] = mapped_column(default=None)  # HTTP status, when there was one
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
