"""Declarative base, naming convention and the columns every synced row carries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from connector.records import Platform
from sync.types import UTCDateTime, str_enum

# Explicit constraint names so Alembic emits the same DDL on SQLite and PostgreSQL and
# a later migration can drop a constraint by name.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 (SQLAlchemy reads it)


class Synced:
    """A row that mirrors a platform object: ``(platform, platform_id)`` is unique."""

    platform: Mapped[Platform] = mapped_column(str_enum(Platform, 16))
    platform_id: Mapped[str] = mapped_column(String(256))
    # When the platform stopped returning it; kept so findings can say what went away.
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    synced_at: Mapped[datetime]
