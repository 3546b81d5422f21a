"""One school's sync run: list classes, read each, commit class by class.

A run is a ``SyncRun`` row committed at start. Each class snapshot is stored with its
cursors, its issues and the run's counters in one transaction, so a killed process loses
at most the class in flight. The next run for the school finds the run still RUNNING,
marks it failed ("interrupted") and skips the classes it had already committed.

A stop (service shutdown) ends the run FAILED with error "stopped": asked for between
classes (``should_stop``), or raised by the connector from inside a retry or pacing wait
(:class:`connector.stop.StopRequestedError`), when the class in hand is not committed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from config.settings import SchoolSettings
from connector.changes import ChangeLogSource, ChangeSet, SubmissionChange
from connector.records import ClassRecord, ClassSnapshot
from connector.source import ClassSource
from connector.stop import StopRequestedError
from sync.changes import (
    CHANGES_STREAM,
    ChangePlan,
    FoldedRow,
    apply_rows,
    changes_partition,
    plan_changes,
)
from sync.cursors import clamp_to, get_cursor, get_cursors, set_cursor
from sync.hints import DEFAULT_LOOKBACK_DAYS, add_hints
from sync.issues import add_issues, run_error
from sync.models import Person, RunStatus, School, SchoolClass, SyncCursor, SyncRun
from sync.upsert import apply_snapshot, mark_classes_deleted
from sync.upsert_roster import drop_erased

log = structlog.get_logger(__name__)

# Per-class cursor holding the id of the run that committed the class; not a data cursor.
RUN_STREAM = "_run"
INTERRUPTED = "interrupted"


@dataclass(slots=True)
class SyncRunSummary:
    run_id: int
    school_key: str
    platform: str
    status: RunStatus
    classes_done: int = 0
    classes_resumed: int = 0  # committed by an interrupted run, not read again
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_deleted: int = 0
    records_skipped: int = 0
    records_erased: int = 0  # dropped: the pupil was erased on request (R7)
    requests: int = 0
    api_calls: int = 0
    throttled: int = 0
    error: str | None = None


def sync_school(
    sessions: sessionmaker[Session],
    school_settings: SchoolSettings,
    source: ClassSource,
    *,
    full: bool,
    clock: Callable[[], datetime],
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    should_stop: Callable[[], bool] | None = None,
) -> SyncRunSummary:
    """Sync one school from ``source``. Connector errors end the run FAILED, not raised;
    rows committed before the error are kept. KeyboardInterrupt/SystemExit propagate and
    leave the run RUNNING for the next run to resume.

    Without ``full``, classes that have cursors are read incrementally: the source gets
    their cursors plus hints (:func:`sync.hints.add_hints`) naming the work whose
    submissions can still change, i.e. due or posted within ``lookback_days``."""
    platform = source.platform.value
    started = clock()
    run_id, school_id, done = _start(sessions, school_settings.key, platform, full, started)
    summary = SyncRunSummary(run_id, school_settings.key, platform, RunStatus.RUNNING)
    log.info("sync.start", school=school_settings.key, run=run_id, full=full, resumed=len(done))
    try:
        changes = None if full else _read_changes(sessions, source, school_id, platform,
                                                  school_settings.key, started)  # fmt: skip
        plan = ChangePlan()
        by_class: dict[str, list[SubmissionChange]] = defaultdict(list)
        if changes is None:
            classes: list[ClassRecord] | None = list(source.list_classes())
            assert classes is not None
            todo = [c for c in classes if c.platform_id not in done]
            summary.classes_resumed = len(classes) - len(todo)
        else:
            for change in changes.submissions:
                by_class[change.class_platform_id].append(change)
            with sessions() as session:
                plan = plan_changes(session, platform, changes.submissions)
            classes, todo = _classes_to_read(sessions, source, platform, changes, plan, done)
            summary.records_erased += plan.erased
        with sessions() as session:
            cursors = (
                {}
                if full or not todo
                else add_hints(
                    session,
                    platform,
                    get_cursors(
                        session,
                        platform,
                        [c.platform_id for c in todo],
                        exclude_streams=[RUN_STREAM],
                    ),
                    since=started - timedelta(days=lookback_days),
                )
            )
        for snap in source.read_classes(todo, cursors, full=full) if todo else ():
            pid = snap.klass.platform_id
            plan.rows.pop(pid, None)  # folded again after the fresh rows are stored
            _commit_class(sessions, source, school_id, run_id, snap, started, clock, summary,
                          by_class.pop(pid, []))  # fmt: skip
            if should_stop is not None and should_stop():
                # Committed classes are kept; the run ends FAILED ("stopped"), never RUNNING.
                raise StopRequestedError("stopped")
        for rows in plan.rows.values():
            _commit_changes(sessions, run_id, rows, clock(), summary)
            if should_stop is not None and should_stop():
                raise StopRequestedError("stopped")
        seen = [c.platform_id for c in classes] if classes is not None else None
        until = changes.until if changes is not None else started
        cursor = _log_cursor(source, school_settings.key, until, started)
        _finish(sessions, source, school_id, run_id, seen, clock(), summary,
                changes=changes, log_cursor=cursor)  # fmt: skip
    except Exception as e:
        summary.status = RunStatus.FAILED
        summary.error = run_error(e)
        if isinstance(e, StopRequestedError):
            log.info("sync.stopped", school=school_settings.key, run=run_id,
                     classes=summary.classes_done)  # fmt: skip
        else:
            log.error("sync.failed", school=school_settings.key, run=run_id, error=summary.error)
        with sessions() as session, session.begin():
            run = session.get_one(SyncRun, run_id)
            run.status = RunStatus.FAILED
            run.error = summary.error
            run.ended_at = clock()
            run.requests, run.api_calls = source.stats.requests, source.stats.api_calls
    summary.requests, summary.api_calls = source.stats.requests, source.stats.api_calls
    summary.throttled = source.stats.throttled
    return summary


def _start(
    sessions: sessionmaker[Session], key: str, platform: str, full: bool, started: datetime
) -> tuple[int, int, set[str]]:
    """Record the run; returns its id, the school id, and classes an interrupted run did."""
    with sessions() as session, session.begin():
        school = session.scalars(select(School).where(School.key == key)).one_or_none()
        if school is None:
            raise LookupError(f"school {key!r} is not stored: call ensure_trust_and_schools first")
        run = SyncRun(platform=platform, school_key=key, full=full, started_at=started)
        session.add(run)
        session.flush()
        done: set[str] = set()
        stale = session.scalars(
            select(SyncRun).where(
                SyncRun.school_key == key,
                SyncRun.platform == platform,
                SyncRun.status == RunStatus.RUNNING,
                SyncRun.id != run.id,
            )
        ).all()
        for old in stale:
            # The process that owned it was killed: nothing else finishes it.
            old.status, old.error, old.ended_at = RunStatus.FAILED, INTERRUPTED, started
            session.execute(
                update(SyncCursor)
                .where(
                    SyncCursor.platform == platform,
                    SyncCursor.stream == RUN_STREAM,
                    SyncCursor.value == str(old.id),
                )
                .values(value=str(run.id))
            )
        if stale:
            done = set(
                session.scalars(
                    select(SyncCursor.partition).where(
                        SyncCursor.platform == platform,
                        SyncCursor.stream == RUN_STREAM,
                        SyncCursor.value == str(run.id),
                    )
                )
            )
        return run.id, school.id, done


def _commit_class(
    sessions: sessionmaker[Session],
    source: ClassSource,
    school_id: int,
    run_id: int,
    snap: ClassSnapshot,
    started: datetime,
    clock: Callable[[], datetime],
    summary: SyncRunSummary,
    changes: list[SubmissionChange],
) -> None:
    """Rows, cursors, issues and counters for one class, in one transaction; then the
    class's changes from a change log, folded into the rows just stored."""
    now = clock()
    platform = snap.klass.platform.value
    with sessions() as session, session.begin():
        school = session.get_one(School, school_id)
        # Before profiles are looked up: an erased pupil is not even asked for (R7).
        summary.records_erased += drop_erased(session, snap.klass.platform, snap)
        _fill_people(session, source, snap)
        counts = apply_snapshot(session, school, snap, now=now)
        if changes:
            session.flush()
            folded = plan_changes(session, platform, changes).rows.get(snap.klass.platform_id, [])
            counts.updated += apply_rows(session, folded)
        run = session.get_one(SyncRun, run_id)
        moved = dict(run.cursors_moved)
        for stream, value in snap.cursor.items():
            if stream == RUN_STREAM:
                continue
            value = clamp_to(value, started)
            if set_cursor(session, platform, stream, snap.klass.platform_id, value, now=now):
                moved[stream] = moved.get(stream, 0) + 1
        set_cursor(session, platform, RUN_STREAM, snap.klass.platform_id, str(run_id), now=now)
        for skip in counts.skipped:
            # The connector logs what it skipped; these are the store's own refusals.
            log.warning(
                "sync.record_skipped",
                resource=skip.resource,
                platform_id=skip.platform_id,
                reason=skip.reason,
            )
        issues = [*snap.skipped, *counts.skipped]
        add_issues(session, run_id, issues, now)
        run.rows_inserted += counts.inserted
        run.rows_updated += counts.updated
        run.rows_deleted += counts.deleted
        run.records_skipped += len(issues)
        run.classes_done += 1
        run.cursors_moved = moved
        run.requests, run.api_calls = source.stats.requests, source.stats.api_calls
    summary.classes_done += 1
    summary.rows_inserted += counts.inserted
    summary.rows_updated += counts.updated
    summary.rows_deleted += counts.deleted
    summary.records_skipped += len(issues)


def _fill_people(session: Session, source: ClassSource, snap: ClassSnapshot) -> None:
    """Ask the source for profiles of members the snapshot does not carry and we lack."""
    have = {p.platform_id for p in snap.people}
    wanted = {m.person_platform_id for m in snap.members}
    wanted |= {s.pupil_platform_id for s in snap.submissions}
    missing = sorted(wanted - have)
    if not missing:
        return
    stored = set(
        session.scalars(
            select(Person.platform_id).where(
                Person.platform == snap.klass.platform, Person.platform_id.in_(missing)
            )
        )
    )
    ask = [pid for pid in missing if pid not in stored]
    if ask:
        snap.people.extend(source.people(ask))


def _finish(
    sessions: sessionmaker[Session],
    source: ClassSource,
    school_id: int,
    run_id: int,
    seen: list[str] | None,
    now: datetime,
    summary: SyncRunSummary,
    *,
    changes: ChangeSet | None = None,
    log_cursor: tuple[str, str] | None = None,
) -> None:
    """Close the run. ``seen``: the classes listed (None: not listed, so none is deleted);
    ``log_cursor``: the change log's (partition, value), moved now that every class the
    read covered is committed."""
    skipped = [*source.skipped(), *(changes.skipped if changes is not None else [])]
    # A class the source could not parse is still there: do not mark it deleted.
    unparsed = [s.platform_id for s in skipped if s.platform_id is not None]
    with sessions() as session, session.begin():
        school = session.get_one(School, school_id)
        deleted = (
            mark_classes_deleted(session, school, [*seen, *unparsed], now)
            if seen is not None
            else 0
        )
        add_issues(session, run_id, skipped, now)
        run = session.get_one(SyncRun, run_id)
        if log_cursor is not None:
            partition, value = log_cursor
            if set_cursor(session, source.platform.value, CHANGES_STREAM, partition, value,
                          now=now):  # fmt: skip
                run.cursors_moved = {**run.cursors_moved, CHANGES_STREAM: 1}
        run.rows_deleted += deleted
        run.records_skipped += len(skipped)
        run.requests, run.api_calls = source.stats.requests, source.stats.api_calls
        run.status = RunStatus.PARTIAL if run.records_skipped else RunStatus.SUCCEEDED
        run.ended_at = now
        summary.status = run.status
    summary.rows_deleted += deleted
    summary.records_skipped += len(skipped)
    log.info(
        "sync.end",
        run=run_id,
        status=summary.status.value,
        classes=summary.classes_done,
        inserted=summary.rows_inserted,
        updated=summary.rows_updated,
        deleted=summary.rows_deleted,
        skipped=summary.records_skipped,
        erased=summary.records_erased,
        change_log=changes is not None,
    )


def _read_changes(
    sessions: sessionmaker[Session],
    source: ClassSource,
    school_id: int,
    platform: str,
    school_key: str,
    started: datetime,
) -> ChangeSet | None:
    """The school's changes since its change-log cursor, if its source keeps such a log
    and a previous run stored the cursor; None: read every class instead."""
    if not isinstance(source, ChangeLogSource) or not source.change_log_enabled:
        return None
    with sessions() as session:
        value = get_cursor(session, platform, CHANGES_STREAM, changes_partition(school_key))
        stored = frozenset(
            session.scalars(
                select(SchoolClass.platform_id).where(
                    SchoolClass.school_id == school_id, SchoolClass.deleted_at.is_(None)
                )
            )
        )
    if value is None:
        return None
    try:
        since = datetime.fromisoformat(value)
    except ValueError:
        log.warning("sync.bad_cursor", stream=CHANGES_STREAM, school=school_key, value=value)
        return None
    return source.read_changes(since, started, stored)


def _classes_to_read(
    sessions: sessionmaker[Session],
    source: ClassSource,
    platform: str,
    changes: ChangeSet,
    plan: ChangePlan,
    done: set[str],
) -> tuple[list[ClassRecord] | None, list[ClassRecord]]:
    """(the classes listed, or None when the log says nothing needs listing; those to
    read): the classes the log touched, those with changes no stored row matched, and
    listed classes never read (new ones)."""
    need = changes.touched_classes | plan.unmatched
    if not (need or changes.classes_changed):
        return None, []
    classes = list(source.list_classes())
    with sessions() as session:
        known = get_cursors(session, platform, [c.platform_id for c in classes])
    todo = [
        c
        for c in classes
        if c.platform_id not in done and (c.platform_id in need or c.platform_id not in known)
    ]
    return classes, todo


def _commit_changes(
    sessions: sessionmaker[Session],
    run_id: int,
    rows: list[FoldedRow],
    now: datetime,
    summary: SyncRunSummary,
) -> None:
    """One class's submission changes from the log, in one transaction."""
    with sessions() as session, session.begin():
        n = apply_rows(session, rows)
        run = session.get_one(SyncRun, run_id)
        run.rows_updated += n
    summary.rows_updated += n


def _log_cursor(
    source: ClassSource, school_key: str, until: datetime, started: datetime
) -> tuple[str, str] | None:
    """Where the school's change log was read to; only for sources that read one."""
    if not isinstance(source, ChangeLogSource) or not source.change_log_enabled:
        return None
    return changes_partition(school_key), clamp_to(until.isoformat(), started)
