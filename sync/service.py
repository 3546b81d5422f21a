"""Sync every configured school (or one, or one platform): the `classpulse sync` job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from sync.registry import ensure_trust_and_schools
from sync.runner import SyncRunSummary, sync_school
from sync.sources import source_for

log = structlog.get_logger(__name__)


def sync_all(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    clock: Callable[[], datetime],
    platform: str | None = None,
    school_key: str | None = None,
    full: bool = False,
) -> list[SyncRunSummary]:
    """Sync the selected schools one after another; a school that fails does not stop the rest."""
    with sessions() as session:
        ensure_trust_and_schools(session, settings)
        session.commit()
    out: list[SyncRunSummary] = []
    for school in settings.schools:
        if platform is not None and school.platform.value != platform:
            continue
        if school_key is not None and school.key != school_key:
            continue
        source = source_for(settings, school)
        out.append(sync_school(sessions, school, source, full=full, clock=clock))
    return out
