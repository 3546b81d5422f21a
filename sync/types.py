"""Column types shared by the models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Enum
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, hands back aware UTC.

    SQLite has no time zones and PostgreSQL's ``timestamptz`` converts to the session's
    zone; storing naive UTC everywhere keeps comparisons identical on both.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def str_enum(cls: type[enum.StrEnum], length: int = 16) -> Enum:
    """A VARCHAR enum storing the member's value, the same on SQLite and PostgreSQL."""
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=_values,
        validate_strings=True,
    )


def _values(cls: Any) -> list[str]:
    return [m.value for m in cls]
