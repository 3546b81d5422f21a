"""``GoogleLessonSource``: one school's Meet calls as live lessons, attendance and recordings.

How a read is shaped, and why:
- A course has no Meet link field. Its lessons are events on the course calendar, read
  as a teacher of the course (the owner first; the school admin last), whose
  ``conferenceData.conferenceId`` is the class's Meet code.
- Meet shows a user only the conferences of spaces they own or attended, so each code's
  conference records are listed as the events' organiser (domain-wide delegation, one
  credentials object per impersonated user).
- Every member of staff's own conferences since the window's start are listed too: that
  finds calls with no calendar event (1:1 calls). Records are de-duplicated by name;
  a call found only this way has its Meet code looked up from its space.
- Per conference: participants (250 a page), each participant's sessions (summed into
  seconds), recordings. Calendar supports HTTP batch but the client's batch URL is
  Classroom's, and Meet v2 documents no batch at all, so both go through a bounded
  thread pool (``GoogleSettings.concurrency``), one HTTP object per thread and user.
- Meet deletes a conference record 30 days after the call: the window never starts
  earlier than that, whatever look-back the caller asks for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import structlog

from config.settings import GoogleSettings, SchoolSettings
from connector.google import calendar, meet
from connector.google.auth import credentials_for
from connector.google.errors import GoogleError
from connector.google.lesson_build import Found, LessonBuilder
from connector.google.lesson_client import Users
from connector.google.lesson_read import DetailRead, pages, read_details, run_all
from connector.google.retry import RetryPolicy
from connector.google.transport import authorized_http_factory
from connector.records import (
    LessonClass,
    LessonSnapshot,
    Platform,
    SkippedRecord,
    StaffMember,
)
from connector.source import RequestStats
from connector.stop import StopSignal

log = structlog.get_logger(__name__)

MEET_RETENTION = timedelta(days=30)
LESSONS_STREAM = "lessons"

HttpFactory = Callable[[str], Any]  # impersonated user's email -> an httplib2-like object


class GoogleLessonSource:
    """Reads one school's Meet calls (see the module notes).

    ``http_factory`` (tests) makes the HTTP object for an impersonated user's email;
    ``retry`` replaces the retry policy; ``batch_size`` is lessons per yielded snapshot;
    ``stop`` ends its retry waits early (see :mod:`connector.stop`).
    """

    platform = Platform.GOOGLE

    def __init__(
        self,
        settings: GoogleSettings,
        school: SchoolSettings,
        service_account_info: Mapping[str, Any],
        *,
        http_factory: HttpFactory | None = None,
        retry: RetryPolicy | None = None,
        batch_size: int = 50,
        stop: StopSignal | None = None,
    ) -> None:
        if school.google is None:
            raise ValueError(f"school {school.key!r} has no 'google' block")
        self.admin = school.google.admin_email
        self.users = Users(
            settings.endpoint,
            _factories(service_account_info, http_factory),
            retry=(retry or RetryPolicy()).stopping_on(stop),
            project=str(service_account_info.get("client_email", "")),
            pace_sleep=stop.sleep if stop is not None else None,
        )
        self._concurrency = settings.concurrency
        self._batch_size = max(1, batch_size)

    @property
    def stats(self) -> RequestStats:
        """Requests and API calls of every impersonated user's clients, added up."""
        return self.users.stats()

    # --- LessonSource ----------------------------------------------------------------------

    def read_lessons(
        self,
        classes: Sequence[LessonClass],
        staff: Sequence[StaffMember],
        *,
        since: datetime,
        until: datetime,
        settled: Collection[str] = frozenset(),
        attended: Collection[str] = frozenset(),
    ) -> Iterator[LessonSnapshot]:
        since = max(since, until - MEET_RETENTION)
        skipped: list[SkippedRecord] = []
        pool = ThreadPoolExecutor(self._concurrency, thread_name_prefix="google-lessons")
        try:
            by_code = self._class_events(pool, classes, since, until, skipped)
            found = self._by_code(pool, by_code, classes, since, until, skipped)
            self._by_staff(pool, found, staff, since, until, skipped)
            self._codes_of_strays(pool, found, by_code)
            self.users.raise_if_none_works()
            newest = max((f.conference.end for f in found.values() if f.conference.end),
                         default=None)
            done = {k for k, f in found.items() if f.conference.end and f.conference.id in settled}
            for name in done:
                del found[name]
            # Attendance read already and final: only the recording may still be new.
            # (Per participant a sessions call each: most of a run's Meet calls.)
            only_recordings = {
                k for k, f in found.items() if f.conference.end and f.conference.id in attended
            }
            yield from self._lessons(
                pool, found, classes, staff, skipped, newest, only_recordings)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    # --- reading ---------------------------------------------------------------------------

    def _class_events(
        self,
        pool: ThreadPoolExecutor,
        classes: Sequence[LessonClass],
        since: datetime,
        until: datetime,
        skipped: list[SkippedRecord],
    ) -> dict[str, list[calendar.ClassEvent]]:
        def read(c: LessonClass) -> list[Any]:
            cal = c.calendar_ref or ""

            def as_user(subject: str) -> list[Any]:
                return pages(
                    self.users.client("calendar", subject),
                    lambda t: calendar.events_request(cal, since, until, t),
                    "items",
                    f"events.list of course {c.platform_id}",
                )

            return self.users.first_that_works([*c.teacher_emails, self.admin], as_user)[1]

        tasks = {c.platform_id: partial(read, c) for c in classes if c.calendar_ref}
        by_code: dict[str, list[calendar.ClassEvent]] = {}
        for course_id, answer in run_all(pool, tasks):
            if isinstance(answer, GoogleError):
                skipped.append(_skip("calendar", course_id, answer))
                continue
            for raw in answer:
                event = calendar.to_event(course_id, raw)
                if isinstance(event, SkippedRecord):
                    skipped.append(event)
                elif event is not None:
                    by_code.setdefault(event.meeting_code, []).append(event)
        return by_code

    def _by_code(
        self,
        pool: ThreadPoolExecutor,
        by_code: dict[str, list[calendar.ClassEvent]],
        classes: Sequence[LessonClass],
        since: datetime,
        until: datetime,
        skipped: list[SkippedRecord],
    ) -> dict[str, Found]:
        teachers = {c.platform_id: c.teacher_emails for c in classes}

        def read(code: str) -> tuple[str, list[Any]]:
            events = by_code[code]
            organisers = Counter(e.organiser_email for e in events if e.organiser_email)
            subjects = [e for e, _ in organisers.most_common()]
            for e in events:
                subjects.extend(teachers.get(e.course_id, ()))

            def as_user(subject: str) -> list[Any]:
                return pages(
                    self.users.client("meet", subject),
                    lambda t: meet.records_request(meet.by_meeting_code(code), t),
                    "conferenceRecords",
                    f"conferenceRecords.list of {code}",
                )

            return self.users.first_that_works([*subjects, self.admin], as_user)

        found: dict[str, Found] = {}
        for code, answer in run_all(pool, {code: partial(read, code) for code in by_code}):
            if isinstance(answer, GoogleError):
                skipped.append(_skip("meeting_code", code, answer))
                continue
            subject, raws = answer
            for conf in self._conferences(raws, since, until, skipped):
                found.setdefault(conf.name, Found(conf, [subject], code, by_code[code]))
        return found

    def _by_staff(
        self,
        pool: ThreadPoolExecutor,
        found: dict[str, Found],
        staff: Sequence[StaffMember],
        since: datetime,
        until: datetime,
        skipped: list[SkippedRecord],
    ) -> None:
        def read(email: str) -> list[Any]:
            def as_user(subject: str) -> list[Any]:
                return pages(
                    self.users.client("meet", subject),
                    lambda t: meet.records_request(meet.started_since(since), t),
                    "conferenceRecords",
                    f"conferenceRecords.list of {subject}",
                )

            return self.users.first_that_works([email], as_user)[1]

        emails = sorted({s.email for s in staff})
        for email, answer in run_all(pool, {e: partial(read, e) for e in emails}):
            if isinstance(answer, GoogleError):
                skipped.append(_skip("staff_calls", email, answer))
                continue
            for conf in self._conferences(answer, since, until, skipped):
                known = found.setdefault(conf.name, Found(conf, []))
                if email not in known.subjects:
                    known.subjects.append(email)

    def _codes_of_strays(
        self,
        pool: ThreadPoolExecutor,
        found: dict[str, Found],
        by_code: dict[str, list[calendar.ClassEvent]],
    ) -> None:
        """The Meet code of calls found only in someone's own list (one read per space)."""
        strays = [f for f in found.values() if f.code is None and f.conference.space]
        asker = {f.conference.space or "": f.subjects for f in strays}

        def read(space: str) -> str | None:
            _, answer = self.users.first_that_works(
                asker[space],
                lambda s: self.users.client("meet", s).execute(
                    meet.space_request(space), f"spaces.get {space}"
                ),
            )
            return meet.meeting_code(answer)

        codes: dict[str, str | None] = {}
        for space, answer in run_all(pool, {s: partial(read, s) for s in asker}):
            # Without its code the call is still stored, just not tied to a class.
            codes[space] = None if isinstance(answer, GoogleError) else answer
        for f in strays:
            f.code = codes.get(f.conference.space or "")
            if f.code is not None:
                f.events = by_code.get(f.code, [])

    def _conferences(
        self, raws: list[Any], since: datetime, until: datetime, skipped: list[SkippedRecord]
    ) -> Iterator[meet.Conference]:
        for raw in raws:
            conf = meet.to_conference(raw)
            if isinstance(conf, SkippedRecord):
                skipped.append(conf)
            elif conf.start < until and (conf.end is None or conf.end >= since):
                yield conf

    def _lessons(
        self,
        pool: ThreadPoolExecutor,
        found: dict[str, Found],
        classes: Sequence[LessonClass],
        staff: Sequence[StaffMember],
        skipped: list[SkippedRecord],
        newest: datetime | None,
        only_recordings: Collection[str] = frozenset(),
    ) -> Iterator[LessonSnapshot]:
        def read(f: Found, recordings_only: bool) -> DetailRead:
            return self.users.first_that_works(
                f.subjects,
                lambda s: read_details(
                    self.users.client("meet", s), f.conference, recordings_only=recordings_only
                ),
            )[1]

        builder = LessonBuilder(classes, staff)
        snap = LessonSnapshot()
        tasks = {name: partial(read, f, name in only_recordings) for name, f in found.items()}
        parts = 0
        for name, answer in run_all(pool, tasks):
            f = found[name]
            if isinstance(answer, GoogleError):
                # Not stored at all: a lesson without its attendance would read as
                # everyone absent. The look-back window reads it again next run.
                skipped.append(_skip("conference_record", f.conference.id, answer))
                continue
            if name in only_recordings:
                builder.add_recordings(snap, f, answer)
            else:
                builder.add(snap, f, answer)
            parts += 1
            if parts >= self._batch_size:
                parts = 0
                yield snap
                snap = LessonSnapshot()
        # The same malformed record can turn up in several users' lists: report it once.
        snap.skipped.extend(dict.fromkeys(skipped))
        if newest is not None:
            snap.cursor[LESSONS_STREAM] = calendar.rfc3339(newest)
        yield snap


def _factories(
    info: Mapping[str, Any], http_factory: HttpFactory | None
) -> Callable[[str], Callable[[], Any]]:
    """Per user, the factory of that user's HTTP objects (one credentials object each)."""
    if http_factory is not None:
        make = http_factory
        return lambda subject: lambda: make(subject)
    key = dict(info)
    return lambda subject: authorized_http_factory(credentials_for(key, subject))


def _skip(resource: str, platform_id: str, error: GoogleError) -> SkippedRecord:
    log.warning("google.lesson_unreadable", resource=resource, platform_id=platform_id,
                error=str(error))
    reason = f"{error.status} {error}" if error.status else str(error)
    return SkippedRecord(Platform.GOOGLE, resource, platform_id, reason)
