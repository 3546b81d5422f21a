"""``GoogleClassSource``: one school's Google Classroom as a :class:`ClassSource`.

How a read is shaped, and why:
- Per course, seven lists (teachers, students, topics, courseWork, courseWorkMaterials,
  announcements, studentSubmissions with ``courseWorkId="-"``). Their first pages for many
  courses go into shared batches of at most 50 calls; a page's ``nextPageToken`` queues
  the next page at the front, so it rides in the next batch and courses finish early.
- A small thread pool (``GoogleSettings.concurrency``) keeps that many batches in flight;
  each thread has its own HTTP object (httplib2 is not thread-safe).
- Only the calling thread assembles snapshots and yields them, one per course, as soon
  as every list of that course is in.
- Quota (Google: 1,200 calls/min per impersonated user) is met by the retry layer's
  backoff on 429, not by a client-side limiter.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import structlog

from config.settings import GoogleSettings, SchoolSettings
from connector.google import courses
from connector.google.auth import credentials_for
from connector.google.client import MAX_BATCH, Answer, ClassroomClient
from connector.google.errors import AuthError, GoogleError
from connector.google.fields import guarded, mapping, required_text, text
from connector.google.retry import RetryPolicy
from connector.google.snapshot import COURSE_STREAMS, STREAMS_BY_NAME, CourseRead
from connector.google.transport import authorized_http_factory
from connector.records import ClassRecord, ClassSnapshot, PersonRecord, Platform, SkippedRecord
from connector.source import RequestStats

log = structlog.get_logger(__name__)

# (course id, stream name, page token or None): one page to read.
PageKey = tuple[str, str, str | None]


class GoogleClassSource:
    """Reads one school's Classroom as the school's Workspace admin (domain-wide delegation).

    ``http_factory`` (tests) replaces the authorised HTTP object made per thread;
    ``retry`` replaces the retry policy (tests inject a sleep that does not sleep).
    """

    platform = Platform.GOOGLE

    def __init__(
        self,
        settings: GoogleSettings,
        school: SchoolSettings,
        service_account_info: Mapping[str, Any],
        *,
        http_factory: Callable[[], Any] | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        if school.google is None:
            raise ValueError(f"school {school.key!r} has no 'google' block")
        if http_factory is None:
            creds = credentials_for(service_account_info, school.google.admin_email)
            http_factory = authorized_http_factory(creds)
        self.school = school
        self.stats = RequestStats()
        self.client = ClassroomClient(
            settings.endpoint, http_factory, stats=self.stats, retry=retry
        )
        self._page_size = settings.page_size
        self._concurrency = settings.concurrency
        self._skipped: list[SkippedRecord] = []

    # --- ClassSource -----------------------------------------------------------------------

    def list_classes(self) -> Iterator[ClassRecord]:
        """Every course the admin can see, in any state; malformed ones go to skipped()."""
        token: str | None = None
        while True:
            build = courses.COURSES.request("", token, self._page_size)
            answer = self.client.execute(build, "courses.list")
            for raw in answer.get("courses") or []:
                record = courses.to_record(raw)
                if isinstance(record, SkippedRecord):
                    self._skipped.append(record)
                else:
                    yield record
            next_token = answer.get("nextPageToken")
            if not isinstance(next_token, str) or not next_token:
                return
            token = next_token

    def read_classes(
        self,
        classes: list[ClassRecord],
        cursors: Mapping[str, Mapping[str, str]],
        *,
        full: bool,
    ) -> Iterator[ClassSnapshot]:
        """One snapshot per course, yielded as each completes (see the module notes).

        Every read is full for now: ``cursors`` and ``full`` are accepted for the
        incremental read to come; snapshots already carry the new ``coursework`` cursor.
        """
        reads = {c.platform_id: CourseRead(c) for c in classes}
        queue: deque[PageKey] = deque(
            (cid, stream.name, None) for cid in reads for stream in COURSE_STREAMS
        )
        pool = ThreadPoolExecutor(self._concurrency, thread_name_prefix="google-read")
        in_flight: set[Future[dict[PageKey, Answer]]] = set()
        try:
            while queue or in_flight:
                while queue and len(in_flight) < self._concurrency:
                    chunk = [queue.popleft() for _ in range(min(MAX_BATCH, len(queue)))]
                    in_flight.add(pool.submit(self._read_pages, chunk))
                finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                touched: list[str] = []
                for future in finished:
                    for key, answer in future.result().items():
                        touched.append(key[0])
                        next_key = self._take(reads[key[0]], key, answer)
                        if next_key is not None:
                            queue.appendleft(next_key)
                for cid in dict.fromkeys(touched):
                    read = reads.get(cid)
                    if read is not None and read.done:
                        del reads[cid]
                        yield read.build()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def skipped(self) -> list[SkippedRecord]:
        return list(self._skipped)

    def people(self, ids: list[str]) -> Iterator[PersonRecord]:
        """Profiles by id (``userProfiles.get``, batched); unreadable ones are skipped."""
        calls = {
            uid: (lambda svc, uid=uid: svc.userProfiles().get(userId=uid)) for uid in ids
        }
        for uid, answer in self.client.execute_batch(calls, "userProfiles.get {}".format).items():
            if isinstance(answer, AuthError):
                raise answer
            if isinstance(answer, GoogleError):
                self._skipped.append(SkippedRecord(Platform.GOOGLE, "profile", uid, str(answer)))
                continue
            record = guarded("profile", answer, _profile)
            if isinstance(record, SkippedRecord):
                self._skipped.append(record)
            else:
                yield record

    # --- internals -------------------------------------------------------------------------

    def _read_pages(self, keys: list[PageKey]) -> dict[PageKey, Answer]:
        """Runs on a pool thread: one batch (retries included) for these pages."""
        calls = {
            key: STREAMS_BY_NAME[key[1]].request(key[0], key[2], self._page_size)
            for key in keys
        }
        return self.client.execute_batch(calls, _describe)

    def _take(self, read: CourseRead, key: PageKey, answer: Answer) -> PageKey | None:
        """Fold one answer into its course; return the next page to read, if any."""
        cid, stream, _ = key
        if isinstance(answer, AuthError):
            # Credentials or delegation are wrong: nothing else will work either.
            raise answer
        if isinstance(answer, GoogleError):
            if stream not in read.failed:
                log.warning("google.stream_unreadable", course=cid, stream=stream,
                            error=str(answer))
            read.fail(stream, answer)
            return None
        token = read.add_page(stream, answer)
        return (cid, stream, token) if token else None


def _describe(key: PageKey) -> str:
    return f"{key[1]}.list of course {key[0]}"


def _profile(p: Mapping[str, Any]) -> PersonRecord:
    name = mapping(p, "name")
    return PersonRecord(
        platform=Platform.GOOGLE,
        platform_id=required_text(p, "id"),
        email=text(p, "emailAddress"),
        given_name=text(name, "givenName"),
        family_name=text(name, "familyName"),
        full_name=text(name, "fullName"),
    )
