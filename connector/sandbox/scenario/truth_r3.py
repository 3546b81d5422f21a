"""Exact ground truth for R3 (disengaged pupils), at 17:00 local on each school day.

It states what :mod:`jobs.rules.r3` must find on a store that a sync brought up to date
at every check instant ``T`` (17:00 on each school day, the first one a full sync), as
a school running the service daily has. The store learns of a join or a leave at the
first sync after it: a membership present at the first sync has no start; one that
began later starts at the first check instant at or after its start. Everything else is
read as the platform shows it at ``T``: a submission's state is its last step at or
before ``T``, its turn-in time its last turn-in at or before ``T``, *graded* that it was
returned with a grade by ``T``.

At ``T``, with the school's :func:`knobs <connector.sandbox.scenario.truth_r4.knobs>`:

- A pupil's classes: their pupil memberships current at ``T`` of the school's
  non-archived classes. A pupil in none is not judged.
- Their work in a class: their submissions there created by ``T`` whose work is due by
  ``T`` and not before the membership's start (as the store knows it).
- Excused: state EXCUSED, or (``excuse_returned_ungraded``) RETURNED with no turn-in and
  no grade. Handed in (when not excused): TURNED_IN or RETURNED with a turn-in, or
  RETURNED with a grade. Otherwise missed. Excused work counts nowhere.
- Live lessons of a class: the class's lessons that need a recording under R4's knobs
  (:func:`~connector.sandbox.scenario.truth_r4.needs_recording`), ended by ``T``.

Signals: (1) in a class, at least ``missed_in_a_row`` missed pieces due after the last
handed-in one; (2) of the pieces due in ``(T - share_days, T]`` over all classes, at least
``share_min_due`` and under ``share_below`` handed in; (3) in a class, the last
``lessons_in_a_row`` live lessons all started at or after the membership's start and
none attended; (4) with ``W`` local midnight of the ``inactive_days``-th school day back
from D: some class membership started by ``W``, something to do since ``W`` (a piece
due in ``[W, T]``, or a live lesson of one of their classes started in ``[W, T]`` after
they joined it), and no turn-in (in their current classes) and no lesson or call of the
school attended that started in ``[W, T]``. Subject: the pupil's id.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from connector.records import Role, SubmissionState
from connector.sandbox.scenario.context import Build
from connector.sandbox.scenario.days import local
from connector.sandbox.scenario.model import (
    Finding,
    GroundTruth,
    LessonSpec,
    SchoolSpec,
    SubmissionSpec,
)
from connector.sandbox.scenario.truth_r4 import (
    Knobs,
    check_instant,
    knobs,
    needs_recording,
    previous_school_day,
)

S = SubmissionState


# A submission's status at one check instant.
_NONE, _EXCUSED, _HANDED, _MISSED = 0, 1, 2, 3


def _statuses(sub: SubmissionSpec, checks: list[datetime], k: Knobs) -> list[int]:
    """The submission's status at each check instant, as the platform shows it then."""
    out = [_NONE] * bisect_left(checks, sub.created_at)
    state, turned_in, graded = S.ASSIGNED, False, False
    for e in sorted(sub.history, key=lambda e: e.at):
        upto = bisect_left(checks, e.at)  # checks before this step see the earlier status
        if upto > len(out):
            out += [_status(state, turned_in, graded, k)] * (upto - len(out))
        state = e.state
        turned_in = turned_in or e.state is S.TURNED_IN
        graded = graded or (e.state is S.RETURNED and e.grade is not None)
    out += [_status(state, turned_in, graded, k)] * (len(checks) - len(out))
    return out


def _status(state: SubmissionState, turned_in: bool, graded: bool, k: Knobs) -> int:
    if state is S.EXCUSED or (
        k.excuse_returned_ungraded and state is S.RETURNED and not turned_in and not graded
    ):
        return _EXCUSED
    if (state in (S.TURNED_IN, S.RETURNED) and turned_in) or (state is S.RETURNED and graded):
        return _HANDED
    return _MISSED


def _quiet_start(school: SchoolSpec, day: date, n: int) -> datetime:
    """Local midnight of the ``n``-th school day back from ``day`` (counting ``day`` if
    it is one), on the school's own calendar; fewer if the calendar has fewer."""
    first = previous_school_day(day + timedelta(days=1), school)
    if first is None:
        return local(day, datetime.min.time(), school.time_zone)
    for _ in range(n - 1):
        previous = previous_school_day(first, school)
        if previous is None:
            break
        first = previous
    return local(first, datetime.min.time(), school.time_zone)


@dataclass(slots=True)
class _Tally:
    """One pupil's work in one class, per check instant (lists indexed like the checks)."""

    streak_trips: list[bool]
    share_due: list[int]
    share_handed: list[int]
    quiet_due: list[bool]
    last_turn_in: list[datetime | None]


@dataclass(slots=True)
class _ClassDay:
    """A class's live lessons at one check instant, as R3 sees them."""

    tail_start: datetime | None  # start of the first of the last N lessons (None: < N)
    tail_attendees: frozenset[str]
    latest_quiet: datetime | None  # latest lesson start in the inactivity window


@dataclass(slots=True)
class _Member:
    pupil: str
    class_id: str
    joined: datetime
    left: datetime | None
    start: datetime | None  # the membership's start as the store knows it
    tally: _Tally


class _School:
    """One school's R3 truth: every membership tallied over all check instants at once."""

    def __init__(self, b: Build, school: SchoolSpec) -> None:
        self.school, self.k = school, knobs(school)
        self.days = b.days
        self.checks = [check_instant(school, d) for d in b.days]
        self.quiet = [_quiet_start(school, d, self.k.inactive_days) for d in b.days]
        classes = [c for c in b.classes if c.school_id == school.id and not c.archived]
        ids = {c.id for c in classes}
        work_due = {w.id: w.due_at for w in b.work if w.class_id in ids}
        subs: dict[tuple[str, str], list[SubmissionSpec]] = defaultdict(list)
        for sub in b.submissions:
            if sub.class_id in ids:
                subs[(sub.pupil_id, sub.class_id)].append(sub)
        self.members = [
            _Member(m.person_id, c.id, m.joined_at, m.left_at, start, tally)
            for c in classes
            for m in c.members
            if m.role is Role.PUPIL
            for start in [self._known_start(m.joined_at)]
            for tally in [self._tally(subs.get((m.person_id, c.id), []), work_due, start)]
        ]
        people = b.people
        lessons: dict[str, list[LessonSpec]] = defaultdict(list)
        attended: dict[str, list[datetime]] = defaultdict(list)
        for le in b.lessons:
            if people[le.organiser_id].school_id != school.id:
                continue
            for a in le.attendance:
                attended[a.person_id].append(le.started_at)
            if le.class_id in ids and needs_recording(le, self.k, people, school.platform):
                lessons[le.class_id].append(le)
        self.attended = {p: sorted(v) for p, v in attended.items()}
        self.class_days = {
            (cid, i): self._class_day(sorted(items, key=lambda le: le.started_at), i)
            for cid, items in lessons.items()
            for i in range(len(self.checks))
        }

    def _known_start(self, joined: datetime) -> datetime | None:
        """When the store, synced at each check instant, learnt of a membership."""
        if joined <= self.checks[0]:
            return None
        return next((t for t in self.checks if t >= joined), joined)

    def _class_day(self, lessons: list[LessonSpec], i: int) -> _ClassDay:
        t, n = self.checks[i], self.k.lessons_in_a_row
        held = [le for le in lessons if le.ended_at <= t]
        tail = held[-n:] if len(held) >= n else []
        quiet = [le.started_at for le in held if self.quiet[i] <= le.started_at <= t]
        return _ClassDay(
            tail[0].started_at if tail else None,
            frozenset(a.person_id for le in tail for a in le.attendance),
            max(quiet, default=None),
        )

    def _tally(
        self,
        subs: list[SubmissionSpec],
        work_due: dict[str, datetime | None],
        start: datetime | None,
    ) -> _Tally:
        k, checks = self.k, self.checks
        turn_ins = sorted(e.at for sub in subs for e in sub.history if e.state is S.TURNED_IN)
        pieces = sorted(
            (due, _statuses(sub, checks, k))
            for sub in subs
            if (due := work_due[sub.work_id]) is not None and (start is None or due >= start)
        )
        dues = [d for d, _ in pieces]
        n = len(checks)
        tally = _Tally([False] * n, [0] * n, [0] * n, [False] * n, [None] * n)
        for i, t in enumerate(checks):
            n_in = bisect_right(turn_ins, t)
            tally.last_turn_in[i] = turn_ins[n_in - 1] if n_in else None
            end = bisect_right(dues, t)
            # The streak: missed pieces due after the last handed-in one.
            missed_dues = []
            j = end - 1
            while j >= 0:
                st = pieces[j][1][i]
                if st == _HANDED:
                    break
                if st == _MISSED:
                    missed_dues.append(dues[j])
                j -= 1
            if j >= 0:
                missed_dues = [d for d in missed_dues if d > dues[j]]
            tally.streak_trips[i] = len(missed_dues) >= k.missed_in_a_row
            n_due = n_handed = 0
            for j in range(bisect_right(dues, t - timedelta(days=k.share_days)), end):
                st = pieces[j][1][i]
                if st != _EXCUSED:
                    n_due += 1
                    n_handed += st == _HANDED
            tally.share_due[i], tally.share_handed[i] = n_due, n_handed
            tally.quiet_due[i] = any(
                pieces[j][1][i] != _EXCUSED for j in range(bisect_left(dues, self.quiet[i]), end)
            )
        return tally

    def judge(self, i: int, gt: GroundTruth) -> None:
        k, t, quiet = self.k, self.checks[i], self.quiet[i]
        current: dict[str, list[_Member]] = defaultdict(list)
        for m in self.members:
            if m.joined <= t and (m.left is None or m.left > t):
                current[m.pupil].append(m)
        for pupil, members in current.items():
            tripped = expected = False
            share_due = share_handed = 0
            last: datetime | None = None
            for m in members:
                tally = m.tally
                tripped = tripped or tally.streak_trips[i]
                share_due += tally.share_due[i]
                share_handed += tally.share_handed[i]
                expected = expected or tally.quiet_due[i]
                turn_in = tally.last_turn_in[i]
                if turn_in is not None and (last is None or turn_in > last):
                    last = turn_in
                day = self.class_days.get((m.class_id, i))
                if day is None:
                    continue
                if day.latest_quiet is not None and (
                    m.start is None or day.latest_quiet >= m.start
                ):
                    expected = True
                if (
                    day.tail_start is not None
                    and (m.start is None or day.tail_start >= m.start)
                    and pupil not in day.tail_attendees
                ):
                    tripped = True
            if share_due >= k.share_min_due and share_handed < k.share_below * share_due:
                tripped = True
            seen = self.attended.get(pupil, [])
            n_seen = bisect_right(seen, t)
            if n_seen and (last is None or seen[n_seen - 1] > last):
                last = seen[n_seen - 1]
            member_by_quiet = any(m.start is None or m.start <= quiet for m in members)
            if tripped or (member_by_quiet and expected and (last is None or last < quiet)):
                gt.add(Finding("R3", self.school.id, self.days[i], pupil, "disengaged"))


def r3_truth(b: Build, gt: GroundTruth) -> None:
    for school in b.schools:
        judge = _School(b, school)
        for i in range(len(b.days)):
            judge.judge(i, gt)
