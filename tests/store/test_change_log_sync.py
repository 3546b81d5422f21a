"""Incremental runs driven by a change log: what is read, what is applied, where the cursor goes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connector.changes import ChangeSet, SubmissionChange
from connector.records import SubmissionState
from sync.changes import CHANGES_STREAM, changes_partition
from sync.cursors import get_cursor
from sync.models import Submission, SyncRun
from sync.runner import sync_school

from .fakes import T0, FakeSource, G, settings, snapshot

CONF = settings()
SCHOOL = CONF.schools[0]
PARTITION = changes_partition(SCHOOL.key)


@dataclass
class FakeLogSource(FakeSource):
    """A FakeSource whose platform keeps a change log; ``logs`` answer read_changes in turn."""

    logs: list[ChangeSet | None] = field(default_factory=list)
    log_calls: list[tuple[datetime, datetime, frozenset[str]]] = field(default_factory=list)
    change_log_enabled: bool = True
    listed_count: int = 0

    def list_classes(self) -> Iterator:  # type: ignore[type-arg]
        self.listed_count += 1
        return super().list_classes()

    def read_changes(
        self, since: datetime, until: datetime, classes: frozenset[str]
    ) -> ChangeSet | None:
        self.log_calls.append((since, until, classes))
        return self.logs.pop(0) if self.logs else ChangeSet(since, until)


def _clock(start: datetime) -> Callable[[], datetime]:
    return lambda: start



def _snaps() -> list:  # type: ignore[type-arg]
    return [snapshot(f"c{i}", pupils=2, works=2) for i in range(3)]


def _full(sessions: sessionmaker[Session], at: datetime = T0) -> None:
    sync_school(sessions, SCHOOL, FakeLogSource(_snaps()), full=True, clock=_clock(at))


def _turn_in(cid: str, wid: str, pupil: str, at: datetime, **kw: object) -> SubmissionChange:
    return SubmissionChange(
        G, cid, wid, f"{pupil}@oak.example", at, SubmissionState.TURNED_IN, **kw  # type: ignore[arg-type]
    )


def _row(sessions: sessionmaker[Session], pid: str) -> Submission:
    with sessions() as s:
        row = s.scalars(select(Submission).where(Submission.platform_id == pid)).one()
        s.expunge(row)
        return row


def test_a_full_run_stores_the_log_cursor_and_the_next_run_reads_the_log_not_the_classes(
    sessions: sessionmaker[Session],
) -> None:
    _full(sessions)
    with sessions() as s:
        assert get_cursor(s, "google", CHANGES_STREAM, PARTITION) == T0.isoformat()
    later = T0 + timedelta(hours=1)
    at = T0 + timedelta(minutes=20)
    change = _turn_in("c1", "w0-c1", "p1-c1", at, late=True)
    source = FakeLogSource(_snaps(), logs=[ChangeSet(T0, later, submissions=[change])])

    run = sync_school(sessions, SCHOOL, source, full=False, clock=_clock(later))

    assert source.log_calls == [(T0, later, frozenset({"c0", "c1", "c2"}))]
    assert (source.listed_count, source.read_calls) == (0, [])
    assert (run.rows_inserted, run.rows_updated, run.rows_deleted) == (0, 1, 0)
    row = _row(sessions, "w0-c1:p1-c1")
    assert (row.state, row.turned_in_at, row.late, row.updated_at) == (
        SubmissionState.TURNED_IN, at, True, at,
    )  # fmt: skip
    with sessions() as s:
        assert get_cursor(s, "google", CHANGES_STREAM, PARTITION) == later.isoformat()
        assert s.get_one(SyncRun, run.run_id).cursors_moved == {CHANGES_STREAM: 1}


def test_a_change_no_newer_than_the_stored_row_and_a_window_read_twice_change_nothing(
    sessions: sessionmaker[Session],
) -> None:
    _full(sessions)
    later = T0 + timedelta(hours=1)
    old = _turn_in("c0", "w0-c0", "p0-c0", T0 - timedelta(minutes=5))  # before the full read
    new = SubmissionChange(
        G, "c0", "w1-c0", "p0-c0@oak.example", T0 + timedelta(minutes=30),
        SubmissionState.RETURNED, graded=True,
    )  # fmt: skip
    window = ChangeSet(T0, later, submissions=[old, new])
    first = sync_school(sessions, SCHOOL, FakeLogSource(_snaps(), logs=[window]), full=False,
                        clock=_clock(later))  # fmt: skip
    again = sync_school(sessions, SCHOOL, FakeLogSource(_snaps(), logs=[window]), full=False,
                        clock=_clock(later + timedelta(minutes=1)))  # fmt: skip

    assert (first.rows_updated, again.rows_updated) == (1, 0)
    assert _row(sessions, "w0-c0:p0-c0").state is SubmissionState.ASSIGNED
    returned = _row(sessions, "w1-c0:p0-c0")
    assert (returned.state, returned.graded, returned.returned_at) == (
        SubmissionState.RETURNED, True, T0 + timedelta(minutes=30),
    )  # fmt: skip


def test_steps_of_one_submission_in_one_window_end_in_the_latest_state(
    sessions: sessionmaker[Session],
) -> None:
    _full(sessions)
    later = T0 + timedelta(hours=2)
    steps = [
        SubmissionChange(G, "c2", "w0-c2", "p0-c2@oak.example", T0 + timedelta(minutes=50),
                         SubmissionState.RETURNED),
        _turn_in("c2", "w0-c2", "p0-c2", T0 + timedelta(minutes=10)),
        SubmissionChange(G, "c2", "w0-c2", "P0-C2@OAK.EXAMPLE", T0 + timedelta(minutes=55),
                         None, graded=True),
    ]  # fmt: skip
    sync_school(sessions, SCHOOL, FakeLogSource(_snaps(), logs=[ChangeSet(T0, later, steps)]),
                full=False, clock=_clock(later))  # fmt: skip

    row = _row(sessions, "w0-c2:p0-c2")
    assert (row.state, row.turned_in_at, row.returned_at, row.graded) == (
        SubmissionState.RETURNED, T0 + timedelta(minutes=10), T0 + timedelta(minutes=50), True,
    )  # fmt: skip


def test_touched_classes_and_classes_with_unmatched_changes_are_read_and_no_others(
    sessions: sessionmaker[Session],
) -> None:
    _full(sessions)
    later = T0 + timedelta(hours=1)
    stranger = _turn_in("c2", "w0-c2", "newcomer", T0 + timedelta(minutes=5))
    window = ChangeSet(T0, later, submissions=[stranger], touched_classes={"c0"})
    source = FakeLogSource(_snaps(), logs=[window])

    run = sync_school(sessions, SCHOOL, source, full=False, clock=_clock(later))

    assert source.listed_count == 1
    assert source.read_calls == [["c0", "c2"]]
    assert run.classes_done == 2


def test_a_new_class_in_the_list_is_read_in_full_and_a_missing_one_is_deleted(
    sessions: sessionmaker[Session],
) -> None:
    _full(sessions)
    later = T0 + timedelta(hours=1)
    snaps = [*_snaps()[1:], snapshot("c9", pupils=1, works=1)]
    source = FakeLogSource(snaps, logs=[ChangeSet(T0, later, classes_changed=True)])

    run = sync_school(sessions, SCHOOL, source, full=False, clock=_clock(later))

    assert source.read_calls == [["c9"]]
    assert (run.classes_done, run.rows_deleted > 0) == (1, True)


def test_a_killed_run_leaves_the_log_cursor_behind_and_the_rerun_applies_each_change_once(
    sessions: sessionmaker[Session],
) -> None:
    _full(sessions)
    later = T0 + timedelta(hours=1)
    changes = [_turn_in("c0", "w0-c0", "p0-c0", T0 + timedelta(minutes=1)),
               _turn_in("c1", "w0-c1", "p0-c1", T0 + timedelta(minutes=2))]  # fmt: skip
    window = ChangeSet(T0, later, submissions=changes, touched_classes={"c0", "c1", "c2"})
    killed = FakeLogSource(_snaps(), logs=[window], stop_after=1)
    with pytest.raises(KeyboardInterrupt):
        sync_school(sessions, SCHOOL, killed, full=False, clock=_clock(later))
    with sessions() as s:
        assert get_cursor(s, "google", CHANGES_STREAM, PARTITION) == T0.isoformat()

    rerun = FakeLogSource(_snaps(), logs=[window])
    run = sync_school(sessions, SCHOOL, rerun, full=False, clock=_clock(later))

    assert rerun.read_calls == [["c1", "c2"]]
    assert rerun.log_calls[0][0] == T0  # the window is read again from the old cursor
    assert run.rows_updated == 1  # c0's change was committed with c0 before the kill
    for pid in ("w0-c0:p0-c0", "w0-c1:p0-c1"):
        assert _row(sessions, pid).state is SubmissionState.TURNED_IN


def test_without_a_log_cursor_or_a_readable_log_every_class_is_read(
    sessions: sessionmaker[Session],
) -> None:
    later = T0 + timedelta(hours=1)
    plain = FakeLogSource(_snaps())
    sync_school(sessions, SCHOOL, plain, full=False, clock=_clock(T0))
    unreadable = FakeLogSource(_snaps(), logs=[None])
    sync_school(sessions, SCHOOL, unreadable, full=False, clock=_clock(later))

    assert plain.log_calls == []  # no cursor yet: nothing to read the log from
    assert [len(c) for c in plain.read_calls] == [3]
    assert len(unreadable.log_calls) == 1 and [len(c) for c in unreadable.read_calls] == [3]
    with sessions() as s:
        assert get_cursor(s, "google", CHANGES_STREAM, PARTITION) == later.isoformat()


def test_a_source_with_its_change_log_switched_off_keeps_no_log_cursor(
    sessions: sessionmaker[Session],
) -> None:
    source = FakeLogSource(_snaps(), change_log_enabled=False)
    sync_school(sessions, SCHOOL, source, full=True, clock=_clock(T0))
    sync_school(sessions, SCHOOL, FakeLogSource(_snaps(), change_log_enabled=False),
                full=False, clock=_clock(T0 + timedelta(hours=1)))  # fmt: skip

    assert source.log_calls == []
    with sessions() as s:
        assert get_cursor(s, "google", CHANGES_STREAM, PARTITION) is None
