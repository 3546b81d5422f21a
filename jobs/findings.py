"""Store what a rule saw: open new findings, touch the ones still seen, resolve the rest."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Insert, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from jobs.rules.base import FindingDraft
from sync.models import Finding

# (school id, school day judged); day None: the whole school (instant rules).
Scope = tuple[int, date | None]

FINDING: Table = Finding.__table__  # type: ignore[assignment]
_CHUNK = 1000  # ids per IN list: well inside SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True, slots=True)
class FindingCounts:
    opened: int = 0
    still_open: int = 0
    resolved: int = 0

    def __add__(self, other: FindingCounts) -> FindingCounts:
        return FindingCounts(
            self.opened + other.opened,
            self.still_open + other.still_open,
            self.resolved + other.resolved,
        )


def record_findings(
    session: Session,
    *,
    rule: str,
    school_id: int,
    scope_day: date | None,
    drafts: list[FindingDraft],
    now: datetime,
) -> FindingCounts:
    """Upsert ``drafts`` by key and resolve open findings of the same scope not among them.

    The scope is the rule and school, and the day when ``scope_day`` is given: a run that
    judged one day must not resolve what it did not look at. See :func:`record_scopes`.
    """
    counts = record_scopes(
        session, rule=rule, scopes=[(school_id, scope_day)], drafts=drafts, now=now
    )
    return counts.get(school_id, FindingCounts())


def record_scopes(
    session: Session,
    *,
    rule: str,
    scopes: Collection[Scope],
    drafts: Sequence[FindingDraft],
    now: datetime,
) -> dict[int, FindingCounts]:
    """Record one run of ``rule`` over many scopes at once; counts per school id.

    A draft not open in its scope is inserted, or — seen again after it resolved — reopened
    (``resolved_at`` cleared); both count as opened. An open one seen again gets
    ``last_seen_at = now`` and the new evidence; an open one of a judged scope not seen is
    resolved. Re-running with the same drafts and ``now`` writes nothing: every value is
    already the one it would write. The caller commits.
    """
    wanted = set(scopes)
    whole = {school for school, day in wanted if day is None}

    def in_scope(school_id: int, day: date | None) -> bool:
        return school_id in whole or (school_id, day) in wanted

    by_key: dict[str, FindingDraft] = {}
    for d in drafts:
        if d.rule != rule or not in_scope(d.school_id, d.day):
            raise ValueError(f"draft {d.key!r} is outside the scope being recorded")
        by_key[d.key] = d
    # Every judged school is reported, even with nothing found.
    counts = {school: [0, 0, 0] for school, _ in wanted}

    # Set-based on purpose: the rules produce thousands of findings per run, and one ORM
    # object (or one statement) per finding made recording them cost more than judging.
    session.flush()
    open_rows = session.execute(
        select(
            Finding.id, Finding.key, Finding.school_id, Finding.day,
            Finding.last_seen_at, Finding.evidence,
        ).where(
            Finding.rule == rule,
            Finding.resolved_at.is_(None),
            Finding.school_id.in_(sorted({school for school, _ in wanted})),
        )
    ).all()  # fmt: skip
    touch: list[int] = []  # still seen, same evidence: only last_seen_at moves
    changed: list[dict[str, Any]] = []  # still seen, new evidence
    stale: list[int] = []
    open_keys: set[str] = set()
    for fid, key, school_id, day, last_seen, evidence in open_rows:
        if not in_scope(school_id, day):
            continue
        draft = by_key.get(key)
        if draft is None:
            stale.append(fid)
            counts[school_id][2] += 1
            continue
        open_keys.add(key)
        counts[school_id][1] += 1
        if draft.evidence != evidence:
            changed.append({"b_id": fid, "last_seen_at": now, "evidence": dict(draft.evidence)})
        elif last_seen != now:
            touch.append(fid)
    fresh = [d for key, d in by_key.items() if key not in open_keys]
    for d in fresh:
        counts[d.school_id][0] += 1

    if fresh:
        session.execute(_upsert(session), _new_rows(fresh, now))
    if changed:
        session.execute(update(FINDING).where(FINDING.c.id == bindparam("b_id")), changed)
    _set_where_ids(session, touch, last_seen_at=now)
    _set_where_ids(session, stale, resolved_at=now)
    # Bulk statements bypass the identity map: drop what it holds so readers see the rows.
    session.expire_all()
    return {school: FindingCounts(*c) for school, c in counts.items()}


def _new_rows(drafts: Iterable[FindingDraft], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "key": d.key,
            "rule": d.rule,
            "school_id": d.school_id,
            "day": d.day,
            "class_id": d.class_id,
            "work_id": d.work_id,
            "pupil_id": d.pupil_id,
            "lesson_id": d.lesson_id,
            "evidence": dict(d.evidence),
            "first_seen_at": now,
            "last_seen_at": now,
            "resolved_at": None,
        }
        for d in drafts
    ]


def _upsert(session: Session) -> Insert:
    """INSERT for many rows; a key already stored (a resolved finding seen again, or one
    open in another scope) is reopened instead: seen now, with the new evidence."""
    if session.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(FINDING)
        return pg.on_conflict_do_update(index_elements=[FINDING.c.key], set_=_reopen(pg.excluded))
    lite = sqlite.insert(FINDING)
    return lite.on_conflict_do_update(index_elements=[FINDING.c.key], set_=_reopen(lite.excluded))


def _reopen(excluded: Any) -> dict[str, Any]:
    return {
        "last_seen_at": excluded.last_seen_at,
        "resolved_at": None,
        "evidence": excluded.evidence,
    }


def _set_where_ids(session: Session, ids: Sequence[int], **values: Any) -> None:
    for start in range(0, len(ids), _CHUNK):
        session.execute(
            update(FINDING).where(FINDING.c.id.in_(ids[start : start + _CHUNK])).values(**values)
        )
