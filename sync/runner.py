"""One school's sync run: list classes, read each, commit class by class.

A run is a ``SyncRun`` row committed at start. Each class snapshot is stored with its
cursors, its issues and the run's counters in one transaction, so a killed process loses
at most the class in flight. The next run for the school finds the run still RUNNING,
marks it failed ("interrupted") and skips the classes it had already committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from config.settings import SchoolSettings
from connector.records import ClassSnapshot
from connector.source import ClassSource
from sync.cursors import clamp_to, get_cursors, set_cursor
from sync.hints import DEFAULT_LOOKBACK_DAYS, add_hints
from sync.issues import add_issues, scrub
from sync.models import Person, RunStatus, School, SyncCursor, SyncRun
from sync.upsert import apply_snapshot, mark_classes_deleted
from sync.upsert_roster import drop_erased

log = structlog.get_logger(__name__)

# Per-class cursor holding the id of the run that committed the class; not a data cursor.
RUN_STREAM = "_run"
INTERRUPTED = "interrupted"


class StopRequestedError(Exception):
    """Raised between classes when the caller's ``should_stop`` says so (service shutdown)."""


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
        classes = list(source.list_classes())
        todo = [c for c in classes if c.platform_id not in done]
        summary.classes_resumed = len(classes) - len(todo)
        with sessions() as session:
            cursors = (
                {}
                if full
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
        for snap in source.read_classes(todo, cursors, full=full):
            _commit_class(sessions, source, school_id, run_id, snap, started, clock, summary)
            if should_stop is not None and should_stop():
                # Committed classes are kept; the run ends FAILED ("stopped"), never RUNNING.
                raise StopRequestedError("stopped")
        seen = [c.platform_id for c in classes]
        _finish(sessions, source, school_id, run_id, seen, clock(), summary)
    except Exception as e:
        summary.status = RunStatus.FAILED
        summary.error = scrub(f"{type(e).__name__}: {e}")
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
) -> None:
    """Rows, cursors, issues and counters for one class, in one transaction."""
    now = clock()
    platform = snap.klass.platform.value
    with sessions() as session, session.begin():
        school = session.get_one(School, school_id)
        # Before profiles are looked up: an erased pupil is not even asked for (R7).
        summary.records_erased += drop_erased(session, snap.klass.platform, snap)
        _fill_people(session, source, snap)
        counts = apply_snapshot(session, school, snap, now=now)
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
    seen: list[str],
    now: datetime,
    summary: SyncRunSummary,
) -> None:
    skipped = source.skipped()
    # A class the source could not parse is still there: do not mark it deleted.
    unparsed = [s.platform_id for s in skipped if s.platform_id is not None]
    with sessions() as session, session.begin():
        school = session.get_one(School, school_id)
        deleted = mark_classes_deleted(session, school, [*seen, *unparsed], now)
        add_issues(session, run_id, skipped, now)
        run = session.get_one(SyncRun, run_id)
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
    )
