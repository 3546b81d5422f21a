"""The one check every time-zone setting shares."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator


def _known_zone(v: str) -> str:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"unknown time zone {v!r}") from e
    return v


# An IANA zone name such as "Europe/London", refused at load time when it is unknown.
TimeZoneName = Annotated[str, AfterValidator(_known_zone)]
