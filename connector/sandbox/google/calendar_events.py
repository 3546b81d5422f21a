"""Class lessons as Calendar v3 Event resources (field names per calendar.v3's discovery doc).

Each lesson of a class (``LessonSpec.class_id`` set) is one single (non-recurring) event
on the class's calendar (``ClassSpec.calendar_id``, the course's ``calendarId``): created
on that calendar by the class owner, so ``organizer`` is the calendar itself and
``creator`` the teacher; its Meet link is ``conferenceData`` (``conferenceId`` = the
meeting code, solution ``hangoutsMeet``, one ``video`` entry point) and ``hangoutLink``.
Class members are attendees. Calls tied to no class have no event.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connector.records import Role
from connector.sandbox.google.resources import ts
from connector.sandbox.scenario.model import ClassSpec, LessonSpec
from connector.sandbox.world import World

MEET = "https://meet.google.com/"
MEET_ICON = (
    "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/"
    "logo_meet_2020q4_color_2x_web_512dp.png"
)
# Teachers put a lesson on the class calendar ahead of time; a week is the sandbox's choice.
SCHEDULED_AHEAD = timedelta(days=7)
_B32HEX = "0123456789abcdefghijklmnopqrstuv"


def event_id(lesson_id: str) -> str:
    """A 26-character base32hex id (lowercase a-v and digits), as Calendar's rules require."""
    n = int(hashlib.sha256(("event/" + lesson_id).encode()).hexdigest(), 16)
    return "".join(_B32HEX[(n >> (5 * i)) & 31] for i in range(26))


@dataclass(frozen=True, slots=True)
class EventView:
    lesson: LessonSpec
    klass: ClassSpec
    created: datetime
    updated: datetime
    rev: int  # world change number (0: part of the scenario from the start)


def event_view(world: World, le: LessonSpec, klass: ClassSpec) -> EventView | None:
    """How the lesson's event looks now, or None if it was not yet on the calendar."""
    created = max(klass.created_at, le.started_at - SCHEDULED_AHEAD)
    updated, rev = created, 0
    change = world.lesson_changes.get(le.id)
    if change is not None:
        rev, at = change
        created, updated = min(created, at), max(created, at)
    if created > world.now:
        return None
    return EventView(le, klass, created, updated, rev)


def local(dt: datetime, tz: str) -> str:
    """RFC 3339 in ``tz`` with its offset ("Z" when it is zero), whole seconds."""
    out = dt.astimezone(ZoneInfo(tz)).replace(microsecond=0).isoformat()
    return out.removesuffix("+00:00") + "Z" if out.endswith("+00:00") else out


def etag(at: datetime) -> str:
    return f'"{int(at.astimezone(UTC).timestamp() * 1_000_000)}"'


def event_json(
    world: World,
    v: EventView,
    *,
    tz: str,
    viewer_id: str | None,
    on_class_calendar: bool,
    max_attendees: int | None = None,
) -> dict[str, Any]:
    le, c = v.lesson, v.klass
    eid = event_id(le.id)
    cal = c.calendar_id or ""
    owner = world.person(c.owner_id)
    link = base64.b64encode(f"{eid} {cal}".encode()).decode().rstrip("=")
    out: dict[str, Any] = {
        "kind": "calendar#event",
        "etag": etag(v.updated),
        "id": eid,
        "status": "confirmed",
        "htmlLink": f"https://www.google.com/calendar/event?eid={link}",
        "created": ts(v.created),
        "updated": ts(v.updated),
        "summary": le.title,
        "creator": {"email": owner.email if owner else cal},
        "organizer": {"email": cal, "displayName": c.name},
        "start": {"dateTime": local(le.started_at, tz), "timeZone": tz},
        "end": {"dateTime": local(le.ended_at, tz), "timeZone": tz},
        "iCalUID": f"{eid}@google.com",
        "sequence": 0,
    }
    if on_class_calendar:
        out["organizer"]["self"] = True
    attendees = _attendees(world, le, c, viewer_id)
    if max_attendees is not None and len(attendees) > max_attendees:
        # Documented: over maxAttendees "only the participant is returned".
        attendees = [a for a in attendees if a.get("self")]
        out["attendeesOmitted"] = True
    if attendees:
        out["attendees"] = attendees
    out["hangoutLink"] = MEET + le.meeting_code
    out["conferenceData"] = {
        "entryPoints": [
            {
                "entryPointType": "video",
                "uri": MEET + le.meeting_code,
                "label": "meet.google.com/" + le.meeting_code,
            }
        ],
        "conferenceSolution": {
            "key": {"type": "hangoutsMeet"},
            "name": "Google Meet",
            "iconUri": MEET_ICON,
        },
        "conferenceId": le.meeting_code,
    }
    out["reminders"] = {"useDefault": True}
    out["eventType"] = "default"
    return out


def _attendees(
    world: World, le: LessonSpec, c: ClassSpec, viewer_id: str | None
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for role, answer in ((Role.TEACHER, "accepted"), (Role.PUPIL, "needsAction")):
        ids = sorted({m.person_id for m in world.members(c.id, role, at=le.started_at)})
        for pid in ids:
            p = world.person(pid)
            if p is None:
                continue
            entry: dict[str, Any] = {"email": p.email}
            if pid == viewer_id:
                entry["self"] = True
            entry["responseStatus"] = answer
            out.append(entry)
    return out
