"""R3: disengaged pupils (POLICIES.md), judged at one instant ``T`` (the check's clock).

Words, all as the store knows them at ``T``:

- A pupil's *classes* are their pupil memberships current at ``T`` (``left_at`` empty or
  after ``T``) of the school's active classes. Nothing is judged in a class they left,
  and a pupil in no class is not judged at all. A membership's start is ``joined_at``
  (empty: there since the first sync).
- A pupil's *work* in a class is their submissions of published, not deleted work whose
  due time is at or before ``T`` and not before the membership's start: work that was
  already due when they joined is not theirs to miss.
- *Excused*: Teams ``excused``; and, where the school sets ``excuse_returned_ungraded``,
  returned with no turn-in and no grade (how Google teachers excuse). Excused work is
  neither missed nor handed in: it is left out of every signal.
- *Handed in*: turned in at or before ``T`` (turned in, or returned after a turn-in), or
  returned with a grade (marked without a turn-in). Otherwise work past its due time is
  *missed* — handing it in late makes it handed in.
- A *live lesson of a class*: a meeting of the class that needs a recording under R4's
  settings (:func:`jobs.rules.r4.needs_recording`: a live lesson, long and big enough),
  ended by ``T`` and started at or after the membership's start.

Signals (each with its threshold in :class:`config.engagement.R3Settings`):

1. ``missed_work``: in one class, at least ``missed_in_a_row`` pieces missed that are due
   after the last piece handed in (by due time; with none handed in, all of them).
2. ``low_share``: over all classes, of the work due in ``(T - share_days, T]``, at least
   ``share_min_due`` pieces and less than ``share_below`` of them handed in.
3. ``missed_lessons``: in one class, the last ``lessons_in_a_row`` live lessons all
   missed (no attendance), all held since the pupil joined.
4. ``inactive``: the window runs from local midnight of the ``inactive_days``-th school
   day back (counting ``T``'s own date if it is a school day) to ``T``. The pupil was in
   some class since the window began, had something to do in it (work due in it, or a
   live lesson of one of their classes started in it), and did nothing in it: no turn-in
   (in any of their classes) and no lesson or call of the school attended.

A pupil is disengaged when any signal trips: one finding per pupil, its ``class_id`` the
first class with a class signal, its evidence every signal with its work and lessons.
It resolves on the first check at which no signal trips. Pure: no session, no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from config.engagement import R3Settings
from jobs.calendar import SchoolCalendar
from jobs.rules.base import FindingDraft

RULE = "R3"


@dataclass(frozen=True, slots=True)
class R3Membership:
    pupil_id: int
    class_id: int
    joined_at: datetime | None


@dataclass(frozen=True, slots=True)
class R3Tally:
    """One pupil's work in one class at ``T``, counted in SQL (see :mod:`r3_query`)."""

    pupil_id: int
    class_id: int
    streak: int  # missed pieces due after the last one handed in
    share_due: int  # not excused, due in the share window
    share_handed: int
    quiet_due: int  # not excused, due in the inactivity window
    last_turn_in: datetime | None


@dataclass(frozen=True, slots=True)
class R3Lesson:
    """A live lesson of a class; ``attended_by`` is filled for the ones R3 looks at."""

    lesson_id: int
    class_id: int
    started_at: datetime
    attended_by: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class R3Inputs:
    memberships: Sequence[R3Membership]
    tallies: Sequence[R3Tally]
    # (pupil id, class id) -> ids of the missed work in the streak, for tripped streaks
    missed_work: Mapping[tuple[int, int], Sequence[int]]
    # class id -> its live lessons up to T, oldest first
    lessons: Mapping[int, Sequence[R3Lesson]]
    # pupil id -> start of the latest lesson or call they attended up to T
    last_attended: Mapping[int, datetime]


def quiet_window_start(calendar: SchoolCalendar, as_of: datetime, days: int) -> datetime:
    """Local midnight of the ``days``-th school day back from ``as_of``'s date."""
    day = calendar.last_school_day_on_or_before(calendar.local_date(as_of))
    if day is None:
        return calendar.local_midnight(calendar.local_date(as_of))
    for _ in range(days - 1):
        previous = calendar.previous_school_day(day)
        if previous is None:
            break
        day = previous
    return calendar.local_midnight(day)


def finding_key(school_id: int, pupil_id: int) -> str:
    return f"{RULE}:{school_id}:{pupil_id}"


def evaluate_r3(
    inputs: R3Inputs,
    settings: R3Settings,
    *,
    school_id: int,
    as_of: datetime,
    day: date,
    quiet_start: datetime,
) -> list[FindingDraft]:
    """One draft per disengaged pupil (see the module for the signals)."""
    by_pupil: dict[int, list[R3Membership]] = defaultdict(list)
    for m in inputs.memberships:
        by_pupil[m.pupil_id].append(m)
    tallies: dict[tuple[int, int], R3Tally] = {(t.pupil_id, t.class_id): t for t in inputs.tallies}

    drafts = []
    for pupil_id in sorted(by_pupil):
        classes = sorted(by_pupil[pupil_id], key=lambda m: m.class_id)
        mine = [t for m in classes if (t := tallies.get((pupil_id, m.class_id)))]
        signals: list[dict[str, Any]] = []
        signals += _missed_work(mine, inputs.missed_work, settings)
        signals += _low_share(mine, settings)
        signals += _missed_lessons(pupil_id, classes, inputs.lessons, settings)
        signals += _inactive(pupil_id, classes, mine, inputs, settings, quiet_start, as_of)
        if not signals:
            continue
        class_ids = [s["class_id"] for s in signals if s.get("class_id") is not None]
        drafts.append(
            FindingDraft(
                rule=RULE,
                key=finding_key(school_id, pupil_id),
                school_id=school_id,
                day=day,
                class_id=min(class_ids) if class_ids else None,
                pupil_id=pupil_id,
                evidence={"as_of": as_of.isoformat(), "signals": signals},
            )
        )
    return drafts


def _missed_work(
    tallies: Iterable[R3Tally],
    missed: Mapping[tuple[int, int], Sequence[int]],
    settings: R3Settings,
) -> list[dict[str, Any]]:
    return [
        {
            "signal": "missed_work",
            "class_id": t.class_id,
            "missed": t.streak,
            "threshold": settings.missed_in_a_row,
            "work_ids": sorted(missed.get((t.pupil_id, t.class_id), ())),
        }
        for t in tallies
        if t.streak >= settings.missed_in_a_row
    ]


def _low_share(tallies: Sequence[R3Tally], settings: R3Settings) -> list[dict[str, Any]]:
    due = sum(t.share_due for t in tallies)
    handed = sum(t.share_handed for t in tallies)
    if due < settings.share_min_due or handed >= settings.share_below * due:
        return []
    return [
        {
            "signal": "low_share",
            "due": due,
            "handed_in": handed,
            "share": round(handed / due, 3),
            "below": settings.share_below,
            "days": settings.share_days,
        }
    ]


def _missed_lessons(
    pupil_id: int,
    classes: Iterable[R3Membership],
    lessons: Mapping[int, Sequence[R3Lesson]],
    settings: R3Settings,
) -> list[dict[str, Any]]:
    n = settings.lessons_in_a_row
    out = []
    for m in classes:
        tail = list(lessons.get(m.class_id, ()))[-n:]
        if len(tail) < n:
            continue
        if m.joined_at is not None and tail[0].started_at < m.joined_at:
            continue
        if any(pupil_id in le.attended_by for le in tail):
            continue
        out.append(
            {
                "signal": "missed_lessons",
                "class_id": m.class_id,
                "missed": n,
                "lesson_ids": [le.lesson_id for le in tail],
            }
        )
    return out


def _inactive(
    pupil_id: int,
    classes: Sequence[R3Membership],
    tallies: Sequence[R3Tally],
    inputs: R3Inputs,
    settings: R3Settings,
    quiet_start: datetime,
    as_of: datetime,
) -> list[dict[str, Any]]:
    if not any(m.joined_at is None or m.joined_at <= quiet_start for m in classes):
        return []
    expected = any(t.quiet_due > 0 for t in tallies) or any(
        quiet_start <= le.started_at <= as_of
        and (m.joined_at is None or le.started_at >= m.joined_at)
        for m in classes
        for le in inputs.lessons.get(m.class_id, ())
    )
    if not expected:
        return []
    moments = [t.last_turn_in for t in tallies if t.last_turn_in is not None]
    if pupil_id in inputs.last_attended:
        moments.append(inputs.last_attended[pupil_id])
    last = max(moments, default=None)
    if last is not None and last >= quiet_start:
        return []
    return [
        {
            "signal": "inactive",
            "days": settings.inactive_days,
            "since": quiet_start.isoformat(),
            "last_activity": last.isoformat() if last else None,
        }
    ]
