"""Meet REST v2: conferenceRecords (+ participants, participantSessions, recordings), spaces.get.

Page sizes are the documented ones (meet.v2 discovery document): conference records
default 25, at most 100; participants and participant sessions default 100, at most 250;
recordings default 10, at most 100; larger sizes are coerced to the maximum. Lists are
ordered as documented: conference records by start time, newest first; participants and
sessions by join time, newest first. Recordings exist only for recorded lessons: STARTED
while the lesson runs, ENDED once it ends, FILE_GENERATED (with its Drive file) after
``GoogleApi.recording_file_lag``.
"""

from __future__ import annotations

from typing import Any

from connector.records import Platform
from connector.sandbox.google import meet_filter
from connector.sandbox.google.access import Caller
from connector.sandbox.google.api import GoogleApi
from connector.sandbox.google.errors import ApiError
from connector.sandbox.google.meet_view import (
    MeetView,
    ParticipantView,
    RecordView,
    SessionView,
    drive_file_id,
    space_id,
)
from connector.sandbox.google.paging import listing, paginate
from connector.sandbox.google.resources import ts
from connector.sandbox.server import Request

MEET = "https://meet.google.com/"
RECORD_FIELDS = {
    "space.meeting_code": "string",
    "space.name": "string",
    "start_time": "time",
    "end_time": "time",
}
PARTICIPANT_FIELDS = {"earliest_start_time": "time", "latest_end_time": "time"}
SESSION_FIELDS = {"start_time": "time", "end_time": "time"}


def record_json(rv: RecordView) -> dict[str, Any]:
    out: dict[str, Any] = {"name": rv.name, "startTime": ts(rv.lesson.started_at)}
    if rv.end is not None:
        out["endTime"] = ts(rv.end)
    if rv.expire is not None:
        out["expireTime"] = ts(rv.expire)
    out["space"] = rv.space
    return out


def register(api: GoogleApi) -> None:
    w = api.world
    meet = MeetView(w)

    def visible(record_id: str, caller: Caller) -> RecordView:
        le = meet.find(record_id)
        rv = meet.record(le) if le is not None else None
        if rv is None:
            raise ApiError(404)
        if not meet.can_see(rv.lesson, caller.user_id):
            raise ApiError(403)
        return rv

    def list_records(req: Request, caller: Caller) -> dict[str, Any]:
        pred = meet_filter.parse(req.arg("filter"), RECORD_FIELDS)
        found = [
            rv
            for rv in meet.records_for(caller.user_id)
            if pred(
                {
                    "space.meeting_code": rv.lesson.meeting_code,
                    "space.name": rv.space,
                    "start_time": rv.lesson.started_at,
                    "end_time": rv.end,
                }
            )
        ]
        found.sort(key=lambda rv: (rv.lesson.started_at, rv.lesson.id), reverse=True)
        page, token = paginate(req, found, caller.user_id, default=25, maximum=100)
        return listing("conferenceRecords", [record_json(rv) for rv in page], token)

    def get_record(req: Request, caller: Caller) -> dict[str, Any]:
        return record_json(visible(req.params["recordId"], caller))

    def participant_json(rv: RecordView, p: ParticipantView) -> dict[str, Any]:
        out: dict[str, Any] = {"name": f"{rv.name}/participants/{p.id}"}
        person = p.person
        google = person is not None and w.schools[person.school_id].platform is Platform.GOOGLE
        if person is not None and google:
            out["signedinUser"] = {
                "user": f"users/{person.id}",
                "displayName": f"{person.given_name} {person.family_name}",
            }
        else:
            name = f"{person.given_name} {person.family_name}" if person else "Guest"
            out["anonymousUser"] = {"displayName": name}
        out["earliestStartTime"] = ts(p.earliest)
        if p.latest is not None:
            out["latestEndTime"] = ts(p.latest)
        return out

    def participant(req: Request, caller: Caller) -> tuple[RecordView, ParticipantView]:
        rv = visible(req.params["recordId"], caller)
        for p in meet.participants(rv.lesson):
            if p.id == req.params["participantId"]:
                return rv, p
        raise ApiError(404)

    def list_participants(req: Request, caller: Caller) -> dict[str, Any]:
        rv = visible(req.params["recordId"], caller)
        pred = meet_filter.parse(req.arg("filter"), PARTICIPANT_FIELDS)
        found = [
            p
            for p in meet.participants(rv.lesson)
            if pred({"earliest_start_time": p.earliest, "latest_end_time": p.latest})
        ]
        page, token = paginate(req, found, caller.user_id, default=100, maximum=250)
        body = listing("participants", [participant_json(rv, p) for p in page], token)
        if "totalSize" in (req.arg("fields") or ""):
            body["totalSize"] = len(found)  # documented: only when the field mask asks
        return body

    def get_participant(req: Request, caller: Caller) -> dict[str, Any]:
        return participant_json(*participant(req, caller))

    def session_json(rv: RecordView, p: ParticipantView, s: SessionView) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": f"{rv.name}/participants/{p.id}/participantSessions/{s.id}",
            "startTime": ts(s.start),
        }
        if s.end is not None:
            out["endTime"] = ts(s.end)
        return out

    def list_sessions(req: Request, caller: Caller) -> dict[str, Any]:
        rv, p = participant(req, caller)
        pred = meet_filter.parse(req.arg("filter"), SESSION_FIELDS)
        found = [s for s in p.sessions if pred({"start_time": s.start, "end_time": s.end})]
        page, token = paginate(req, found, caller.user_id, default=100, maximum=250)
        return listing("participantSessions", [session_json(rv, p, s) for s in page], token)

    def get_session(req: Request, caller: Caller) -> dict[str, Any]:
        rv, p = participant(req, caller)
        for s in p.sessions:
            if s.id == req.params["sessionId"]:
                return session_json(rv, p, s)
        raise ApiError(404)

    def recordings(rv: RecordView) -> list[dict[str, Any]]:
        le = rv.lesson
        if not le.recorded or not le.recording_id:
            return []
        out: dict[str, Any] = {
            "name": f"{rv.name}/recordings/{le.recording_id}",
            "startTime": ts(le.started_at),
        }
        if rv.end is None:
            out["state"] = "STARTED"
        elif w.now < rv.end + api.recording_file_lag:
            out["state"] = "ENDED"
            out["endTime"] = ts(rv.end)
        else:
            out["state"] = "FILE_GENERATED"
            out["endTime"] = ts(rv.end)
            file_id = drive_file_id(le.recording_id)
            out["driveDestination"] = {
                "file": file_id,
                "exportUri": f"https://drive.google.com/file/d/{file_id}/view",
            }
        return [out]

    def list_recordings(req: Request, caller: Caller) -> dict[str, Any]:
        rv = visible(req.params["recordId"], caller)
        page, token = paginate(req, recordings(rv), caller.user_id, default=10, maximum=100)
        return listing("recordings", page, token)

    def get_recording(req: Request, caller: Caller) -> dict[str, Any]:
        rv = visible(req.params["recordId"], caller)
        for r in recordings(rv):
            if r["name"].rsplit("/", 1)[1] == req.params["recordingId"]:
                return r
        raise ApiError(404)

    def get_space(req: Request, caller: Caller) -> dict[str, Any]:
        # A meeting code is an alias of the space name (Space.meetingCode, discovery doc).
        ref = req.params["spaceId"]
        mine = [
            le
            for le in w.scenario.lessons
            if meet.is_google(le)
            and ref in (le.meeting_code, space_id(le.meeting_code))
            and le.started_at <= w.now
        ]
        if not mine:
            raise ApiError(404)
        if not any(meet.can_see(le, caller.user_id) for le in mine):
            raise ApiError(403)
        code = mine[0].meeting_code
        out: dict[str, Any] = {
            "name": f"spaces/{space_id(code)}",
            "meetingUri": MEET + code,
            "meetingCode": code,
            "config": {"accessType": "TRUSTED", "entryPointAccess": "ALL"},
        }
        live = [le for le in mine if le.ended_at > w.now]
        if live:
            out["activeConference"] = {"conferenceRecord": f"conferenceRecords/{live[0].id}"}
        return out

    base = "/v2/conferenceRecords"
    part = base + "/{recordId}/participants"
    m = "meet.conferenceRecords."
    api.route(base, m + "list", list_records)
    api.route(base + "/{recordId}", m + "get", get_record)
    api.route(part, m + "participants.list", list_participants)
    api.route(part + "/{participantId}", m + "participants.get", get_participant)
    sessions = part + "/{participantId}/participantSessions"
    api.route(sessions, m + "participants.participantSessions.list", list_sessions)
    api.route(sessions + "/{sessionId}", m + "participants.participantSessions.get", get_session)
    api.route(base + "/{recordId}/recordings", m + "recordings.list", list_recordings)
    api.route(base + "/{recordId}/recordings/{recordingId}", m + "recordings.get", get_recording)
    api.route("/v2/spaces/{spaceId}", "meet.spaces.get", get_space)
