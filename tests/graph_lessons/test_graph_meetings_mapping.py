"""Mapping of single Graph meeting items, and a recurring meeting read end to end."""

from __future__ import annotations

from datetime import timedelta

from connector.graph import meetings_map as mm
from connector.graph.lessons import GraphLessonSource
from connector.records import Role, SkippedRecord
from connector.sandbox.scenario.model import AttendanceSpec, LessonSpec
from connector.sandbox.world import World
from tests.graph_lessons.conftest import WINDOW, scope

URL = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_weekly%40thread.v2/0"


def test_an_attendance_record_without_seconds_is_skipped_not_fatal() -> None:
    out = mm.attendance({"id": "r1", "emailAddress": "x@y", "role": "Attendee"}, "L",
                        frozenset(), frozenset())
    assert isinstance(out, SkippedRecord) and out.resource == "attendanceRecord"


def test_a_guest_keeps_its_record_id_and_the_meeting_role_when_not_on_the_roster() -> None:
    out = mm.attendance({"id": "r2", "role": "Presenter", "totalAttendanceInSeconds": 60,
                         "identity": {"displayName": "Guest"},
                         "attendanceIntervals": [{"joinDateTime": "2026-11-20T09:00:00Z",
                                                  "leaveDateTime": "2026-11-20T09:01:00Z",
                                                  "durationInSeconds": 60}]},
                        "L", frozenset(), frozenset())
    assert not isinstance(out, SkippedRecord)
    assert (out.person_platform_id, out.participant_ref, out.role, out.seconds) == (
        None, "r2", Role.TEACHER, 60)


def test_an_event_that_is_not_a_teams_meeting_is_ignored_and_one_without_a_url_skipped() -> None:
    assert mm.event({"id": "e", "isOnlineMeeting": False}, "u") is None
    assert isinstance(mm.event({"id": "e", "isOnlineMeeting": True, "onlineMeeting": None}, "u"),
                      SkippedRecord)


def test_each_occurrence_of_a_recurring_meeting_is_its_own_lesson_with_its_own_recording(
    source: GraphLessonSource, world: World
) -> None:
    klass = next(c for c in world.scenario.classes if c.pupil_ids())
    pupil = klass.pupil_ids()[0]
    ids = []
    for i in range(2):
        start = world.now - timedelta(days=7 * (i + 1))
        end = start + timedelta(minutes=40)
        le = LessonSpec(f"7b1e0c4d-0000-4000-8000-00000000000{i}", klass.id, klass.owner_id,
                        "Weekly", URL, start, end, [AttendanceSpec(pupil, start, end)],
                        recorded=True, recording_id=f"7b1e0c4d-0000-4000-8000-0000000000a{i}")
        world.add_lesson(le)
        ids.append(le.id)
    classes, staff = scope(world)
    snap = list(source.read_lessons(classes, staff, since=world.now - WINDOW,
                                    until=world.now))[-1]
    got = {x.platform_id: x for x in snap.lessons if x.join_ref == URL}
    assert set(got) == set(ids)
    recs = {r.platform_id: r.lesson_platform_id for r in snap.recordings}
    assert recs["7b1e0c4d-0000-4000-8000-0000000000a0"] == ids[0]
    assert recs["7b1e0c4d-0000-4000-8000-0000000000a1"] == ids[1]
