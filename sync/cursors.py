"""Cursors per (platform, stream, partition), read and written in the caller's transaction.

A cursor is written in the same transaction as the rows it covers, so a crash can only
leave it behind its rows, never ahead of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.models import SyncCursor
from sync.upsert_merge import chunks


def get_cursor(session: Session, platform: str, stream: str, partition: str = "") -> str | None:
    return session.scalars(
        select(SyncCursor.value).where(
            SyncCursor.platform == platform,
            SyncCursor.stream == stream,
            SyncCursor.partition == partition,
        )
    ).one_or_none()


def get_cursors(
    session: Session,
    platform: str,
    partitions: Iterable[str],
    *,
    exclude_streams: Iterable[str] = (),
) -> dict[str, dict[str, str]]:
    """Cursor values by partition, then stream, for the given partitions."""
    excluded = set(exclude_streams)
    out: dict[str, dict[str, str]] = {}
    for batch in chunks(sorted(set(partitions))):
        stmt = select(SyncCursor.partition, SyncCursor.stream, SyncCursor.value).where(
            SyncCursor.platform == platform, SyncCursor.partition.in_(batch)
        )
        for partition, stream, value in session.execute(stmt):
            if stream not in excluded:
                out.setdefault(partition, {})[stream] = value
    return out


def set_cursor(
    session: Session,
    platform: str,
    stream: str,
    partition: str,
    value: str,
    *,
    now: datetime,
) -> bool:
    """Store ``value``; returns whether it changed."""
    row = session.scalars(
        select(SyncCursor).where(
            SyncCursor.platform == platform,
            SyncCursor.stream == stream,
            SyncCursor.partition == partition,
        )
    ).one_or_none()
    if row is None:
        session.add(
            SyncCursor(
                platform=platform, stream=stream, partition=partition, value=value, updated_at=now
            )
        )
        session.flush()
        return True
    if row.value == value:
        return False
    row.value = value
    row.updated_at = now
    session.flush()
    return True


def clamp_to(value: str, limit: datetime) -> str:
    """A timestamp cursor later than ``limit`` becomes ``limit``; other values pass through.

    Records changed after a sync started may not all have been read, so a cursor must
    never claim that time (singer-sdk's "signpost").
    """
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return value
    if at.tzinfo is None or at <= limit:
        return value
    clamped = limit.isoformat()
    if value.endswith("Z") and clamped.endswith("+00:00"):
        clamped = clamped[: -len("+00:00")] + "Z"
    return clamped
