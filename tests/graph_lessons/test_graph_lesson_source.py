"""Teams meetings of a generated Microsoft school, read by GraphLessonSource over real HTTP."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from connector.graph.lessons import GraphLessonSource
from connector.records import LessonSnapshot, Role
from connector.sandbox.graph import graph_state
from connector.sandbox.graph.meetings import MeetingsState
from connector.sandbox.scenario.model import AttendanceSpec, LessonSpec
from connector.sandbox.server import Sandbox
from connector.sandbox.world import World
from tests.graph_lessons.conftest import WINDOW, scope


def _read(source: GraphLessonSource, world: World, **kw: object) -> LessonSnapshot:
    classes, staff = scope(world)
    since = kw.pop("since", world.now - WINDOW)
    snaps = list(source.read_lessons(classes, staff, since=since,  # type: ignore[arg-type]
                                     until=world.now, **kw))  # type: ignore[arg-type]
    assert all(not s.cursor for s in snaps[:-1])
    out = LessonSnapshot(cursor=snaps[-1].cursor)
    for s in snaps:
        out.lessons += s.lessons
        out.attendance += s.attendance
        out.recordings += s.recordings
        out.skipped += s.skipped
    return out


def _held(world: World) -> dict[str, LessonSpec]:
    return {le.id: le for le in world.scenario.lessons if le.ended_at <= world.now}


def test_every_held_meeting_becomes_a_lesson_of_its_class_organiser_and_times(
    source: GraphLessonSource, world: World
) -> None:
    snap = _read(source, world)
    want = _held(world)
    assert {x.platform_id for x in snap.lessons} == set(want)
    for x in snap.lessons:
        spec = want[x.platform_id]
        assert (x.class_platform_id, x.organiser_platform_id, x.title) == (
            spec.class_id, spec.organiser_id, spec.title)
        assert (x.started_at, x.ended_at, x.join_ref) == (
            spec.started_at, spec.ended_at, spec.meeting_code)
    assert snap.skipped == []
    assert snap.cursor["lessons"] == max(le.ended_at for le in want.values()).isoformat()


def test_attendance_seconds_are_each_persons_total_and_roles_follow_the_roster(
    source: GraphLessonSource, world: World
) -> None:
    snap = _read(source, world)
    want: dict[tuple[str, str], int] = defaultdict(int)
    for le in _held(world).values():
        for a in le.attendance:
            want[(le.id, a.person_id)] += int((a.left_at - a.joined_at).total_seconds())
    got = {(a.lesson_platform_id, a.person_platform_id or ""): a.seconds for a in snap.attendance}
    assert got == dict(want)
    staff = {p.id for p in world.scenario.people.values() if p.is_staff}
    for a in snap.attendance:
        assert a.role is (Role.TEACHER if a.person_platform_id in staff else Role.PUPIL)
        assert a.email is not None and a.first_joined_at is not None


def test_recordings_are_read_for_recorded_lessons_only_and_expire(
    source: GraphLessonSource, world: World, meetings: MeetingsState
) -> None:
    held = _held(world)
    snap = _read(source, world)
    assert {(r.lesson_platform_id, r.platform_id) for r in snap.recordings} == {
        (le.id, le.recording_id) for le in held.values() if le.recorded}
    assert any(not le.recorded for le in held.values())
    meetings.recording_retention = timedelta(seconds=1)
    assert _read(source, world).recordings == []


def test_without_the_access_policy_lessons_are_skipped_with_graphs_403_not_fatal(
    source: GraphLessonSource, world: World, meetings: MeetingsState
) -> None:
    meetings.access_policy = False
    snap = _read(source, world)
    assert snap.lessons == [] and snap.attendance == []
    assert snap.skipped
    assert all(s.resource == "onlineMeeting" and "No application access policy" in s.reason
               for s in snap.skipped)


def test_a_report_that_arrives_late_is_caught_by_the_next_runs_look_back(
    source: GraphLessonSource, world: World, meetings: MeetingsState
) -> None:
    meetings.report_lag = timedelta(hours=3)
    klass = next(c for c in world.scenario.classes if c.pupil_ids())
    start = world.now - timedelta(hours=1)
    pupil = klass.pupil_ids()[0]
    world.add_lesson(LessonSpec(
        "3f9a1c2e-0000-4000-8000-00000000beef", klass.id, klass.owner_id, "Late report",
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_late%40thread.v2/0",
        start, start + timedelta(minutes=30),
        [AttendanceSpec(pupil, start, start + timedelta(minutes=30))], recorded=False))
    first = _read(source, world)
    assert "3f9a1c2e-0000-4000-8000-00000000beef" not in {x.platform_id for x in first.lessons}
    world.advance(timedelta(hours=3))
    second = _read(source, world, since=world.now - timedelta(days=3))
    assert "3f9a1c2e-0000-4000-8000-00000000beef" in {x.platform_id for x in second.lessons}


def test_a_one_to_one_call_is_a_lesson_with_one_staff_member_and_one_pupil(
    source: GraphLessonSource, world: World
) -> None:
    snap = _read(source, world)
    untied = [x for x in snap.lessons if x.class_platform_id is None]
    one_to_one = [x for x in untied if len([a for a in snap.attendance
                                             if a.lesson_platform_id == x.platform_id]) == 2]
    assert one_to_one
    for x in one_to_one:
        roles = sorted(str(a.role) for a in snap.attendance
                       if a.lesson_platform_id == x.platform_id)
        assert roles == sorted([str(Role.PUPIL), str(Role.TEACHER)])


def test_settled_lessons_are_not_read_again_and_fan_out_goes_through_batches(
    source: GraphLessonSource, world: World, sandbox: Sandbox
) -> None:
    first = _read(source, world)
    before = source.stats.requests
    settled = {x.platform_id for x in first.lessons}
    again = _read(source, world, settled=settled)
    assert again.lessons == []
    # Staff calendars, class nicknames, meetings, reports: four batched rounds at most.
    assert source.stats.requests - before <= 4 * max(1, graph_state(sandbox).batches)
    assert source.stats.api_calls > source.stats.requests


def test_lessons_whose_attendance_is_known_have_only_their_recordings_read_again(
    source: GraphLessonSource, world: World
) -> None:
    first = _read(source, world)
    first_calls = source.stats.api_calls
    assert first.recordings, "the scenario should record some meetings"
    attended = {x.platform_id for x in first.lessons}
    again = _read(source, world, attended=attended)
    # One attendanceRecords call per lesson less.
    assert source.stats.api_calls - first_calls <= first_calls - len(attended)
    # Nothing to store about the lessons themselves or who came...
    assert again.lessons == [] and again.attendance == []
    # ...but a recording made since would still be found.
    assert sorted(r.platform_id for r in again.recordings) == sorted(
        r.platform_id for r in first.recordings)
