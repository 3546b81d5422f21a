"""Turning a conference and what was read about it into lesson, attendance and recording
records: which class it belongs to, who organised it, who was teacher and who pupil."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from connector.google import calendar, meet
from connector.google.lesson_read import DetailRead
from connector.records import (
    AttendanceRecord,
    LessonClass,
    LessonSnapshot,
    LiveLessonRecord,
    Platform,
    Role,
    SkippedRecord,
    StaffMember,
)

# A conference this far from its nearest class event is not that event: it keeps the
# class (same Meet code) but not the event's title.
TITLE_MATCH = timedelta(hours=6)


@dataclass(slots=True)
class Found:
    """One conference record and what is known about it before its details are read."""

    conference: meet.Conference
    subjects: list[str]  # users who can see it, the one to ask first first
    code: str | None = None
    events: list[calendar.ClassEvent] = field(default_factory=list)


class LessonBuilder:
    """Maps found conferences to records, knowing the school's classes and staff."""

    def __init__(self, classes: Sequence[LessonClass], staff: Sequence[StaffMember]) -> None:
        self.classes = {c.platform_id: c for c in classes}
        self.email_of = {s.platform_id: s.email for s in staff}
        self.id_of = {s.email.lower(): s.platform_id for s in staff}
        self.staff_ids = set(self.email_of).union(*(c.teacher_ids for c in classes))
        self.pupil_ids = set().union(*(c.pupil_ids for c in classes)) - self.staff_ids

    def add(self, snap: LessonSnapshot, f: Found, d: DetailRead) -> None:
        conf = f.conference
        event = _closest(f.events, conf.start)
        title = None
        if event is not None and event.start is not None:
            title = event.title if abs(event.start - conf.start) <= TITLE_MATCH else None
        course_id = event.course_id if event is not None else None
        snap.lessons.append(
            LiveLessonRecord(
                platform=Platform.GOOGLE,
                platform_id=conf.id,
                class_platform_id=course_id,
                organiser_platform_id=self._organiser(f, event, d),
                title=title,
                started_at=conf.start,
                ended_at=conf.end,
                join_ref=f.code,
            )
        )
        klass = self.classes.get(course_id) if course_id else None
        snap.attendance.extend(self._attendance(conf.id, klass, d))
        self.add_recordings(snap, f, d)

    def add_recordings(self, snap: LessonSnapshot, f: Found, d: DetailRead) -> None:
        """The conference's recordings alone (its lesson and attendance are stored)."""
        for raw in d.recordings:
            rec = meet.to_recording(f.conference.id, raw)
            (snap.skipped if isinstance(rec, SkippedRecord) else snap.recordings).append(rec)  # type: ignore[arg-type]
        snap.skipped.extend(d.skipped)

    def _organiser(
        self, f: Found, event: calendar.ClassEvent | None, d: DetailRead
    ) -> str | None:
        if event is not None and event.organiser_email:
            found = self.id_of.get(event.organiser_email.lower())
            if found is not None:
                return found
        # No event: the member of staff who joined first (the one who started the call).
        staff = [
            (p.first_joined or datetime.max.replace(tzinfo=f.conference.start.tzinfo), p.user_id)
            for p, _ in d.participants
            if p.user_id is not None and p.user_id in self.staff_ids
        ]
        if staff:
            return min(staff)[1]
        return self.id_of.get(f.subjects[0].lower()) if f.subjects else None

    def _attendance(
        self, lesson_id: str, klass: LessonClass | None, d: DetailRead
    ) -> list[AttendanceRecord]:
        merged: dict[str, AttendanceRecord] = {}
        for p, seconds in d.participants:
            key = p.user_id or p.name
            record = AttendanceRecord(
                platform=Platform.GOOGLE,
                lesson_platform_id=lesson_id,
                person_platform_id=p.user_id,
                email=self.email_of.get(p.user_id) if p.user_id else None,
                role=self._role(p.user_id, klass),
                seconds=seconds,
                first_joined_at=p.first_joined,
                last_left_at=p.last_left,
                participant_ref=p.name,
            )
            before = merged.get(key)
            merged[key] = record if before is None else _combine(before, record)
        return list(merged.values())

    def _role(self, user_id: str | None, klass: LessonClass | None) -> Role | None:
        if user_id is None:
            return None
        if klass is not None and user_id in klass.teacher_ids:
            return Role.TEACHER
        if klass is not None and user_id in klass.pupil_ids:
            return Role.PUPIL
        # Not on this class's roster (or no class): what the school's rosters say.
        if user_id in self.staff_ids:
            return Role.TEACHER
        if user_id in self.pupil_ids:
            return Role.PUPIL
        return None


def _closest(events: list[calendar.ClassEvent], at: datetime) -> calendar.ClassEvent | None:
    if not events:
        return None
    far = timedelta.max
    return min(events, key=lambda e: abs(e.start - at) if e.start is not None else far)


def _combine(a: AttendanceRecord, b: AttendanceRecord) -> AttendanceRecord:
    """One user listed twice (should not happen): add their time up."""
    firsts = [t for t in (a.first_joined_at, b.first_joined_at) if t is not None]
    lasts = [t for t in (a.last_left_at, b.last_left_at) if t is not None]
    return AttendanceRecord(
        platform=a.platform,
        lesson_platform_id=a.lesson_platform_id,
        person_platform_id=a.person_platform_id,
        email=a.email,
        role=a.role,
        seconds=a.seconds + b.seconds,
        first_joined_at=min(firsts) if firsts else None,
        last_left_at=max(lasts) if lasts else None,
        participant_ref=a.participant_ref,
    )
