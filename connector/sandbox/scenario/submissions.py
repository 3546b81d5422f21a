"""Submissions: one per pupil who is a member when a piece of work goes live.

Only assignments and questions that are published (not deleted) get submissions. A
pupil turns in with their own diligence, sometimes late, sometimes reclaims; a teacher
returns with a grade when the work has points, slow markers days later or never;
excused pupils are excused (Teams ``excused``; Google: returned without a grade and
never turned in). ``late`` is true when turned in after the due time, or not turned in
while the due time has passed (Google's "missing"). Nothing happens after
``Scenario.now``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from connector.records import Platform, Role, SubmissionState, WorkKind, WorkState
from connector.sandbox.scenario import names
from connector.sandbox.scenario.context import Build
from connector.sandbox.scenario.model import (
    ClassSpec,
    SchoolSpec,
    SubmissionEvent,
    SubmissionSpec,
    WorkSpec,
)

S = SubmissionState


_HALF_HOUR = timedelta(minutes=30)
_ONE_HOUR = timedelta(hours=1)
_ONE_DAY = timedelta(days=1)


def add_submissions(b: Build, school: SchoolSpec, klass: ClassSpec, work: list[WorkSpec]) -> None:
    pupils = [m for m in klass.members if m.role is Role.PUPIL]
    google = school.platform is Platform.GOOGLE
    slow = klass.owner_id in b.slow_markers
    for w in work:
        pub = w.published_at
        if w.state is not WorkState.PUBLISHED or pub is None or pub > b.now:
            continue
        if w.kind not in (WorkKind.ASSIGNMENT, WorkKind.QUESTION):
            continue
        _Work(b, klass, w, pub, google, slow).add(
            m.person_id
            for m in pupils
            if m.joined_at <= pub and (m.left_at is None or m.left_at > pub)
        )


class _Work:
    """The submissions of one piece of work; per-work values are worked out once."""

    def __init__(
        self, b: Build, klass: ClassSpec, w: WorkSpec, pub: datetime, google: bool, slow: bool
    ) -> None:
        self.b, self.klass, self.w, self.pub, self.google = b, klass, w, pub, google
        self.teacher = klass.owner_id
        self.due = w.due_at or pub + _ONE_DAY
        self.span = self.due - pub
        self.p_return = 0.2 if w.topic == names.NOT_FOR_MARKING else 0.5 if slow else 0.97
        self.slow = slow

    def add(self, pupils: Iterable[str]) -> None:
        b, w, pub, now = self.b, self.w, self.pub, self.b.now
        rnd = b.rng.random
        new_id = b.ids.submission if self.google else b.ids.submission_guid
        out = b.submissions
        for pupil in pupils:
            sub = SubmissionSpec(
                new_id(),
                w.id,
                self.klass.id,
                pupil,
                S.ASSIGNED,
                pub,
                pub,
                history=[SubmissionEvent(pub, S.ASSIGNED, w.creator_id)],
            )
            out.append(sub)
            if (self.klass.id, pupil) in b.excused:
                self._excuse(sub)
                continue
            if rnd() < _diligence(b, pupil):
                at = pub + self.span * (0.1 + 1.05 * rnd())
                stops = b.disengage_at.get(pupil)
                if (stops is None or at < stops) and at <= now:
                    self._turn_in(sub, at)
            if sub.turned_in_at is not None:
                sub.late = sub.turned_in_at > self.due
            else:
                sub.late = sub.state is not S.RETURNED and self.due <= now

    def _excuse(self, sub: SubmissionSpec) -> None:
        at = min(self.pub + _ONE_HOUR, self.b.now)
        if self.google:
            _move(sub, S.RETURNED, at, self.teacher)
            sub.returned_at = at
        else:
            _move(sub, S.EXCUSED, at, self.teacher)

    def _turn_in(self, sub: SubmissionSpec, at: datetime) -> None:
        rnd, now, w = self.b.rng.random, self.b.now, self.w
        _move(sub, S.TURNED_IN, at, sub.pupil_id)
        sub.turned_in_at = at
        if rnd() < 0.05 and at + _HALF_HOUR <= now:
            at += _HALF_HOUR
            _move(sub, S.RECLAIMED, at, sub.pupil_id)
            if rnd() < 0.5 and at + _ONE_HOUR <= now:
                at += _ONE_HOUR
                _move(sub, S.TURNED_IN, at, sub.pupil_id)
                sub.turned_in_at = at
            else:
                return
        grade = None
        if w.max_points is not None:
            grade = float(round((0.4 + 0.6 * rnd()) * w.max_points))
        if rnd() < self.p_return:
            hours = 48 + 72 * rnd() if self.slow else 1 + 19 * rnd()
            back = at + timedelta(hours=hours)
            if back <= now:
                _move(sub, S.RETURNED, back, self.teacher, grade)
                sub.returned_at = back
                sub.assigned_grade = grade
                return
        if grade is not None and rnd() < 0.3:
            sub.draft_grade = grade  # marked but not yet returned: still unmarked for R2


def _diligence(b: Build, pupil: str) -> float:
    d = b.diligence.get(pupil)
    if d is None:
        d = b.diligence[pupil] = b.rng.uniform(0.7, 0.99)
    return d


def _move(
    sub: SubmissionSpec,
    state: SubmissionState,
    at: datetime,
    actor: str,
    grade: float | None = None,
) -> None:
    sub.state = state
    sub.updated_at = at
    sub.history.append(SubmissionEvent(at, state, actor, grade))
