"""Settings of R3 (disengaged pupils) and R4 (live lessons recorded, 1:1 calls).

Every threshold POLICIES.md names is here with its default; a school changes what it
needs under ``r3:`` / ``r4:`` in its block of the config file.
"""

from __future__ import annotations

import re
from datetime import time

from pydantic import Field, field_validator

from config.settings import Strict


class R3Settings(Strict):
    """When a pupil counts as disengaged: any one signal trips it."""

    # Pieces of work in one class missed past their due time, with none handed in after.
    missed_in_a_row: int = Field(default=3, ge=1, le=50)
    # Share of the work due in the last ``share_days`` days that was handed in.
    share_days: int = Field(default=14, ge=1, le=90)
    share_below: float = Field(default=0.5, gt=0, le=1)
    # Fewer pieces due than this in the window say nothing about a pupil's share.
    share_min_due: int = Field(default=3, ge=1, le=100)
    # Live lessons of one class missed, with none attended after.
    lessons_in_a_row: int = Field(default=3, ge=1, le=50)
    # School days in a row with no turn-in and no lesson attended, in any class.
    inactive_days: int = Field(default=3, ge=1, le=30)
    # Google has no "excused": many schools return work unsubmitted and ungraded instead.
    # Where a school says so, such a submission excuses the pupil rather than counting
    # as missed (Teams ``excused`` always excuses).
    excuse_returned_ungraded: bool = True


class R4Settings(Strict):
    """Which meetings are live lessons, and when an unrecorded one is reported."""

    # A meeting tied to a class (its calendar event, its team's channel) is a live lesson.
    class_meetings: bool = True
    # Meetings whose title matches one of these regexes are live lessons too.
    title_patterns: list[str] = Field(default_factory=list)
    # The recording rule's thresholds; shorter or smaller lessons need no recording.
    min_minutes: int = Field(default=10, ge=0, le=600)
    min_pupils: int = Field(default=2, ge=1, le=1000)
    # Lessons of a school day are judged from this local time (they have ended by then).
    judge_at: time = time(17, 0)
    # Who hears of 1:1 calls (R4-1to1); None: recorded, reported to no one by email.
    safeguarding_contact: str | None = None

    @field_validator("title_patterns")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        for pattern in v:
            try:
                re.compile(pattern)
            except re.error as e:
                raise ValueError(f"not a regular expression: {pattern!r}: {e}") from e
        return v
