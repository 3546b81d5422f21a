"""Settings for messages: when a school's staff may be emailed (R6) and how mail is sent.

Hung on :class:`config.settings.SchoolSettings` (``messages``) and
:class:`config.settings.EmailSettings` (``graph``, ``gmail``). This module imports nothing
from :mod:`config.settings` (which imports it), so its base class repeats ``Strict``'s
two lines rather than import them.
"""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    """Unknown keys are errors (as ``config.settings.Strict``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday is 0, as ``date.weekday()``."""
        return list(Weekday).index(self)


class SendWindow(_Strict):
    """Local times between which staff may be emailed, on school days only (R6)."""

    start: time = time(7, 30)
    end: time = time(17, 30)

    @model_validator(mode="after")
    def _ordered(self) -> SendWindow:
        if self.start >= self.end:
            raise ValueError("the send window must start before it ends")
        return self

    def contains(self, t: time) -> bool:
        return self.start <= t.replace(tzinfo=None) < self.end


class StaffDays(_Strict):
    """A part-time pattern: ``email`` is only contacted on ``days``."""

    email: str = Field(min_length=3)
    days: list[Weekday] = Field(min_length=1)


class SchoolMessageSettings(_Strict):
    """When this school's staff hear from classpulse."""

    send_window: SendWindow = SendWindow()
    # Staff not listed work every school day.
    staff: list[StaffDays] = []

    @model_validator(mode="after")
    def _unique_staff(self) -> SchoolMessageSettings:
        seen: set[str] = set()
        for s in self.staff:
            key = s.email.strip().casefold()
            if key in seen:
                raise ValueError(f"{s.email!r} has two working-day patterns")
            seen.add(key)
        return self

    def works_on(self, email: str, d: date) -> bool:
        """Whether ``email`` usually works on ``d``'s weekday (R6: part-time patterns)."""
        key = email.strip().casefold()
        for s in self.staff:
            if s.email.strip().casefold() == key:
                return any(day.number == d.weekday() for day in s.days)
        return True


class GraphMailSettings(_Strict):
    """Microsoft Graph ``sendMail`` as ``sender`` (default: ``email.from_address``).

    Uses the ``microsoft`` app registration (tenant, client id, secret or certificate),
    which then also needs the Mail.Send application permission, restricted by an
    application access policy to the sender's mailbox.
    """

    sender: str | None = None
    timeout_s: float = Field(default=30.0, gt=0)


class GmailMailSettings(_Strict):
    """Gmail API ``users.messages.send`` as ``sender`` (default: ``email.from_address``).

    Uses the ``google`` service account, whose domain-wide delegation then also needs the
    ``https://www.googleapis.com/auth/gmail.send`` scope: the one scope that is not read-only.
    """

    endpoint: str = "https://gmail.googleapis.com/"
    sender: str | None = None
    timeout_s: float = Field(default=30.0, gt=0)
