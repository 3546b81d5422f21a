"""Live lessons end to end: sandbox Calendar + Meet over HTTP → sync_all → store, against
the small scenario's LessonSpecs.

SQLite only: the read (~1,500 requests) dominates, and the store's lesson upserts are
covered on both databases by test_lesson_sync.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from connector.records import Platform
from connector.sandbox.app import build_sandbox
from connector.sandbox.scenario import generate
from connector.sandbox.scenario.model import LessonSpec, Scenario
from connector.sandbox.scenario.profiles import ONE_TO_ONE
from connector.sandbox.world import World
from sync.db import make_engine, make_sessionmaker
from sync.lessons import LessonSyncSummary
from sync.models import Attendance, LiveLesson, Person, Recording, SchoolClass, SyncIssue
from sync.service import sync_all
from tests.e2e.support import sandbox_settings


def google_lessons_in_window(scenario: Scenario, days: int) -> dict[str, LessonSpec]:
    since = scenario.now - timedelta(days=days)
    google = {s.id for s in scenario.schools if s.platform is Platform.GOOGLE}
    return {
        le.id: le
        for le in scenario.lessons
        if scenario.people[le.organiser_id].school_id in google
        and le.ended_at >= since
        and le.started_at < scenario.now
    }


def synced(
    scenario: Scenario, url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> tuple[Settings, list[LessonSyncSummary]]:
    with build_sandbox(World(scenario)) as sb:
        settings = sandbox_settings(scenario, sb.url, url, tmp_path)
        lesson_runs: list[LessonSyncSummary] = []
        sync_all(settings, sessions, clock=lambda: scenario.now, platform="google", full=True,
                 lesson_runs=lesson_runs)
    return settings, lesson_runs


@pytest.fixture
def sqlite_store(
    tmp_path: Path, _sqlite_template: Path
) -> Iterator[tuple[str, sessionmaker[Session]]]:
    path = tmp_path / "e2e.db"
    shutil.copyfile(_sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    yield url, make_sessionmaker(engine)
    engine.dispose()


def test_a_full_sync_of_the_small_scenario_stores_every_lesson_attendance_and_recording(
    sqlite_store: tuple[str, sessionmaker[Session]], tmp_path: Path
) -> None:
    scenario = generate("small", seed=1)
    url, session_factory = sqlite_store
    settings, runs = synced(scenario, url, session_factory, tmp_path)
    want = google_lessons_in_window(scenario, settings.sync.lookback_days)
    assert [r.lessons for r in runs] == [len(want)]

    with session_factory() as session:
        rows = session.execute(
            select(LiveLesson.id, LiveLesson.platform_id, SchoolClass.platform_id,
                   Person.platform_id, LiveLesson.join_ref)
            .outerjoin(SchoolClass, SchoolClass.id == LiveLesson.class_id)
            .outerjoin(Person, Person.id == LiveLesson.organiser_id)
        ).all()
        got = {r[1]: r for r in rows}
        recorded = set(session.scalars(
            select(LiveLesson.platform_id).join(Recording, Recording.lesson_id == LiveLesson.id)
        ))
        attendance: dict[int, dict[str, int]] = defaultdict(dict)
        for lesson_id, key, seconds in session.execute(
            select(Attendance.lesson_id, Attendance.participant_key, Attendance.seconds)
        ):
            attendance[lesson_id][key] = seconds
        issues = {i.resource for i in session.scalars(select(SyncIssue))}

    assert set(got) == set(want)
    for lid, le in want.items():
        _, _, class_id, organiser, code = got[lid]
        assert (class_id, organiser, code) == (le.class_id, le.organiser_id, le.meeting_code)
        expected = defaultdict(int)
        for a in le.attendance:
            # The generator can make a short lesson's pupil leave before they joined; that
            # session is skipped (a SyncIssue), the pupil still listed, with no time.
            expected[a.person_id] += max(0, int((a.left_at - a.joined_at).total_seconds()))
        assert attendance[got[lid][0]] == dict(expected), lid
    assert recorded == {lid for lid, le in want.items() if le.recorded}
    one_to_ones = set(scenario.profiles.get(ONE_TO_ONE, [])) & set(want)
    assert one_to_ones and one_to_ones <= set(got)
    assert any(want[lid].class_id is None for lid in one_to_ones)  # a call with no event
    assert issues <= {"participant_session"}
