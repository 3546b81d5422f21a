"""Settings of the rules beyond R1: R2 (work marked).

R2's marking windows are counted in school-day working hours (the school's
``calendar.working_hours``, default 08:00–17:00): the default window of 9 hours is one
school day. A class takes the first window whose ``match`` regex is found in its name.
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum

from pydantic import Field, field_validator

from config.settings import Strict


def _regex(v: str | None) -> str | None:
    if v is None:
        return v
    try:
        re.compile(v)
    except re.error as e:
        raise ValueError(f"not a regular expression: {e}") from e
    return v


class WindowKind(StrEnum):
    # ``hours`` school-day working hours after the turn-in.
    HOURS = "hours"
    # In by ``in_by`` on a school day → back by ``back_by`` the same day; otherwise ``hours``.
    SAME_DAY = "same_day"
    # Back by ``back_by`` on the last school day of the week it came in.
    END_OF_WEEK = "end_of_week"


class MarkingWindow(Strict):
    """How long the teachers of classes matching ``match`` have to mark a submission."""

    match: str = ".*"
    kind: WindowKind = WindowKind.HOURS
    hours: float = Field(default=9.0, gt=0, le=9 * 60)
    in_by: time = time(13, 0)
    back_by: time = time(17, 0)

    _check = field_validator("match")(lambda cls, v: _regex(v))


class NotForMarking(Strict):
    """Work a school flags as not for marking: a topic or a title matching these regexes."""

    topic: str | None = r"(?i)^\s*not for marking\s*$"
    title: str | None = r"(?i)\[(nfm|not for marking)\]"

    _check = field_validator("topic", "title")(lambda cls, v: _regex(v))


class R2Settings(Strict):
    windows: list[MarkingWindow] = Field(default_factory=lambda: [MarkingWindow()])
    not_for_marking: NotForMarking = NotForMarking()
    # Per pupil: no work returned or marked in any class for this many days → R2-feedback.
    feedback_days: int = Field(default=7, ge=1, le=60)
