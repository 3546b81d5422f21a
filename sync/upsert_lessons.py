"""Live lessons, attendance and recordings, from a class snapshot or a lesson snapshot.

Lessons are history: one missing from a later snapshot is not deleted (the read window
moves on), so nothing here soft-deletes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from connector.records import (
    AttendanceRecord,
    ClassSnapshot,
    LiveLessonRecord,
    Platform,
    RecordingRecord,
    SkippedRecord,
)
from sync.models import Attendance, LiveLesson, Recording, School
from sync.upsert_merge import Key, Merged, chunks, merge
from sync.upsert_roster import CLASS

LESSON: Table = LiveLesson.__table__  # type: ignore[assignment]
ATTENDANCE: Table = Attendance.__table__  # type: ignore[assignment]
RECORDING: Table = Recording.__table__  # type: ignore[assignment]



class LessonParts(Protocol):
    """What carries lessons: a class snapshot or a lesson snapshot."""

    @property
    def lessons(self) -> Sequence[LiveLessonRecord]: ...
    @property
    def attendance(self) -> Sequence[AttendanceRecord]: ...
    @property
    def recordings(self) -> Sequence[RecordingRecord]: ...


_LESSON_COLS = (
    "platform", "school_id", "class_id", "organiser_id", "title", "join_ref",
    "started_at", "ended_at", "deleted_at",
)  # fmt: skip
_ATTENDANCE_COLS = ("role", "person_id", "seconds", "first_joined_at", "last_left_at")
_RECORDING_COLS = ("platform", "lesson_id", "started_at", "ended_at", "size_bytes", "deleted_at")


def upsert_lessons(
    session: Session,
    school: School,
    class_id: int,
    snap: ClassSnapshot,
    person_ids: dict[str, int],
    *,
    now: datetime,
) -> tuple[Merged, list[SkippedRecord]]:
    """The lessons a class snapshot carries; returns combined counts and records that
    referenced a lesson not stored."""
    if not (snap.lessons or snap.attendance or snap.recordings):
        return Merged(), []
    class_ids = {snap.klass.platform_id: class_id}
    return store_lessons(
        session, school, snap.klass.platform, snap, person_ids, class_ids, now=now
    )


def store_lessons(
    session: Session,
    school: School,
    platform: Platform,
    part: LessonParts,
    person_ids: dict[str, int],
    class_ids: dict[str, int] | None = None,
    *,
    now: datetime,
) -> tuple[Merged, list[SkippedRecord]]:
    """Upsert lessons, their attendance and recordings (flushed, not committed).

    ``person_ids`` maps platform person ids to stored ids (missing: no person link);
    ``class_ids`` those classes already known; the rest are looked up.
    """
    total = Merged()
    skipped: list[SkippedRecord] = []
    wanted_ids = {x.platform_id for x in part.lessons}
    wanted_ids |= {a.lesson_platform_id for a in part.attendance}
    wanted_ids |= {r.lesson_platform_id for r in part.recordings}
    cols = [LESSON.c.id, LESSON.c.platform_id, *(LESSON.c[c] for c in _LESSON_COLS)]
    existing: dict[Key, dict[str, Any]] = {}
    for batch in chunks(sorted(wanted_ids)):
        stmt = select(*cols).where(LESSON.c.platform == platform, LESSON.c.platform_id.in_(batch))
        existing.update({(r["platform_id"],): dict(r) for r in session.execute(stmt).mappings()})
    classes = _class_ids(session, platform, part, class_ids or {})
    wanted: dict[Key, dict[str, Any]] = {}
    for x in part.lessons:
        wanted[(x.platform_id,)] = {
            "platform": x.platform,
            "platform_id": x.platform_id,
            "school_id": school.id,
            "class_id": classes.get(x.class_platform_id) if x.class_platform_id else None,
            "organiser_id": person_ids.get(x.organiser_platform_id or ""),
            "title": x.title,
            "join_ref": x.join_ref,
            "started_at": x.started_at,
            "ended_at": x.ended_at,
            "deleted_at": None,
        }
    merged = merge(session, LESSON, ("platform_id",), existing, wanted, now=now)
    lesson_ids = {k[0]: r["id"] for k, r in existing.items()}
    lesson_ids.update({k[0]: v for k, v in merged.ids.items()})
    _add(total, merged)
    _add(total, _attendance(session, part, lesson_ids, person_ids, skipped, now))
    _add(total, _recordings(session, platform, part, lesson_ids, skipped, now))
    return total, skipped


def _class_ids(
    session: Session, platform: Platform, part: LessonParts, known: dict[str, int]
) -> dict[str, int]:
    ids = dict(known)
    others = {x.class_platform_id for x in part.lessons if x.class_platform_id} - set(ids)
    if others:
        stmt = select(CLASS.c.id, CLASS.c.platform_id).where(
            CLASS.c.platform == platform, CLASS.c.platform_id.in_(sorted(others))
        )
        ids.update({r.platform_id: r.id for r in session.execute(stmt)})
    return ids


def _attendance(
    session: Session,
    snap: LessonParts,
    lesson_ids: dict[str, int],
    person_ids: dict[str, int],
    skipped: list[SkippedRecord],
    now: datetime,
) -> Merged:
    wanted: dict[Key, dict[str, Any]] = {}
    for a in snap.attendance:
        lesson_id = lesson_ids.get(a.lesson_platform_id)
        participant = a.person_platform_id or a.email or a.participant_ref
        if lesson_id is None or participant is None:
            why = "unknown lesson" if lesson_id is None else "no participant id or email"
            skipped.append(SkippedRecord(a.platform, "attendance", a.lesson_platform_id, why))
            continue
        wanted[(lesson_id, participant)] = {
            "lesson_id": lesson_id,
            "participant_key": participant,
            "person_id": person_ids.get(a.person_platform_id or ""),
            "role": a.role,
            "seconds": a.seconds,
            "first_joined_at": a.first_joined_at,
            "last_left_at": a.last_left_at,
        }
    if not wanted:
        return Merged()
    cols = [ATTENDANCE.c.id, ATTENDANCE.c.lesson_id, ATTENDANCE.c.participant_key]
    cols += [ATTENDANCE.c[c] for c in _ATTENDANCE_COLS]
    stmt = select(*cols).where(ATTENDANCE.c.lesson_id.in_(sorted({k[0] for k in wanted})))
    existing = {
        (r["lesson_id"], r["participant_key"]): dict(r) for r in session.execute(stmt).mappings()
    }
    return merge(
        session,
        ATTENDANCE,
        ("lesson_id", "participant_key"),
        existing,
        wanted,
        now=now,
        want_ids=False,
    )


def _recordings(
    session: Session,
    platform: Platform,
    snap: LessonParts,
    lesson_ids: dict[str, int],
    skipped: list[SkippedRecord],
    now: datetime,
) -> Merged:
    wanted: dict[Key, dict[str, Any]] = {}
    for r in snap.recordings:
        lesson_id = lesson_ids.get(r.lesson_platform_id)
        if lesson_id is None:
            skipped.append(SkippedRecord(r.platform, "recording", r.platform_id, "unknown lesson"))
            continue
        wanted[(r.platform_id,)] = {
            "platform": r.platform,
            "platform_id": r.platform_id,
            "lesson_id": lesson_id,
            "started_at": r.started_at,
            "ended_at": r.ended_at,
            "size_bytes": r.size_bytes,
            "deleted_at": None,
        }
    if not wanted:
        return Merged()
    cols = [RECORDING.c.id, RECORDING.c.platform_id, *(RECORDING.c[c] for c in _RECORDING_COLS)]
    stmt = select(*cols).where(
        RECORDING.c.platform == platform,
        RECORDING.c.platform_id.in_(sorted(k[0] for k in wanted)),
    )
    existing = {(r["platform_id"],): dict(r) for r in session.execute(stmt).mappings()}
    return merge(session, RECORDING, ("platform_id",), existing, wanted, now=now, want_ids=False)


def _add(total: Merged, part: Merged) -> None:
    total.inserted += part.inserted
    total.updated += part.updated
