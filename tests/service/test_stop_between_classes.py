"""Shutdown asks a running sync to stop: it finishes the class in hand, commits, ends the run."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from sync.models import RunStatus, SchoolClass, SyncRun
from sync.registry import ensure_trust_and_schools
from sync.runner import sync_school
from tests.store.fakes import T0, FakeSource, settings, snapshot

CONF = settings()


def test_a_stop_request_ends_the_run_after_the_current_class_with_nothing_left_running(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as s:
        ensure_trust_and_schools(s, CONF)
        s.commit()
    source = FakeSource([snapshot(f"c{i}") for i in range(4)])
    committed: list[int] = []

    def should_stop() -> bool:
        committed.append(1)
        return len(committed) >= 2  # asked to stop while the 2nd class was being read

    summary = sync_school(
        session_factory, CONF.schools[0], source, full=False,
        clock=lambda: T0 + timedelta(seconds=1), should_stop=should_stop,
    )

    assert summary.status is RunStatus.FAILED and summary.classes_done == 2
    with session_factory() as s:
        run = s.get_one(SyncRun, summary.run_id)
        assert run.status is RunStatus.FAILED and run.ended_at is not None
        assert "stopped" in (run.error or "")
        assert s.query(SchoolClass).count() == 2

    rerun = sync_school(
        session_factory, CONF.schools[0], FakeSource([snapshot(f"c{i}") for i in range(4)]),
        full=False, clock=lambda: T0 + timedelta(minutes=5),
    )
    assert rerun.status is RunStatus.SUCCEEDED and rerun.classes_done == 4
