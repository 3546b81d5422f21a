"""An in-process fake of the Classroom HTTP surface, for unit tests of one edge at a time.

It speaks what googleapiclient sends and parses: JSON lists with ``nextPageToken`` and
``POST /batch`` multipart bodies. Faults are scripted per path; every HTTP request and
every API call (batch parts included) is recorded. End-to-end behaviour is tested against
the real sandbox server instead.
"""

from __future__ import annotations

import email
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httplib2

Reply = tuple[int, dict[str, str], bytes]

ROSTER = {"teachers", "students"}
LIST_KEYS = {
    "teachers": "teachers",
    "students": "students",
    "topics": "topic",
    "courseWork": "courseWork",
    "courseWorkMaterials": "courseWorkMaterial",
    "announcements": "announcements",
    "studentSubmissions": "studentSubmissions",
}


@dataclass
class Fault:
    """Answer calls whose path+query contains ``match`` with ``status`` (``times`` times)."""

    match: str
    status: int
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    raise_exc: BaseException | None = None  # only for calls sent alone, not in a batch


def error_body(status: int, api_status: str) -> bytes:
    return json.dumps(
        {"error": {"code": status, "message": api_status.lower(), "status": api_status}}
    ).encode()


class FakeGoogle:
    """The fake server and an httplib2-compatible ``request`` in one object."""

    def __init__(self, *, page_size: int = 2) -> None:
        self.page_size = page_size
        self.courses: list[dict[str, Any]] = []
        self.lists: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.profiles: dict[str, dict[str, Any]] = {}
        self.faults: list[Fault] = []
        self.batch_faults: list[Fault] = []
        self.calls: list[str] = []  # every API call, "GET /v1/...?..."
        self.batch_sizes: list[int] = []
        self.http_requests = 0
        self.lock = threading.Lock()

    # --- building a world ------------------------------------------------------------------

    def add_course(self, course: dict[str, Any], **lists: list[dict[str, Any]]) -> None:
        self.courses.append(course)
        for name in LIST_KEYS:
            self.lists[(course.get("id", ""), name)] = list(lists.get(name, []))

    def fail(self, match: str, status: int, times: int = 1, **kw: Any) -> None:
        self.faults.append(Fault(match, status, times, **kw))

    def calls_to(self, fragment: str) -> list[str]:
        return [c for c in self.calls if fragment in c]

    # --- httplib2 surface ------------------------------------------------------------------

    def request(self, uri: str, method: str = "GET", body: Any = None,
                headers: Any = None, **_: Any) -> tuple[httplib2.Response, bytes]:
        with self.lock:
            self.http_requests += 1
        url = urlsplit(uri)
        if url.path.endswith("/batch"):
            status, hdrs, content = self._batch(body, headers or {})
        else:
            target = url.path + ("?" + url.query if url.query else "")
            fault = self._fault(self.faults, f"{method} {target}")
            if fault is not None and fault.raise_exc is not None:
                raise fault.raise_exc
            status, hdrs, content = self._answer(method, target, fault)
        return httplib2.Response({"status": str(status), **hdrs}), content

    # --- internals -------------------------------------------------------------------------

    def _fault(self, faults: list[Fault], call: str) -> Fault | None:
        with self.lock:
            for f in faults:
                if f.times > 0 and f.match in call:
                    f.times -= 1
                    return f
        return None

    def _answer(self, method: str, target: str, fault: Fault | None = None) -> Reply:
        with self.lock:
            self.calls.append(f"{method} {target}")
        if fault is None:
            fault = self._fault(self.faults, f"{method} {target}")
        if fault is not None:
            body = fault.body if fault.body is not None else error_body(fault.status, "ERROR")
            return fault.status, {"content-type": "application/json", **fault.headers}, body
        url = urlsplit(target)
        query = parse_qs(url.query)
        path = url.path.removeprefix("/v1/")
        if path == "courses":
            return self._page(self.courses, "courses", query)
        m = re.fullmatch(r"userProfiles/([^/]+)", path)
        if m:
            profile = self.profiles.get(m.group(1))
            if profile is None:
                return _not_found()
            return 200, {"content-type": "application/json"}, json.dumps(profile).encode()
        m = re.fullmatch(r"courses/([^/]+)/(?:courseWork/-/)?(\w+)", path)
        if m and (m.group(1), m.group(2)) in self.lists:
            name = m.group(2)
            items = self.lists[(m.group(1), name)]
            size = min(int(query.get("pageSize", ["0"])[0]) or 30, 30) if name in ROSTER else 0
            return self._page(items, LIST_KEYS[name], query, size or self.page_size)
        return _not_found()

    def _page(self, items: list[dict[str, Any]], key: str, query: dict[str, list[str]],
              size: int | None = None) -> Reply:
        size = size or self.page_size
        offset = int(query.get("pageToken", ["0"])[0])
        body: dict[str, Any] = {}
        if items[offset : offset + size]:
            body[key] = items[offset : offset + size]
        if offset + size < len(items):
            body["nextPageToken"] = str(offset + size)
        return 200, {"content-type": "application/json"}, json.dumps(body).encode()

    def _batch(self, body: str | bytes, headers: dict[str, str]) -> Reply:
        fault = self._fault(self.batch_faults, "POST /batch")
        if fault is not None:
            if fault.raise_exc is not None:
                raise fault.raise_exc
            return fault.status, fault.headers, error_body(fault.status, "ERROR")
        text = body.decode() if isinstance(body, bytes) else body
        ctype = {k.lower(): v for k, v in headers.items()}["content-type"]
        message = email.message_from_string(f"content-type: {ctype}\r\n\r\n{text}")
        parts = message.get_payload()
        assert isinstance(parts, list)
        self.batch_sizes.append(len(parts))
        boundary = "fake_batch_boundary"
        out: list[str] = []
        for part in parts:
            content_id = part["Content-ID"]
            inner = part.get_payload()
            method, target, _ = inner.splitlines()[0].split(" ", 2)
            status, hdrs, content = self._answer(method, target)
            head = "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
            out.append(
                f"--{boundary}\r\nContent-Type: application/http\r\n"
                f"Content-ID: <response-{content_id[1:-1]}>\r\n\r\n"
                f"HTTP/1.1 {status} X\r\n{head}\r\n{content.decode()}\r\n"
            )
        payload = "".join(out) + f"--{boundary}--\r\n"
        return 200, {"content-type": f"multipart/mixed; boundary={boundary}"}, payload.encode()


def _not_found() -> Reply:
    return 404, {"content-type": "application/json"}, error_body(404, "NOT_FOUND")


def no_sleep(log: list[float]) -> Callable[[float], None]:
    """A sleep that records what it was asked to wait and returns at once."""
    return log.append


# --- Classroom JSON, shaped as the discovery document says -----------------------------------

T0 = "2026-11-02T09:00:00.123456789Z"


def course(cid: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "name": f"Course {cid}",
        "section": "7B",
        "ownerId": "900",
        "courseState": "ACTIVE",
        "alternateLink": f"https://classroom.google.com/c/{cid}",
        "creationTime": "2026-09-01T08:00:00Z",
        "updateTime": "2026-09-02T08:00:00Z",
        "calendarId": f"classroom{cid}@group.calendar.google.com",
        **extra,
    }


def member(cid: str, uid: str, **extra: Any) -> dict[str, Any]:
    return {
        "courseId": cid,
        "userId": uid,
        "profile": {
            "id": uid,
            "name": {"givenName": "Ada", "familyName": f"L{uid}", "fullName": f"Ada L{uid}"},
            "emailAddress": f"u{uid}@school.example",
        },
        **extra,
    }


def work(cid: str, wid: str, **extra: Any) -> dict[str, Any]:
    return {
        "courseId": cid,
        "id": wid,
        "title": f"Work {wid}",
        "state": "PUBLISHED",
        "workType": "ASSIGNMENT",
        "creationTime": "2026-11-02T09:00:00Z",
        "updateTime": "2026-11-02T09:30:00Z",
        "creatorUserId": "900",
        "alternateLink": f"https://classroom.google.com/c/{cid}/a/{wid}",
        "maxPoints": 10,
        **extra,
    }


def material(cid: str, mid: str, **extra: Any) -> dict[str, Any]:
    item = work(cid, mid, **extra)
    item.pop("workType", None)
    item.pop("maxPoints", None)
    return {**item, **extra}


def announcement(cid: str, aid: str, **extra: Any) -> dict[str, Any]:
    item = material(cid, aid, **extra)
    item.pop("title", None)
    return {**item, "text": "Bring your PE kit", **extra}


def submission(cid: str, wid: str, sid: str, uid: str, **extra: Any) -> dict[str, Any]:
    return {
        "courseId": cid,
        "courseWorkId": wid,
        "id": sid,
        "userId": uid,
        "state": "NEW",
        "late": False,
        "creationTime": "2026-11-02T09:00:00Z",
        "updateTime": "2026-11-02T09:00:00Z",
        "courseWorkType": "ASSIGNMENT",
        "submissionHistory": [
            {"stateHistory": {"state": "CREATED", "stateTimestamp": "2026-11-02T09:00:00Z",
                              "actorUserId": uid}},
        ],
        **extra,
    }


def small_world(fake: FakeGoogle, n_courses: int = 3, pupils: int = 5) -> None:
    """``n_courses`` courses, each with 1 teacher, ``pupils`` pupils, 3 work items, 1 material,
    1 announcement and a submission per pupil per work item (pages of 2 force paging)."""
    for c in range(n_courses):
        cid = str(1000 + c)
        uids = [str(5000 + c * 100 + p) for p in range(pupils)]
        works = [work(cid, f"{cid}{w}") for w in range(3)]
        fake.add_course(
            course(cid),
            teachers=[member(cid, str(900 + c))],
            students=[member(cid, u) for u in uids],
            topics=[{"courseId": cid, "topicId": "t1", "name": "Algebra"}],
            courseWork=works,
            courseWorkMaterials=[material(cid, f"{cid}8")],
            announcements=[announcement(cid, f"{cid}9")],
            studentSubmissions=[
                submission(cid, w["id"], f"s{w['id']}{u}", u) for w in works for u in uids
            ],
        )
