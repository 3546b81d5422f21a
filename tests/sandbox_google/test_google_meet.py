"""Meet REST v2 on the sandbox: conference records, participants, sessions, recordings."""

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

from .conftest import AUTH, Client, calendar_for, meet_for
from .factories import (
    ADMIN,
    ART_TEACHER,
    CALL,
    CALL_CODE,
    LESSON_MON,
    LESSON_OLD,
    LESSON_TUE,
    MATHS,
    MATHS_CODE,
    NOW,
    PUPIL,
    PUPILS,
    RECORDING,
    T_ID,
    TEACHER,
)


def _error(e: HttpError) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(e.content)["error"]
    return body


def _code(code: str) -> str:
    return f'space.meeting_code = "{code}"'


def _everything(method: Any, key: str, **kw: Any) -> list[dict[str, Any]]:
    out, req = [], method.list(**kw)
    while req is not None:
        page = req.execute()
        out += page.get(key, [])
        req = method.list_next(req, page)
    return out


def test_a_meeting_code_filter_finds_the_classes_records_newest_first(meet: Client) -> None:
    records = meet(TEACHER).conferenceRecords()
    found = records.list(filter=_code(MATHS_CODE)).execute()["conferenceRecords"]
    # The lesson 40 days ago is gone: Meet deletes a record 30 days after the call.
    assert [r["name"] for r in found] == [
        f"conferenceRecords/{LESSON_TUE}",
        f"conferenceRecords/{LESSON_MON}",
    ]
    monday = found[1]
    assert monday["startTime"] == "2026-03-09T09:00:00.000Z"
    assert monday["endTime"] == "2026-03-09T09:50:00.000Z"
    assert monday["expireTime"] == "2026-04-08T09:50:00.000Z"
    assert monday["space"].startswith("spaces/") and len(monday["space"]) == 19
    by_space = records.list(filter=f'space.name = "{monday["space"]}"').execute()
    assert len(by_space["conferenceRecords"]) == 2
    assert records.get(name=monday["name"]).execute() == monday
    with pytest.raises(HttpError) as e:
        records.get(name=f"conferenceRecords/{LESSON_OLD}").execute()
    assert e.value.status_code == 404


def test_a_one_to_one_call_is_found_by_time_as_organiser_or_participant(meet: Client) -> None:
    day = 'start_time>="2026-03-11T00:00:00Z" AND start_time<"2026-03-12T00:00:00Z"'
    for user in (TEACHER, PUPIL):
        found = meet(user).conferenceRecords().list(filter=day).execute()
        assert [r["name"] for r in found["conferenceRecords"]] == [f"conferenceRecords/{CALL}"]
    code = meet(TEACHER).conferenceRecords().list(filter=_code(CALL_CODE)).execute()
    assert len(code["conferenceRecords"]) == 1
    # Neither the domain admin nor another teacher owns or attended it.
    for user in (ADMIN, ART_TEACHER):
        assert meet(user).conferenceRecords().list(filter=day).execute() == {}
    with pytest.raises(HttpError) as e:
        meet(ART_TEACHER).conferenceRecords().get(name=f"conferenceRecords/{CALL}").execute()
    assert e.value.status_code == 403


def test_participants_are_signed_in_users_and_page_by_page_size(meet: Client) -> None:
    parts = meet(TEACHER).conferenceRecords().participants()
    parent = f"conferenceRecords/{LESSON_MON}"
    everyone = _everything(parts, "participants", parent=parent, pageSize=2)
    assert len(everyone) == 5
    users = {p["signedinUser"]["user"] for p in everyone}
    assert users == {f"users/{T_ID}"} | {f"users/{p}" for p in PUPILS[:4]}
    joins = [p["earliestStartTime"] for p in everyone]
    assert joins == sorted(joins, reverse=True)  # documented: newest join first
    teacher = next(p for p in everyone if p["signedinUser"]["user"] == f"users/{T_ID}")
    assert teacher["signedinUser"]["displayName"] == "Mary Teach"
    assert (teacher["earliestStartTime"], teacher["latestEndTime"]) == (
        "2026-03-09T08:58:00.000Z",
        "2026-03-09T09:50:00.000Z",
    )
    assert parts.get(name=teacher["name"]).execute() == teacher


def test_participant_page_size_defaults_to_100_and_is_coerced_to_250(
    meet: Client, world: World
) -> None:
    start = NOW - timedelta(hours=3)
    end = start + timedelta(minutes=30)
    crowd = [AttendanceSpec(T_ID, start, end)]
    crowd += [AttendanceSpec(f"guest-{i}", start, end) for i in range(299)]
    world.add_lesson(LessonSpec("assembly", None, T_ID, "Assembly", "ass-embl-yyy", start, end,
                                crowd, recorded=False))  # fmt: skip
    parts = meet(TEACHER).conferenceRecords().participants()
    first = parts.list(parent="conferenceRecords/assembly").execute()
    assert len(first["participants"]) == 100 and "nextPageToken" in first
    big = parts.list(parent="conferenceRecords/assembly", pageSize=1000).execute()
    assert len(big["participants"]) == 250
    guests = [p for p in big["participants"] if "anonymousUser" in p]
    assert len(guests) >= 249
    assert len(_everything(parts, "participants", parent="conferenceRecords/assembly")) == 300


def test_a_rejoining_pupil_has_one_session_per_join(meet: Client) -> None:
    parts = meet(TEACHER).conferenceRecords().participants()
    everyone = parts.list(parent=f"conferenceRecords/{LESSON_MON}").execute()["participants"]
    pupil = next(p for p in everyone if p["signedinUser"]["user"] == f"users/{PUPILS[0]}")
    assert (pupil["earliestStartTime"], pupil["latestEndTime"]) == (
        "2026-03-09T09:00:00.000Z",
        "2026-03-09T09:49:00.000Z",
    )
    sessions = parts.participantSessions().list(parent=pupil["name"]).execute()
    spans = [(s["startTime"], s["endTime"]) for s in sessions["participantSessions"]]
    assert spans == [
        ("2026-03-09T09:25:00.000Z", "2026-03-09T09:49:00.000Z"),
        ("2026-03-09T09:00:00.000Z", "2026-03-09T09:20:00.000Z"),
    ]
    one = sessions["participantSessions"][0]
    assert parts.participantSessions().get(name=one["name"]).execute() == one


def test_only_recorded_lessons_have_a_generated_recording(meet: Client) -> None:
    recs = meet(TEACHER).conferenceRecords().recordings()
    monday = recs.list(parent=f"conferenceRecords/{LESSON_MON}").execute()["recordings"]
    assert len(monday) == 1
    r = monday[0]
    assert r["name"] == f"conferenceRecords/{LESSON_MON}/recordings/{RECORDING}"
    assert r["state"] == "FILE_GENERATED"
    assert (r["startTime"], r["endTime"]) == (
        "2026-03-09T09:00:00.000Z",
        "2026-03-09T09:50:00.000Z",
    )
    drive = r["driveDestination"]
    assert drive["exportUri"] == f"https://drive.google.com/file/d/{drive['file']}/view"
    assert recs.list(parent=f"conferenceRecords/{LESSON_TUE}").execute() == {}


def test_a_running_lesson_has_no_end_until_it_is_ended(
    sandbox: Sandbox, meet: Client, world: World
) -> None:
    start = NOW - timedelta(minutes=10)
    world.add_lesson(
        LessonSpec("live", MATHS, T_ID, "Maths 7A live lesson", MATHS_CODE, start,
                   start + timedelta(hours=1),
                   [AttendanceSpec(T_ID, start, start + timedelta(hours=1)),
                    AttendanceSpec(PUPILS[1], start, start + timedelta(minutes=5))],
                   recorded=True, recording_id="live-recording")
    )  # fmt: skip
    m = meet(TEACHER).conferenceRecords()
    live = m.list(filter=f"{_code(MATHS_CODE)} AND end_time IS NULL").execute()
    [record] = live["conferenceRecords"]
    assert "endTime" not in record and "expireTime" not in record
    parts = m.participants().list(parent=record["name"]).execute()["participants"]
    active = m.participants().list(parent=record["name"], filter="latest_end_time IS NULL")
    assert [p["signedinUser"]["user"] for p in active.execute()["participants"]] == [
        f"users/{T_ID}"
    ]
    assert len(parts) == 2
    assert m.recordings().list(parent=record["name"]).execute()["recordings"][0]["state"] == (
        "STARTED"
    )
    world.end_lesson("live", NOW)
    ended = m.get(name=record["name"]).execute()
    assert ended["endTime"] == "2026-03-13T17:30:00.000Z"
    assert m.recordings().list(parent=record["name"]).execute()["recordings"][0]["state"] == (
        "ENDED"
    )
    world.advance(side_of(sandbox).recording_file_lag)  # Meet writes the file later
    assert m.recordings().list(parent=record["name"]).execute()["recordings"][0]["state"] == (
        "FILE_GENERATED"
    )
    world.record_lesson("live", recorded=False)
    assert m.recordings().list(parent=record["name"]).execute() == {}


def test_a_record_expires_thirty_days_after_the_call(meet: Client, world: World) -> None:
    m = meet(TEACHER).conferenceRecords()
    assert len(m.list(filter=_code(MATHS_CODE)).execute()["conferenceRecords"]) == 2
    world.advance(timedelta(days=26, hours=16))  # Monday's lesson ended 30 days ago
    left = m.list(filter=_code(MATHS_CODE)).execute()["conferenceRecords"]
    assert [r["name"] for r in left] == [f"conferenceRecords/{LESSON_TUE}"]


@pytest.mark.parametrize(
    "bad",
    [
        "space.meeting_code = abc-mnop-xyz",  # values are quoted
        'meeting_code = "abc-mnop-xyz"',  # not a filterable field
        'start_time >= "yesterday"',
        'space.meeting_code = "a" AND',
        'space.meeting_code > "a"',
    ],
)
def test_a_bad_filter_is_400_invalid_argument(meet: Client, bad: str) -> None:
    with pytest.raises(HttpError) as e:
        meet(TEACHER).conferenceRecords().list(filter=bad).execute()
    err = _error(e.value)
    assert (err["code"], err["status"]) == (400, "INVALID_ARGUMENT")


def test_or_and_parentheses_combine_as_aip_160_says(meet: Client) -> None:
    f = f'({_code(MATHS_CODE)} OR {_code(CALL_CODE)}) AND start_time >= "2026-03-10T00:00:00Z"'
    found = meet(TEACHER).conferenceRecords().list(filter=f).execute()["conferenceRecords"]
    assert [r["name"] for r in found] == [
        f"conferenceRecords/{CALL}",
        f"conferenceRecords/{LESSON_TUE}",
    ]


def test_conference_records_page_25_by_default(meet: Client, world: World) -> None:
    for i in range(30):
        start = NOW - timedelta(days=2, hours=i)
        world.add_lesson(LessonSpec(f"extra-{i}", None, T_ID, "Call", f"ext-raxx-{i:03d}", start,
                                    start + timedelta(minutes=10)))  # fmt: skip
    records = meet(TEACHER).conferenceRecords()
    first = records.list().execute()
    assert len(first["conferenceRecords"]) == 25 and "nextPageToken" in first
    assert len(records.list(pageSize=500).execute()["conferenceRecords"]) == 33
    assert len(_everything(records, "conferenceRecords")) == 33


def test_meet_has_its_own_per_user_quota(sandbox: Sandbox, meet: Client) -> None:
    side_of(sandbox).quotas["meet"].per_user = 2
    records = meet(TEACHER).conferenceRecords()
    for _ in range(2):
        records.list().execute()
    with pytest.raises(HttpError) as e:
        records.list().execute()
    err = _error(e.value)
    assert (err["code"], err["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert "meet.googleapis.com" in err["message"]


def test_a_space_is_found_by_its_name_or_meeting_code(meet: Client) -> None:
    spaces = meet(TEACHER).spaces()
    by_code = spaces.get(name=f"spaces/{MATHS_CODE}").execute()
    assert by_code["meetingCode"] == MATHS_CODE
    assert by_code["meetingUri"] == f"https://meet.google.com/{MATHS_CODE}"
    assert spaces.get(name=by_code["name"]).execute() == by_code


def test_total_size_comes_only_when_the_field_mask_asks_for_it(meet: Client) -> None:
    parts = meet(TEACHER).conferenceRecords().participants()
    parent = f"conferenceRecords/{LESSON_MON}"
    assert "totalSize" not in parts.list(parent=parent).execute()
    masked = parts.list(parent=parent, pageSize=1, fields="totalSize,nextPageToken").execute()
    assert masked["totalSize"] == 5 and "participants" not in masked


def test_meet_and_calendar_need_their_own_read_only_scopes(sandbox: Sandbox) -> None:
    classroom_only = [AUTH + "classroom.courses.readonly"]
    with pytest.raises(HttpError) as e:
        meet_for(sandbox, TEACHER, classroom_only).conferenceRecords().list().execute()
    assert e.value.status_code == 403
    with pytest.raises(HttpError) as e2:
        calendar_for(sandbox, TEACHER, classroom_only).events().list(calendarId="primary").execute()
    assert e2.value.status_code == 403
    found = meet_for(sandbox, TEACHER, [AUTH + "meetings.space.readonly"]).conferenceRecords()
    assert found.list().execute()["conferenceRecords"]
    for scope in ("calendar.readonly", "calendar.events.readonly"):
        events = calendar_for(sandbox, TEACHER, [AUTH + scope]).events()
        assert events.list(calendarId="primary").execute()["items"]
