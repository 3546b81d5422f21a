"""Collecting one course's pages and turning them into a :class:`ClassSnapshot`.

A full read lists everything. An incremental read (the course has a ``coursework``
watermark) lists:
- rosters in full (compared each run: who left is only seen that way);
- courseWork, courseWorkMaterials and announcements newest ``updateTime`` first (their
  default ``orderBy``), stopping at the first page that reaches back past the watermark
  minus :data:`OVERLAP`; an item Google marks DELETED arrives this way too. A list that
  ends within its first pages is complete, so absent work is deleted work there too;
- topics only when an item names one not among the names stored with the course's
  cursors (a full read stores them; a rename alone shows up at the next full read);
- submissions only of work that can still change: the sync's open-work hint plus any
  courseWork this read saw. Per course, ``courseWorkId="-"`` or one list per piece of
  work, whichever takes fewer calls (counted from the stored submission numbers).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connector.google import coursework, rosters, submissions
from connector.google.coursework import ANNOUNCEMENTS, COURSE_WORK, MATERIALS, TOPICS
from connector.google.errors import GoogleError, NotAccessibleError
from connector.google.fields import InvalidFieldError, timestamp
from connector.google.rosters import STUDENTS, TEACHERS
from connector.google.streams import Stream
from connector.google.submissions import SUBMISSIONS, SUBMISSIONS_OF_WORK
from connector.records import (
    ClassRecord,
    ClassSnapshot,
    MembershipRecord,
    PersonRecord,
    Platform,
    Role,
    SkippedRecord,
)
from connector.source import OPEN_WORK_HINT, SUBMISSIONS_HINT

ROSTER_STREAMS: tuple[Stream, ...] = (TEACHERS, STUDENTS)
WORK_STREAMS: tuple[Stream, ...] = (COURSE_WORK, MATERIALS, ANNOUNCEMENTS)
# Everything a full read lists per course. Topics are read only to name each item's topic.
COURSE_STREAMS: tuple[Stream, ...] = (*ROSTER_STREAMS, TOPICS, *WORK_STREAMS, SUBMISSIONS)
STREAMS_BY_NAME: dict[str, Stream] = {s.name: s for s in (*COURSE_STREAMS, SUBMISSIONS_OF_WORK)}
_WORK_NAMES = frozenset(s.name for s in WORK_STREAMS)
_SUB_NAMES = frozenset((SUBMISSIONS.name, SUBMISSIONS_OF_WORK.name))

CURSOR_COURSEWORK = "coursework"
CURSOR_TOPICS = "topics"  # topicId -> name, as JSON: what re-read items are labelled with
# Re-read this far behind the watermark: updateTime is the server's commit time, and a
# course's lists are read a few seconds apart (longer when a 429 is retried).
OVERLAP = timedelta(minutes=10)
# A stream key is the stream name, or "submissionsOfWork/<courseWorkId>".
StreamKey = str


def stream_of(key: StreamKey) -> tuple[Stream, dict[str, str]]:
    """The stream a key reads and the extra call parameters it needs."""
    name, _, work_id = key.partition("/")
    return STREAMS_BY_NAME[name], ({"courseWorkId": work_id} if work_id else {})


@dataclass
class CourseRead:
    """The pages read so far for one course; complete when no stream has pages left."""

    klass: ClassRecord
    # Incremental: the stored watermark; None reads the course in full.
    watermark: datetime | None = None
    open_work: dict[str, int] = field(default_factory=dict)  # work id -> stored submissions
    stored_submissions: int = 0
    page_size: int = 0  # the submission page size asked for (0: the declared one)
    known_topics: dict[str, str] = field(default_factory=dict)
    items: dict[str, list[Any]] = field(default_factory=dict)
    failed: dict[str, GoogleError] = field(default_factory=dict)
    outstanding: set[StreamKey] = field(default_factory=set)
    gone_work: list[str] = field(default_factory=list)
    cut: set[str] = field(default_factory=set)
    _planned_subs: str = ""  # which submissions list was chosen, if any
    _planned_work: set[str] = field(default_factory=set)

    @classmethod
    def start(
        cls, klass: ClassRecord, cursors: Mapping[str, str], *, full: bool, page_size: int = 0
    ) -> CourseRead:
        """A read of ``klass``, incremental when it has a watermark and ``full`` is False."""
        watermark = None if full else _parse(cursors.get(CURSOR_COURSEWORK))
        read = cls(klass, watermark, page_size=page_size)
        if watermark is not None:
            read.open_work = _open_work(cursors.get(OPEN_WORK_HINT))
            read.known_topics = _names(cursors.get(CURSOR_TOPICS))
            read.stored_submissions = _int(cursors.get(SUBMISSIONS_HINT))
        return read

    @property
    def course_id(self) -> str:
        return self.klass.platform_id

    @property
    def incremental(self) -> bool:
        return self.watermark is not None

    @property
    def done(self) -> bool:
        return not self.outstanding

    def first_keys(self) -> list[StreamKey]:
        """What to list first; an incremental read plans submissions after courseWork."""
        keys = [s.name for s in self.streams_at_start()]
        self.outstanding.update(keys)
        if self.incremental and self.open_work:
            # Known open work rides in the first batch; new work is added when seen.
            keys += [k for k, _ in self._plan_submissions(dict(self.open_work))]
        return keys

    def add_page(self, key: StreamKey, answer: dict[str, Any]) -> list[tuple[StreamKey, str]]:
        """Keep one page; returns pages to read next (this stream's next page, and the
        submissions an incremental read now knows it needs)."""
        stream, _ = stream_of(key)
        page = answer.get(stream.items_key) or []
        page = page if isinstance(page, list) else [page]
        self.items.setdefault(key, []).extend(page)
        more: list[tuple[StreamKey, str]] = []
        token = answer.get("nextPageToken")
        reached = self.incremental and key in _WORK_NAMES and self._reaches_watermark(page)
        if isinstance(token, str) and token and not reached:
            more.append((key, token))
        else:
            if isinstance(token, str) and token:
                self.cut.add(key)  # older pages left unread: the list is not complete
            self.outstanding.discard(key)
        if self.incremental and key in _WORK_NAMES:
            more += self._plan_topics(page)
            if key == COURSE_WORK.name and key not in self.outstanding:
                more += self._plan_submissions(self._with_new_work())
        return more

    def fail(self, key: StreamKey, error: GoogleError) -> list[tuple[StreamKey, str]]:
        """Give up on a stream: what it had is kept, but it no longer counts as complete.

        A 404 on the submissions of one piece of work means the work is gone."""
        self.outstanding.discard(key)
        stream, extra = stream_of(key)
        if (
            stream is SUBMISSIONS_OF_WORK
            and isinstance(error, NotAccessibleError)
            and (error.status == 404)
        ):
            self.gone_work.append(extra["courseWorkId"])
            return []
        self.failed[key] = error
        if self.incremental and key == COURSE_WORK.name:
            return self._plan_submissions(self._with_new_work())
        return []

    # --- incremental planning -----------------------------------------------------------

    def _reaches_watermark(self, page: list[Any]) -> bool:
        """True when this page (newest first) already holds an item older than the
        watermark minus the overlap: every later page is older still."""
        assert self.watermark is not None
        since = self.watermark - OVERLAP
        for item in reversed(page):
            when = _update_time(item)
            if when is not None:
                return when < since
        return False

    def _plan_topics(self, page: list[Any]) -> list[tuple[StreamKey, str]]:
        if TOPICS.name in self.items or TOPICS.name in self.outstanding:
            return []
        for item in page:
            topic = item.get("topicId") if isinstance(item, Mapping) else None
            if isinstance(topic, str) and topic not in self.known_topics:
                self.outstanding.add(TOPICS.name)
                return [(TOPICS.name, "")]
        return []

    def _with_new_work(self) -> dict[str, int]:
        """Open work plus the published courseWork this read saw (new or changed)."""
        counts = dict(self.open_work)
        typical = max(counts.values(), default=0)
        for item in self.items.get(COURSE_WORK.name, []):
            wid = item.get("id") if isinstance(item, Mapping) else None
            if isinstance(wid, str) and item.get("state") == "PUBLISHED":
                counts.setdefault(wid, typical)
        return counts

    def _plan_submissions(self, counts: dict[str, int]) -> list[tuple[StreamKey, str]]:
        """Submissions of the work in ``counts`` (work id -> submissions expected), by
        whichever of ``courseWorkId="-"`` or one list per work takes fewer calls."""
        if self._planned_subs == SUBMISSIONS.name:
            return []  # one whole-course list already covers every piece of work
        todo = {w: n for w, n in counts.items() if w not in self._planned_work}
        if not todo:
            return []
        size = self.page_size or SUBMISSIONS.page_size
        per_work = sum(max(1, math.ceil(n / size)) for n in todo.values())
        new = sum(n for w, n in counts.items() if w not in self.open_work)
        whole = max(1, math.ceil((self.stored_submissions + new) / size))
        if not self._planned_work and whole <= per_work:
            self._planned_subs = SUBMISSIONS.name
            keys = [SUBMISSIONS.name]
        else:
            self._planned_subs = SUBMISSIONS_OF_WORK.name
            self._planned_work.update(todo)
            keys = [f"{SUBMISSIONS_OF_WORK.name}/{w}" for w in sorted(todo)]
        self.outstanding.update(keys)
        return [(k, "") for k in keys]

    # --- the snapshot -------------------------------------------------------------------

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

        topics = dict(self.known_topics)
        if TOPICS.name in self.items and TOPICS.name not in self.failed:
            topics = coursework.topic_names(self.items[TOPICS.name])
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

        seen: set[str] = set()
        for key, raws in self.items.items():
            if key.partition("/")[0] not in _SUB_NAMES:
                continue
            for raw in raws:
                sub = submissions.to_record(raw, cid)
                if isinstance(sub, SkippedRecord):
                    snap.skipped.append(sub)
                elif sub.platform_id not in seen:
                    seen.add(sub.platform_id)
                    snap.submissions.append(sub)

        snap.skipped.extend(self._failures())
        snap.gone_work = list(self.gone_work)
        whole, per_work = SUBMISSIONS.name, SUBMISSIONS_OF_WORK.name + "/"
        snap.submissions_complete = whole in self.items and whole not in self.failed
        snap.submissions_complete_work = sorted(
            k.removeprefix(per_work)
            for k in self.items
            if k.startswith(per_work) and k not in self.failed
        )
        # A member or item we could not read must not look as if it had left or been deleted.
        snap.roster_complete = roster_skips == 0 and not any(
            s.name in self.failed for s in ROSTER_STREAMS
        )
        work_read = not any(k in self.failed for k in _WORK_NAMES)
        # An incremental list that ended on its own (one page usually holds a course's
        # every item) is as complete as a full one, so absence still means deletion.
        snap.work_complete = (
            not self.cut
            and work_read
            and work_skips == 0
            and not any(k.partition("/")[0] in _SUB_NAMES for k in self.failed)
        )
        # The watermark moves once every work list was read as far as it needed to be; a
        # malformed item is recorded as skipped and does not hold the watermark back.
        if work_read and self.watermark is not None:
            newest = max(newest or self.watermark, self.watermark)
            if newest == self.watermark:
                newest = None  # unchanged: nothing to store
        if work_read and newest is not None:
            snap.cursor[CURSOR_COURSEWORK] = newest.isoformat().replace("+00:00", "Z")
        if TOPICS.name not in self.failed and (topics != self.known_topics or not self.incremental):
            snap.cursor[CURSOR_TOPICS] = json.dumps(topics, sort_keys=True)
        return snap

    def _failures(self) -> list[SkippedRecord]:
        if not self.failed:
            return []
        errors = list(self.failed.values())
        if set(self.failed) >= {s.name for s in self.streams_at_start()} and all(
            isinstance(e, NotAccessibleError) and e.status == errors[0].status for e in errors
        ):
            # The whole course answered 403/404: one entry says so.
            return [SkippedRecord(Platform.GOOGLE, "course", self.course_id, _reason(errors[0]))]
        return [
            SkippedRecord(Platform.GOOGLE, stream, self.course_id, _reason(err))
            for stream, err in sorted(self.failed.items())
        ]

    def streams_at_start(self) -> tuple[Stream, ...]:
        if not self.incremental:
            return COURSE_STREAMS
        return (*ROSTER_STREAMS, *WORK_STREAMS)


def _reason(error: GoogleError) -> str:
    """The error, led by its HTTP status (the sync stores that as the issue's status)."""
    text = str(error)
    if error.status and not text.startswith(str(error.status)):
        return f"{error.status} {text}"
    return text


def _update_time(item: Any) -> datetime | None:
    if not isinstance(item, Mapping):
        return None
    try:
        return timestamp(item, "updateTime")
    except InvalidFieldError:
        return None


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def _names(value: str | None) -> dict[str, str]:
    try:
        raw = json.loads(value or "{}")
    except ValueError:
        return {}
    if not isinstance(raw, dict):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, str)}


def _open_work(value: str | None) -> dict[str, int]:
    try:
        raw = json.loads(value or "{}")
    except ValueError:
        return {}
    if not isinstance(raw, dict):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, int) and v >= 0}
