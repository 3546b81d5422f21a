"""What an incremental read needs to know from the store: work that can still change.

Submissions have no changed-since filter on any platform we read, so an incremental run
re-reads the submissions of work that can still change: assignments and questions not
deleted, due within the look-back window or later, or without a due date and posted (or
edited) within it. Late-arriving data for that work is caught; a submission changed on
older work waits for the next ``--full`` run (run one weekly).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connector.records import WorkKind, WorkState
from connector.source import OPEN_WORK_HINT, SUBMISSIONS_HINT
from sync.models import SchoolClass, Submission, Work
from sync.upsert_merge import chunks

DEFAULT_LOOKBACK_DAYS = 21
_EXPECTS_WORK = (WorkKind.ASSIGNMENT, WorkKind.QUESTION)
_LIVE = (WorkState.PUBLISHED, WorkState.SCHEDULED, WorkState.DRAFT)


def add_hints(
    session: Session,
    platform: str,
    cursors: Mapping[str, Mapping[str, str]],
    *,
    since: datetime,
) -> dict[str, dict[str, str]]:
    """``cursors`` with :data:`OPEN_WORK_HINT` and :data:`SUBMISSIONS_HINT` added for each
    class that has cursors (a class without any is read in full and needs none)."""
    out = {cid: dict(values) for cid, values in cursors.items()}
    for batch in chunks(sorted(out)):
        classes: dict[int, str] = {
            cid: pid
            for cid, pid in session.execute(
                select(SchoolClass.id, SchoolClass.platform_id).where(
                    SchoolClass.platform == platform, SchoolClass.platform_id.in_(batch)
                )
            )
        }
        if not classes:
            continue
        counts: dict[int, int] = {
            wid: n
            for wid, n in session.execute(
                select(Submission.work_id, func.count())
                .where(Submission.class_id.in_(list(classes)))
                .group_by(Submission.work_id)
            )
        }
        open_work: dict[int, dict[str, int]] = {cid: {} for cid in classes}
        totals: dict[int, int] = dict.fromkeys(classes, 0)
        rows = session.execute(
            select(
                Work.id,
                Work.class_id,
                Work.platform_id,
                Work.kind,
                Work.state,
                Work.due_at,
                Work.published_at,
                Work.created_at,
                Work.updated_at,
                Work.deleted_at,
            ).where(Work.class_id.in_(list(classes)))
        )
        for wid, class_id, pid, kind, state, due, published, created, updated, gone in rows:
            n = counts.get(wid, 0)
            totals[class_id] += n
            if (
                gone is None
                and kind in _EXPECTS_WORK
                and state in _LIVE
                and _can_change(due, published or created, updated, since)
            ):
                open_work[class_id][pid] = n
        for class_id, platform_id in classes.items():
            out[platform_id][OPEN_WORK_HINT] = json.dumps(open_work[class_id])
            out[platform_id][SUBMISSIONS_HINT] = str(totals[class_id])
    return out


def _can_change(
    due: datetime | None, posted: datetime | None, updated: datetime | None, since: datetime
) -> bool:
    if due is not None and due >= since:
        return True
    if due is None and (posted is None or posted >= since):
        return True
    return updated is not None and updated >= since
