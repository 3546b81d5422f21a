"""How often an incremental sync reads live lessons (``sync.lesson_minutes``): every
lesson read costs Calendar and Meet calls per class whether or not anything happened, so
the 15-minute timetable reads them hourly; a full sync always does."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from connector.sandbox.app import build_sandbox
from connector.sandbox.scenario import generate
from connector.sandbox.world import World
from sync.db import make_engine, make_sessionmaker, upgrade
from sync.lessons import LessonSyncSummary
from sync.service import sync_all
from tests.e2e.support import sandbox_settings


def test_incremental_syncs_read_lessons_at_most_hourly_and_a_full_sync_always(
    tmp_path: Path,
) -> None:
    scenario = generate("tiny", 1)
    url = f"sqlite:///{tmp_path / 'cadence.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    t0 = scenario.now
    with build_sandbox(World(scenario)) as sb:
        settings = sandbox_settings(scenario, sb.url, url, tmp_path)
        assert settings.sync.lesson_minutes == 60

        def lesson_runs(minutes: int, *, full: bool = False) -> int:
            at: datetime = t0 + timedelta(minutes=minutes)
            runs: list[LessonSyncSummary] = []
            sync_all(settings, sessions, clock=lambda: at, full=full, lesson_runs=runs)
            return len(runs)

        schools = len(settings.schools)
        assert lesson_runs(0) == schools  # the first sync reads every school's lessons
        assert lesson_runs(15) == 0
        assert lesson_runs(45) == 0
        assert lesson_runs(50, full=True) == schools  # the nightly full sync always does
        assert lesson_runs(65) == 0  # within the hour of that full read
        assert lesson_runs(110) == schools
        every_time = settings.model_copy(
            update={"sync": settings.sync.model_copy(update={"lesson_minutes": 0})}
        )
        runs: list[LessonSyncSummary] = []
        at = t0 + timedelta(minutes=115)
        sync_all(every_time, sessions, clock=lambda: at, lesson_runs=runs)
        assert len(runs) == schools  # 0: on every sync
    engine.dispose()
