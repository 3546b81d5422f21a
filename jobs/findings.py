"""Store what a rule saw: open new findings, touch the ones still seen, resolve the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
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
    existing = (
        {f.key: f for f in session.scalars(select(Finding).where(Finding.key.in_(list(by_key))))}
        if by_key
        else {}
    )

    opened = still_open = 0
    for key, d in by_key.items():
        f = existing.get(key)
        if f is None:
            session.add(
                Finding(
                    key=key,
                    rule=d.rule,
                    school_id=d.school_id,
                    day=d.day,
                    class_id=d.class_id,
                    work_id=d.work_id,
                    pupil_id=d.pupil_id,
                    lesson_id=d.lesson_id,
                    evidence=dict(d.evidence),
                    first_seen_at=now,
                    last_seen_at=now,
                )
            )
            opened += 1
            continue
        if f.resolved_at is not None:
            f.resolved_at = None
            opened += 1
        else:
            still_open += 1
        f.last_seen_at = now
        f.evidence = dict(d.evidence)

    stale = select(Finding).where(
        Finding.rule == rule,
        Finding.school_id == school_id,
        Finding.resolved_at.is_(None),
    )
    if scope_day is not None:
        stale = stale.where(Finding.day == scope_day)
    if by_key:
        stale = stale.where(Finding.key.not_in(list(by_key)))
    resolved = 0
    for f in session.scalars(stale):
        f.resolved_at = now
        resolved += 1
    session.flush()
    return FindingCounts(opened=opened, still_open=still_open, resolved=resolved)
