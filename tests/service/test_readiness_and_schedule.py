"""/readyz's judgement, the default timetable, and the scheduler's table beside our schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from alembic import command
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from jobs.service.health import readiness
from jobs.service.metrics import Metrics
from jobs.service.runtime import Runtime
from jobs.service.scheduler import JOB_TABLE
from jobs.service.schedules import plan
from sync.db import alembic_config, head_revision, make_engine
from sync.models import RunStatus, SyncRun
from tests.store.fakes import settings as make_settings

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _runtime(session_factory: sessionmaker[Session]) -> Runtime:
    engine = session_factory.kw["bind"]
    return Runtime(make_settings(), engine, session_factory, lambda: NOW, Metrics())


def _run(session: Session, ended: datetime, status: RunStatus) -> None:
    session.add(
        SyncRun(platform="google", school_key="oak", status=status,
                started_at=ended - timedelta(minutes=3), ended_at=ended)
    )
    session.commit()


def test_it_is_not_ready_until_a_sync_has_succeeded_recently(
    session_factory: sessionmaker[Session],
) -> None:
    rt = _runtime(session_factory)
    head = head_revision()
    assert readiness(rt, head) == (False, {"ready": False, "reason": "no-successful-sync"})
    with session_factory() as session:
        _run(session, NOW - timedelta(minutes=30), RunStatus.FAILED)
        _run(session, NOW - timedelta(hours=3), RunStatus.SUCCEEDED)
    ok, body = readiness(rt, head)
    assert not ok and body["reason"] == "sync-too-old"
    with session_factory() as session:
        _run(session, NOW - timedelta(minutes=20), RunStatus.PARTIAL)
    assert readiness(rt, head)[0] is True


def test_it_is_not_ready_when_the_schema_is_behind_the_release(
    session_factory: sessionmaker[Session],
) -> None:
    ok, body = readiness(_runtime(session_factory), "a-newer-revision")
    assert not ok and body["reason"] == "migrations-not-at-head"


def test_the_schedulers_table_is_not_schema_drift(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        store = SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)
        store.start(None, "default")  # type: ignore[arg-type]  # creates its table
        with engine.connect() as conn:
            conn.execute(text(f"SELECT count(*) FROM {JOB_TABLE}"))
    finally:
        engine.dispose()
    command.check(alembic_config(migrated_url))  # raises on any difference


def test_the_default_timetable_follows_the_school_day() -> None:
    jobs = {p.id: p.trigger for p in plan(make_settings())}
    london = ZoneInfo("Europe/London")

    def fires(job: str, start: datetime, n: int) -> list[datetime]:
        out, prev = [], None
        when = start
        for _ in range(n):
            nxt = jobs[job].get_next_fire_time(prev, when)
            assert nxt is not None
            out.append(nxt.astimezone(london))
            prev, when = nxt, nxt + timedelta(seconds=1)
        return out

    wednesday_9 = datetime(2026, 11, 25, 9, 0, tzinfo=london)
    assert [t.strftime("%H:%M") for t in fires("sync", wednesday_9, 3)] == [
        "09:00", "09:15", "09:30",
    ]
    evening = datetime(2026, 11, 25, 18, 0, tzinfo=london)
    assert [t.strftime("%H:%M") for t in fires("sync", evening, 3)] == ["18:00", "19:00", "20:00"]
    checks = [t.strftime("%a %H:%M") for t in fires("check", wednesday_9, 3)]
    assert checks == ["Wed 16:05", "Thu 07:15", "Thu 16:05"]
    assert fires("nudge", wednesday_9, 1)[0].strftime("%a %H:%M") == "Thu 07:30"
    assert fires("digest", wednesday_9, 1)[0].strftime("%a %H:%M") == "Fri 15:00"
    assert fires("sync_full", wednesday_9, 1)[0].strftime("%a %H:%M") == "Thu 02:00"
    friday_night = datetime(2026, 11, 27, 23, 30, tzinfo=london)
    assert [t.strftime("%a %H:%M") for t in fires("nudge", friday_night, 1)] == ["Mon 07:30"]
