"""Store what a rule saw: open new findings, touch the ones still seen, resolve the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from jobs.rules.base import FindingDraft
from sync.models import Finding


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
    judged one day must not resolve what it did not look at. A finding seen again after
    it resolved is reopened (``resolved_at`` cleared) and counts as opened. Re-running
    with the same drafts and ``now`` writes the same values. The caller commits.
    """
    for d in drafts:
        if d.rule != rule or d.school_id != school_id:
            raise ValueError(f"draft {d.key!r} is outside the scope being recorded")
        if scope_day is not None and d.day != scope_day:
            raise ValueError(f"draft {d.key!r} is not for {scope_day}")

    by_key = {d.key: d for d in drafts}
    # Set-based on purpose: the rules produce thousands of findings per school, and one ORM
    # object per finding made recording them cost more than judging them.
    scope = [Finding.rule == rule, Finding.school_id == school_id]
    if scope_day is not None:
        scope.append(Finding.day == scope_day)
    open_ids = dict(
        session.execute(
            select(Finding.key, Finding.id).where(*scope, Finding.resolved_at.is_(None))
        ).all()
    )
    # Keys not open now may have resolved earlier: seen again, they reopen.
    resolved_ids: dict[str, int] = {}
    unseen = [k for k in by_key if k not in open_ids]
    for start in range(0, len(unseen), _CHUNK):
        chunk = unseen[start : start + _CHUNK]
        resolved_ids.update(
            session.execute(select(Finding.key, Finding.id).where(Finding.key.in_(chunk))).all()
        )

    new = [
        {
            "key": key,
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
        }
        for key, d in by_key.items()
        if key not in open_ids and key not in resolved_ids
    ]
    seen = [
        {
            "id": open_ids.get(key) or resolved_ids[key],
            "last_seen_at": now,
            "resolved_at": None,
            "evidence": dict(d.evidence),
        }
        for key, d in by_key.items()
        if key in open_ids or key in resolved_ids
    ]
    stale = [fid for key, fid in open_ids.items() if key not in by_key]

    session.flush()
    if new:
        session.execute(insert(Finding), new)
    if seen:
        session.execute(update(Finding), seen)
    for start in range(0, len(stale), _CHUNK):
        session.execute(
            update(Finding)
            .where(Finding.id.in_(stale[start : start + _CHUNK]))
            .values(resolved_at=now)
            .execution_options(synchronize_session=False)
        )
    # Bulk statements bypass the identity map: drop what it holds so readers see the rows.
    session.expire_all()
    return FindingCounts(
        opened=len(new) + len(resolved_ids),
        still_open=len(open_ids) - len(stale),
        resolved=len(stale),
    )


_CHUNK = 500
