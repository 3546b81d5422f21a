"""A school's sync run: per-class commits, resume after a kill, failure, cursors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from connector.records import SkippedRecord
from sync.cursors import clamp_to, get_cursor
from sync.models import Person, RunStatus, SchoolClass, Submission, SyncIssue, SyncRun
from sync.runner import sync_school

from .fakes import T0, FakeSource, G, person, settings, snapshot, submission

CONF = settings()


def _clock(start: datetime = T0) -> Callable[[], datetime]:
    ticks: Iterator[int] = iter(range(10_000))
    return lambda: start + timedelta(seconds=next(ticks))



def _count(sessions: sessionmaker[Session], model: type[object]) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _classes() -> list:  # type: ignore[type-arg]
    return [snapshot(f"c{i}", pupils=2, works=2) for i in range(4)]


def test_a_run_commits_every_class_and_records_what_it_did(
    sessions: sessionmaker[Session],
) -> None:
    source = FakeSource(_classes())

    summary = sync_school(sessions, CONF.schools[0], source, full=False, clock=_clock())

    assert (summary.status, summary.classes_done, summary.rows_inserted) == (
        RunStatus.SUCCEEDED, 4, 4 * (1 + 3 + 3 + 2 + 4),
    )  # fmt: skip
    with sessions() as s:
        run = s.get_one(SyncRun, summary.run_id)
        assert (run.status, run.classes_done, run.requests, run.ended_at is not None) == (
            RunStatus.SUCCEEDED, 4, 13, True,
        )  # fmt: skip
    assert _count(sessions, Submission) == 16


def test_a_killed_run_is_resumed_and_every_class_is_stored_once(
    sessions: sessionmaker[Session],
) -> None:
    killed = FakeSource(_classes(), stop_after=2, stop_with=KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        sync_school(sessions, CONF.schools[0], killed, full=False, clock=_clock())
    assert _count(sessions, SchoolClass) == 2  # the two committed classes survive the kill

    rerun = FakeSource(_classes())
    summary = sync_school(
        sessions, CONF.schools[0], rerun, full=False, clock=_clock(T0 + timedelta(hours=1))
    )

    assert rerun.read_calls == [["c2", "c3"]]
    assert (summary.status, summary.classes_done, summary.classes_resumed) == (
        RunStatus.SUCCEEDED, 2, 2,
    )  # fmt: skip
    assert _count(sessions, SchoolClass) == 4
    assert _count(sessions, Submission) == 16
    with sessions() as s:
        first = s.scalars(select(SyncRun).order_by(SyncRun.id)).first()
        assert first is not None
        assert (first.status, first.error, first.classes_done) == (
            RunStatus.FAILED, "interrupted", 2,
        )  # fmt: skip


def test_a_run_killed_twice_still_finishes_the_rest(sessions: sessionmaker[Session]) -> None:
    for stop_after in (1, 1):
        killed = FakeSource(_classes(), stop_after=stop_after, stop_with=SystemExit(1))
        with pytest.raises(SystemExit):
            sync_school(sessions, CONF.schools[0], killed, full=False, clock=_clock())

    rerun = FakeSource(_classes())
    sync_school(sessions, CONF.schools[0], rerun, full=False, clock=_clock())

    assert rerun.read_calls == [["c2", "c3"]]
    assert _count(sessions, Submission) == 16


def test_a_connector_error_fails_the_run_but_keeps_committed_classes(
    sessions: sessionmaker[Session],
) -> None:
    broken = FakeSource(
        _classes(), stop_after=1, stop_with=RuntimeError("403 from https://x/?access_token=s3cret")
    )

    summary = sync_school(sessions, CONF.schools[0], broken, full=False, clock=_clock())

    assert summary.status is RunStatus.FAILED
    assert summary.error == "RuntimeError: 403 from https://x/?access_token=***"
    with sessions() as s:
        run = s.get_one(SyncRun, summary.run_id)
        assert (run.status, run.error, run.classes_done) == (
            RunStatus.FAILED, summary.error, 1,
        )  # fmt: skip
    assert _count(sessions, SchoolClass) == 1
    # A failed run is finished, not interrupted: the next run reads every class again.
    rerun = FakeSource(_classes())
    sync_school(sessions, CONF.schools[0], rerun, full=False, clock=_clock())
    assert rerun.read_calls == [["c0", "c1", "c2", "c3"]]


def test_skipped_records_become_issues_and_make_the_run_partial(
    sessions: sessionmaker[Session],
) -> None:
    snaps = _classes()
    snaps[0].submissions.append(submission("c0", "ghost-work", "p0-c0"))
    snaps[1].skipped.append(SkippedRecord(G, "coursework", "w9", "malformed dueDate"))
    snaps[2].skipped.append(SkippedRecord(G, "roster", "c2", "403 no permission"))
    source = FakeSource(snaps, skipped_outside=[SkippedRecord(G, "course", "c9", "no name")])

    summary = sync_school(sessions, CONF.schools[0], source, full=False, clock=_clock())

    assert (summary.status, summary.records_skipped) == (RunStatus.PARTIAL, 4)
    with sessions() as s:
        issues = s.execute(
            select(SyncIssue.resource, SyncIssue.platform_id, SyncIssue.status)
        ).all()
    assert sorted(tuple(i) for i in issues) == [
        ("course", "c9", None), ("coursework", "w9", None), ("roster", "c2", 403),
        ("submission", "ghost-work:p0-c0", None),
    ]  # fmt: skip


def test_a_cursor_never_moves_past_the_start_of_the_run(sessions: sessionmaker[Session]) -> None:
    snaps = _classes()
    snaps[0].cursor = {"submissions": "2030-01-01T00:00:00Z", "token": "abc"}
    source = FakeSource(snaps)

    sync_school(sessions, CONF.schools[0], source, full=False, clock=_clock())

    with sessions() as s:
        assert get_cursor(s, "google", "submissions", "c0") == "2026-11-02T08:00:00Z"
        assert get_cursor(s, "google", "token", "c0") == "abc"
        run = s.scalars(select(SyncRun)).one()
        assert run.cursors_moved == {"submissions": 4, "token": 1}


def test_stored_cursors_are_handed_back_unless_the_run_is_full(
    sessions: sessionmaker[Session],
) -> None:
    sync_school(sessions, CONF.schools[0], FakeSource(_classes()), full=False, clock=_clock())

    second, full = FakeSource(_classes()), FakeSource(_classes())
    sync_school(sessions, CONF.schools[0], second, full=False, clock=_clock())
    sync_school(sessions, CONF.schools[0], full, full=True, clock=_clock())

    expected = (T0 - timedelta(hours=1)).isoformat()
    # The store's cursors come back, with hints about open work added (sync/hints.py).
    assert second.cursors_seen[0]["c1"]["submissions"] == expected
    assert full.cursors_seen[0] == {}


def test_a_class_no_longer_listed_is_marked_deleted(sessions: sessionmaker[Session]) -> None:
    sync_school(sessions, CONF.schools[0], FakeSource(_classes()), full=False, clock=_clock())
    fewer = _classes()[:3]

    summary = sync_school(sessions, CONF.schools[0], FakeSource(fewer), full=False, clock=_clock())

    assert (summary.rows_deleted, summary.rows_inserted, summary.rows_updated) == (1, 0, 0)
    with sessions() as s:
        gone = s.scalars(select(SchoolClass).where(SchoolClass.deleted_at.is_not(None))).all()
    assert [c.platform_id for c in gone] == ["c3"]


def test_profiles_missing_from_a_snapshot_are_asked_of_the_source(
    sessions: sessionmaker[Session],
) -> None:
    snaps = _classes()[:1]
    snaps[0].people = [p for p in snaps[0].people if p.platform_id != "p1-c0"]
    source = FakeSource(snaps, profiles={"p1-c0": person("p1-c0")})

    sync_school(sessions, CONF.schools[0], source, full=False, clock=_clock())

    assert source.people_asked == [["p1-c0"]]
    with sessions() as s:
        email = s.scalars(select(Person.email).where(Person.platform_id == "p1-c0")).one()
    assert email == "p1-c0@oak.example"


def test_timestamp_cursors_are_clamped_and_other_cursors_pass_through() -> None:
    limit = T0
    assert clamp_to("2030-01-01T00:00:00+00:00", limit) == "2026-11-02T08:00:00+00:00"
    assert clamp_to("2026-11-01T00:00:00Z", limit) == "2026-11-01T00:00:00Z"
    assert clamp_to("CAESBgjAuP-lBg", limit) == "CAESBgjAuP-lBg"
