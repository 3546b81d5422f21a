"""Sync every configured school (or one, or one platform): the `classpulse sync` job."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TypeVar

import structlog
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from connector.stop import StopSignal
from sync.lessons import LessonSyncSummary, lessons_due, sync_lessons
from sync.registry import ensure_trust_and_schools
from sync.runner import SyncRunSummary, sync_school
from sync.sources import SyncRound, lesson_source_for, source_for

log = structlog.get_logger(__name__)


def sync_all(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    clock: Callable[[], datetime],
    platform: str | None = None,
    school_key: str | None = None,
    full: bool = False,
    lessons: bool = True,
    lesson_runs: list[LessonSyncSummary] | None = None,
    stop: StopSignal | None = None,
) -> list[SyncRunSummary]:
    """Sync the selected schools one after another; a school that fails does not stop the rest.

    After a school's classes, its live lessons (where its platform has a lesson source),
    as a run of their own: their summaries are appended to ``lesson_runs`` if given.
    An incremental sync reads lessons only when ``sync.lesson_minutes`` have passed since
    the school's last lesson run that worked.
    Once ``stop`` is set (service shutdown) the connectors' waits end at once, the run in
    hand ends "stopped" after its last commit, and no further school or lesson run starts.
    """
    should_stop = stop.is_set if stop is not None else None
    with sessions() as session:
        ensure_trust_and_schools(session, settings)
        session.commit()
    out: list[SyncRunSummary] = []
    # What the schools share: a Graph token and throttle, Google's log, the stop.
    sync_round = SyncRound(stop)
    for school in settings.schools:
        if platform is not None and school.platform.value != platform:
            continue
        if school_key is not None and school.key != school_key:
            continue
        if should_stop is not None and should_stop():
            break
        with _closing(source_for(settings, school, clock, sync_round)) as source:
            out.append(
                sync_school(
                    sessions,
                    school,
                    source,
                    full=full,
                    clock=clock,
                    lookback_days=settings.sync.lookback_days,
                    should_stop=should_stop,
                )
            )
        stopping = should_stop is not None and should_stop()
        due = lessons and not stopping and (full or lessons_due(
            sessions, school.platform.value, school.key, clock(),
            timedelta(minutes=settings.sync.lesson_minutes),
        ))
        lesson_source = lesson_source_for(settings, school, sync_round) if due else None
        if lesson_source is not None:
            with _closing(lesson_source):
                run = sync_lessons(
                    sessions,
                    school,
                    lesson_source,
                    clock=clock,
                    full=full,
                    lookback_days=settings.sync.lookback_days,
                    should_stop=should_stop,
                )
            if lesson_runs is not None:
                lesson_runs.append(run)
    return out


S = TypeVar("S")


@contextmanager
def _closing(source: S) -> Iterator[S]:
    """Close a source once its run is over, where it holds something to close (a Graph
    source: its HTTP client and event-loop thread). A service syncing every 15 minutes
    would otherwise keep one thread and its connections per Graph source and run."""
    try:
        yield source
    finally:
        close = getattr(source, "close", None)
        if callable(close):
            close()
