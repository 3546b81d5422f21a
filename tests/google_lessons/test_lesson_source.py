"""GoogleLessonSource against a fake Calendar + Meet: what a school would see stored."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from conftest import (
    ADMIN,
    CAL,
    CLASS,
    CO,
    CO_ID,
    CODE,
    PUPILS,
    STAFF,
    T_ID,
    TEACHER,
    lesson_call,
)
from lesson_fakes import T0, Call, FakeLessonsApi, event

from connector.google import pacing
from connector.google.errors import AuthError
from connector.google.lessons import GoogleLessonSource
from connector.records import LessonSnapshot, Role

NOW = T0 + timedelta(days=1)
SINCE = T0 - timedelta(days=7)
Make = Callable[..., GoogleLessonSource]


def read(source: GoogleLessonSource, since: object = SINCE) -> LessonSnapshot:
    out = LessonSnapshot()
    for part in source.read_lessons([CLASS], STAFF, since=since, until=NOW):  # type: ignore[arg-type]
        out.lessons += part.lessons
        out.attendance += part.attendance
        out.recordings += part.recordings
        out.skipped += part.skipped
        out.cursor.update(part.cursor)
    return out


def test_it_maps_a_class_lesson_to_its_course_title_organiser_and_meet_code(
    api: FakeLessonsApi, make_source: Make
) -> None:
    api.call(lesson_call())
    snap = read(make_source())
    [lesson] = snap.lessons
    assert lesson.platform_id == "rec1"
    assert lesson.class_platform_id == "c1"
    assert lesson.title == "Maths live lesson"
    assert lesson.organiser_platform_id == T_ID  # the event's creator, not the calendar
    assert lesson.join_ref == CODE
    assert (lesson.started_at, lesson.ended_at) == (T0 + timedelta(minutes=1),
                                                    T0 + timedelta(minutes=41))
    assert snap.cursor == {"lessons": "2026-03-09T09:41:00.000Z"}
    assert not snap.skipped


def test_it_adds_up_every_session_of_a_participant_into_their_seconds(
    api: FakeLessonsApi, make_source: Make
) -> None:
    api.call(lesson_call())
    snap = read(make_source())
    by_key = {a.person_platform_id or a.participant_ref: a for a in snap.attendance}
    pupil = by_key[PUPILS[0]]
    assert pupil.seconds == 25 * 60  # 10 + 15 minutes, not the 35-minute span
    assert pupil.first_joined_at == T0 + timedelta(minutes=1)
    assert pupil.last_left_at == T0 + timedelta(minutes=36)
    assert by_key[T_ID].seconds == 40 * 60


def test_it_keeps_guests_and_phone_callers_under_their_participant_name_with_no_role(
    api: FakeLessonsApi, make_source: Make
) -> None:
    api.call(lesson_call())
    snap = read(make_source())
    anonymous = [a for a in snap.attendance if a.person_platform_id is None]
    assert sorted(a.participant_ref or "" for a in anonymous) == [
        "conferenceRecords/rec1/participants/p3",
        "conferenceRecords/rec1/participants/p4",
    ]
    assert {a.role for a in anonymous} == {None}
    assert sorted(a.seconds for a in anonymous) == [60, 35 * 60]


def test_it_gives_teachers_and_pupils_their_role_from_the_course_roster(
    api: FakeLessonsApi, make_source: Make
) -> None:
    api.call(lesson_call())
    snap = read(make_source())
    roles = {a.person_platform_id: a.role for a in snap.attendance if a.person_platform_id}
    assert roles == {T_ID: Role.TEACHER, PUPILS[0]: Role.PUPIL}
    assert {a.email for a in snap.attendance if a.person_platform_id == T_ID} == {TEACHER}


@pytest.mark.parametrize("state", ["STARTED", "ENDED", "FILE_GENERATED"])
def test_a_recording_in_any_real_state_counts_as_recorded_and_keeps_no_drive_link(
    api: FakeLessonsApi, make_source: Make, state: str
) -> None:
    call = api.call(lesson_call())
    call.recordings[0]["state"] = state
    [rec] = read(make_source()).recordings
    assert (rec.platform_id, rec.lesson_platform_id) == ("rc-rec1", "rec1")
    assert rec.started_at == T0 + timedelta(minutes=2)
    assert "drive" not in repr(rec)


def test_a_recording_in_an_unknown_state_is_skipped_and_the_lesson_kept(
    api: FakeLessonsApi, make_source: Make
) -> None:
    call = api.call(lesson_call())
    call.recordings[0]["state"] = "STATE_UNSPECIFIED"
    snap = read(make_source())
    assert [x.platform_id for x in snap.lessons] == ["rec1"]
    assert snap.recordings == []
    [skip] = snap.skipped
    assert skip.resource == "recording"
    assert skip.platform_id == "conferenceRecords/rec1/recordings/rc-rec1"


def test_a_lesson_without_a_recording_has_no_recording_record(
    api: FakeLessonsApi, make_source: Make
) -> None:
    call = api.call(lesson_call())
    call.recordings = []
    snap = read(make_source())
    assert len(snap.lessons) == 1 and snap.recordings == []


def test_it_finds_a_one_to_one_call_that_has_no_calendar_event(
    api: FakeLessonsApi, make_source: Make
) -> None:
    start = T0 + timedelta(hours=5)
    end = start + timedelta(minutes=20)
    api.call(Call("one2one", "zzz-yyyy-xxx", start, end, TEACHER,
                  people=[("q1", f"users/{T_ID}", "signed_in", [(start, end)]),
                          ("q2", f"users/{PUPILS[2]}", "signed_in", [(start, end)])]))
    snap = read(make_source())
    [lesson] = snap.lessons
    assert lesson.platform_id == "one2one"
    assert lesson.class_platform_id is None and lesson.title is None
    assert lesson.organiser_platform_id == T_ID
    assert lesson.join_ref == "zzz-yyyy-xxx"  # from the call's space
    # Roles still come from the school's rosters: one member of staff, one pupil.
    assert sorted((a.role or "") for a in snap.attendance) == [Role.PUPIL, Role.TEACHER]


def test_a_call_two_staff_members_can_see_is_read_once_and_organised_by_who_started_it(
    api: FakeLessonsApi, make_source: Make
) -> None:
    start = T0 + timedelta(hours=5)
    end = start + timedelta(minutes=20)
    api.call(Call("chaperoned", "qqq-wwww-eee", start, end, CO, visible_to={TEACHER},
                  people=[("a", f"users/{T_ID}", "signed_in",
                           [(start + timedelta(minutes=1), end)]),
                          ("b", f"users/{CO_ID}", "signed_in", [(start, end)]),
                          ("c", f"users/{PUPILS[1]}", "signed_in", [(start, end)])]))
    source = make_source()
    snap = read(source)
    assert [x.platform_id for x in snap.lessons] == ["chaperoned"]
    assert snap.lessons[0].organiser_platform_id == CO_ID
    assert len(api.calls_to("chaperoned/participants?")) == 1


def test_a_malformed_conference_record_is_skipped_and_the_rest_kept(
    api: FakeLessonsApi, make_source: Make
) -> None:
    api.call(lesson_call())
    api.raw_records.append(({"name": "conferenceRecords/bad", "startTime": "yesterday"},
                            {TEACHER}))
    snap = read(make_source())
    assert [x.platform_id for x in snap.lessons] == ["rec1"]
    assert [(s.resource, s.platform_id) for s in snap.skipped] == [
        ("conference_record", "conferenceRecords/bad")
    ]


def test_an_event_whose_meet_code_is_odd_never_reaches_a_meet_filter(
    api: FakeLessonsApi, make_source: Make
) -> None:
    api.calendar(CAL, {TEACHER}, event("ev9", 'x" OR space.name != "y', T0, 45))
    snap = read(make_source())
    assert [s.resource for s in snap.skipped] == ["calendar_event"]
    assert not any("meeting_code" in c for _, c in api.calls)


def test_a_conference_whose_participants_cannot_be_read_is_left_for_the_next_run(
    api: FakeLessonsApi, make_source: Make
) -> None:
    api.call(lesson_call())
    api.call(lesson_call("rec2", start_minutes=60 * 24 * -2))
    api.fail("rec2/participants", 500, times=99)
    snap = read(make_source(max_attempts=2))
    assert [x.platform_id for x in snap.lessons] == ["rec1"]
    [skip] = snap.skipped
    assert (skip.resource, skip.platform_id) == ("conference_record", "rec2")
    assert skip.reason.startswith("500 ")


def test_a_throttled_meet_call_is_retried_after_the_time_google_asks(
    api: FakeLessonsApi, make_source: Make, sleeps: list[float]
) -> None:
    api.call(lesson_call())
    api.fail("rec1/recordings", 429, headers={"retry-after": "7"})
    source = make_source()
    snap = read(source)
    assert len(snap.recordings) == 1
    assert sleeps == [7.0]
    assert source.stats.throttled == 1 and source.stats.retries == 1


def test_the_calendar_is_read_as_the_next_teacher_when_the_owner_may_not(
    api: FakeLessonsApi, make_source: Make
) -> None:
    api.call(lesson_call())
    api.readers[CAL] = {CO}
    snap = read(make_source())
    assert [x.class_platform_id for x in snap.lessons] == ["c1"]
    assert [u for u, c in api.calls if "/events" in c] == [TEACHER, CO]


def test_a_teacher_whose_token_is_refused_does_not_stop_the_school(
    api: FakeLessonsApi, make_source: Make
) -> None:
    call = api.call(lesson_call())
    call.visible_to = {CO}  # the co-teacher was in the lesson
    api.fail("/", 401, times=999, user=TEACHER)  # a suspended account: no token at all
    snap = read(make_source())
    assert [x.class_platform_id for x in snap.lessons] == ["c1"]
    assert [s.resource for s in snap.skipped] == ["staff_calls"]  # the teacher's own list
    assert len([u for u, _ in api.calls if u == TEACHER]) == 1  # refused once, then not asked


def test_it_raises_when_no_impersonated_user_is_accepted(
    api: FakeLessonsApi, make_source: Make
) -> None:
    api.call(lesson_call())
    api.fail("/", 401, times=999)
    with pytest.raises(AuthError):
        read(make_source())


def test_the_window_never_starts_before_meet_deletes_records(
    api: FakeLessonsApi, make_source: Make
) -> None:
    read(make_source(), since=NOW - timedelta(days=90))
    [(_, url)] = api.calls_to("/events")
    assert "timeMin=2026-02-08T09%3A00%3A00.000Z" in url  # NOW - 30 days
    staff_lists = api.calls_to("start_time")
    assert len(staff_lists) == 2  # one per member of staff
    assert all("2026-02-08T09%3A00%3A00.000Z" in c for _, c in staff_lists)


def test_lessons_come_in_parts_and_only_the_last_carries_the_cursor(
    api: FakeLessonsApi, make_source: Make
) -> None:
    for i in range(5):
        api.call(lesson_call(f"rec{i}", start_minutes=-60 * 24 * i))
    parts = list(make_source(batch_size=2).read_lessons([CLASS], STAFF, since=SINCE, until=NOW))
    assert [len(p.lessons) for p in parts] == [2, 2, 1]
    assert [bool(p.cursor) for p in parts] == [False, False, True]
    assert parts[-1].cursor["lessons"] == "2026-03-09T09:40:00.000Z"  # rec0, the newest


def test_every_list_asks_for_the_largest_page_google_allows(
    api: FakeLessonsApi, make_source: Make
) -> None:
    api.call(lesson_call())
    read(make_source())
    calls = [c for _, c in api.calls]
    assert all("maxResults=2500" in c for c in calls if "/events" in c)
    assert all("pageSize=100" in c for c in calls if c.split("?")[0].endswith("Records"))
    assert all("pageSize=250" in c for c in calls if "/participants?" in c)
    assert all("pageSize=250" in c for c in calls if "/participantSessions?" in c)
    assert ADMIN not in {u for u, _ in api.calls}  # the owner could read everything


def test_lesson_reads_wait_for_a_users_meet_quota_instead_of_running_into_it(
    api: FakeLessonsApi, make_source: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Meet allows each user 600 reads a minute; a teacher with many lessons and pupils
    # needs more. With the limit at 2 the pacer must hold calls for the window to pass.
    now = [0.0]
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        now[0] += seconds

    monkeypatch.setitem(pacing.LIMITS, "meet", (2, 6000))
    monkeypatch.setattr(pacing, "QuotaPacer", functools.partial(
        pacing.QuotaPacer, clock=lambda: now[0], sleep=sleep))
    pacing.forget_windows()
    try:
        api.call(lesson_call())
        snap = read(make_source())
    finally:
        pacing.forget_windows()  # the fake-clock pacers must not outlive the test

    assert {a.person_platform_id for a in snap.attendance} >= {PUPILS[0], T_ID}
    assert not snap.skipped
    per_user = Counter(user for user, call in api.calls if "conferenceRecords" in call)
    busiest = max(per_user.values())
    assert busiest > 2
    # The busiest user's calls went two a minute: each pair after the first waited.
    assert sum(waited) >= 60 * ((busiest - 1) // 2)
