"""Submission changes from a change log, matched to stored rows and applied to them.

A change names its submission by work and pupil email (change logs do not carry the
submission's own id). A change is applied only when it is not older than the row's
``updated_at`` (the platform's own last-change time, or the last change applied) and
moves something, so reading the same log window twice, or after a full read, changes
nothing.

A change that matches no stored row (work or pupil not stored yet) is not applied: its
class is read again instead, which stores the row as the platform now has it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from connector.changes import SubmissionChange
from connector.records import SubmissionState
from sync.models import ErasedPerson, Person, SchoolClass, Submission, Work
from sync.models.privacy import email_digest, stored_key
from sync.upsert_merge import chunks

# The cursor of a school's change log: stream name, and its partition per school.
CHANGES_STREAM = "changes"


def changes_partition(school_key: str) -> str:
    return f"school:{school_key}"


@dataclass(slots=True)
class FoldedRow:
    """A stored submission's fields a change can move, as folded so far."""

    id: int
    state: SubmissionState
    late: bool
    graded: bool
    turned_in_at: datetime | None
    returned_at: datetime | None
    updated_at: datetime | None
    moved: bool = False


@dataclass(slots=True)
class ChangePlan:
    """Changes matched to stored rows, per class platform id, and classes to read again."""

    rows: dict[str, list[FoldedRow]] = field(default_factory=dict)
    unmatched: set[str] = field(default_factory=set)
    erased: int = 0  # changes of pupils erased on request (R7): dropped, never applied


def plan_changes(
    session: Session, platform: str, changes: Iterable[SubmissionChange]
) -> ChangePlan:
    """Fold ``changes`` (oldest first) into the stored rows they name."""
    plan = ChangePlan()
    changes = list(changes)
    by_work: dict[str, list[SubmissionChange]] = defaultdict(list)
    for c in changes:
        by_work[c.work_platform_id].append(c)
    rows: dict[tuple[str, str], tuple[str, FoldedRow]] = {}
    for batch in chunks(sorted(by_work)):
        stmt = (
            select(
                Work.platform_id,
                func.lower(Person.email),
                SchoolClass.platform_id,
                Submission.id,
                Submission.state,
                Submission.late,
                Submission.graded,
                Submission.turned_in_at,
                Submission.returned_at,
                Submission.updated_at,
            )
            .join(Work, Submission.work_id == Work.id)
            .join(Person, Submission.pupil_id == Person.id)
            .join(SchoolClass, Submission.class_id == SchoolClass.id)
            .where(Work.platform == platform, Work.platform_id.in_(batch))
        )
        for work, email, klass, *values in session.execute(stmt):
            if email:
                rows[(work, email)] = (klass, FoldedRow(*values))
    unknown: list[SubmissionChange] = []
    for c in sorted(changes, key=lambda c: c.at):
        found = rows.get((c.work_platform_id, c.pupil_email.lower()))
        if found is None:
            unknown.append(c)
            continue
        _fold(found[1], c)
    plan.erased = _drop_erased(session, unknown)
    plan.unmatched = {c.class_platform_id for c in unknown if c.pupil_email}
    for klass, row in rows.values():
        if row.moved:
            plan.rows.setdefault(klass, []).append(row)
    return plan


def apply_rows(session: Session, rows: Iterable[FoldedRow]) -> int:
    """Write the folded rows (one executemany); returns how many were updated."""
    values = [
        {
            "id": r.id,
            "state": r.state,
            "late": r.late,
            "graded": r.graded,
            "turned_in_at": r.turned_in_at,
            "returned_at": r.returned_at,
            "updated_at": r.updated_at,
        }
        for r in rows
    ]
    if values:
        session.execute(update(Submission), values)
    return len(values)


def _fold(row: FoldedRow, c: SubmissionChange) -> None:
    if row.updated_at is not None and c.at < row.updated_at:
        return  # the row already shows a later change
    # Events of one instant (a return and its grade) are folded in any order; one the row
    # already shows leaves it unmoved, so reading a window again writes nothing.
    before = (row.state, row.late, row.graded, row.turned_in_at, row.returned_at)
    if c.state is not None:
        row.state = c.state
        if c.state is SubmissionState.TURNED_IN:
            row.turned_in_at = c.at
        elif c.state is SubmissionState.RETURNED:
            row.returned_at = c.at
    if c.late is not None:
        row.late = c.late
    if c.graded is not None:
        row.graded = c.graded
    if (row.state, row.late, row.graded, row.turned_in_at, row.returned_at) != before:
        row.updated_at = max(c.at, row.updated_at) if row.updated_at else c.at
        row.moved = True


def _drop_erased(session: Session, unknown: list[SubmissionChange]) -> int:
    """Remove from ``unknown`` the changes of erased pupils; returns how many."""
    key = stored_key(session)
    if key is None or not unknown:
        return 0
    emails = {c.pupil_email.lower() for c in unknown}
    digests = {email_digest(key, e): e for e in emails}
    gone: set[str] = set()
    for batch in chunks(sorted(digests)):
        stmt = select(ErasedPerson.digest).where(ErasedPerson.digest.in_(batch))
        gone |= {digests[d] for d in session.scalars(stmt)}
    before = len(unknown)
    unknown[:] = [c for c in unknown if c.pupil_email.lower() not in gone]
    return before - len(unknown)
