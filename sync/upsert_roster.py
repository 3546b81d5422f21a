"""Classes, people and memberships from one class snapshot."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from connector.records import ClassRecord, ClassSnapshot, PersonRecord, Platform, Role
from sync.models import Membership, Person, School, SchoolClass
from sync.upsert_merge import Key, Merged, chunks, merge, set_where_ids

CLASS: Table = SchoolClass.__table__  # type: ignore[assignment]
PERSON: Table = Person.__table__  # type: ignore[assignment]
MEMBERSHIP: Table = Membership.__table__  # type: ignore[assignment]

_CLASS_COLS = (
    "school_id", "name", "section", "state", "owner_platform_id", "alternate_link",
    "calendar_ref", "created_at", "updated_at", "roster_synced_at", "deleted_at",
)  # fmt: skip
_PERSON_COLS = ("email", "given_name", "family_name", "full_name", "is_staff", "deleted_at")


def upsert_class(
    session: Session, school: School, klass: ClassRecord, *, roster_complete: bool, now: datetime
) -> tuple[int, bool, Merged]:
    """Returns the class id, whether its roster was stored complete before, and counts."""
    cols = [CLASS.c.id, CLASS.c.platform, *(CLASS.c[c] for c in _CLASS_COLS)]
    row = (
        session.execute(
            select(*cols).where(
                CLASS.c.platform == klass.platform, CLASS.c.platform_id == klass.platform_id
            )
        )
        .mappings()
        .one_or_none()
    )
    had_roster = row is not None and row["roster_synced_at"] is not None
    roster_at = row["roster_synced_at"] if had_roster and row else None
    if roster_at is None and roster_complete:
        roster_at = now
    wanted: dict[str, Any] = {
        "platform": klass.platform,
        "platform_id": klass.platform_id,
        "school_id": row["school_id"] if row else school.id,
        "name": klass.name,
        "section": klass.section,
        "state": klass.state,
        "owner_platform_id": klass.owner_platform_id,
        "alternate_link": klass.alternate_link,
        "calendar_ref": klass.calendar_ref,
        "created_at": klass.created_at,
        "updated_at": klass.updated_at,
        "roster_synced_at": roster_at,
        "deleted_at": None,
    }
    key = (klass.platform_id,)
    existing = {key: dict(row)} if row else {}
    merged = merge(session, CLASS, ("platform_id",), existing, {key: wanted}, now=now)
    return merged.ids[key], had_roster, merged


def upsert_people(
    session: Session,
    school: School,
    platform: Platform,
    records: Iterable[PersonRecord],
    *,
    member_ids: Iterable[str],
    teacher_ids: set[str],
    also_look_up: Iterable[str],
    now: datetime,
) -> tuple[dict[str, int], Merged]:
    """Upsert profiles; members without a profile get a bare row so memberships can point
    at them. Returns person ids by platform id (including ``also_look_up`` ids already
    stored) and counts. ``is_staff`` only ever turns on."""
    by_id = {p.platform_id: p for p in records}
    members = set(member_ids)
    wanted_ids = set(by_id) | members | teacher_ids
    existing = _load_people(session, platform, sorted(wanted_ids | set(also_look_up)))
    wanted: dict[Key, dict[str, Any]] = {}
    for pid in wanted_ids:
        old = existing.get((pid,))
        rec = by_id.get(pid)
        if rec is None and old is not None:
            values = {c: old[c] for c in _PERSON_COLS}
        else:
            values = {
                "email": rec.email if rec else None,
                "given_name": rec.given_name if rec else None,
                "family_name": rec.family_name if rec else None,
                "full_name": rec.full_name if rec else None,
            }
        values["is_staff"] = pid in teacher_ids or bool(old and old["is_staff"])
        values["deleted_at"] = None
        wanted[(pid,)] = {
            "platform": platform,
            "platform_id": pid,
            "school_id": old["school_id"] if old else school.id,
            **values,
        }
    merged = merge(
        session, PERSON, ("platform_id",), existing, wanted, now=now, insert_only=("school_id",)
    )
    ids = {k[0]: v["id"] for k, v in existing.items()}
    ids.update({k[0]: v for k, v in merged.ids.items()})
    return ids, merged


def _load_people(
    session: Session, platform: Platform, platform_ids: list[str]
) -> dict[Key, dict[str, Any]]:
    cols = [PERSON.c.id, PERSON.c.platform, PERSON.c.platform_id, PERSON.c.school_id]
    cols += [PERSON.c[c] for c in _PERSON_COLS]
    out: dict[Key, dict[str, Any]] = {}
    for batch in chunks(platform_ids):
        stmt = select(*cols).where(PERSON.c.platform == platform, PERSON.c.platform_id.in_(batch))
        for row in session.execute(stmt).mappings():
            out[(row["platform_id"],)] = dict(row)
    return out


def upsert_memberships(
    session: Session,
    class_id: int,
    snap: ClassSnapshot,
    person_ids: dict[str, int],
    *,
    first_roster: bool,
    now: datetime,
) -> tuple[Merged, int]:
    """New members join now (or None on a class's first roster); on a complete roster,
    members no longer listed leave now. Returns counts and how many left."""
    stmt = select(
        MEMBERSHIP.c.id,
        MEMBERSHIP.c.class_id,
        MEMBERSHIP.c.person_id,
        MEMBERSHIP.c.role,
        MEMBERSHIP.c.joined_at,
        MEMBERSHIP.c.left_at,
    ).where(MEMBERSHIP.c.class_id == class_id)
    existing: dict[Key, dict[str, Any]] = {
        (r["person_id"], r["role"]): dict(r) for r in session.execute(stmt).mappings()
    }
    wanted: dict[Key, dict[str, Any]] = {}
    for m in snap.members:
        person_id = person_ids[m.person_platform_id]
        wanted[(person_id, m.role)] = {
            "class_id": class_id,
            "person_id": person_id,
            "role": Role(m.role),
            "joined_at": None if first_roster else now,
            "left_at": None,
        }
    merged = merge(
        session,
        MEMBERSHIP,
        ("person_id", "role"),
        existing,
        wanted,
        now=now,
        insert_only=("joined_at",),
        want_ids=False,
    )
    left = 0
    if snap.roster_complete:
        gone = [r["id"] for k, r in existing.items() if k not in wanted and r["left_at"] is None]
        left = set_where_ids(session, MEMBERSHIP, gone, {"left_at": now})
    return merged, left
