"""Meet v2 conference records, participants, their sessions and recordings → records.

Names are resource paths (``conferenceRecords/{id}/participants/{id}``); a record's
platform id is its last segment. A recording keeps only that it exists and its times:
never the Drive file or its link (R7).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from connector.google.calendar import MEETING_CODE, rfc3339
from connector.google.fields import JSON, InvalidFieldError, guarded, mapping, text, timestamp
from connector.records import Platform, RecordingRecord, SkippedRecord

# Page maxima from the Meet v2 discovery document ("values above … are coerced").
RECORDS_PAGE = 100
PARTICIPANTS_PAGE = 250
SESSIONS_PAGE = 250
RECORDINGS_PAGE = 100

# FILE_GENERATED: the file is in Drive. ENDED: recorded, file not made yet. STARTED: the
# record button is on. All three mean the lesson was recorded; STATE_UNSPECIFIED is
# "never used" and read as malformed.
RECORDING_STATES = frozenset({"STARTED", "ENDED", "FILE_GENERATED"})

Builder = Callable[[Any], Any]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Conference:
    name: str  # conferenceRecords/{id}
    space: str | None  # spaces/{id}
    start: datetime
    end: datetime | None  # None while the call is still going

    @property
    def id(self) -> str:
        return self.name.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Participant:
    name: str
    user_id: str | None  # signed-in users only ("users/{id}" → "{id}")
    kind: str  # "signed_in", "anonymous", "phone"
    first_joined: datetime | None
    last_left: datetime | None


# --- requests ----------------------------------------------------------------------------


def by_meeting_code(code: str) -> str:
    if not MEETING_CODE.match(code):  # never interpolate an unchecked value into a filter
        raise ValueError(f"not a Meet code: {code[:40]!r}")
    return f'space.meeting_code = "{code}"'


def started_since(since: datetime) -> str:
    return f'start_time>="{rfc3339(since)}"'


def records_request(filter_: str, page_token: str | None) -> Builder:
    params: dict[str, Any] = {"filter": filter_, "pageSize": RECORDS_PAGE}
    if page_token:
        params["pageToken"] = page_token
    return lambda svc: svc.conferenceRecords().list(**params)


def participants_request(record: str, page_token: str | None) -> Builder:
    params: dict[str, Any] = {"parent": record, "pageSize": PARTICIPANTS_PAGE}
    if page_token:
        params["pageToken"] = page_token
    return lambda svc: svc.conferenceRecords().participants().list(**params)


def sessions_request(participant: str, page_token: str | None) -> Builder:
    params: dict[str, Any] = {"parent": participant, "pageSize": SESSIONS_PAGE}
    if page_token:
        params["pageToken"] = page_token
    return lambda svc: svc.conferenceRecords().participants().participantSessions().list(
        **params
    )


def recordings_request(record: str, page_token: str | None) -> Builder:
    params: dict[str, Any] = {"parent": record, "pageSize": RECORDINGS_PAGE}
    if page_token:
        params["pageToken"] = page_token
    return lambda svc: svc.conferenceRecords().recordings().list(**params)


def space_request(space: str) -> Builder:
    return lambda svc: svc.spaces().get(name=space)


# --- mapping -----------------------------------------------------------------------------


def to_conference(raw: Any) -> Conference | SkippedRecord:
    return _named(guarded("conference_record", raw, _conference), raw)


def _conference(c: JSON) -> Conference:
    start = timestamp(c, "startTime")
    if start is None:  # "Always set"
        raise InvalidFieldError("missing startTime")
    return Conference(
        name=_name(c, "conferenceRecords/"),
        space=text(c, "space"),
        start=start,
        end=timestamp(c, "endTime"),
    )


def to_participant(raw: Any) -> Participant | SkippedRecord:
    return _named(guarded("participant", raw, _participant), raw)


def _participant(p: JSON) -> Participant:
    name = _name(p, "conferenceRecords/")
    user_id: str | None = None
    if p.get("signedinUser") is not None:
        kind = "signed_in"
        user = text(mapping(p, "signedinUser"), "user")
        if user is None or not user.startswith("users/") or len(user) == len("users/"):
            raise InvalidFieldError("signedinUser.user is not users/{id}")
        user_id = user.removeprefix("users/")
    elif p.get("anonymousUser") is not None:
        kind = "anonymous"
    elif p.get("phoneUser") is not None:
        kind = "phone"
    else:
        raise InvalidFieldError("participant is no known kind of user")
    return Participant(
        name=name,
        user_id=user_id,
        kind=kind,
        first_joined=timestamp(p, "earliestStartTime"),
        last_left=timestamp(p, "latestEndTime"),
    )


def session_seconds(raw: Any, call_end: datetime | None) -> int | SkippedRecord:
    """Seconds of one participant session; one still open counts up to the call's end."""
    return _named(guarded("participant_session", raw, lambda s: _seconds(s, call_end)), raw)


def _seconds(s: JSON, call_end: datetime | None) -> int:
    start = timestamp(s, "startTime")
    end = timestamp(s, "endTime") or call_end
    if start is None:
        raise InvalidFieldError("missing startTime")
    if end is None:
        return 0
    if end < start:
        raise InvalidFieldError("endTime before startTime")
    return int((end - start).total_seconds())


def to_recording(lesson_id: str, raw: Any) -> RecordingRecord | SkippedRecord:
    return _named(guarded("recording", raw, lambda r: _recording(lesson_id, r)), raw)


def _recording(lesson_id: str, r: JSON) -> RecordingRecord:
    name = _name(r, "conferenceRecords/")
    state = text(r, "state")
    if state not in RECORDING_STATES:
        raise InvalidFieldError(f"unknown state {str(state)[:40]!r}")
    return RecordingRecord(
        platform=Platform.GOOGLE,
        platform_id=name.rsplit("/", 1)[-1],
        lesson_platform_id=lesson_id,
        started_at=timestamp(r, "startTime"),
        ended_at=timestamp(r, "endTime"),
    )


def meeting_code(space: Any) -> str | None:
    """``Space.meetingCode``, if the answer has a well-formed one."""
    if not isinstance(space, dict):
        return None
    code = space.get("meetingCode")
    return code if isinstance(code, str) and MEETING_CODE.match(code) else None


def _named(result: T, raw: Any) -> T:
    """Meet objects have a ``name``, not an ``id``: give a skip its resource name."""
    if isinstance(result, SkippedRecord) and result.platform_id is None and isinstance(raw, dict):
        name = raw.get("name")
        if isinstance(name, str) and len(name) <= 200:
            return replace(result, platform_id=name)
    return result


def _name(obj: JSON, prefix: str) -> str:
    name = text(obj, "name")
    if name is None or not name.startswith(prefix) or name.endswith("/"):
        raise InvalidFieldError(f"name is not {prefix}…")
    return name
