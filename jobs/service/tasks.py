"""The scheduled jobs: thin wrappers over what the CLI commands call.

Each reads the clock once, binds a fresh run id to its log lines, counts itself in the
metrics, and returns at once when the service is stopping (a job already queued behind a
running one must not start during shutdown).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime

import structlog

from jobs.service.runtime import Runtime, current

log = structlog.get_logger(__name__)

# Jobs run one at a time (SQLite has one writer; a check should see the sync before it).
# The scheduler's pool has a thread per job, so a job waiting here is not counted as its
# own overlapping instance by another job.
_serial = threading.Lock()


def _run(name: str, body: Callable[[Runtime, datetime], None]) -> None:
    rt = current()
    with _serial:
        if rt.stopping.is_set():
            return
        _run_one(rt, name, body)


def _run_one(rt: Runtime, name: str, body: Callable[[Runtime, datetime], None]) -> None:
    with structlog.contextvars.bound_contextvars(run_id=uuid.uuid4().hex[:12], job=name):
        now = rt.clock()
        rt.metrics.job_runs.labels(name).inc()
        started = time.monotonic()
        log.info("job.start", now=now.isoformat())
        try:
            body(rt, now)
        except Exception:
            rt.metrics.job_failures.labels(name).inc()
            log.exception("job.failed")
            return
        log.info("job.end", seconds=round(time.monotonic() - started, 3))


def _sync(rt: Runtime, *, full: bool) -> None:
    """Each school in turn, timed on its own (classes and lessons), stopping between
    schools on shutdown; inside one, between classes and lesson parts, and in the middle
    of any retry or pacing wait of its connectors (``stop``)."""
    from connector.stop import StopSignal
    from sync.lessons import LessonSyncSummary
    from sync.service import sync_all

    stop = StopSignal(rt.stopping)

    for school in rt.settings.schools:
        if rt.stopping.is_set():
            return
        lesson_runs: list[LessonSyncSummary] = []
        started = time.monotonic()
        runs = sync_all(
            rt.settings,
            rt.sessions,
            clock=rt.clock,
            school_key=school.key,
            full=full,
            lesson_runs=lesson_runs,
            stop=stop,
        )
        seconds = time.monotonic() - started
        for run in runs:
            rt.metrics.record_sync(run, seconds)
        for lesson_run in lesson_runs:
            rt.metrics.record_lessons(lesson_run)


def _deliver(rt: Runtime, now: datetime) -> None:
    """Drain the outbox one message at a time, stopping between messages on shutdown."""
    from jobs.notify import composers_for
    from jobs.outbox import handle_one_message

    transport = rt.transport(rt.settings)
    composers = composers_for(rt.settings)
    before = _finished(rt)
    try:
        with rt.sessions() as session:
            while not rt.stopping.is_set() and handle_one_message(
                session,
                transport,
                now=now,
                email_settings=rt.settings.email,
                composers=composers,
            ):
                pass
    finally:
        close = getattr(transport, "close", None)
        if callable(close):
            close()
        # Counted from the rows, so a message is counted once whatever path it took.
        for status, n in _finished(rt).items():
            rt.metrics.messages.labels(status).inc(max(0, n - before.get(status, 0)))


def _finished(rt: Runtime) -> dict[str, int]:
    """Outbox rows sent and failed (for good) so far."""
    from sqlalchemy import func, select

    from sync.models import MessageStatus, OutboundMessage

    done = (MessageStatus.SENT, MessageStatus.FAILED)
    with rt.sessions() as session:
        rows = session.execute(
            select(OutboundMessage.status, func.count())
            .where(OutboundMessage.status.in_(done))
            .group_by(OutboundMessage.status)
        )
        counts = {str(status): int(n) for status, n in rows}
    return {str(s): counts.get(str(s), 0) for s in done}


def sync_incremental() -> None:
    """Read what changed since the cursors."""
    _run("sync", lambda rt, _now: _sync(rt, full=False))


def sync_full() -> None:
    """Re-read everything (nightly): catches deletions an incremental read cannot see."""
    _run("sync_full", lambda rt, _now: _sync(rt, full=True))


def _check(rt: Runtime, now: datetime) -> None:
    from jobs.check import run_checks

    with rt.sessions() as session:
        summary = run_checks(session, rt.settings, as_of=now)
        session.commit()
    total = summary.total()
    log.info("check.done", opened=total.opened, open=total.still_open, resolved=total.resolved)


def check() -> None:
    """Evaluate every rule for every school."""
    _run("check", _check)


def _nudge(rt: Runtime, now: datetime) -> None:
    from jobs.notify import queue_nudges

    with rt.sessions() as session:
        summary = queue_nudges(session, rt.settings, now=now)
        session.commit()
    rt.metrics.messages.labels("queued").inc(summary.queued)
    _deliver(rt, now)


def nudge() -> None:
    """Queue today's teacher nudges and deliver the outbox (each waits for its window)."""
    _run("nudge", _nudge)


def deliver() -> None:
    """Send whatever the outbox holds that is due (retries, windows opening)."""
    _run("deliver", _deliver)


def _digest(rt: Runtime, now: datetime) -> None:
    from jobs.alerts import queue_parent_notes
    from jobs.digest import queue_digests

    with rt.sessions() as session:
        digests = queue_digests(session, rt.settings, now=now)
        notes = queue_parent_notes(session, rt.settings, now=now)
        session.commit()
    rt.metrics.messages.labels("queued").inc(digests.queued + notes.queued)
    _deliver(rt, now)


def digest() -> None:
    """Queue the weekly digests that are due, then deliver."""
    _run("digest", _digest)


def _purge(rt: Runtime, now: datetime) -> None:
    from jobs.retention import purge as purge_old

    result = purge_old(rt.sessions, rt.settings, now=now)
    log.info("retention.done", result=str(result))


def purge() -> None:
    """Delete what the retention policy says to forget (R7)."""
    _run("purge", _purge)
