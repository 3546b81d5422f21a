"""sync_lessons: the store after a lesson sync, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import datetime, timedelta

import pytest
from conftest import CAL, CO, CO_ID, PUPILS, SCHOOL, T_ID, TEACHER, lesson_call
from lesson_fakes import T0, FakeLessonsApi
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from connector.google.lessons import GoogleLessonSource
from connector.records import (
    ClassRecord,
    ClassSnapshot,
    ClassState,
    LessonClass,
    LessonSnapshot,
    LiveLessonRecord,
    MembershipRecord,
    PersonRecord,
    Platform,
    Role,
    StaffMember,
)
from connector.source import RequestStats
from sync.cursors import get_cursor
from sync.lessons import lesson_scope, sync_lessons, window_start
from sync.models import (
    Attendance,
    LiveLesson,
    Person,
    Recording,
    RunStatus,
    School,
    SchoolClass,
    SyncIssue,
    SyncRun,
)
from sync.registry import ensure_trust_and_schools
from sync.upsert import apply_snapshot

NOW = T0 + timedelta(days=1)
Make = Callable[..., GoogleLessonSource]


@pytest.fixture
def store(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Hill school with class c1: the teacher (owner), a co-teacher and three pupils."""
    settings = Settings.model_validate(
        {"trust": {"key": "t", "name": "Trust"}, "schools": [SCHOOL.model_dump(mode="json")]}
    )
    people = [PersonRecord(Platform.GOOGLE, T_ID, TEACHER, "T", "Teach", "T Teach"),
              PersonRecord(Platform.GOOGLE, CO_ID, CO, "C", "Co", "C Co")]
    people += [PersonRecord(Platform.GOOGLE, p, f"{p}@hill.example", "P", p, None)
               for p in PUPILS]
    members = [MembershipRecord(Platform.GOOGLE, "c1", T_ID, Role.TEACHER),
               MembershipRecord(Platform.GOOGLE, "c1", CO_ID, Role.TEACHER)]
    members += [MembershipRecord(Platform.GOOGLE, "c1", p, Role.PUPIL) for p in PUPILS]
    klass = ClassRecord(Platform.GOOGLE, "c1", "Maths 7", None, ClassState.ACTIVE, T_ID, None,
                        None, None, calendar_ref=CAL)
    with session_factory() as session, session.begin():
        schools = ensure_trust_and_schools(session, settings)
        snap = ClassSnapshot(klass, members=members, people=people)
        apply_snapshot(session, schools["hill"], snap, now=T0 - timedelta(days=30))
    return session_factory


def sync(
    sessions: sessionmaker[Session], source: object, *, at: datetime = NOW, full: bool = False
) -> object:
    return sync_lessons(sessions, SCHOOL, source, clock=lambda: at, full=full,  # type: ignore[arg-type]
                        lookback_days=7)


def counts(session: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(t)) for t in (LiveLesson, Attendance,
                                                                     Recording)
    )


@pytest.mark.postgres
def test_a_sync_stores_lessons_attendance_and_recordings_tied_to_class_and_people(
    store: sessionmaker[Session], api: FakeLessonsApi, make_source: Make
) -> None:
    api.call(lesson_call())
    summary = sync(store, make_source())
    assert summary.status is RunStatus.SUCCEEDED  # type: ignore[attr-defined]
    with store() as session:
        lesson = session.scalars(select(LiveLesson)).one()
        klass = session.scalars(select(SchoolClass)).one()
        teacher = session.scalars(select(Person).where(Person.platform_id == T_ID)).one()
        assert (lesson.class_id, lesson.organiser_id) == (klass.id, teacher.id)
        assert (lesson.title, lesson.join_ref) == ("Maths live lesson", "abc-defg-hij")
        rows = session.scalars(select(Attendance)).all()
        assert sorted(r.participant_key for r in rows) == sorted(
            [T_ID, PUPILS[0], "conferenceRecords/rec1/participants/p3",
             "conferenceRecords/rec1/participants/p4"])
        pupil = next(r for r in rows if r.participant_key == PUPILS[0])
        assert (pupil.role, pupil.seconds, pupil.person_id is not None) == (Role.PUPIL, 1500, True)
        assert session.scalars(select(Recording.platform_id)).all() == ["rc-rec1"]
        run = session.scalars(select(SyncRun)).one()
        assert (run.platform, run.school_key, run.status) == ("google", "hill", RunStatus.SUCCEEDED)
        assert run.rows_inserted == 6 and run.requests > 0


@pytest.mark.postgres
def test_a_second_run_over_the_same_calls_writes_no_rows(
    store: sessionmaker[Session], api: FakeLessonsApi, make_source: Make
) -> None:
    api.call(lesson_call())
    sync(store, make_source())
    again = sync(store, make_source(), at=NOW + timedelta(hours=1))
    assert (again.rows_inserted, again.rows_updated) == (0, 0)  # type: ignore[attr-defined]
    with store() as session:
        assert counts(session) == (1, 4, 1)


@pytest.mark.postgres
def test_the_look_back_window_catches_a_recording_that_arrived_after_the_last_run(
    store: sessionmaker[Session], api: FakeLessonsApi, make_source: Make
) -> None:
    call = api.call(lesson_call())
    late = call.recordings
    call.recordings = []
    sync(store, make_source())
    # A day later, a newer call has moved the cursor past the first lesson's end.
    call.recordings = late
    api.call(lesson_call("rec2", start_minutes=60 * 20))
    second = sync(store, make_source(), at=NOW + timedelta(days=1))
    # The new lesson, and of the first (its attendance known) only the recording.
    assert second.lessons == 1  # type: ignore[attr-defined]
    with store() as session:
        assert sorted(session.scalars(select(Recording.platform_id))) == ["rc-rec1", "rc-rec2"]
        assert get_cursor(session, "google", "lessons", "hill") == "2026-03-10T05:40:00.000Z"


@pytest.mark.postgres
def test_a_daily_run_does_not_read_again_the_details_of_calls_that_ended_days_ago(
    store: sessionmaker[Session], api: FakeLessonsApi, make_source: Make
) -> None:
    api.call(lesson_call())
    sync(store, make_source())
    api.call(lesson_call("rec2", start_minutes=60 * 24 * 3))
    before = len(api.calls_to("rec1/"))
    later = sync(store, make_source(), at=NOW + timedelta(days=4))
    assert len(api.calls_to("rec1/")) == before  # settled: listed, not read again
    assert later.lessons == 1  # type: ignore[attr-defined]
    again = sync(store, make_source(), at=NOW + timedelta(days=4), full=True)
    assert again.lessons == 2 and again.rows_updated == 0  # type: ignore[attr-defined]
    with store() as session:
        assert counts(session) == (2, 8, 2)


@pytest.mark.postgres
def test_an_hour_after_a_call_a_run_reads_only_its_recordings_and_still_finds_a_late_one(
    store: sessionmaker[Session], api: FakeLessonsApi, make_source: Make
) -> None:
    call = api.call(lesson_call())
    late, call.recordings = call.recordings, []
    sync(store, make_source())
    call.recordings = late
    before = len(api.calls)
    later = sync(store, make_source(), at=NOW + timedelta(hours=2))
    details = [uri for _, uri in api.calls[before:] if "rec1/" in uri]
    # Attendance is final once the call has ended: no participants or sessions read again.
    assert details and all("/recordings" in uri for uri in details)
    assert later.status is RunStatus.SUCCEEDED  # type: ignore[attr-defined]
    with store() as session:
        assert counts(session) == (1, 4, 1)  # the attendance kept, the late recording found
    # The nightly full run reads everything again.
    before = len(api.calls)
    sync(store, make_source(), at=NOW + timedelta(hours=3), full=True)
    assert any("/participants" in uri for _, uri in api.calls[before:])


def test_the_window_starts_a_look_back_before_the_newest_call_end_stored() -> None:
    week = timedelta(days=7)
    assert window_start("2026-03-05T10:00:00.000Z", NOW, week) == datetime.fromisoformat(
        "2026-02-26T10:00:00+00:00")
    assert window_start(None, NOW, week) == NOW - week
    assert window_start("2027-01-01T00:00:00Z", NOW, week) == NOW - week  # never after now
    assert window_start("garbage", NOW, week) == NOW - week


@pytest.mark.postgres
def test_a_malformed_record_becomes_a_sync_issue_and_the_rest_is_stored(
    store: sessionmaker[Session], api: FakeLessonsApi, make_source: Make
) -> None:
    api.call(lesson_call())
    api.raw_records.append(({"name": "conferenceRecords/bad", "startTime": "soon"}, {TEACHER}))
    summary = sync(store, make_source())
    assert summary.status is RunStatus.PARTIAL  # type: ignore[attr-defined]
    with store() as session:
        assert counts(session) == (1, 4, 1)
        [issue] = session.scalars(select(SyncIssue)).all()
        assert (issue.resource, issue.platform_id) == ("conference_record",
                                                       "conferenceRecords/bad")


class BrokenSource:
    """Yields one good part, then fails as a connector would."""

    platform = Platform.GOOGLE
    stats = RequestStats(requests=3, api_calls=3)

    def read_lessons(
        self, classes: Sequence[LessonClass], staff: Sequence[StaffMember], *,
        since: datetime, until: datetime, settled: Collection[str] = frozenset(),
        attended: Collection[str] = frozenset(),
    ) -> Iterator[LessonSnapshot]:
        lesson = LiveLessonRecord(Platform.GOOGLE, "x1", "c1", T_ID, "Maths", T0,
                                  T0 + timedelta(minutes=30))
        yield LessonSnapshot(lessons=[lesson])
        raise ConnectionError("Bearer secret-token reset")


@pytest.mark.postgres
def test_a_connector_error_ends_the_run_failed_and_keeps_the_parts_already_stored(
    store: sessionmaker[Session],
) -> None:
    summary = sync(store, BrokenSource())
    assert summary.status is RunStatus.FAILED  # type: ignore[attr-defined]
    with store() as session:
        assert counts(session) == (1, 0, 0)
        run = session.scalars(select(SyncRun)).one()
        assert run.status is RunStatus.FAILED and "secret-token" not in (run.error or "")
        assert get_cursor(session, "google", "lessons", "hill") is None


class ThreeParts:
    """Yields three parts of one lesson each; the cursor rides with the last."""

    platform = Platform.GOOGLE
    stats = RequestStats(requests=3, api_calls=3)
    newest = T0 + timedelta(hours=2, minutes=30)

    def read_lessons(
        self, classes: Sequence[LessonClass], staff: Sequence[StaffMember], *,
        since: datetime, until: datetime, settled: Collection[str] = frozenset(),
        attended: Collection[str] = frozenset(),
    ) -> Iterator[LessonSnapshot]:
        for i in range(3):
            start = T0 + timedelta(hours=i)
            end = start + timedelta(minutes=30)
            part = LessonSnapshot(lessons=[
                LiveLessonRecord(Platform.GOOGLE, f"x{i}", "c1", T_ID, "Maths", start, end)])
            if i == 2:
                part.cursor["lessons"] = self.newest.isoformat()
            yield part


@pytest.mark.postgres
def test_a_stop_between_parts_keeps_what_was_stored_and_leaves_the_cursor_for_the_next_run(
    store: sessionmaker[Session],
) -> None:
    summary = sync_lessons(store, SCHOOL, ThreeParts(), clock=lambda: NOW, full=False,
                           lookback_days=7, should_stop=lambda: True)
    assert (summary.status, summary.error) == (RunStatus.FAILED, "stopped")
    with store() as session:
        assert counts(session) == (1, 0, 0)  # the first part, committed before the stop
        run = session.scalars(select(SyncRun)).one()
        assert (run.status, run.error) == (RunStatus.FAILED, "stopped")
        assert get_cursor(session, "google", "lessons", "hill") is None

    again = sync(store, ThreeParts())
    assert again.status is RunStatus.SUCCEEDED  # type: ignore[attr-defined]
    with store() as session:
        assert counts(session) == (3, 0, 0)
        assert get_cursor(session, "google", "lessons", "hill") == ThreeParts.newest.isoformat()


@pytest.mark.postgres
def test_the_scope_lists_active_classes_owner_first_and_their_teaching_staff(
    store: sessionmaker[Session],
) -> None:
    with store() as session:
        school = session.scalars(select(School)).one()
        classes, staff = lesson_scope(session, school)
    assert classes == [LessonClass("c1", CAL, (TEACHER, CO), frozenset({T_ID, CO_ID}),
                                   frozenset(PUPILS))]
    assert staff == [StaffMember(T_ID, TEACHER), StaffMember(CO_ID, CO)]
