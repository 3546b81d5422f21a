"""Calendar v3 events of a course calendar → the Meet codes a class meets on.

A Classroom course has no Meet link field: its lessons are events on the course's
calendar (``Course.calendarId``) whose ``conferenceData`` names a Meet conference. Only
what finds and names a lesson is read (code, summary, organiser, times); descriptions
and attendees are not kept (R7).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connector.google.fields import JSON, InvalidFieldError, guarded, mapping, text, timestamp
from connector.records import SkippedRecord

# Calendar: "The page size can never be larger than 2500 events."
EVENTS_PAGE = 2500
# ``conferenceSolution.key.type`` of a Meet conference; others (add-ons) carry other ids.
MEET_SOLUTION = "hangoutsMeet"
# Space.meetingCode: "Format: [a-z]+-[a-z]+-[a-z]+" (Meet v2 discovery document). Checked
# before a code goes into a Meet list filter, so an odd value cannot change the filter.
MEETING_CODE = re.compile(r"^[a-z]+-[a-z]+-[a-z]+$")


@dataclass(frozen=True, slots=True)
class ClassEvent:
    """One event of a course calendar held on Meet."""

    course_id: str
    event_id: str
    meeting_code: str
    title: str | None
    organiser_email: str | None
    start: datetime | None
    end: datetime | None


def rfc3339(at: datetime) -> str:
    """A UTC timestamp the way Google's filters and ``timeMin`` expect it."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def events_request(
    calendar_id: str, since: datetime, until: datetime, page_token: str | None
) -> Callable[[Any], Any]:
    """``events.list`` of one calendar: single instances that end after ``since`` and
    start before ``until`` (``timeMin`` bounds the end, ``timeMax`` the start)."""
    params: dict[str, Any] = {
        "calendarId": calendar_id,
        "timeMin": rfc3339(since),
        "timeMax": rfc3339(until),
        "singleEvents": True,
        "maxResults": EVENTS_PAGE,
    }
    if page_token:
        params["pageToken"] = page_token
    return lambda svc: svc.events().list(**params)


def to_event(course_id: str, raw: Any) -> ClassEvent | SkippedRecord | None:
    """A Meet event of ``course_id``; None for an event with no Meet conference."""
    return guarded("calendar_event", raw, lambda e: _read(course_id, e))


def _read(course_id: str, e: JSON) -> ClassEvent | None:
    conference = mapping(e, "conferenceData")
    code = text(conference, "conferenceId")
    solution = text(mapping(mapping(conference, "conferenceSolution"), "key"), "type")
    if code is None or (solution is not None and solution != MEET_SOLUTION):
        return None
    if not MEETING_CODE.match(code):
        raise InvalidFieldError("conferenceData.conferenceId is not a Meet code")
    return ClassEvent(
        course_id=course_id,
        event_id=text(e, "id") or "",
        meeting_code=code,
        title=text(e, "summary"),
        organiser_email=organiser_email(e),
        start=_when(mapping(e, "start")),
        end=_when(mapping(e, "end")),
    )


def organiser_email(e: JSON) -> str | None:
    """The person behind an event.

    An event made on a secondary calendar (a course calendar) has that calendar as its
    ``organizer`` (``self`` true, a ``…@group.calendar.google.com`` address); the teacher
    who made it, and owns its Meet space, is then the ``creator``.
    """
    organizer = mapping(e, "organizer")
    email = text(organizer, "email")
    if email and organizer.get("self") is not True and not email.endswith("calendar.google.com"):
        return email
    return text(mapping(e, "creator"), "email") or email


def _when(value: JSON) -> datetime | None:
    # All-day events carry ``date`` only: no time to match a conference against.
    return timestamp(value, "dateTime")
