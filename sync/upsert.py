"""Idempotent upserts of connector records: one class snapshot at a time.

Every table is merged set-wise (one SELECT of the class's rows, bulk INSERT of the new,
UPDATE of only the changed), so counts are exact and an unchanged re-sync writes nothing.
``synced_at`` is therefore when a row last changed, not when it was last seen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.records import ClassSnapshot, Role, SkippedRecord
from sync.models import School
from sync.upsert_lessons import upsert_lessons
from sync.upsert_merge import set_where_ids
from sync.upsert_roster import CLASS, upsert_class, upsert_memberships, upsert_people
from sync.upsert_work import upsert_submissions, upsert_work


@dataclass(slots=True)
class RowCounts:
    """Rows written by one upsert. ``deleted`` counts soft deletes (deleted_at, left_at)."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    # Records that could not be stored (e.g. a submission for unknown work).
    skipped: list[SkippedRecord] = field(default_factory=list)

    def add(self, inserted: int = 0, updated: int = 0, deleted: int = 0) -> None:
        self.inserted += inserted
        self.updated += updated
        self.deleted += deleted


def apply_snapshot(
    session: Session, school: School, snap: ClassSnapshot, *, now: datetime
) -> RowCounts:
    """Store one class snapshot in the caller's transaction (flushed, not committed)."""
    counts = RowCounts()
    class_id, had_roster, merged = upsert_class(
        session, school, snap.klass, roster_complete=snap.roster_complete, now=now
    )
    counts.add(merged.inserted, merged.updated)

    teachers = {m.person_platform_id for m in snap.members if m.role == Role.TEACHER}
    person_ids, merged = upsert_people(
        session,
        school,
        snap.klass.platform,
        snap.people,
        member_ids=[m.person_platform_id for m in snap.members],
        teacher_ids=teachers,
        also_look_up=_referenced_people(snap),
        now=now,
    )
    counts.add(merged.inserted, merged.updated)

    merged, left = upsert_memberships(
        session, class_id, snap, person_ids, first_roster=not had_roster, now=now
    )
    counts.add(merged.inserted, merged.updated, left)

    work_ids, merged, gone = upsert_work(session, class_id, snap, now=now)
    counts.add(merged.inserted, merged.updated, gone)

    merged, unlisted, skipped = upsert_submissions(
        session, class_id, snap, work_ids, person_ids, now=now
    )
    counts.add(merged.inserted, merged.updated, unlisted)
    counts.skipped.extend(skipped)

    lesson_counts, skipped = upsert_lessons(session, school, class_id, snap, person_ids, now=now)
    counts.add(lesson_counts.inserted, lesson_counts.updated)
    counts.skipped.extend(skipped)
    return counts


def _referenced_people(snap: ClassSnapshot) -> Iterable[str]:
    yield from (s.pupil_platform_id for s in snap.submissions)
    yield from (x.organiser_platform_id for x in snap.lessons if x.organiser_platform_id)
    yield from (a.person_platform_id for a in snap.attendance if a.person_platform_id)


def mark_classes_deleted(
    session: Session, school: School, seen_platform_ids: Iterable[str], now: datetime
) -> int:
    """Soft-delete this school's classes the platform no longer lists; returns how many."""
    seen = set(seen_platform_ids)
    stmt = select(CLASS.c.id, CLASS.c.platform_id).where(
        CLASS.c.school_id == school.id, CLASS.c.deleted_at.is_(None)
    )
    gone = [row.id for row in session.execute(stmt) if row.platform_id not in seen]
    return set_where_ids(session, CLASS, gone, {"deleted_at": now})
