"""Exact ground truth for R4 and R4-1to1, and every school's R3/R4 knobs.

Knobs (:func:`knobs`, written into the config by :func:`r3_config` / :func:`r4_config`):
every school has a safeguarding contact and the title pattern ``\\(live lesson\\)$``
(the assembly on day 2 is a live lesson only through it, and only on Teams). In a
trust, schools vary by index: ``i % 5 == 1`` missed-work threshold 2, 4 inactive days,
share below 60 %; ``== 2`` lessons-in-a-row 2, lessons need 15 minutes and 3 pupils;
``== 3`` does not treat Google work returned ungraded as excused (its excused pupils
count as missing); ``== 4`` counts no class meetings, only titles matching
``live lesson``, and a 7-day share window.

Definitions (the same as :mod:`jobs.rules.r4`), judged on school day D at 17:00 local:

- The lessons of D: the school's lessons (the organiser's school) that started on a
  local date after the previous school day and up to D, and ended by D 17:00.
- A participant is staff when their person is staff, else a pupil (every scenario
  attendee is a known person: no guests).
- A *live lesson*: tied to a class and ``class_meetings`` on, or a title matching a
  ``title_patterns`` regex. The title is the one the store holds: a Google call tied to
  no class has no Calendar event and so no title (the day-2 assembly is a live lesson
  only on Teams). It *needs a recording* when it lasted at least
  ``min_minutes`` and at least ``min_pupils`` distinct pupils attended.
- ``R4`` (subject: lesson id): a lesson of D that needs a recording and was not recorded.
- ``R4-1to1`` (subject: lesson id): a lesson of D with exactly one staff attendee, exactly
  one pupil attendee and nobody else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from connector.records import Platform
from connector.sandbox.scenario import names
from connector.sandbox.scenario.calendars import is_open
from connector.sandbox.scenario.context import Build
from connector.sandbox.scenario.days import local, local_date
from connector.sandbox.scenario.model import (
    Finding,
    GroundTruth,
    LessonSpec,
    PersonSpec,
    SchoolSpec,
)

CHECK = time(17, 0)


@dataclass(frozen=True, slots=True)
class Knobs:
    """A school's R3 and R4 settings, every one stated (none left to a default)."""

    missed_in_a_row: int = 3
    share_days: int = 14
    share_below: float = 0.5
    share_min_due: int = 3
    lessons_in_a_row: int = 3
    inactive_days: int = 3
    excuse_returned_ungraded: bool = True
    class_meetings: bool = True
    title_patterns: tuple[str, ...] = (r"\(live lesson\)$",)
    min_minutes: int = 10
    min_pupils: int = 2
    safeguarding_contact: str | None = field(default=None)


def knobs(school: SchoolSpec) -> Knobs:
    """The knobs of ``school``, chosen by its index among the trust's school names."""
    index = [n.lower() for n in names.SCHOOLS].index(school.id)
    contact = f"safeguarding@{school.domain}"
    variant = index % 5 if index else 0
    if variant == 1:
        return Knobs(
            missed_in_a_row=2, inactive_days=4, share_below=0.6, safeguarding_contact=contact
        )
    if variant == 2:
        return Knobs(lessons_in_a_row=2, min_minutes=15, min_pupils=3, safeguarding_contact=contact)
    if variant == 3:
        return Knobs(excuse_returned_ungraded=False, safeguarding_contact=contact)
    if variant == 4:
        return Knobs(
            class_meetings=False,
            title_patterns=("live lesson",),
            share_days=7,
            safeguarding_contact=contact,
        )
    return Knobs(safeguarding_contact=contact)


def r3_config(school: SchoolSpec) -> dict[str, Any]:
    k = knobs(school)
    return {
        "missed_in_a_row": k.missed_in_a_row,
        "share_days": k.share_days,
        "share_below": k.share_below,
        "share_min_due": k.share_min_due,
        "lessons_in_a_row": k.lessons_in_a_row,
        "inactive_days": k.inactive_days,
        "excuse_returned_ungraded": k.excuse_returned_ungraded,
    }


def r4_config(school: SchoolSpec) -> dict[str, Any]:
    k = knobs(school)
    return {
        "class_meetings": k.class_meetings,
        "title_patterns": list(k.title_patterns),
        "min_minutes": k.min_minutes,
        "min_pupils": k.min_pupils,
        "judge_at": CHECK.isoformat(timespec="minutes"),
        "safeguarding_contact": k.safeguarding_contact,
    }


def pupils_of(le: LessonSpec, people: dict[str, PersonSpec]) -> set[str]:
    return {a.person_id for a in le.attendance if not people[a.person_id].is_staff}


def staff_of(le: LessonSpec, people: dict[str, PersonSpec]) -> set[str]:
    return {a.person_id for a in le.attendance if people[a.person_id].is_staff}


def stored_title(le: LessonSpec, platform: Platform) -> str | None:
    """The title the store holds: a Google call tied to no class has no Calendar event,
    so no title (Meet has none); a Teams meeting always has its subject."""
    if platform is Platform.GOOGLE and le.class_id is None:
        return None
    return le.title


def needs_recording(
    le: LessonSpec, k: Knobs, people: dict[str, PersonSpec], platform: Platform
) -> bool:
    title = stored_title(le, platform)
    live = (le.class_id is not None and k.class_meetings) or (
        title is not None and any(re.search(p, title) for p in k.title_patterns)
    )
    return (
        live
        and le.ended_at - le.started_at >= timedelta(minutes=k.min_minutes)
        and len(pupils_of(le, people)) >= k.min_pupils
    )


LOOKBACK_DAYS = 120  # jobs/calendar.py looks back as far


def previous_school_day(day: date, school: SchoolSpec) -> date | None:
    """The last day before ``day`` that is a school day of ``school`` on its own calendar
    (term, INSET days, bank holidays), as the product's calendar finds it (looking back
    at most :data:`LOOKBACK_DAYS`); None if there is none."""
    for back in range(1, LOOKBACK_DAYS + 1):
        candidate = day - timedelta(days=back)
        if is_open(school, candidate):
            return candidate
    return None


def check_instant(school: SchoolSpec, day: date) -> datetime:
    return local(day, CHECK, school.time_zone)


def r4_truth(b: Build, gt: GroundTruth) -> None:
    people = b.people
    for school in b.schools:
        k = knobs(school)
        lessons = [le for le in b.lessons if people[le.organiser_id].school_id == school.id]
        for day in b.days:
            # A lesson on a day the school is closed (an INSET day, a weekend) is judged
            # with the next school day.
            previous = previous_school_day(day, school)
            first = day if previous is None else previous + timedelta(days=1)
            check = check_instant(school, day)
            for le in lessons:
                if not first <= local_date(le.started_at, school.time_zone) <= day:
                    continue
                if le.ended_at > check:
                    continue
                if not le.recorded and needs_recording(le, k, people, school.platform):
                    gt.add(Finding("R4", school.id, day, le.id, "not recorded"))
                if len(staff_of(le, people)) == 1 and len(pupils_of(le, people)) == 1:
                    gt.add(Finding("R4-1to1", school.id, day, le.id, "1:1 call"))
