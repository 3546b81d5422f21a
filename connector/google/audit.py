"""Reading the Classroom audit log (Admin SDK Reports ``activities.list``) as a change feed.

Classroom has no changed-since filter for submissions; its audit log lists every state
change, grade, post and roster change of the whole Workspace customer, newest first, up to
1,000 activities a page (``maxResults`` maximum in the discovery document). One read of
the log therefore tells every school of a trust what changed, at a page per thousand
changes, where re-reading each course costs a batch per fifty lists.

- Scope: ``admin.reports.audit.readonly`` (its own credentials, so that a delegation
  without it fails here alone and the sync falls back to re-reading courses).
- Google lists Classroom events "near real time (couple of minutes)" after they happen and
  warns some come later: each read starts ``overlap`` before the stored cursor, and the
  nightly full sync catches what the log never reports. Applying an event twice is a no-op.
- Quota: 2,400 queries per minute per user; over it Google answers 503, which the retry
  layer backs off from like any 5xx.

:class:`AuditLogs` shares one reader per admin among the schools of one sync round: the
first school reads the window, the others take their events from it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from connector.google.audit_events import AuditEvent, parse_activity
from connector.google.auth import credentials_for
from connector.google.client import ClassroomClient
from connector.google.retry import RetryPolicy
from connector.google.transport import authorized_http_factory
from connector.records import Platform, SkippedRecord
from connector.source import RequestStats
from connector.stop import StopSignal

log = structlog.get_logger(__name__)

AUDIT_SCOPE = "https://www.googleapis.com/auth/admin.reports.audit.readonly"
PAGE = 1000  # activities.list maxResults: "maximum": "1000"
# A window read for one school serves the next ones if it ends this close to their instant.
REUSE = timedelta(minutes=5)
# Past this, re-reading the courses costs less than paging through the log.
MAX_WINDOW = timedelta(days=3)


@dataclass(slots=True)
class LogWindow:
    """Events of ``[start, end]`` (both as asked of the API), newest first as served."""

    start: datetime
    end: datetime
    events: list[AuditEvent] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)
    activities: int = 0


class AuditLog:
    """The Classroom audit log as one admin sees it, with the last window read."""

    def __init__(self, client: ClassroomClient, admin: str) -> None:
        self.client = client
        self.admin = admin
        self._window: LogWindow | None = None
        self._lock = threading.Lock()

    @property
    def stats(self) -> RequestStats:
        return self.client.stats

    def window(self, since: datetime, until: datetime) -> tuple[LogWindow, bool]:
        """Events from ``since`` to at most ``until`` (the window's ``end`` says how far),
        and whether they were read just now (False: an earlier school's read served)."""
        with self._lock:
            w = self._window
            if w is not None and w.start <= since and w.end <= until <= w.end + REUSE:
                return w, False
            self._window = self._read(since, until)
            return self._window, True

    def _read(self, since: datetime, until: datetime) -> LogWindow:
        out = LogWindow(since, until)
        token: str | None = None
        while True:
            params: dict[str, Any] = {
                "userKey": "all",
                "applicationName": "classroom",
                "startTime": _rfc3339(since),
                "endTime": _rfc3339(until),
                "maxResults": PAGE,
            }
            if token:
                params["pageToken"] = token
            answer = self.client.execute(_list(params), "activities.list classroom")
            for item in answer.get("items") or []:
                out.activities += 1
                parsed = parse_activity(item) if isinstance(item, Mapping) else None
                if parsed is None:
                    out.skipped.append(
                        SkippedRecord(Platform.GOOGLE, "audit_activity", None, "not an object")
                    )
                elif isinstance(parsed, SkippedRecord):
                    log.warning("google.audit_activity_skipped", ref=parsed.platform_id,
                                reason=parsed.reason)  # fmt: skip
                    out.skipped.append(parsed)
                else:
                    out.events.extend(parsed)
            next_token = answer.get("nextPageToken")
            if not isinstance(next_token, str) or not next_token:
                return out
            token = next_token


class AuditLogs:
    """One :class:`AuditLog` per (endpoint, admin) for the schools of one sync round."""

    def __init__(
        self, *, retry: RetryPolicy | None = None, stop: StopSignal | None = None
    ) -> None:
        self._logs: dict[tuple[str, str], AuditLog] = {}
        self._retry = (retry or RetryPolicy()).stopping_on(stop)
        self._lock = threading.Lock()

    def log_for(
        self,
        endpoint: str,
        service_account_info: Mapping[str, Any],
        admin: str,
        *,
        http_factory: Callable[[], Any] | None = None,
    ) -> AuditLog:
        key = (endpoint, admin.lower())
        with self._lock:
            found = self._logs.get(key)
            if found is None:
                if http_factory is None:
                    http_factory = authorized_http_factory(
                        credentials_for(service_account_info, admin, (AUDIT_SCOPE,))
                    )
                client = ClassroomClient(
                    endpoint, http_factory, retry=self._retry, api=("admin", "reports_v1")
                )
                found = self._logs[key] = AuditLog(client, admin)
            return found


def _list(params: dict[str, Any]) -> Callable[[Any], Any]:
    return lambda svc: svc.activities().list(**params)


def _rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
