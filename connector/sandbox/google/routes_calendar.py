"""Calendar v3 ``events.list`` and ``events.get`` on course calendars (and ``primary``).

The API endpoint is ``http://HOST:PORT/calendar/v3/`` (Calendar's servicePath). Who may
read a course calendar: the school's admin and the class's teachers and pupils; anyone
else gets 404 notFound, as Calendar answers for a calendar one cannot see. ``primary``
is the caller's own calendar: the lessons of the classes they belong to.

Parameters as documented in calendar.v3's discovery document: ``maxResults`` (default
250, never more than 2,500), ``timeMin`` (exclusive bound on an event's end),
``timeMax`` (exclusive bound on its start; both RFC 3339 with a mandatory offset, and
timeMin < timeMax or 400 timeRangeEmpty), ``updatedMin``, ``orderBy`` (``startTime`` only
with ``singleEvents=true``; ``updated``), ``q``, ``iCalUID``, ``maxAttendees``,
``timeZone``. The last page carries ``nextSyncToken``; a later ``syncToken`` request lists
only events added since (world.add_lesson), refuses timeMin/timeMax/updatedMin/orderBy/
q/iCalUID with 400, and answers an unknown or foreign token with 410 fullSyncRequired.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector.sandbox.google.access import Caller, CourseRole
from connector.sandbox.google.api import GoogleApi
from connector.sandbox.google.calendar_events import EventView, etag, event_id, event_json
from connector.sandbox.google.calendar_events import event_view as view_of
from connector.sandbox.google.errors import ApiError
from connector.sandbox.google.paging import paginate
from connector.sandbox.google.resources import ts
from connector.sandbox.scenario.model import ClassSpec
from connector.sandbox.server import Request

TEACHER, STUDENT = CourseRole.TEACHER, CourseRole.STUDENT
DEFAULT_RESULTS = 250
MAX_RESULTS = 2500
_NOT_WITH_SYNC = ("iCalUID", "orderBy", "privateExtendedProperty", "q",
                  "sharedExtendedProperty", "timeMin", "timeMax", "updatedMin")  # fmt: skip


def _param_error(name: str, message: str, reason: str = "invalid") -> ApiError:
    return ApiError(400, message, reason, domain="global", location=("parameter", name))


def _when(req: Request, name: str) -> datetime | None:
    raw = req.arg(name)
    if not raw:
        return None
    try:
        dt = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        dt = None
    if dt is None or dt.tzinfo is None:
        raise _param_error(name, "Bad Request")
    return dt


def _sync_token(calendar: str, caller: str, rev: int) -> str:
    raw = json.dumps({"c": calendar, "u": caller, "r": rev}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _sync_rev(token: str, calendar: str, caller: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if data["c"] == calendar and data["u"] == caller:
            return int(data["r"])
    except (ValueError, KeyError, TypeError):
        pass
    raise ApiError(410)


def register(api: GoogleApi) -> None:
    d = api.directory
    w = api.world

    def calendar_classes(ref: str, caller: Caller) -> tuple[list[ClassSpec], str, str, str]:
        """Classes whose lessons the calendar shows, its time zone, title and access role."""
        if ref == "primary":
            if caller.person is None:
                raise ApiError(404)
            mine = [c for c in d.courses() if d.role(caller, c) in (TEACHER, STUDENT)]
            tz = w.schools[caller.person.school_id].time_zone
            return mine, tz, caller.email or "", "owner"
        for c in d.courses():
            if c.calendar_id == ref:
                role = d.role(caller, c)
                if role is None:
                    break
                access = {"admin": "owner", "teacher": "writer"}.get(role.value, "reader")
                return [c], w.schools[c.school_id].time_zone, c.name, access
        raise ApiError(404)

    def events(ref: str, caller: Caller) -> tuple[list[EventView], str, str, str]:
        classes, tz, title, access = calendar_classes(ref, caller)
        out = []
        for c in classes:
            for le in w.lessons_by_class.get(c.id, []):
                if le.meeting_code and (v := view_of(w, le, c)) is not None:
                    out.append(v)
        return out, tz, title, access

    def time_zone(req: Request, default: str) -> str:
        tz = req.arg("timeZone") or default
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise _param_error("timeZone", "Invalid time zone definition for start time.") from e
        return tz

    def list_events(req: Request, caller: Caller) -> dict[str, Any]:
        ref = req.params["calendarId"]
        found, cal_tz, title, access = events(ref, caller)
        tz = time_zone(req, cal_tz)
        sync = req.arg("syncToken")
        if sync:
            for name in _NOT_WITH_SYNC:
                if req.arg(name):
                    raise _param_error(
                        name, f"The {name} parameter cannot be used with a sync token."
                    )
            since = _sync_rev(sync, ref, caller.user_id)
            found = [v for v in found if v.rev > since]
        t_min, t_max = _when(req, "timeMin"), _when(req, "timeMax")
        if t_min and t_max and t_min >= t_max:
            raise ApiError(
                400,
                "The specified time range is empty.",
                "timeRangeEmpty",
                domain="calendar",
                location=("parameter", "timeMax"),
            )
        updated_min = _when(req, "updatedMin")
        q, ical = (req.arg("q") or "").lower(), req.arg("iCalUID")
        types = set(req.args("eventTypes"))
        extended = req.arg("privateExtendedProperty") or req.arg("sharedExtendedProperty")
        found = [
            v
            for v in found
            if (t_min is None or v.lesson.ended_at > t_min)
            and (t_max is None or v.lesson.started_at < t_max)
            and (updated_min is None or v.updated >= updated_min)
            and (not q or q in v.lesson.title.lower())
            and (ical is None or ical == f"{event_id(v.lesson.id)}@google.com")
            and (not types or "default" in types)
            and not extended  # no event has extended properties
        ]
        order = req.arg("orderBy")
        if order == "startTime" and req.arg("singleEvents") != "true":
            raise _param_error(
                "orderBy", "The requested ordering is not available for the particular query."
            )
        if order == "updated":
            found.sort(key=lambda v: (v.updated, v.lesson.id))
        else:  # startTime, and the documented "unspecified, stable order"
            found.sort(key=lambda v: (v.lesson.started_at, v.lesson.id))
        page, token = paginate(
            req,
            found,
            caller.user_id,
            default=DEFAULT_RESULTS,
            param="maxResults",
            maximum=MAX_RESULTS,
        )
        max_att = req.arg("maxAttendees")
        items = [
            event_json(
                w,
                v,
                tz=tz,
                viewer_id=caller.user_id,
                on_class_calendar=ref != "primary",
                max_attendees=int(max_att) if max_att else None,
            )
            for v in page
        ]
        latest = max([v.updated for v in found], default=None)
        body: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": etag(latest or w.now),
            "summary": title,
            "updated": ts(latest or w.now),
            "timeZone": cal_tz,
            "accessRole": access,
            "defaultReminders": [],
        }
        if token:
            body["nextPageToken"] = token
        else:
            body["nextSyncToken"] = _sync_token(ref, caller.user_id, w.lesson_rev)
        body["items"] = items
        return body

    def get_event(req: Request, caller: Caller) -> dict[str, Any]:
        ref = req.params["calendarId"]
        found, cal_tz, _, _ = events(ref, caller)
        tz = time_zone(req, cal_tz)
        max_att = req.arg("maxAttendees")
        for v in found:
            if event_id(v.lesson.id) == req.params["eventId"]:
                return event_json(
                    w,
                    v,
                    tz=tz,
                    viewer_id=caller.user_id,
                    on_class_calendar=ref != "primary",
                    max_attendees=int(max_att) if max_att else None,
                )
        raise ApiError(404)

    base = "/calendar/v3/calendars/{calendarId}/events"
    api.route(base, "calendar.events.list", list_events)
    api.route(base + "/{eventId}", "calendar.events.get", get_event)
