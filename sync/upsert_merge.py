"""Set-based merge of wanted rows into one table: insert the new, update only the changed.

Callers load the existing rows once (keyed the same way as the wanted rows), so a
re-sync of unchanged data issues one SELECT per table and no writes at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Column, String, Table, bindparam, select, update
from sqlalchemy.orm import Session

Key = tuple[Any, ...]
T = TypeVar("T")

# Keeps IN lists well under SQLite's and PostgreSQL's bound-parameter limits.
CHUNK = 900


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(slots=True)
class Merged:
    """Ids of every wanted row (existing or new) and how many rows were written."""

    ids: dict[Key, int] = field(default_factory=dict)
    inserted: int = 0
    updated: int = 0


def clip(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """Cut strings to their column's length: one over-long title must not fail a class."""
    for name, length in _string_lengths(table):
        value = values.get(name)
        if isinstance(value, str) and len(value) > length:
            values[name] = value[:length]
    return values


@cache
def _string_lengths(table: Table) -> tuple[tuple[str, int], ...]:
    return tuple(
        (c.name, c.type.length) for c in table.c if isinstance(c.type, String) and c.type.length
    )


def merge(
    session: Session,
    table: Table,
    key_cols: tuple[str, ...],
    existing: Mapping[Key, Mapping[str, Any]],
    wanted: Mapping[Key, dict[str, Any]],
    *,
    now: datetime,
    insert_only: Iterable[str] = (),
    want_ids: bool = True,
) -> Merged:
    """Insert wanted rows not in ``existing``; update those whose values differ.

    ``existing`` rows carry ``id`` and every column named in the wanted rows. Columns in
    ``insert_only`` are written on insert and never compared (e.g. ``joined_at``).
    ``synced_at``, where the table has it, is set on every row written. Without
    ``want_ids`` new rows are inserted without RETURNING (a plain executemany, much faster
    on psycopg) and ``ids`` holds only the existing rows.
    """
    out = Merged()
    skip = set(insert_only) | {"synced_at"}
    stamps = "synced_at" in table.c
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    compare: list[str] | None = None
    for key, values in wanted.items():
        clip(table, values)
        row = existing.get(key)
        if row is None:
            if stamps:
                values["synced_at"] = now
            inserts.append(values)
            continue
        out.ids[key] = row["id"]
        if compare is None:
            compare = [c for c in values if c not in skip and c not in key_cols]
        if any(row[c] != values[c] for c in compare):
            params = {f"v_{c}": values[c] for c in compare}
            params["b_id"] = row["id"]
            if stamps:
                params["v_synced_at"] = now
            updates.append(params)
    if inserts and not want_ids:
        session.execute(table.insert(), inserts)
        out.inserted = len(inserts)
    elif inserts:
        stmt = table.insert().returning(table.c.id, *(table.c[c] for c in key_cols))
        for batch in chunks(inserts):
            for row_ in session.execute(stmt, list(batch)):
                out.ids[tuple(row_[1:])] = row_[0]
        out.inserted = len(inserts)
    if updates:
        cols = [k[2:] for k in updates[0] if k.startswith("v_")]
        stmt_u = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({c: bindparam(f"v_{c}") for c in cols})
        )
        session.execute(stmt_u, updates)
        out.updated = len(updates)
    return out


def set_where_ids(
    session: Session, table: Table, ids: Sequence[int], values: dict[str, Any]
) -> int:
    """Set ``values`` on the rows with ``ids``; returns how many were asked for."""
    for batch in chunks(list(ids)):
        session.execute(update(table).where(table.c.id.in_(batch)).values(values))
    return len(ids)


def adopt_strays(
    session: Session,
    table: Table,
    cols: Sequence[Column[Any]],
    platform: Any,
    existing: dict[Key, dict[str, Any]],
    wanted: Mapping[Key, Mapping[str, Any]],
) -> None:
    """Add to ``existing`` the wanted rows stored under another parent (work moved to
    another class), so they are updated rather than inserted twice against the
    ``(platform, platform_id)`` unique constraint."""
    new = sorted(k[0] for k in wanted if k not in existing)
    for batch in chunks(new):
        stmt = select(*cols).where(table.c.platform == platform, table.c.platform_id.in_(batch))
        for row in session.execute(stmt).mappings():
            existing[(row["platform_id"],)] = dict(row)
