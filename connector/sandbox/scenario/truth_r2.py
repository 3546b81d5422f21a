"""Ground truth for R2 (work marked): exactly what the product must report.

Judged at each school day D of the school (its own calendar: term, INSET days —
``calendars.is_open``) at 17:00 local (the check instant T), from the
scenario's final data — the data a sync at ``Scenario.now`` stores — with the product's
definitions (``jobs/rules/r2.py``), implemented here independently:

- A submission is *unmarked* at T when its ``turned_in_at`` (latest turn-in) is ≤ T, its
  final state is TURNED_IN or RETURNED, and it has no *marked time* between its turn-in
  and T. Marked time: ``returned_at``; else ``updated_at`` when it has an assigned grade
  or is RETURNED. Reclaimed and excused submissions are never unmarked (the store keeps
  final states, so a submission reclaimed later counts as not waiting, also before).
- Only published work of non-archived classes, and (Google) only pupils still in the class
  at ``Scenario.now``: Classroom drops a pupil's work when they leave, Teams keeps it.
  Work whose title carries ``[NFM]`` is exempt, and on Google work whose topic is "Not
  for marking" (Teams assignments have no topics, so the sandbox serves none).
- Deadline by class name, first match of :data:`R2_WINDOWS` (default: 9 working hours):
  ``hours`` — that many working hours (school days 08:00–17:00 local) after the turn-in;
  ``same_day`` — in by 13:00 on a school day → 17:00 that day, else 9 working hours;
  ``end_of_week`` — 17:00 on the last school day of the turn-in's week (the next week's
  if that has passed). T is the end of a working day and every deadline lies inside
  working time, so *overdue at T* is simply: deadline < T.
- ``R2`` (subject: work id): work with at least one overdue submission at T.
- ``R2-feedback`` (subject: pupil id): among submissions turned in by T, the pupil's
  earliest turn-in is ≤ T − 7 days and no marked time (≤ T) is later than T − 7 days.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from connector.records import Platform, Role, SubmissionState, WorkState
from connector.sandbox.scenario import names
from connector.sandbox.scenario.calendars import is_open, open_days
from connector.sandbox.scenario.context import Build
from connector.sandbox.scenario.days import local, local_date
from connector.sandbox.scenario.model import Finding, GroundTruth, SchoolSpec, SubmissionSpec

S = SubmissionState
CHECK = time(17, 0)
_START, _END = time(8, 0), time(17, 0)
FEEDBACK_DAYS = 7
_HORIZON_DAYS = 400  # no school day this far ahead: the term has ended for good
NFM_TITLE_TAG = "[NFM]"
# Every scenario school's R2 marking windows (settings_for emits them as config).
R2_WINDOWS: list[dict[str, Any]] = [
    {"match": r"\b(?:Maths|English)\b", "kind": "same_day"},
    {"match": r"\bArt\b", "kind": "end_of_week"},
    {"match": r"\bScience\b", "kind": "hours", "hours": 18},
]
R2_CONFIG: dict[str, Any] = {"windows": R2_WINDOWS, "feedback_days": FEEDBACK_DAYS}


def r2_truth(b: Build, gt: GroundTruth) -> None:
    schools = {s.id: s for s in b.schools}
    classes = {c.id: c for c in b.classes}
    work = {w.id: w for w in b.work}
    days = {s.id: open_days(b, s) for s in b.schools}
    checks = {s.id: [local(d, CHECK, s.time_zone) for d in days[s.id]] for s in b.schools}
    pupils: dict[tuple[str, str], list[tuple[datetime, datetime | None]]] = defaultdict(list)
    # Google drops a pupil's work from a course when the pupil leaves it; Teams keeps it.
    gone = {
        (c.id, m.person_id)
        for c in b.classes
        if schools[c.school_id].platform is Platform.GOOGLE
        for m in c.members
        if m.role is Role.PUPIL and m.left_at is not None and m.left_at <= b.now
    }
    for sub in b.submissions:
        klass = classes[sub.class_id]
        w = work[sub.work_id]
        if klass.archived or w.state is not WorkState.PUBLISHED or sub.turned_in_at is None:
            continue
        if (sub.class_id, sub.pupil_id) in gone:
            continue
        school = schools[klass.school_id]
        marked = _marked_at(sub)
        pupils[(school.id, sub.pupil_id)].append((sub.turned_in_at, marked))
        if sub.state not in (S.TURNED_IN, S.RETURNED):
            continue
        # Teams assignments have no topics: only the title tag marks them on Microsoft.
        google = school.platform is Platform.GOOGLE
        if (google and w.topic == names.NOT_FOR_MARKING) or NFM_TITLE_TAG in w.title:
            continue
        due = _deadline(sub.turned_in_at, _window(klass.name), school)
        if due is None:
            continue
        times = checks[school.id]
        first = bisect_right(times, due)  # first check strictly after the deadline
        last = len(times)
        if marked is not None and marked >= sub.turned_in_at:
            last = bisect_left(times, marked)  # checks before the marking
        for i in range(first, last):
            gt.add(Finding("R2", school.id, days[school.id][i], w.id, "submission overdue"))
    _feedback(gt, days, checks, pupils)


def _feedback(
    gt: GroundTruth,
    days: dict[str, list[date]],
    checks: dict[str, list[datetime]],
    pupils: dict[tuple[str, str], list[tuple[datetime, datetime | None]]],
) -> None:
    span = timedelta(days=FEEDBACK_DAYS)
    for (school_id, pupil), subs in pupils.items():
        for day, t in zip(days[school_id], checks[school_id], strict=True):
            seen = [(ti, m) for ti, m in subs if ti <= t]
            if not seen or min(ti for ti, _ in seen) > t - span:
                continue
            marks = [m for _, m in seen if m is not None and m <= t]
            if not marks or max(marks) <= t - span:
                gt.add(Finding("R2-feedback", school_id, day, pupil, "no feedback in 7 days"))


def _marked_at(sub: SubmissionSpec) -> datetime | None:
    if sub.returned_at is not None:
        return sub.returned_at
    if sub.assigned_grade is not None or sub.state is S.RETURNED:
        return sub.updated_at
    return None


def _window(class_name: str) -> dict[str, Any]:
    for w in R2_WINDOWS:
        if re.search(w["match"], class_name):
            return w
    return {"kind": "hours", "hours": 9}


def _deadline(turned_in: datetime, window: dict[str, Any], school: SchoolSpec) -> datetime | None:
    """None when no school day follows (a term that ends): never overdue."""
    tz = school.time_zone
    day = local_date(turned_in, tz)
    if window["kind"] == "same_day":
        if is_open(school, day) and turned_in <= local(day, time(13, 0), tz):
            return local(day, _END, tz)
    elif window["kind"] == "end_of_week":
        for _ in range(_HORIZON_DAYS // 7):
            monday = day - timedelta(days=day.weekday())
            week = [monday + timedelta(days=k) for k in range(7)]
            open_ = [d for d in week if is_open(school, d)]
            if open_ and local(open_[-1], _END, tz) >= turned_in:
                return local(open_[-1], _END, tz)
            day = monday + timedelta(days=7)
        return None
    return _add_working(turned_in, timedelta(hours=window.get("hours", 9)), school)


def _add_working(start: datetime, amount: timedelta, school: SchoolSpec) -> datetime | None:
    tz = school.time_zone
    day = local_date(start, tz)
    for _ in range(_HORIZON_DAYS):
        if is_open(school, day):
            a, b = local(day, _START, tz), local(day, _END, tz)
            cursor = max(start, a)
            if cursor < b:
                if amount <= b - cursor:
                    return cursor + amount
                amount -= b - cursor
        day += timedelta(days=1)
    return None
