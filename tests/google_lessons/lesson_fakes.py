"""An in-process fake of Calendar v3 events.list and Meet v2 for one edge at a time.

It answers what googleapiclient sends, per impersonated user (the http object is made per
user), with JSON shaped as calendar.v3.json and meet.v2.json describe it. Visibility is
Meet's: a user sees a conference record they organised or took part in. Every call is
recorded as ``(user, "GET /path?query")``. End-to-end behaviour is tested on the sandbox.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httplib2

T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC


def ts(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event(
    eid: str,
    code: str,
    start: datetime,
    minutes: int,
    *,
    summary: str = "Maths live lesson",
    creator: str = "teacher@hill.example",
    calendar: str = "c1@group.calendar.google.com",
) -> dict[str, Any]:
    """An event made on a course calendar: ``organizer`` is the calendar (self), the
    teacher is ``creator``; the Meet conference is ``conferenceData``."""
    return {
        "kind": "calendar#event",
        "id": eid,
        "status": "confirmed",
        "summary": summary,
        "description": "Bring your book",  # content: never stored
        "creator": {"email": creator},
        "organizer": {"email": calendar, "displayName": "Maths", "self": True},
        "start": {"dateTime": ts(start), "timeZone": "Europe/London"},
        "end": {"dateTime": ts(start + timedelta(minutes=minutes)), "timeZone": "Europe/London"},
        "hangoutLink": f"https://meet.google.com/{code}",
        "conferenceData": {
            "entryPoints": [{"entryPointType": "video", "uri": f"https://meet.google.com/{code}"}],
            "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet"},
            "conferenceId": code,
        },
        "eventType": "default",
    }


@dataclass
class Call:
    """One conference: its record, who may see it, participants, sessions, recordings."""

    record_id: str
    code: str
    start: datetime
    end: datetime | None
    organiser: str  # email
    # (participant id, user field or None, kind, [(start, end)...])
    people: list[tuple[str, str | None, str, list[tuple[datetime, datetime | None]]]] = field(
        default_factory=list
    )
    recordings: list[dict[str, Any]] = field(default_factory=list)
    visible_to: set[str] = field(default_factory=set)  # emails besides the organiser

    @property
    def name(self) -> str:
        return f"conferenceRecords/{self.record_id}"

    @property
    def space(self) -> str:
        return f"spaces/sp{self.code.replace('-', '')}"

    def record_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "startTime": ts(self.start),
                               "space": self.space}
        if self.end is not None:
            out["endTime"] = ts(self.end)
            out["expireTime"] = ts(self.end + timedelta(days=30))
        return out

    def participant_json(self, pid: str) -> dict[str, Any]:
        _, user, kind, sessions = next(p for p in self.people if p[0] == pid)
        out: dict[str, Any] = {"name": f"{self.name}/participants/{pid}"}
        if kind == "signed_in":
            out["signedinUser"] = {"user": user, "displayName": "Some One"}
        elif kind == "anonymous":
            out["anonymousUser"] = {"displayName": "Guest"}
        elif kind == "phone":
            out["phoneUser"] = {"displayName": "+44 *** *** 123"}
        out["earliestStartTime"] = ts(min(s for s, _ in sessions))
        ends = [e for _, e in sessions]
        if all(e is not None for e in ends):
            out["latestEndTime"] = ts(max(e for e in ends if e is not None))
        return out


@dataclass
class Fault:
    match: str
    status: int
    times: int = 1
    user: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeLessonsApi:
    """The fake server; ``http_for(email)`` is the factory a lesson source takes."""

    def __init__(self, *, page_size: int = 100) -> None:
        self.page_size = page_size
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.readers: dict[str, set[str]] = {}  # calendar id -> emails that may read it
        self.calls_by_code: list[Call] = []
        self.raw_records: list[tuple[dict[str, Any], set[str]]] = []  # malformed ones
        self.faults: list[Fault] = []
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    # --- building ---------------------------------------------------------------------------

    def calendar(self, cal: str, readers: set[str], *events: dict[str, Any]) -> None:
        self.events[cal] = list(events)
        self.readers[cal] = set(readers)

    def call(self, call: Call) -> Call:
        self.calls_by_code.append(call)
        return call

    def fail(self, match: str, status: int, **kw: Any) -> None:
        self.faults.append(Fault(match, status, **kw))

    def calls_to(self, fragment: str) -> list[tuple[str, str]]:
        return [c for c in self.calls if fragment in c[1]]

    # --- http -------------------------------------------------------------------------------

    def http_for(self, user: str) -> _Http:
        return _Http(self, user)

    def answer(self, user: str, method: str, uri: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(uri)
        path, query = unquote(parts.path), parse_qs(parts.query)
        with self.lock:
            self.calls.append((user, f"{method} {path}?{parts.query}"))
            for f in self.faults:
                if f.times > 0 and f.match in uri and f.user in (None, user):
                    f.times -= 1
                    body = {"error": {"code": f.status, "message": "x", "status": "ERR"}}
                    return f.status, f.headers, json.dumps(body).encode()
        try:
            found = self._route(user, path, {k: v[0] for k, v in query.items()})
        except LookupError:
            body = {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}
            return 404, {}, json.dumps(body).encode()
        return 200, {}, json.dumps(found).encode()

    def _route(self, user: str, path: str, q: dict[str, str]) -> dict[str, Any]:
        if m := re.fullmatch(r"/calendar/v3/calendars/([^/]+)/events", path):
            cal = m.group(1)
            if user not in self.readers.get(cal, set()):
                raise LookupError(cal)
            return self._page("items", self.events.get(cal, []), q, "maxResults")
        if path == "/v2/conferenceRecords":
            return self._page("conferenceRecords", self._records(user, q.get("filter", "")), q)
        if m := re.fullmatch(r"/v2/conferenceRecords/([^/]+)/participants", path):
            c = self._visible(user, m.group(1))
            return self._page("participants", [c.participant_json(p[0]) for p in c.people], q)
        if m := re.fullmatch(
            r"/v2/conferenceRecords/([^/]+)/participants/([^/]+)/participantSessions", path
        ):
            c = self._visible(user, m.group(1))
            _, _, _, sessions = next(p for p in c.people if p[0] == m.group(2))
            items = []
            for i, (start, end) in enumerate(sessions):
                s = {"name": f"{c.name}/participants/{m.group(2)}/participantSessions/s{i}",
                     "startTime": ts(start)}
                if end is not None:
                    s["endTime"] = ts(end)
                items.append(s)
            return self._page("participantSessions", items, q)
        if m := re.fullmatch(r"/v2/conferenceRecords/([^/]+)/recordings", path):
            return self._page("recordings", self._visible(user, m.group(1)).recordings, q)
        if m := re.fullmatch(r"/v2/spaces/([^/]+)", path):
            for c in self.calls_by_code:
                if c.space == f"spaces/{m.group(1)}" and self._sees(user, c):
                    return {"name": c.space, "meetingCode": c.code,
                            "meetingUri": f"https://meet.google.com/{c.code}"}
        raise LookupError(path)

    def _sees(self, user: str, c: Call) -> bool:
        return user == c.organiser or user in c.visible_to

    def _visible(self, user: str, record_id: str) -> Call:
        for c in self.calls_by_code:
            if c.record_id == record_id and self._sees(user, c):
                return c
        raise LookupError(record_id)

    def _records(self, user: str, filter_: str) -> list[dict[str, Any]]:
        if m := re.fullmatch(r'space\.meeting_code = "([a-z-]+)"', filter_):
            keep = [c for c in self.calls_by_code if c.code == m.group(1)]
        elif m := re.fullmatch(r'start_time>="([^"]+)"', filter_):
            since = datetime.fromisoformat(m.group(1))
            keep = [c for c in self.calls_by_code if c.start >= since]
        else:
            raise AssertionError(f"unexpected filter {filter_!r}")
        out = [c.record_json() for c in keep if self._sees(user, c)]
        out += [raw for raw, who in self.raw_records if user in who]
        return out

    def _page(
        self, key: str, items: list[Any], q: dict[str, str], size_param: str = "pageSize"
    ) -> dict[str, Any]:
        size = min(int(q.get(size_param, self.page_size)), self.page_size)
        start = int(q.get("pageToken", "0"))
        out: dict[str, Any] = {key: items[start : start + size]}
        if start + size < len(items):
            out["nextPageToken"] = str(start + size)
        return out


class _Http:
    def __init__(self, api: FakeLessonsApi, user: str) -> None:
        self.api = api
        self.user = user

    def request(self, uri: str, method: str = "GET", *args: Any, **kwargs: Any) -> Any:
        status, headers, body = self.api.answer(self.user, method, uri)
        return httplib2.Response({"status": status, **headers}), body
