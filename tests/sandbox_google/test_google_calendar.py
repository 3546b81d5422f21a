"""Calendar v3 on the sandbox: a course calendar's lessons with their Meet links."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from connector.sandbox.google import side_of
from connector.sandbox.scenario.model import AttendanceSpec, LessonSpec
from connector.sandbox.server import Sandbox
from connector.sandbox.world import World

from .conftest import Client
from .factories import (
    ADMIN,
    ART_TEACHER,
    MATHS,
    MATHS_CALENDAR,
    MATHS_CODE,
    NOW,
    PUPIL,
    T_ID,
    TEACHER,
)


def _error(e: HttpError) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(e.content)["error"]
    return body


def _all_pages(events: Any, **kw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every event over every page, and every page's body."""
    pages, req = [], events.list(calendarId=MATHS_CALENDAR, **kw)
    while req is not None:
        page = req.execute()
        pages.append(page)
        req = events.list_next(req, page)
    return [e for p in pages for e in p.get("items", [])], pages


def test_a_course_calendar_lists_each_class_lesson_with_its_meet_code(calendar: Client) -> None:
    body = (
        calendar(TEACHER)
        .events()
        .list(calendarId=MATHS_CALENDAR, singleEvents=True, orderBy="startTime")
        .execute()
    )
    items = body["items"]
    assert len(items) == 3  # the 1:1 call tied to no class has no event
    starts = [e["start"]["dateTime"] for e in items]
    assert starts == sorted(starts)
    for e in items:
        conf = e["conferenceData"]
        assert conf["conferenceId"] == MATHS_CODE
        assert conf["conferenceSolution"]["key"]["type"] == "hangoutsMeet"
        assert conf["entryPoints"] == [
            {
                "entryPointType": "video",
                "uri": f"https://meet.google.com/{MATHS_CODE}",
                "label": f"meet.google.com/{MATHS_CODE}",
            }
        ]
        assert e["hangoutLink"] == f"https://meet.google.com/{MATHS_CODE}"
        assert e["creator"]["email"] == TEACHER
        assert e["organizer"] == {
            "email": MATHS_CALENDAR,
            "displayName": "Maths 7A",
            "self": True,
        }
        assert e["status"] == "confirmed"
    assert body["accessRole"] == "writer" and body["timeZone"] == "Europe/London"
    assert "nextSyncToken" in body and "nextPageToken" not in body
    monday = items[1]
    assert monday["start"] == {"dateTime": "2026-03-09T09:00:00Z", "timeZone": "Europe/London"}
    assert monday["end"]["dateTime"] == "2026-03-09T09:50:00Z"


def test_time_bounds_are_exclusive_on_end_and_start_as_documented(calendar: Client) -> None:
    events = calendar(TEACHER).events()

    def starts(**kw: Any) -> list[str]:
        found = events.list(calendarId=MATHS_CALENDAR, **kw).execute().get("items", [])
        return [e["start"]["dateTime"][:10] for e in found]

    # timeMin bounds an event's end, timeMax its start, both exclusive.
    assert starts(timeMin="2026-03-09T09:50:00Z") == ["2026-03-10"]
    assert starts(timeMin="2026-03-09T09:49:00Z") == ["2026-03-09", "2026-03-10"]
    assert starts(timeMax="2026-03-10T09:00:00Z", timeMin="2026-03-01T00:00:00+01:00") == [
        "2026-03-09"
    ]
    with pytest.raises(HttpError) as e:
        starts(timeMin="2026-03-10T00:00:00Z", timeMax="2026-03-09T00:00:00Z")
    err = _error(e.value)
    assert err["code"] == 400 and err["errors"][0]["reason"] == "timeRangeEmpty"
    with pytest.raises(HttpError) as e2:
        starts(timeMin="2026-03-10T00:00:00")  # the offset is mandatory
    assert e2.value.status_code == 400
    with pytest.raises(HttpError) as e3:
        starts(orderBy="startTime")  # only with singleEvents=true
    assert e3.value.status_code == 400


def test_pages_carry_a_page_token_and_only_the_last_a_sync_token(calendar: Client) -> None:
    events = calendar(TEACHER).events()
    items, pages = _all_pages(events, maxResults=2)
    assert [len(p["items"]) for p in pages] == [2, 1]
    assert "nextPageToken" in pages[0] and "nextSyncToken" not in pages[0]
    assert "nextSyncToken" in pages[-1] and "nextPageToken" not in pages[-1]
    assert len({e["id"] for e in items}) == 3
    # Above the documented ceiling of 2,500 the size is coerced, not refused.
    assert len(events.list(calendarId=MATHS_CALENDAR, maxResults=5000).execute()["items"]) == 3


def test_a_sync_token_lists_only_lessons_added_since_and_an_unknown_one_is_410(
    calendar: Client, world: World
) -> None:
    events = calendar(TEACHER).events()
    token = events.list(calendarId=MATHS_CALENDAR).execute()["nextSyncToken"]
    assert events.list(calendarId=MATHS_CALENDAR, syncToken=token).execute()["items"] == []
    world.advance(timedelta(hours=1))
    start = NOW + timedelta(days=3)
    world.add_lesson(
        LessonSpec("new-lesson", MATHS, T_ID, "Maths 7A revision", MATHS_CODE, start,
                   start + timedelta(minutes=40))
    )  # fmt: skip
    changed = events.list(calendarId=MATHS_CALENDAR, syncToken=token).execute()
    assert [e["summary"] for e in changed["items"]] == ["Maths 7A revision"]
    assert changed["items"][0]["updated"] == "2026-03-13T18:30:00.000Z"
    assert changed["nextSyncToken"] != token
    again = events.list(calendarId=MATHS_CALENDAR, syncToken=changed["nextSyncToken"]).execute()
    assert again["items"] == []
    updated = events.list(calendarId=MATHS_CALENDAR, updatedMin="2026-03-13T18:00:00Z").execute()
    assert len(updated["items"]) == 1
    with pytest.raises(HttpError) as e:
        events.list(
            calendarId=MATHS_CALENDAR, syncToken=token, timeMin="2026-03-01T00:00:00Z"
        ).execute()
    assert e.value.status_code == 400
    with pytest.raises(HttpError) as gone:
        events.list(calendarId=MATHS_CALENDAR, syncToken="CPDAlvWDx70CEPDAlvWDx70CGAU=").execute()
    err = _error(gone.value)
    assert (err["code"], err["errors"][0]["reason"]) == (410, "fullSyncRequired")


def test_who_may_read_a_course_calendar(calendar: Client) -> None:
    for user, role in ((ADMIN, "owner"), (TEACHER, "writer"), (PUPIL, "reader")):
        body = calendar(user).events().list(calendarId=MATHS_CALENDAR).execute()
        assert (len(body["items"]), body["accessRole"]) == (3, role)
        mine = [a for a in body["items"][0]["attendees"] if a.get("self")]
        assert len(mine) == (0 if user == ADMIN else 1)
    with pytest.raises(HttpError) as e:
        calendar(ART_TEACHER).events().list(calendarId=MATHS_CALENDAR).execute()
    err = _error(e.value)
    assert (err["code"], err["errors"][0]["reason"]) == (404, "notFound")
    assert "status" not in err  # Calendar's older error shape


def test_max_attendees_leaves_only_the_callers_own_entry(calendar: Client) -> None:
    body = calendar(PUPIL).events().list(calendarId=MATHS_CALENDAR, maxAttendees=2).execute()
    event = body["items"][-1]
    assert event["attendeesOmitted"] is True
    assert event["attendees"] == [{"email": PUPIL, "self": True, "responseStatus": "needsAction"}]
    got = calendar(PUPIL).events().get(calendarId=MATHS_CALENDAR, eventId=event["id"]).execute()
    # The teacher and the six pupils on the roster on Tuesday.
    assert got["id"] == event["id"] and len(got["attendees"]) == 7


def test_the_primary_calendar_shows_the_lessons_of_the_callers_classes(calendar: Client) -> None:
    items = calendar(TEACHER).events().list(calendarId="primary").execute()["items"]
    assert len(items) == 3 and "self" not in items[0]["organizer"]


def test_calendar_has_its_own_per_user_quota(sandbox: Sandbox, calendar: Client) -> None:
    side_of(sandbox).quotas["calendar"].per_user = 2
    events = calendar(TEACHER).events()
    for _ in range(2):
        events.list(calendarId=MATHS_CALENDAR).execute()
    with pytest.raises(HttpError) as e:
        events.list(calendarId=MATHS_CALENDAR).execute()
    err = _error(e.value)
    assert err["code"] == 429
    assert err["errors"][0]["domain"] == "usageLimits"


def test_an_ongoing_lesson_added_now_is_on_the_calendar(calendar: Client, world: World) -> None:
    start = NOW - timedelta(minutes=5)
    world.add_lesson(
        LessonSpec("live", MATHS, T_ID, "Live now", MATHS_CODE, start, start + timedelta(hours=1),
                   [AttendanceSpec(T_ID, start, start + timedelta(hours=1))])
    )  # fmt: skip
    items = calendar(TEACHER).events().list(calendarId=MATHS_CALENDAR).execute()["items"]
    assert [e["summary"] for e in items][-1] == "Live now"
