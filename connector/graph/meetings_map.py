"""Graph meeting JSON (calendar events, attendance reports and records, recordings) →
platform-neutral lesson records. Each function takes one item; a malformed one becomes a
:class:`SkippedRecord`, never an exception.

A lesson is one attendance report (one occurrence of a meeting: a recurring or restarted
meeting has several), so ``LiveLessonRecord.platform_id`` is the report id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connector.records import AttendanceRecord, Platform, RecordingRecord, Role, SkippedRecord

Item = dict[str, Any]
_FRACTION = re.compile(r"\.\d+")
MS = Platform.MICROSOFT


@dataclass(frozen=True, slots=True)
class Event:
    """An online-meeting calendar event of an organiser."""

    organiser_id: str
    join_url: str
    title: str | None
    attendee_locals: frozenset[str]  # local parts of invited addresses (class mailboxes)


@dataclass(frozen=True, slots=True)
class Report:
    id: str
    start: datetime
    end: datetime


def dt(value: Any) -> datetime | None:
    """An ISO 8601 instant; Graph's dateTimeTimeZone text (no offset) is read as UTC."""
    if not isinstance(value, str) or not value:
        return None
    # Graph sends up to 7 fractional digits; Python reads at most 6.
    text = _FRACTION.sub(lambda m: m.group(0)[:7], value.replace("Z", "+00:00"))
    try:
        out = datetime.fromisoformat(text)
    except ValueError:
        return None
    return out.replace(tzinfo=UTC) if out.tzinfo is None else out.astimezone(UTC)


def _skip(resource: str, item: Any, reason: str) -> SkippedRecord:
    pid = item.get("id") if isinstance(item, dict) else None
    return SkippedRecord(MS, resource, pid if isinstance(pid, str) else None, reason)


def event(item: Item, organiser_id: str) -> Event | SkippedRecord | None:
    """None for an event that is not a Teams meeting (nothing to read)."""
    if item.get("isOnlineMeeting") is not True:
        return None
    om = item.get("onlineMeeting")
    url = om.get("joinUrl") if isinstance(om, dict) else None
    if not isinstance(url, str) or not url:
        return _skip("event", item, "online meeting without a joinUrl")
    locals_: set[str] = set()
    for a in item.get("attendees") or []:
        address = (a.get("emailAddress") or {}).get("address") if isinstance(a, dict) else None
        if isinstance(address, str) and "@" in address:
            locals_.add(address.split("@", 1)[0].lower())
    title = item.get("subject")
    return Event(organiser_id, url, title if isinstance(title, str) else None,
                 frozenset(locals_))


def report(item: Item) -> Report | SkippedRecord:
    rid, start, end = item.get("id"), dt(item.get("meetingStartDateTime")), \
        dt(item.get("meetingEndDateTime"))
    if not isinstance(rid, str) or start is None or end is None:
        return _skip("attendanceReport", item, "missing id, meetingStartDateTime or "
                                               "meetingEndDateTime")
    return Report(rid, start, end)


_ROLES = {"organizer": Role.TEACHER, "presenter": Role.TEACHER, "coorganizer": Role.TEACHER}


def attendance(item: Item, lesson_id: str, staff_ids: frozenset[str],
               pupil_ids: frozenset[str]) -> AttendanceRecord | SkippedRecord:
    seconds = item.get("totalAttendanceInSeconds")
    identity = item.get("identity") if isinstance(item.get("identity"), dict) else {}
    pid = identity.get("id") if isinstance(identity, dict) else None
    email = item.get("emailAddress")
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
        return _skip("attendanceRecord", item, "no totalAttendanceInSeconds")
    pid = pid if isinstance(pid, str) and pid else None
    email = email if isinstance(email, str) and email else None
    # A Teams meeting role says who ran it, not who teaches: roster ids decide first.
    role: Role | None
    if pid in staff_ids:
        role = Role.TEACHER
    elif pid in pupil_ids:
        role = Role.PUPIL
    else:
        raw = item.get("role")
        role = _ROLES.get(raw.lower()) if isinstance(raw, str) else None
    joins, leaves = [], []
    for iv in item.get("attendanceIntervals") or []:
        if isinstance(iv, dict):
            if (j := dt(iv.get("joinDateTime"))) is not None:
                joins.append(j)
            if (v := dt(iv.get("leaveDateTime"))) is not None:
                leaves.append(v)
    rid = item.get("id")
    return AttendanceRecord(
        MS, lesson_id, pid, email, role, seconds,
        first_joined_at=min(joins, default=None), last_left_at=max(leaves, default=None),
        participant_ref=rid if isinstance(rid, str) and pid is None and email is None else None,
    )


def recording(item: Item, reports: list[Report]) -> RecordingRecord | SkippedRecord | None:
    """The recording, tied to the report whose meeting it was made in (None: no report)."""
    rid, created = item.get("id"), dt(item.get("createdDateTime"))
    if not isinstance(rid, str) or created is None:
        return _skip("callRecording", item, "missing id or createdDateTime")
    if not reports:
        return None
    inside = [r for r in reports if r.start <= created <= r.end]
    owner = inside[0] if inside else min(reports, key=lambda r: abs((r.start - created)
                                                                    .total_seconds()))
    # recordingContentUrl is never stored (R7: no content).
    return RecordingRecord(MS, rid, owner.id, created, dt(item.get("endDateTime")))
