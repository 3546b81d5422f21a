"""Collecting one course's pages and turning them into a :class:`ClassSnapshot`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connector.google import coursework, rosters, submissions
from connector.google.coursework import ANNOUNCEMENTS, COURSE_WORK, MATERIALS, TOPICS
from connector.google.errors import GoogleError, NotAccessibleError
from connector.google.rosters import STUDENTS, TEACHERS
from connector.google.streams import Stream
from connector.google.submissions import SUBMISSIONS
from connector.records import (
    ClassRecord,
    ClassSnapshot,
    MembershipRecord,
    PersonRecord,
    Platform,
    Role,
    SkippedRecord,
)

ROSTER_STREAMS: tuple[Stream, ...] = (TEACHERS, STUDENTS)
WORK_STREAMS: tuple[Stream, ...] = (COURSE_WORK, MATERIALS, ANNOUNCEMENTS)
# Everything read per course. Topics are read only to name the topic of each item.
COURSE_STREAMS: tuple[Stream, ...] = (*ROSTER_STREAMS, TOPICS, *WORK_STREAMS, SUBMISSIONS)
STREAMS_BY_NAME: dict[str, Stream] = {s.name: s for s in COURSE_STREAMS}

CURSOR_COURSEWORK = "coursework"


@dataclass
class CourseRead:
    """The pages read so far for one course; complete when no stream has pages left."""

    klass: ClassRecord
    items: dict[str, list[Any]] = field(default_factory=dict)
    failed: dict[str, GoogleError] = field(default_factory=dict)
    outstanding: set[str] = field(default_factory=lambda: set(STREAMS_BY_NAME))

    @property
    def course_id(self) -> str:
        return self.klass.platform_id

    @property
    def done(self) -> bool:
        return not self.outstanding

    def add_page(self, stream: str, answer: dict[str, Any]) -> str | None:
        """Keep one page; return the next page's token, or None when the stream is done."""
        page = answer.get(STREAMS_BY_NAME[stream].items_key) or []
        self.items.setdefault(stream, []).extend(page if isinstance(page, list) else [page])
        token = answer.get("nextPageToken")
        if isinstance(token, str) and token:
            return token
        self.outstanding.discard(stream)
        return None

    def fail(self, stream: str, error: GoogleError) -> None:
        """Give up on a stream: what it had is kept, but it no longer counts as complete."""
        self.failed[stream] = error
        self.outstanding.discard(stream)

    def build(self) -> ClassSnapshot:
        snap = ClassSnapshot(klass=self.klass)
        cid = self.course_id
        roster_skips = work_skips = 0

        people: dict[str, PersonRecord] = {}
        members: dict[tuple[str, Role], MembershipRecord] = {}
        for stream, role in ((TEACHERS, Role.TEACHER), (STUDENTS, Role.PUPIL)):
            for raw in self.items.get(stream.name, []):
                got = rosters.to_records(raw, cid, role)
                if isinstance(got, SkippedRecord):
                    snap.skipped.append(got)
                    roster_skips += 1
                    continue
                person, membership = got
                people.setdefault(person.platform_id, person)
                members[(membership.person_platform_id, role)] = membership
        snap.people = list(people.values())
        snap.members = list(members.values())

        topics = coursework.topic_names(self.items.get(TOPICS.name, []))
        newest: datetime | None = None
        for stream in WORK_STREAMS:
            for raw in self.items.get(stream.name, []):
                work = coursework.to_record(raw, stream.name, cid, topics)
                if isinstance(work, SkippedRecord):
                    snap.skipped.append(work)
                    work_skips += 1
                    continue
                snap.work.append(work)
                if work.updated_at and (newest is None or work.updated_at > newest):
                    newest = work.updated_at

        for raw in self.items.get(SUBMISSIONS.name, []):
            sub = submissions.to_record(raw, cid)
            if isinstance(sub, SkippedRecord):
                snap.skipped.append(sub)
            else:
                snap.submissions.append(sub)

        snap.skipped.extend(self._failures())
        # A member or item we could not read must not look as if it had left or been deleted.
        snap.roster_complete = roster_skips == 0 and not any(
            s.name in self.failed for s in ROSTER_STREAMS
        )
        snap.work_complete = work_skips == 0 and not any(
            s.name in self.failed for s in (*WORK_STREAMS, SUBMISSIONS)
        )
        if snap.work_complete and newest is not None:
            snap.cursor[CURSOR_COURSEWORK] = newest.isoformat().replace("+00:00", "Z")
        return snap

    def _failures(self) -> list[SkippedRecord]:
        if not self.failed:
            return []
        errors = list(self.failed.values())
        if len(self.failed) == len(STREAMS_BY_NAME) and all(
            isinstance(e, NotAccessibleError) and e.status == errors[0].status for e in errors
        ):
            # The whole course answered 403/404: one entry says so.
            return [SkippedRecord(Platform.GOOGLE, "course", self.course_id, str(errors[0]))]
        return [
            SkippedRecord(Platform.GOOGLE, stream, self.course_id, str(err))
            for stream, err in sorted(self.failed.items())
        ]
