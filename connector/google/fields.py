"""Reading fields out of Classroom JSON, strictly: anything odd becomes a skip reason.

The ``to_record`` functions of the resource modules use these helpers, catch
:class:`InvalidFieldError` and return a :class:`SkippedRecord` instead of raising.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import structlog

from connector.records import Platform, SkippedRecord

log = structlog.get_logger(__name__)

# No field we keep (names, titles, emails, links, ids) is legitimately this long; Google's
# own limits are 3,000 characters for titles and 750 for course names.
MAX_STRING_BYTES = 10 * 1024

E = TypeVar("E")
R = TypeVar("R")
JSON = Mapping[str, Any]


class InvalidFieldError(ValueError):
    """One field of one record cannot be read."""


def text(obj: JSON, key: str, *, required: bool = False) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise InvalidFieldError(f"missing {key}")
        return None
    if not isinstance(value, str):
        raise InvalidFieldError(f"{key} is not a string")
    if len(value.encode("utf-8")) > MAX_STRING_BYTES:
        raise InvalidFieldError(f"{key} longer than {MAX_STRING_BYTES} bytes")
    return value


def required_text(obj: JSON, key: str) -> str:
    value = text(obj, key, required=True)
    assert value is not None
    return value


def timestamp(obj: JSON, key: str) -> datetime | None:
    """An RFC 3339 ``google-datetime`` (``2024-05-01T10:00:00.123456789Z``) as aware UTC."""
    value = text(obj, key)
    if value is None:
        return None
    try:
        # Python keeps at most microseconds; Google may send nanoseconds.
        parsed = datetime.fromisoformat(_trim_nanos(value))
    except ValueError as e:
        raise InvalidFieldError(f"{key} is not a timestamp: {value[:40]!r}") from e
    if parsed.tzinfo is None:
        raise InvalidFieldError(f"{key} has no time zone: {value[:40]!r}")
    return parsed.astimezone(UTC)


def _trim_nanos(value: str) -> str:
    if "." not in value:
        return value
    head, _, rest = value.partition(".")
    digits = ""
    while rest and rest[0].isdigit():
        digits, rest = digits + rest[0], rest[1:]
    return f"{head}.{digits[:6]}{rest}" if digits else value


def enum(obj: JSON, key: str, mapping: Mapping[str, E], *, default: E | None = None) -> E:
    """Map an enum field; a missing field takes ``default``, an unknown value is invalid."""
    value = obj.get(key)
    if value is None or value == "":
        if default is None:
            raise InvalidFieldError(f"missing {key}")
        return default
    if not isinstance(value, str) or value not in mapping:
        raise InvalidFieldError(f"unknown {key} {str(value)[:40]!r}")
    return mapping[value]


def number(obj: JSON, key: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidFieldError(f"{key} is not a number")
    return float(value)


def boolean(obj: JSON, key: str) -> bool:
    value = obj.get(key, False)
    if not isinstance(value, bool):
        raise InvalidFieldError(f"{key} is not a boolean")
    return value


def mapping(obj: JSON, key: str) -> JSON:
    value = obj.get(key) or {}
    if not isinstance(value, Mapping):
        raise InvalidFieldError(f"{key} is not an object")
    return value


def skip(resource: str, obj: Any, reason: str) -> SkippedRecord:
    """The skipped record for ``obj``, logged once here (the id only: R7, no content)."""
    raw_id = obj.get("id") if isinstance(obj, Mapping) else None
    platform_id = raw_id if isinstance(raw_id, str) and len(raw_id) <= 200 else None
    log.warning("google.record_skipped", resource=resource, platform_id=platform_id,
                reason=reason)
    return SkippedRecord(platform=Platform.GOOGLE, resource=resource,
                         platform_id=platform_id, reason=reason)


def guarded(resource: str, obj: Any, read: Callable[[JSON], R]) -> R | SkippedRecord:
    """Run ``read(obj)``; an :class:`InvalidFieldError` field (or a non-object) becomes a skip."""
    if not isinstance(obj, Mapping):
        return skip(resource, obj, "not a JSON object")
    try:
        return read(obj)
    except InvalidFieldError as e:
        return skip(resource, obj, str(e))
