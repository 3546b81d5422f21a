"""Work and submissions from one class snapshot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from connector.records import ClassSnapshot, SkippedRecord, WorkState
from sync.models import Submission, Work
from sync.upsert_merge import Key, Merged, adopt_strays, merge, set_where_ids

WORK: Table = Work.__table__  # type: ignore[assignment]
SUBMISSION: Table = Submission.__table__  # type: ignore[assignment]

_WORK_COLS = (
    "platform", "class_id", "kind", "state", "title", "topic", "creator_platform_id",
    "created_at", "updated_at", "published_at", "scheduled_at", "due_at", "max_points",
    "alternate_link", "deleted_at",
)  # fmt: skip
_SUBMISSION_COLS = (
    "platform", "work_id", "class_id", "pupil_id", "state", "late", "graded",
    "turned_in_at", "returned_at", "updated_at", "alternate_link", "deleted_at",
)  # fmt: skip


def upsert_work(
    session: Session, class_id: int, snap: ClassSnapshot, *, now: datetime
) -> tuple[dict[str, int], Merged, int]:
    """Returns work ids by platform id (all of the class's work), counts, and how many
    were marked deleted. On a complete work list, work no longer listed gets
    ``deleted_at`` (as does work the platform answered 404 for, ``snap.gone_work``); its
    state is left as last seen. A ``scheduled_at`` once seen is kept."""
    gone_ids = set(snap.gone_work)
    cols = [WORK.c.id, WORK.c.platform_id, *(WORK.c[c] for c in _WORK_COLS)]
    existing: dict[Key, dict[str, Any]] = {
        (r["platform_id"],): dict(r)
        for r in session.execute(select(*cols).where(WORK.c.class_id == class_id)).mappings()
    }
    wanted: dict[Key, dict[str, Any]] = {}
    for w in snap.work:
        old = existing.get((w.platform_id,))
        deleted_at = None
        if w.state is WorkState.DELETED or w.platform_id in gone_ids:
            deleted_at = (old["deleted_at"] if old else None) or now
        # Google's docs do not say whether a post keeps scheduledTime once it is live:
        # keep the one we saw, and with it when the post really went live.
        scheduled_at, published_at = w.scheduled_at, w.published_at
        if scheduled_at is None and old is not None and old["scheduled_at"] is not None:
            scheduled_at = old["scheduled_at"]
            if w.state is WorkState.PUBLISHED:
                published_at = scheduled_at
        wanted[(w.platform_id,)] = {
            "platform": w.platform,
            "platform_id": w.platform_id,
            "class_id": class_id,
            "kind": w.kind,
            "state": w.state,
            "title": w.title,
            "topic": w.topic,
            "creator_platform_id": w.creator_platform_id,
            "created_at": w.created_at,
            "updated_at": w.updated_at,
            "published_at": published_at,
            "scheduled_at": scheduled_at,
            "due_at": w.due_at,
            "max_points": w.max_points,
            "alternate_link": w.alternate_link,
            "deleted_at": deleted_at,
        }
    in_class = set(existing)
    adopt_strays(session, WORK, cols, snap.klass.platform, existing, wanted)
    merged = merge(session, WORK, ("platform_id",), existing, wanted, now=now)
    # Work that turned DELETED was written by the merge; count it as deleted, not updated.
    turned_deleted = sum(
        1
        for k, values in wanted.items()
        if values["deleted_at"] is not None
        and k in existing
        and existing[k]["deleted_at"] is None
    )
    merged.updated -= turned_deleted
    gone = [
        existing[k]["id"]
        for k in in_class
        if k not in wanted
        and existing[k]["deleted_at"] is None
        and (snap.work_complete or k[0] in gone_ids)
    ]
    deleted = set_where_ids(session, WORK, gone, {"deleted_at": now}) + turned_deleted
    ids = {k[0]: r["id"] for k, r in existing.items()}
    ids.update({k[0]: v for k, v in merged.ids.items()})
    return ids, merged, deleted


def upsert_submissions(
    session: Session,
    class_id: int,
    snap: ClassSnapshot,
    work_ids: dict[str, int],
    person_ids: dict[str, int],
    *,
    now: datetime,
) -> tuple[Merged, int, list[SkippedRecord]]:
    """Submissions whose work or pupil is not stored are skipped, not fatal. Returns the
    merge, how many stored submissions a complete list no longer held (marked deleted),
    and the skipped."""
    cols = [SUBMISSION.c.id, SUBMISSION.c.platform_id, *(SUBMISSION.c[c] for c in _SUBMISSION_COLS)]
    stmt = select(*cols).where(SUBMISSION.c.class_id == class_id)
    existing: dict[Key, dict[str, Any]] = {
        (r["platform_id"],): dict(r) for r in session.execute(stmt).mappings()
    }
    wanted: dict[Key, dict[str, Any]] = {}
    skipped: list[SkippedRecord] = []
    for s in snap.submissions:
        work_id = work_ids.get(s.work_platform_id)
        pupil_id = person_ids.get(s.pupil_platform_id)
        if work_id is None or pupil_id is None:
            missing = (
                f"work {s.work_platform_id}" if work_id is None else f"pupil {s.pupil_platform_id}"
            )
            skipped.append(
                SkippedRecord(s.platform, "submission", s.platform_id, f"unknown {missing}")
            )
            continue
        wanted[(s.platform_id,)] = {
            "platform": s.platform,
            "platform_id": s.platform_id,
            "work_id": work_id,
            "class_id": class_id,
            "pupil_id": pupil_id,
            "state": s.state,
            "late": s.late,
            "graded": s.graded,
            "turned_in_at": s.turned_in_at,
            "returned_at": s.returned_at,
            "updated_at": s.updated_at,
            "alternate_link": s.alternate_link,
            "deleted_at": None,
        }
    adopt_strays(session, SUBMISSION, cols, snap.klass.platform, existing, wanted)
    merged = merge(session, SUBMISSION, ("platform_id",), existing, wanted, now=now, want_ids=False)
    deleted = _mark_unlisted(session, snap, existing, wanted, work_ids, now)
    return merged, deleted, skipped


def _mark_unlisted(
    session: Session,
    snap: ClassSnapshot,
    existing: dict[Key, dict[str, Any]],
    wanted: dict[Key, dict[str, Any]],
    work_ids: dict[str, int],
    now: datetime,
) -> int:
    """Mark deleted the stored submissions a complete list no longer holds; one that
    could not be parsed is still there."""
    if not (snap.submissions_complete or snap.submissions_complete_work):
        return 0
    unreadable = {s.platform_id for s in snap.skipped if s.resource == "submission"}
    listed_work = {work_ids[w] for w in snap.submissions_complete_work if w in work_ids}
    gone = [
        row["id"]
        for key, row in existing.items()
        if key not in wanted
        and row["deleted_at"] is None
        and key[0] not in unreadable
        and (snap.submissions_complete or row["work_id"] in listed_work)
    ]
    return set_where_ids(session, SUBMISSION, gone, {"deleted_at": now})
