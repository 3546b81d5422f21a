"""Teams meetings of the world's Microsoft schools, as Graph v1.0 serves them app-only.

- ``/users/{uid}/calendarView?startDateTime=…&endDateTime=…``: the organiser's events;
  each lesson is an online-meeting event (``isOnlineMeeting``, ``onlineMeeting.joinUrl``)
  whose attendees are the class's group mailbox (class lessons) or the people invited.
  (``/groups/{id}/events`` is delegated-only, so app-only reads the organiser's calendar.)
- ``/users/{uid}/onlineMeetings?$filter=JoinWebUrl eq '…'``: the meeting behind a join URL.
- ``…/onlineMeetings/{mid}/attendanceReports`` (the 50 most recent), ``…/{rid}/
  attendanceRecords`` and ``…/onlineMeetings/{mid}/recordings``.

Lessons sharing an organiser and a join URL are one meeting with one report per lesson
(a recurring or restarted meeting); a report's id is the lesson id. Knobs live in
:class:`MeetingsState` (``meetings_state(sandbox)``): the tenant's application access
policy (without it every onlineMeetings path answers Graph's 403), how long after a
meeting its report appears, and how long recordings are kept.
"""

from __future__ import annotations

import base64
import re
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from connector.records import Platform
from connector.sandbox.graph import shapes
from connector.sandbox.graph.errors import graph_error
from connector.sandbox.graph.odata import Item, collection, entity, iso
from connector.sandbox.graph.state import GraphState
from connector.sandbox.scenario.model import LessonSpec
from connector.sandbox.server import Request, Response, Sandbox
from connector.sandbox.world import World

Handler = Callable[[Request], Response]
MAX_REPORTS = 50  # "the 50 most recent" (meetingAttendanceReport list)
# Graph's answer without a granted application access policy (Graph docs, "Configure
# application access policy", Errors section).
NO_POLICY = "No application access policy found for this app."
_FILTER = re.compile(r"^\s*JoinWebUrl\s+eq\s+'(.*)'\s*$", re.IGNORECASE)


@dataclass
class MeetingsState:
    """Test knobs of the meetings routes."""

    access_policy: bool = True  # the tenant admin granted the app an access policy
    report_lag: timedelta = timedelta(0)  # a report appears this long after the meeting
    recording_retention: timedelta | None = None  # None: recordings never expire


_STATES: weakref.WeakKeyDictionary[Sandbox, MeetingsState] = weakref.WeakKeyDictionary()


def meetings_state(sandbox: Sandbox) -> MeetingsState:
    return _STATES[sandbox]


def meeting_id(organiser_id: str, join_url: str) -> str:
    """Graph's meeting id shape: base64 of ``1*{organiser}*0**{thread id}``."""
    thread = join_url.split("/meetup-join/", 1)[-1].split("/", 1)[0]
    raw = f"1*{organiser_id}*0**{thread.replace('%3a', ':').replace('%40', '@')}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _guid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "sandbox-meeting:" + ":".join(parts)))


class Meetings:
    def __init__(self, world: World, state: GraphState, meetings: MeetingsState) -> None:
        self.world = world
        self.state = state
        self.m = meetings

    # --- lookups -----------------------------------------------------------------------

    def _lessons_of(self, uid: str) -> list[LessonSpec]:
        now = self.world.now
        out = []
        for le in self.world.scenario.lessons:
            p = self.world.person(le.organiser_id)
            if le.organiser_id != uid or p is None or le.started_at > now:
                continue
            if self.world.schools[p.school_id].platform is Platform.MICROSOFT:
                out.append(le)
        return out

    def _meeting(self, uid: str, mid: str) -> list[LessonSpec]:
        return [le for le in self._lessons_of(uid) if meeting_id(uid, le.meeting_code) == mid]

    def _denied(self) -> Response | None:
        return None if self.m.access_policy else graph_error(403, "Forbidden", NO_POLICY)

    def _user(self, uid: str) -> Response | None:
        p = self.world.person(uid)
        if p is None or self.world.schools[p.school_id].platform is not Platform.MICROSOFT:
            return graph_error(404, "ResourceNotFound",
                               f"Resource '{uid}' does not exist or one of its queried "
                               "reference-property objects are not present.")
        return None

    # --- shapes ------------------------------------------------------------------------

    def _event(self, le: LessonSpec) -> Item:
        attendees: list[Item] = []
        if le.class_id is not None:
            c = self.world.classes[le.class_id]
            domain = self.world.schools[c.school_id].domain
            attendees.append(_attendee(f"class-{c.id[:8]}@{domain}", c.name))
        else:
            for a in le.attendance:
                p = self.world.person(a.person_id)
                if p is not None and a.person_id != le.organiser_id:
                    attendees.append(_attendee(p.email, f"{p.given_name} {p.family_name}"))
        org = self.world.person(le.organiser_id)
        return {
            "id": base64.urlsafe_b64encode(_guid("event", le.id).encode()).decode(),
            "subject": le.title,
            "start": {"dateTime": _local(le.started_at), "timeZone": "UTC"},
            "end": {"dateTime": _local(le.ended_at), "timeZone": "UTC"},
            "isOnlineMeeting": True,
            "onlineMeetingProvider": "teamsForBusiness",
            "onlineMeeting": {"joinUrl": le.meeting_code},
            "organizer": {"emailAddress": {"name": org.given_name if org else "",
                                           "address": org.email if org else ""}},
            "attendees": attendees,
        }

    def _online_meeting(self, uid: str, lessons: list[LessonSpec]) -> Item:
        first = min(lessons, key=lambda x: x.started_at)
        return {
            "id": meeting_id(uid, first.meeting_code),
            "subject": first.title,
            "joinWebUrl": first.meeting_code,
            "creationDateTime": iso(first.started_at - timedelta(days=1)),
            "startDateTime": iso(first.started_at),
            "endDateTime": iso(first.ended_at),
            "participants": {"organizer": {"upn": "", "role": "presenter",
                                           "identity": {"user": {"id": uid}}}},
        }

    def _report(self, le: LessonSpec) -> Item:
        return {
            "id": le.id,
            "totalParticipantCount": len({a.person_id for a in le.attendance}),
            "meetingStartDateTime": iso(le.started_at),
            "meetingEndDateTime": iso(le.ended_at),
        }

    def _records(self, le: LessonSpec) -> list[Item]:
        by_person: dict[str, list[Item]] = {}
        for a in sorted(le.attendance, key=lambda x: x.joined_at):
            secs = int((a.left_at - a.joined_at).total_seconds())
            by_person.setdefault(a.person_id, []).append({
                "joinDateTime": iso(a.joined_at), "leaveDateTime": iso(a.left_at),
                "durationInSeconds": secs})
        out = []
        for pid, intervals in by_person.items():
            p = self.world.person(pid)
            out.append({
                "id": _guid("record", le.id, pid),
                "emailAddress": p.email if p else None,
                "role": "Organizer" if pid == le.organiser_id else "Attendee",
                "totalAttendanceInSeconds": sum(int(i["durationInSeconds"]) for i in intervals),
                "identity": {"id": pid,
                             "displayName": f"{p.given_name} {p.family_name}" if p else None},
                "attendanceIntervals": intervals,
            })
        return out

    def _recording(self, uid: str, le: LessonSpec) -> Item:
        rid = le.recording_id or _guid("recording", le.id)
        mid = meeting_id(uid, le.meeting_code)
        return {
            "id": rid,
            "meetingId": mid,
            "callId": _guid("call", le.id),
            "contentCorrelationId": _guid("content", le.id),
            "createdDateTime": iso(le.started_at),
            "endDateTime": iso(le.ended_at),
            "recordingContentUrl": f"https://graph.microsoft.com/v1.0/users/{uid}/"
                                   f"onlineMeetings/{mid}/recordings/{rid}/content",
            "meetingOrganizer": shapes.identity_set(uid),
        }

    # --- handlers ----------------------------------------------------------------------

    def calendar_view(self, req: Request) -> Response:
        uid = req.params["uid"]
        if (missing := self._user(uid)) is not None:
            return missing
        try:
            start = datetime.fromisoformat(req.arg("startDateTime") or "")
            end = datetime.fromisoformat(req.arg("endDateTime") or "")
        except ValueError:
            return graph_error(400, "ErrorInvalidParameter",
                               "This request requires a time window specified by the query "
                               "string parameters StartDateTime and EndDateTime.")
        if start.tzinfo is None or end.tzinfo is None:
            return graph_error(400, "ErrorInvalidParameter", "StartDateTime needs a time zone.")
        lessons = [le for le in self._lessons_of(uid) if le.started_at < end
                   and le.ended_at > start]
        lessons.sort(key=lambda x: x.started_at)
        return collection(req, self.state, [self._event(le) for le in lessons],
                          context=f"users('{uid}')/calendarView")

    def online_meetings(self, req: Request) -> Response:
        uid = req.params["uid"]
        if (denied := self._denied() or self._user(uid)) is not None:
            return denied
        match = _FILTER.match(req.arg("$filter") or "")
        if match is None:
            return graph_error(400, "BadRequest",
                               "Filter expression expected - /onlineMeetings?$filter="
                               "JoinWebUrl eq 'joinUrl'.")
        lessons = [le for le in self._lessons_of(uid) if le.meeting_code == match.group(1)]
        items = [self._online_meeting(uid, lessons)] if lessons else []
        return collection(req, self.state, items, context=f"users('{uid}')/onlineMeetings")

    def online_meeting(self, req: Request) -> Response:
        uid, mid = req.params["uid"], req.params["mid"]
        if (denied := self._denied()) is not None:
            return denied
        lessons = self._meeting(uid, mid)
        if not lessons:
            return graph_error(404, "NotFound", "The specified meeting was not found.")
        return entity(req, self._online_meeting(uid, lessons),
                      context=f"users('{uid}')/onlineMeetings")

    def reports(self, req: Request) -> Response:
        uid, mid = req.params["uid"], req.params["mid"]
        if (denied := self._denied()) is not None:
            return denied
        lessons = self._meeting(uid, mid)
        if not lessons:
            return graph_error(404, "NotFound", "The specified meeting was not found.")
        now = self.world.now
        ready = [le for le in lessons if le.ended_at + self.m.report_lag <= now]
        ready.sort(key=lambda x: x.started_at, reverse=True)
        items = [self._report(le) for le in ready[:MAX_REPORTS]]
        return collection(req, self.state, items,
                          context=f"users('{uid}')/onlineMeetings('{mid}')/attendanceReports")

    def records(self, req: Request) -> Response:
        uid, mid, rid = req.params["uid"], req.params["mid"], req.params["rid"]
        if (denied := self._denied()) is not None:
            return denied
        now = self.world.now
        le = next((x for x in self._meeting(uid, mid)
                   if x.id == rid and x.ended_at + self.m.report_lag <= now), None)
        if le is None:
            return graph_error(404, "NotFound", "The specified attendance report was not found.")
        return collection(req, self.state, self._records(le),
                          context="users('x')/onlineMeetings('x')/attendanceReports('x')"
                                  "/attendanceRecords")

    def recordings(self, req: Request) -> Response:
        uid, mid = req.params["uid"], req.params["mid"]
        if (denied := self._denied()) is not None:
            return denied
        lessons = self._meeting(uid, mid)
        if not lessons:
            return graph_error(404, "NotFound", "The specified meeting was not found.")
        now, keep = self.world.now, self.m.recording_retention
        items = [self._recording(uid, le) for le in sorted(lessons, key=lambda x: x.started_at)
                 if le.recorded and le.ended_at <= now
                 and (keep is None or le.ended_at + keep > now)]
        return collection(req, self.state, items,
                          context=f"users('{uid}')/onlineMeetings('{mid}')/recordings")


def _attendee(address: str, name: str) -> Item:
    return {"type": "required", "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
            "emailAddress": {"name": name, "address": address}}


def _local(dt: datetime) -> str:
    """Graph's dateTimeTimeZone text: no offset, seven fractional digits."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S.0000000")


def register(sandbox: Sandbox, world: World, state: GraphState) -> MeetingsState:
    """Add the meetings routes to ``sandbox`` (called from the Graph ``register``)."""
    m = _STATES[sandbox] = MeetingsState()
    h = Meetings(world, state, m)
    u = "/v1.0/users/{uid}"
    om = f"{u}/onlineMeetings/{{mid}}"
    routes: list[tuple[str, Handler]] = [
        (f"{u}/calendarView", h.calendar_view),
        (f"{u}/onlineMeetings", h.online_meetings),
        (om, h.online_meeting),
        (f"{om}/attendanceReports", h.reports),
        (f"{om}/attendanceReports/{{rid}}/attendanceRecords", h.records),
        (f"{om}/recordings", h.recordings),
    ]
    for template, handler in routes:
        sandbox.router.add("GET", template, handler)
    return m
