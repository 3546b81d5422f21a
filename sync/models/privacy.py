"""R7 bookkeeping: erased pupils' tombstones, the erasure log, and the key that hashes them.

A tombstone holds no personal data: only HMAC-SHA256 digests of identifiers (the
normalised email, ``platform:platform_id``) under a per-installation key. A sync hashes
each person it reads and skips those whose digest is tombstoned, so an erased pupil does
not come back. The key is generated on first use and kept in ``privacy_key`` (not in
config): tombstones must outlive any config change, and a rotated key would silently let
every erased pupil back in. Without the key a digest cannot be checked against a list of
candidate emails, so a leaked tombstone table alone names nobody.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import JSON, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from sync.models.base import Base


class PrivacyKey(Base):
    """The installation's HMAC key (one row, ``id`` 1)."""

    __tablename__ = "privacy_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class ErasedPerson(Base):
    """One hashed identifier of an erased pupil; any match keeps a synced person out."""

    __tablename__ = "erased_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    erased_at: Mapped[datetime]


class ErasureLog(Base):
    """That an erasure happened: when, whose (a digest), and how many rows went."""

    __tablename__ = "erasure_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_digest: Mapped[str] = mapped_column(String(64))
    erased_at: Mapped[datetime]
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


def installation_key(session: Session, *, now: datetime) -> bytes:
    """The HMAC key, created (and flushed in the caller's transaction) on first use."""
    row = session.scalars(select(PrivacyKey).where(PrivacyKey.id == 1)).one_or_none()
    if row is None:
        row = PrivacyKey(id=1, key=secrets.token_bytes(32), created_at=now)
        session.add(row)
        session.flush()
    return row.key


def stored_key(session: Session) -> bytes | None:
    """The key if one was ever made: without one nobody was erased, so there is no need."""
    return session.scalars(select(PrivacyKey.key).where(PrivacyKey.id == 1)).one_or_none()


def email_digest(key: bytes, email: str) -> str:
    return _digest(key, "email:" + email.strip().lower())


def id_digest(key: bytes, platform: str, platform_id: str) -> str:
    return _digest(key, f"id:{platform}:{platform_id}")


def _digest(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
