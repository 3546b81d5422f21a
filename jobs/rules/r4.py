"""R4: live lessons recorded, and 1:1 calls (POLICIES.md).

Definitions (shared with R3, which counts only live lessons):

- A meeting is a *live lesson* when it is tied to a class and the school counts class
  meetings (``class_meetings``), or its title matches one of ``title_patterns``.
- A live lesson *needs a recording* when it lasted at least ``min_minutes`` (end minus
  start) and at least ``min_pupils`` distinct pupils attended. A participant is staff
  when their person is staff (``Person.is_staff``: they teach a class), a pupil when
  their person is not; a participant matched to no person is a *guest*.
- **R4** (subject: the lesson): a lesson that needs a recording, has ended and has no
  recording. The organiser is the one nudged.
- **R4-1to1** (subject: the lesson): any call (a live lesson or not, tied to a class or
  not) that has ended, attended by exactly one member of staff and exactly one pupil
  and no guest — nobody else who could be the second adult. It goes to the school's
  safeguarding contact, not to a teacher's nudge.

Both are judged per school day D: the lessons that started on a local date after the
previous school day and up to D (so a call on a weekend or holiday is judged on the next
school day) and had ended by the check's instant. Pure: no session, no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from config.engagement import R4Settings
from jobs.calendar import SchoolCalendar
from jobs.rules.base import FindingDraft

RULE = "R4"
ONE_TO_ONE_RULE = "R4-1to1"


@dataclass(frozen=True, slots=True)
class R4Lesson:
    """One held meeting with who attended it (person ids) and whether it was recorded."""

    lesson_id: int
    platform_id: str
    class_id: int | None
    organiser_id: int | None
    title: str | None
    started_at: datetime
    ended_at: datetime | None
    recorded: bool = False
    staff_ids: frozenset[int] = frozenset()
    pupil_ids: frozenset[int] = frozenset()
    guests: int = 0

    @property
    def minutes(self) -> float:
        if self.ended_at is None:
            return 0.0
        return (self.ended_at - self.started_at).total_seconds() / 60


def is_live_lesson(class_id: int | None, title: str | None, settings: R4Settings) -> bool:
    """Whether a meeting counts as a live lesson under the school's settings."""
    if class_id is not None and settings.class_meetings:
        return True
    return title is not None and any(re.search(p, title) for p in settings.title_patterns)


def needs_recording(
    class_id: int | None,
    title: str | None,
    started_at: datetime,
    ended_at: datetime | None,
    pupils: int,
    settings: R4Settings,
) -> bool:
    """A live lesson long enough and big enough for the recording rule (R3 counts these)."""
    return (
        ended_at is not None
        and is_live_lesson(class_id, title, settings)
        and ended_at - started_at >= timedelta(minutes=settings.min_minutes)
        and pupils >= settings.min_pupils
    )


def is_one_to_one(lesson: R4Lesson) -> bool:
    return len(lesson.staff_ids) == 1 and len(lesson.pupil_ids) == 1 and lesson.guests == 0


def lessons_from(calendar: SchoolCalendar, day: date) -> date:
    """The first local date whose lessons are judged with school day ``day``."""
    previous = calendar.previous_school_day(day)
    return day if previous is None else previous + timedelta(days=1)


def lesson_key(rule: str, lesson_id: int) -> str:
    return f"{rule}:{lesson_id}"


def evaluate_r4(
    lessons: Iterable[R4Lesson],
    settings: R4Settings,
    calendar: SchoolCalendar,
    *,
    school_id: int,
    day: date,
    as_of: datetime,
) -> list[FindingDraft]:
    """R4 and R4-1to1 drafts for the lessons of ``day`` (see the module) ended by ``as_of``."""
    first = lessons_from(calendar, day)
    drafts: list[FindingDraft] = []
    for le in sorted(lessons, key=lambda x: (x.started_at, x.lesson_id)):
        if le.ended_at is None or le.ended_at > as_of:
            continue
        if not first <= calendar.local_date(le.started_at) <= day:
            continue
        evidence = {
            "lesson": le.platform_id,
            "title": le.title,
            "organiser_id": le.organiser_id,
            "started_at": le.started_at.isoformat(),
            "ended_at": le.ended_at.isoformat(),
            "minutes": round(le.minutes, 1),
            "pupils": len(le.pupil_ids),
            "staff": len(le.staff_ids),
            "guests": le.guests,
        }
        pupils = len(le.pupil_ids)
        if not le.recorded and needs_recording(
            le.class_id, le.title, le.started_at, le.ended_at, pupils, settings
        ):
            drafts.append(_draft(RULE, le, school_id, day, evidence))
        if is_one_to_one(le):
            one = {
                **evidence,
                "staff_id": min(le.staff_ids),
                "pupil_id": min(le.pupil_ids),
                "safeguarding_contact": settings.safeguarding_contact,
            }
            drafts.append(_draft(ONE_TO_ONE_RULE, le, school_id, day, one))
    return drafts


def _draft(
    rule: str, le: R4Lesson, school_id: int, day: date, evidence: dict[str, Any]
) -> FindingDraft:
    return FindingDraft(
        rule=rule,
        key=lesson_key(rule, le.lesson_id),
        school_id=school_id,
        day=day,
        class_id=le.class_id,
        lesson_id=le.lesson_id,
        pupil_id=min(le.pupil_ids) if rule == ONE_TO_ONE_RULE else None,
        evidence=dict(evidence),
    )
