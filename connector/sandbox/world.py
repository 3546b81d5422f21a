"""The sandbox's live state: a scenario plus indexes, and the changes tests make to it.

Both platform front ends read the same world, so a mixed trust is one world. Changes made
between syncs (post work, turn in, return, delete, add or remove a pupil, delete a class)
bump ``updated_at`` the way the real services do, so incremental syncs can see them.

Every change also bumps ``revision`` and records which class it touched, so views
derived from the whole world (the Reports API's audit log) rebuild only what changed. A
test that edits a spec object directly must call :meth:`World.touch` for such views to
see it.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from connector.records import Platform, Role, SubmissionState, WorkState
from connector.sandbox.scenario.model import (
    AttendanceSpec,
    ClassSpec,
    LessonSpec,
    MembershipSpec,
    PersonSpec,
    Scenario,
    SchoolSpec,
    SubmissionEvent,
    SubmissionSpec,
    WorkSpec,
)


@dataclass
class World:
    scenario: Scenario
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Objects removed by a test: the APIs answer 404 for them and stop listing them.
    deleted_classes: set[str] = field(default_factory=set)
    deleted_work: set[str] = field(default_factory=set)
    # Lessons a test added: lesson id -> (change number, when). Calendar serves these as
    # the event's ``created``/``updated`` and for sync tokens; ending or recording a
    # meeting does not change its calendar event, so only add_lesson records a change.
    lesson_changes: dict[str, tuple[int, datetime]] = field(default_factory=dict)
    lesson_rev: int = 0
    # When a test deleted each class (world time): the audit log's ``deleted_course``.
    class_deleted_at: dict[str, datetime] = field(default_factory=dict)
    revision: int = 0  # bumped by every change below; advancing the clock is not a change
    # The revision of the last change to each class, and of the last change to anything
    # (a touch() naming no class); see changed_at().
    class_revisions: dict[str, int] = field(default_factory=dict)
    all_revision: int = 0

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        s = self.scenario
        self.schools: dict[str, SchoolSpec] = {x.id: x for x in s.schools}
        self.classes: dict[str, ClassSpec] = {c.id: c for c in s.classes}
        self.people_by_email: dict[str, PersonSpec] = {
            p.email.lower(): p for p in s.people.values()
        }
        self.work: dict[str, WorkSpec] = {w.id: w for w in s.work}
        self.work_by_class: dict[str, list[WorkSpec]] = defaultdict(list)
        for w in s.work:
            self.work_by_class[w.class_id].append(w)
        self.submissions: dict[str, SubmissionSpec] = {x.id: x for x in s.submissions}
        self.subs_by_work: dict[str, list[SubmissionSpec]] = defaultdict(list)
        self.subs_by_class: dict[str, list[SubmissionSpec]] = defaultdict(list)
        for x in s.submissions:
            self.subs_by_work[x.work_id].append(x)
            self.subs_by_class[x.class_id].append(x)
        self.lessons_by_class: dict[str | None, list[LessonSpec]] = defaultdict(list)
        self.lessons_by_id: dict[str, LessonSpec] = {}
        # Per person, the lessons they organised or joined, in the scenario's order: Meet
        # lists a user's conferences from these (a trust has thousands of lessons).
        self.lessons_of_person: dict[str, list[LessonSpec]] = defaultdict(list)
        for le in s.lessons:
            self.lessons_by_class[le.class_id].append(le)
            self.lessons_by_id.setdefault(le.id, le)
            for pid in dict.fromkeys([le.organiser_id, *(a.person_id for a in le.attendance)]):
                self.lessons_of_person[pid].append(le)

    # --- reads -------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.scenario.now

    def person(self, person_id: str) -> PersonSpec | None:
        return self.scenario.people.get(person_id)

    def classes_of(self, platform: Platform, school_id: str | None = None) -> list[ClassSpec]:
        out = []
        for c in self.scenario.classes:
            if c.id in self.deleted_classes:
                continue
            school = self.schools[c.school_id]
            if school.platform is platform and (school_id is None or c.school_id == school_id):
                out.append(c)
        return out

    def members(
        self, class_id: str, role: Role, at: datetime | None = None
    ) -> list[MembershipSpec]:
        """Members with ``role`` at ``at`` (default: now); rosters list only current members."""
        when = at or self.now
        return [
            m
            for m in self.classes[class_id].members
            if m.role is role and m.joined_at <= when and (m.left_at is None or m.left_at > when)
        ]

    def visible_work(self, class_id: str) -> list[WorkSpec]:
        return [w for w in self.work_by_class.get(class_id, []) if w.id not in self.deleted_work]

    # --- changes tests make between syncs ---------------------------------------------------

    def touch(self, *class_ids: str | None) -> None:
        """Record a change to ``class_ids`` (None: to no class), or with no argument a
        change that may concern anything. Every mutator below calls it."""
        with self.lock:
            self.revision += 1
            if not class_ids:
                self.all_revision = self.revision
            for c in class_ids:
                if c is not None:
                    self.class_revisions[c] = self.revision

    def changed_at(self, class_id: str) -> int:
        """The revision of the last change that may concern ``class_id``."""
        return max(self.class_revisions.get(class_id, 0), self.all_revision)

    def advance(self, delta: timedelta) -> datetime:
        with self.lock:
            self.scenario.now = self.scenario.now + delta
            return self.scenario.now

    def post_work(self, work: WorkSpec, submissions: list[SubmissionSpec] | None = None) -> None:
        with self.lock:
            self.scenario.work.append(work)
            self.scenario.submissions.extend(submissions or [])
            self.reindex()
            self.touch(work.class_id)

    def turn_in(self, submission_id: str, at: datetime | None = None) -> SubmissionSpec:
        return self._move(submission_id, SubmissionState.TURNED_IN, at)

    def return_work(
        self, submission_id: str, at: datetime | None = None, grade: float | None = None
    ) -> SubmissionSpec:
        with self.lock:
            sub = self._move(submission_id, SubmissionState.RETURNED, at, grade)
            if grade is not None:
                sub.assigned_grade = grade
            return sub

    def reclaim(self, submission_id: str, at: datetime | None = None) -> SubmissionSpec:
        """The pupil takes a turned-in submission back (Google RECLAIMED_BY_STUDENT)."""
        return self._move(submission_id, SubmissionState.RECLAIMED, at)

    def _move(
        self,
        submission_id: str,
        state: SubmissionState,
        at: datetime | None,
        grade: float | None = None,
    ) -> SubmissionSpec:
        with self.lock:
            sub = self.submissions[submission_id]
            when = at or self.now
            actor = sub.pupil_id
            if state is SubmissionState.RETURNED:
                actor = self.classes[sub.class_id].owner_id
                sub.returned_at = when
            if state is SubmissionState.TURNED_IN:
                sub.turned_in_at = when
                work = self.work[sub.work_id]
                sub.late = work.due_at is not None and when > work.due_at
            sub.state = state
            sub.updated_at = when
            sub.history.append(SubmissionEvent(at=when, state=state, actor_id=actor, grade=grade))
            self.touch(sub.class_id)
            return sub

    def delete_work(self, work_id: str, at: datetime | None = None) -> None:
        with self.lock:
            w = self.work[work_id]
            w.state = WorkState.DELETED
            w.updated_at = at or self.now
            self.deleted_work.add(work_id)
            self.touch(w.class_id)

    def delete_class(self, class_id: str) -> None:
        with self.lock:
            self.deleted_classes.add(class_id)
            self.class_deleted_at.setdefault(class_id, self.now)
            self.touch(class_id)

    def add_pupil(self, class_id: str, person: PersonSpec, at: datetime | None = None) -> None:
        with self.lock:
            self.scenario.people[person.id] = person
            self.classes[class_id].members.append(
                MembershipSpec(person_id=person.id, role=Role.PUPIL, joined_at=at or self.now)
            )
            self.reindex()
            self.touch(class_id)

    def remove_pupil(self, class_id: str, person_id: str, at: datetime | None = None) -> None:
        with self.lock:
            for m in self.classes[class_id].members:
                if m.person_id == person_id and m.role is Role.PUPIL and m.left_at is None:
                    m.left_at = at or self.now
            self.touch(class_id)

    def add_lesson(self, lesson: LessonSpec) -> None:
        with self.lock:
            self.scenario.lessons.append(lesson)
            self.reindex()
            self._touch_lesson(lesson.id)
            self.touch(lesson.class_id)

    # --- live lessons (Calendar events, Meet conference records) -------------------------

    def lesson(self, lesson_id: str) -> LessonSpec:
        """The lesson with ``lesson_id`` (KeyError if there is none)."""
        return self.lessons_by_id[lesson_id]

    def end_lesson(self, lesson_id: str, at: datetime | None = None) -> LessonSpec:
        """End a (running) lesson at ``at`` (default: now); everyone still in leaves then."""
        with self.lock:
            le = self.lesson(lesson_id)
            when = at or self.now
            le.ended_at = when
            for a in le.attendance:
                a.left_at = min(a.left_at, when)
            self.touch(le.class_id)
            return le

    def record_lesson(
        self, lesson_id: str, recorded: bool = True, recording_id: str | None = None
    ) -> LessonSpec:
        """Mark a lesson recorded (with ``recording_id``, or one derived from its id) or not."""
        with self.lock:
            le = self.lesson(lesson_id)
            le.recorded = recorded
            keep = recording_id or le.recording_id or f"rec-{le.id}"
            le.recording_id = keep if recorded else None
            self.touch(le.class_id)
            return le

    def join_lesson(self, lesson_id: str, attendance: AttendanceSpec) -> LessonSpec:
        """Add one join..leave session of a person to a lesson."""
        with self.lock:
            le = self.lesson(lesson_id)
            le.attendance.append(attendance)
            mine = self.lessons_of_person[attendance.person_id]
            if le not in mine:
                self.reindex()  # keeps each person's lessons in the scenario's order
            self.touch(le.class_id)
            return le

    def _touch_lesson(self, lesson_id: str) -> None:
        self.lesson_rev += 1
        self.lesson_changes[lesson_id] = (self.lesson_rev, self.now)
