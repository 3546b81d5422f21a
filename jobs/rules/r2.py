"""R2: submitted work marked (POLICIES.md). Pure: no session, no I/O, no clock.

Definitions, in the store's terms, at the check instant ``as_of``:

- A submission's *marked time* is its ``returned_at``; failing that its ``updated_at``
  when it is graded or RETURNED. It is *unmarked* at ``as_of`` when it was turned in
  (``turned_in_at`` ≤ ``as_of``), its state is TURNED_IN or RETURNED, and it was not
  marked between its (latest) turn-in and ``as_of``. A submission the pupil reclaimed or
  was excused from is not waiting for marking.
- Its *deadline* comes from the first marking window whose ``match`` is found in the
  class name: ``hours`` working hours after the turn-in; ``same_day``: in by ``in_by``
  on a school day → ``back_by`` that day, else as ``hours``; ``end_of_week``:
  ``back_by`` on the last school day of the turn-in's week (the next week's if that has
  passed). It is *overdue* once there has been working time between the deadline and
  ``as_of`` — i.e. its age in working hours exceeds the window.
- Work whose topic or title matches the not-for-marking regexes is exempt.
- One finding per piece of work with overdue submissions (subject: the work), and one
  ``R2-feedback`` finding per pupil who turned work in at least ``feedback_days`` ago
  and had nothing marked in the last ``feedback_days``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from config.rules import MarkingWindow, NotForMarking, R2Settings, WindowKind
from jobs.calendar import SchoolCalendar
from jobs.rules.base import FindingDraft
from jobs.working_until import WorkingTimeUntil

RULE = "R2"
FEEDBACK_RULE = "R2-feedback"
_ZERO = timedelta(0)
_WEEK_LIMIT = 12  # weeks to look ahead for an end-of-week deadline (longer than a holiday)


@dataclass(frozen=True, slots=True)
class R2Overdue:
    """One piece of work with submissions overdue at the check instant: how many, and the
    oldest turn-in among them (counted by the database, see :mod:`jobs.rules.r2_spans`)."""

    work_id: int
    class_id: int
    class_name: str
    title: str
    topic: str | None
    overdue: int
    oldest_turned_in_at: datetime


@dataclass(frozen=True, slots=True)
class R2Pupil:
    """A pupil's latest turn-in-ever bounds: earliest turn-in and latest marked time."""

    pupil_id: int
    first_turned_in_at: datetime
    last_marked_at: datetime | None
    name: str | None = None


def window_for(class_name: str, windows: Sequence[MarkingWindow]) -> MarkingWindow:
    """The first window whose ``match`` is found in ``class_name`` (default: one school day)."""
    for w in windows:
        if re.search(w.match, class_name):
            return w
    return MarkingWindow()


def not_for_marking(title: str, topic: str | None, nfm: NotForMarking) -> bool:
    if nfm.topic is not None and topic is not None and re.search(nfm.topic, topic):
        return True
    return nfm.title is not None and re.search(nfm.title, title) is not None


def deadline(turned_in: datetime, window: MarkingWindow, calendar: SchoolCalendar) -> datetime:
    """When a submission turned in at ``turned_in`` must be marked by."""
    if window.kind is WindowKind.SAME_DAY:
        day = calendar.local_date(turned_in)
        if calendar.is_school_day(day) and calendar.local_time(turned_in) <= window.in_by:
            return calendar.local_instant(day, window.back_by)
    elif window.kind is WindowKind.END_OF_WEEK:
        day = calendar.local_date(turned_in)
        for _ in range(_WEEK_LIMIT):
            week = calendar.week_school_days(day)
            if week:
                due = calendar.local_instant(week[-1], window.back_by)
                if due >= turned_in:
                    return due
            day += timedelta(days=7 - day.weekday())
        raise ValueError(f"no school week within {_WEEK_LIMIT} weeks of {turned_in}")
    return calendar.add_working_hours(turned_in, window.hours)


def is_overdue(
    turned_in: datetime, window: MarkingWindow, calendar: SchoolCalendar, as_of: datetime
) -> bool:
    try:
        due = deadline(turned_in, window, calendar)
    except ValueError:
        return False  # no school day ahead (the last term has ended): the window never closes
    return calendar.working_time_between(due, as_of) > _ZERO


class OverdueTest:
    """``is_overdue`` for many submissions of one window at one instant, cheaply.

    An ``hours`` window is one comparison with a threshold worked out once; same-day and
    end-of-week deadlines depend only on the turn-in's local date (and which side of
    that date's cut it falls), so they are worked out once per date.
    """

    def __init__(self, window: MarkingWindow, calendar: SchoolCalendar, as_of: datetime) -> None:
        self.window, self.calendar, self.as_of = window, calendar, as_of
        self.threshold = calendar.more_working_time_before(as_of, timedelta(hours=window.hours))
        self._by_date: dict[tuple[date, bool], bool] = {}

    def _hours(self, turned_in: datetime) -> bool:
        return self.threshold is not None and turned_in < self.threshold

    def __call__(self, turned_in: datetime) -> bool:
        w, cal = self.window, self.calendar
        if w.kind is WindowKind.HOURS:
            return self._hours(turned_in)
        day = cal.local_date(turned_in)
        if w.kind is WindowKind.SAME_DAY:
            if cal.is_school_day(day) and cal.local_time(turned_in) <= w.in_by:
                return self._dated(day, False, turned_in)
            return self._hours(turned_in)
        # Every turn-in of one date before its week's deadline shares that deadline; every
        # one after it shares a later week's.
        week = cal.week_school_days(day)
        late = not week or turned_in > cal.local_instant(week[-1], w.back_by)
        return self._dated(day, late, turned_in)

    def _dated(self, day: date, late: bool, turned_in: datetime) -> bool:
        known = self._by_date.get((day, late))
        if known is None:
            known = self._by_date[(day, late)] = is_overdue(
                turned_in, self.window, self.calendar, self.as_of
            )
        return known


def work_key(work_id: int) -> str:
    return f"{RULE}:{work_id}"


def pupil_key(pupil_id: int) -> str:
    return f"{FEEDBACK_RULE}:{pupil_id}"


def _describe(w: MarkingWindow) -> str:
    if w.kind is WindowKind.SAME_DAY:
        return f"in by {w.in_by:%H:%M}, back by {w.back_by:%H:%M}; else {w.hours:g} working hours"
    if w.kind is WindowKind.END_OF_WEEK:
        return f"back by {w.back_by:%H:%M} on the week's last school day"
    return f"{w.hours:g} working hours"


def evaluate_r2(
    overdue: Iterable[R2Overdue],
    settings: R2Settings,
    calendar: SchoolCalendar,
    *,
    school_id: int,
    as_of: datetime,
    teachers: dict[int, tuple[int, ...]] | None = None,
) -> list[FindingDraft]:
    """One draft per piece of work with overdue submissions at ``as_of`` that is not
    flagged as not for marking."""
    day = calendar.local_date(as_of)
    age = WorkingTimeUntil(calendar, as_of)
    drafts = []
    for o in sorted(overdue, key=lambda o: o.work_id):
        if not_for_marking(o.title, o.topic, settings.not_for_marking):
            continue
        drafts.append(
            FindingDraft(
                rule=RULE,
                key=work_key(o.work_id),
                school_id=school_id,
                day=day,
                class_id=o.class_id,
                work_id=o.work_id,
                evidence={
                    "work_title": o.title,
                    "class_name": o.class_name,
                    "overdue": o.overdue,
                    "oldest_turned_in_at": o.oldest_turned_in_at.isoformat(),
                    "oldest_age_working_hours": round(age.hours(o.oldest_turned_in_at), 1),
                    "window": _describe(window_for(o.class_name, settings.windows)),
                    "teacher_ids": list((teachers or {}).get(o.class_id, ())),
                },
            )
        )
    return drafts


def evaluate_feedback(
    pupils: Iterable[R2Pupil],
    settings: R2Settings,
    calendar: SchoolCalendar,
    *,
    school_id: int,
    as_of: datetime,
) -> list[FindingDraft]:
    """One ``R2-feedback`` draft per pupil with no marked work in ``feedback_days``."""
    since = as_of - timedelta(days=settings.feedback_days)
    day: date = calendar.local_date(as_of)
    drafts = []
    for p in sorted(pupils, key=lambda p: p.pupil_id):
        if p.first_turned_in_at > since:
            continue  # not handing work in for long enough to be owed feedback
        if p.last_marked_at is not None and p.last_marked_at > since:
            continue
        drafts.append(
            FindingDraft(
                rule=FEEDBACK_RULE,
                key=pupil_key(p.pupil_id),
                school_id=school_id,
                day=day,
                pupil_id=p.pupil_id,
                evidence={
                    "pupil_name": p.name,
                    "days": settings.feedback_days,
                    "last_feedback_at": p.last_marked_at.isoformat() if p.last_marked_at else None,
                },
            )
        )
    return drafts
