"""Lessons as Meet sees them at ``world.now``: conference records, participants, sessions.

A lesson is a conference record once it has started; it is ongoing (no ``endTime``)
until it ends, and Meet deletes it 30 days after it ended (``expireTime``), after which
it is gone from every method. A caller sees only the records of spaces they own (the
lesson's organiser) or conferences they took part in (Meet's "Work with conferences"
guide: "If you're a meeting space owner or participant, you can call the get and list
methods"). Attendance rows become participants (one per person) and their sessions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from connector.records import Platform
from connector.sandbox.scenario.model import AttendanceSpec, LessonSpec, PersonSpec
from connector.sandbox.world import World

RETENTION = timedelta(days=30)
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _digest(salt: str) -> int:
    return int(hashlib.sha256(salt.encode()).hexdigest(), 16)


def _b62(n: int, length: int) -> str:
    out = []
    for _ in range(length):
        n, r = divmod(n, 62)
        out.append(_B62[r])
    return "".join(out)


def space_id(meeting_code: str) -> str:
    """The 12-character case-sensitive space id behind a meeting code (e.g. jQCFfuBOdN5z)."""
    return _b62(_digest("space/" + meeting_code), 12)


def participant_id(lesson_id: str, person_id: str) -> str:
    return str(_digest(f"participant/{lesson_id}/{person_id}") % 10**20).rjust(20, "1")


def session_id(lesson_id: str, person_id: str, joined: datetime) -> str:
    return _b62(_digest(f"session/{lesson_id}/{person_id}/{joined.isoformat()}"), 24)


def drive_file_id(recording_id: str) -> str:
    """A Drive file id shaped like Meet's examples ("1kuceFZohVoCh6FulBHxwy6I15Ogpc4hP")."""
    return "1" + _b62(_digest("drive/" + recording_id), 32)


@dataclass(frozen=True, slots=True)
class SessionView:
    id: str
    start: datetime
    end: datetime | None  # None: still in the call


@dataclass(frozen=True, slots=True)
class ParticipantView:
    id: str
    person_id: str
    person: PersonSpec | None
    sessions: list[SessionView]  # newest join first, as Meet lists them

    @property
    def earliest(self) -> datetime:
        return min(s.start for s in self.sessions)

    @property
    def latest(self) -> datetime | None:
        ends = [s.end for s in self.sessions]
        return None if any(e is None for e in ends) else max(e for e in ends if e is not None)


@dataclass(frozen=True, slots=True)
class RecordView:
    lesson: LessonSpec
    end: datetime | None  # None: ongoing
    expire: datetime | None

    @property
    def name(self) -> str:
        return f"conferenceRecords/{self.lesson.id}"

    @property
    def space(self) -> str:
        return f"spaces/{space_id(self.lesson.meeting_code)}"


class MeetView:
    """Read-side helpers over the world's lessons, as of ``world.now``."""

    def __init__(self, world: World) -> None:
        self.world = world

    def is_google(self, le: LessonSpec) -> bool:
        p = self.world.person(le.organiser_id)
        school = self.world.schools.get(p.school_id) if p is not None else None
        return school is not None and school.platform is Platform.GOOGLE and bool(le.meeting_code)

    def record(self, le: LessonSpec) -> RecordView | None:
        """The conference record of ``le`` now, or None (not started, expired, not Meet)."""
        now = self.world.now
        if not self.is_google(le) or le.started_at > now:
            return None
        if le.ended_at > now:
            return RecordView(le, None, None)
        expire = le.ended_at + RETENTION
        return RecordView(le, le.ended_at, expire) if expire > now else None

    def attended(self, le: LessonSpec, user_id: str) -> bool:
        now = self.world.now
        return any(a.person_id == user_id and a.joined_at <= now for a in le.attendance)

    def can_see(self, le: LessonSpec, user_id: str) -> bool:
        return le.organiser_id == user_id or self.attended(le, user_id)

    def records_for(self, user_id: str) -> list[RecordView]:
        out = []
        for le in self.world.lessons_of_person.get(user_id, ()):
            rv = self.record(le)
            if rv is not None and self.can_see(le, user_id):
                out.append(rv)
        return out

    def find(self, lesson_id: str) -> LessonSpec | None:
        try:
            return self.world.lesson(lesson_id)
        except KeyError:
            return None

    def participants(self, le: LessonSpec) -> list[ParticipantView]:
        now = self.world.now
        by_person: dict[str, list[AttendanceSpec]] = {}
        for a in le.attendance:
            if a.joined_at <= now:
                by_person.setdefault(a.person_id, []).append(a)
        out = []
        for pid, rows in by_person.items():
            sessions = [
                SessionView(
                    session_id(le.id, pid, a.joined_at),
                    a.joined_at,
                    a.left_at if a.left_at <= now else None,
                )
                for a in rows
            ]
            sessions.sort(key=lambda s: (s.start, s.id), reverse=True)
            out.append(
                ParticipantView(participant_id(le.id, pid), pid, self.world.person(pid), sessions)
            )
        out.sort(key=lambda p: (p.earliest, p.id), reverse=True)  # newest join first
        return out
