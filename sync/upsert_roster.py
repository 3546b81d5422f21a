"""Classes, people and memberships from one class snapshot."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from connector.records import (
    ClassRecord,
    ClassSnapshot,
    LessonSnapshot,
    PersonRecord,
    Platform,
    Role,
)
from sync.models import ErasedPerson, Membership, Person, School, SchoolClass
from sync.models.privacy import email_digest, id_digest, stored_key
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


def drop_erased(session: Session, platform: Platform, part: ClassSnapshot | LessonSnapshot) -> int:
    """Remove, in place, every record of a person erased on request (R7: their hashed
    tombstone matches their id or email), before anything is stored or looked up.
    Returns how many records were dropped: they are "erased", not sync issues."""
    key = stored_key(session)
    if key is None:  # nobody was ever erased on this installation
        return 0
    ids: set[str] = {a.person_platform_id for a in part.attendance if a.person_platform_id}
    emails: set[str] = {a.email.lower() for a in part.attendance if a.email}
    if isinstance(part, ClassSnapshot):
        ids |= {p.platform_id for p in part.people} | {m.person_platform_id for m in part.members}
        ids |= {s.pupil_platform_id for s in part.submissions}
        emails |= {p.email.lower() for p in part.people if p.email}
    by_digest = {id_digest(key, platform.value, i): ("id", i) for i in ids}
    by_digest |= {email_digest(key, e): ("email", e) for e in emails}
    hits: set[tuple[str, str]] = set()
    for batch in chunks(sorted(by_digest)):
        stmt = select(ErasedPerson.digest).where(ErasedPerson.digest.in_(batch))
        hits |= {by_digest[d] for d in session.scalars(stmt)}
    if not hits:
        return 0
    gone_ids = {v for kind, v in hits if kind == "id"}
    gone_emails = {v for kind, v in hits if kind == "email"}
    before = len(part.attendance)
    if isinstance(part, ClassSnapshot):
        gone_ids |= {p.platform_id for p in part.people if (p.email or "").lower() in gone_emails}
        before += len(part.people) + len(part.members) + len(part.submissions)
        part.people[:] = [p for p in part.people if p.platform_id not in gone_ids]
        part.members[:] = [m for m in part.members if m.person_platform_id not in gone_ids]
        part.submissions[:] = [s for s in part.submissions if s.pupil_platform_id not in gone_ids]
    part.attendance[:] = [
        a
        for a in part.attendance
        if a.person_platform_id not in gone_ids and (a.email or "").lower() not in gone_emails
    ]
    after = len(part.attendance)
    if isinstance(part, ClassSnapshot):
        after += len(part.people) + len(part.members) + len(part.submissions)
    return before - after
