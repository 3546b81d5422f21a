"""Settings of the weekly digest, the trust roll-up, safeguarding alerts and parent notes.

A school's leaders stay on :class:`config.settings.SchoolSettings` (``leaders``); there too
hang ``digest`` (when it goes out) and ``parent_notes``. The trust roll-up hangs on
:class:`config.settings.TrustSettings` (``digest``). The safeguarding contact who gets 1:1
calls is R4's (``r4.safeguarding_contact``, :mod:`config.engagement`). Everything
defaults, so an existing configuration keeps loading: digests on Friday at 15:00 local,
parent notes off.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator

from config.messages import Weekday
from config.settings import Strict
from config.zones import TimeZoneName


def _email(v: str) -> str:
    v = v.strip()
    local, _, domain = v.rpartition("@")
    if not local or "." not in domain or any(ch.isspace() for ch in v):
        raise ValueError(f"{v!r} is not an email address")
    return v


class DigestSchedule(Strict):
    """When a weekly digest is due, on the school's (or the trust's) wall clock (R5)."""

    day: Weekday = Weekday.FRI
    time: dt.time = dt.time(15, 0)


class ParentNoteSettings(Strict):
    """A short weekly note to a disengaged pupil's guardians (R3): off unless turned on."""

    enabled: bool = False


class TrustDigestSettings(DigestSchedule):
    """The trust roll-up: one email to each trust leader, on the trust's wall clock."""

    leaders: list[str] = Field(default_factory=list)
    time_zone: TimeZoneName = "Europe/London"

    @field_validator("leaders")
    @classmethod
    def _leaders(cls, v: list[str]) -> list[str]:
        return [_email(x) for x in v]

