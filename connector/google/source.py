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
- Quota (Google: 1,200 calls/min per impersonated user, 3,000 per project) is paced
  (:mod:`connector.google.pacing`): a batch leaves when the window has room for its calls.
- Incremental reads (a course with a watermark, ``full=False``) are planned per course in
  :mod:`connector.google.snapshot`; follow-up lists join the queue as soon as known.
- ``GoogleSettings.impersonate = "teacher"`` reads each course as its owner (domain-wide
  delegation allows any user), spreading the per-user quota over many identities toward
  the project's limit; the course list and profiles are still read as the admin.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from typing import Any

import structlog

from config.settings import GoogleSettings, SchoolSettings
from connector.changes import ChangeSet
from connector.google import courses
from connector.google.audit import MAX_WINDOW, AuditLogs
from connector.google.audit_events import school_changes
from connector.google.auth import credentials_for
from connector.google.client import MAX_BATCH, Answer, ClassroomClient, RequestBuilder
from connector.google.errors import AuthError, GoogleError
from connector.google.fields import guarded, mapping, required_text, text
from connector.google.identities import TeacherIdentities
from connector.google.pacing import pacer_for
from connector.google.retry import RetryPolicy
from connector.google.snapshot import CourseRead, stream_of
from connector.google.transport import authorized_http_factory
from connector.records import ClassRecord, ClassSnapshot, PersonRecord, Platform, SkippedRecord
from connector.source import RequestStats
from connector.stop import StopSignal

log = structlog.get_logger(__name__)

# (course id, stream key, page token or ""): one page to read.
PageKey = tuple[str, str, str]


class GoogleClassSource:
    """Reads one school's Classroom as the school's Workspace admin (domain-wide delegation).

    ``http_factory`` (tests) replaces the authorised HTTP object made per thread;
    ``retry`` replaces the retry policy (tests inject a sleep that does not sleep);
    ``stop`` ends its retry and pacing waits early (see :mod:`connector.stop`).
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
        logs: AuditLogs | None = None,
        stop: StopSignal | None = None,
    ) -> None:
        if school.google is None:
            raise ValueError(f"school {school.key!r} has no 'google' block")
        self.admin = school.google.admin_email
        self._teachers: TeacherIdentities | None = None
        self._info = service_account_info
        self._audit = settings.audit_log
        # Tests hand in one HTTP factory for every API; production builds its own per API.
        self._audit_http = http_factory
        policy = (retry or _RETRY).stopping_on(stop)
        self._logs = logs or AuditLogs(retry=policy)
        if http_factory is None:
            creds = credentials_for(service_account_info, self.admin)
            http_factory = authorized_http_factory(creds)
            if settings.impersonate == "teacher":
                self._teachers = TeacherIdentities(service_account_info)
        self.school = school
        self.stats = RequestStats()
        self.client = ClassroomClient(
            settings.endpoint, http_factory, stats=self.stats, retry=policy
        )
        self.pacer = pacer_for(
            self.client.endpoint, str(service_account_info.get("client_email", ""))
        )
        self._pace_sleep = stop.sleep if stop is not None else None
        self._page_size = settings.page_size
        self._concurrency = settings.concurrency
        self._skipped: list[SkippedRecord] = []
        self._owner_email: dict[str, str] = {}  # course id -> identity reading it
        self._by_owner: dict[str, str] = {}  # owner user id -> email

    # --- ClassSource -----------------------------------------------------------------------

    def list_classes(self) -> Iterator[ClassRecord]:
        """Every course the admin can see, in any state; malformed ones go to skipped()."""
        token: str | None = None
        while True:
            build = courses.COURSES.request("", token, self._page_size)
            self.pacer.acquire(self.admin, sleep=self._pace_sleep)
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

        A course with a stored watermark in ``cursors`` is read incrementally unless
        ``full``; its snapshot has ``work_complete`` False when a work list was cut at
        the watermark (absent work is then not deleted work) and carries the moved
        watermark when its work lists were read.
        """
        reads = {
            c.platform_id: CourseRead.start(
                c, cursors.get(c.platform_id, {}), full=full, page_size=self._page_size
            )
            for c in classes
        }
        if self._teachers is not None:
            self._learn_owner_emails(classes)
        queue: deque[PageKey] = deque(
            (cid, key, "") for cid, read in reads.items() for key in read.first_keys()
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
                        # Follow-ups go first: a started course finishes before new ones.
                        for next_key in reversed(self._take(reads[key[0]], key, answer)):
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

    @property
    def change_log_enabled(self) -> bool:
        return self._audit.enabled

    def read_changes(
        self, since: datetime, until: datetime, classes: frozenset[str]
    ) -> ChangeSet | None:
        """What the Classroom audit log says changed in ``classes`` (see connector.google.audit);
        None when the log is not configured, the window is too long, or it cannot be read."""
        if not self.change_log_enabled:
            return None
        start = since - timedelta(minutes=self._audit.overlap_minutes)
        if until - start > MAX_WINDOW or start >= until:
            return None
        reader = self._logs.log_for(
            self.client.endpoint,
            self._info,
            self._audit.admin_email or self.admin,
            http_factory=self._audit_http,
        )
        before = (reader.stats.requests, reader.stats.api_calls, reader.stats.throttled)
        try:
            window, fresh = reader.window(start, until)
        except GoogleError as e:
            log.warning("google.audit_log_unreadable", school=self.school.key, error=str(e))
            return None
        finally:
            # The round's first school pays for the read; the others read it for free.
            self.stats.requests += reader.stats.requests - before[0]
            self.stats.api_calls += reader.stats.api_calls - before[1]
            self.stats.throttled += reader.stats.throttled - before[2]
        changes = school_changes(
            (e for e in window.events if e.at >= start),
            classes,
            since=start,
            until=window.end,
            total=window.activities,
        )
        if fresh:
            changes.skipped.extend(window.skipped)
        return changes

    def people(self, ids: list[str]) -> Iterator[PersonRecord]:
        """Profiles by id (``userProfiles.get``, batched); unreadable ones are skipped."""
        calls = {uid: (lambda svc, uid=uid: svc.userProfiles().get(userId=uid)) for uid in ids}
        for start in range(0, len(ids), MAX_BATCH):
            self.pacer.acquire(self.admin, min(MAX_BATCH, len(ids) - start),
                               sleep=self._pace_sleep)
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
        calls: dict[PageKey, RequestBuilder] = {}
        users: Counter[str] = Counter()
        for key in keys:
            cid, stream_key, token = key
            stream, extra = stream_of(stream_key)
            build = stream.request(cid, token or None, self._page_size, extra)
            user = self._owner_email.get(cid, self.admin)
            if self._teachers is not None and user != self.admin:
                build = self._teachers.as_user(user, build)
            calls[key] = build
            users[user] += 1
        for user, n in users.items():
            self.pacer.acquire(user, n, sleep=self._pace_sleep)
        return self.client.execute_batch(calls, _describe)

    def _take(self, read: CourseRead, key: PageKey, answer: Answer) -> list[PageKey]:
        """Fold one answer into its course; return the pages to read next."""
        cid, stream, _ = key
        if isinstance(answer, AuthError):
            # Credentials or delegation are wrong: nothing else will work either.
            raise answer
        if isinstance(answer, GoogleError):
            if stream not in read.failed:
                log.warning(
                    "google.stream_unreadable", course=cid, stream=stream, error=str(answer)
                )
            return [(cid, k, t) for k, t in read.fail(stream, answer)]
        return [(cid, k, t) for k, t in read.add_page(stream, answer)]

    def _learn_owner_emails(self, classes: list[ClassRecord]) -> None:
        """Teacher mode: each course's owner's address (profiles read as the admin)."""
        owners = sorted(
            {c.owner_platform_id for c in classes if c.owner_platform_id} - set(self._by_owner)
        )
        for person in self.people(owners):
            if person.email:
                self._by_owner[person.platform_id] = person.email
        for c in classes:
            email = self._by_owner.get(c.owner_platform_id or "")
            if email:
                self._owner_email[c.platform_id] = email


# Quota waits are paced away; what remains are 5xx, resets and foreign 429s. Eight
# attempts with backoff capped at 32 s ride out a minute-long storm.
_RETRY = RetryPolicy(max_attempts=8, cap_s=32.0)


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
