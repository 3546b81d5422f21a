"""The nightly retention purge (R7): delete what is older than the school's retention period.

Each table is purged by its own timestamps, children before parents, in batches of
``batch_size`` rows, each batch its own short transaction: a sync running at the same
time waits at most for one batch, never for the whole purge. Re-running purges nothing
more (idempotent). Open findings are current, not history: they and the rows they point
at (work, lessons) are kept whatever their age; resolved findings older than the
cut-off go.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import structlog
from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Table,
    and_,
    delete,
    exists,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from sync.models import (
    Attendance,
    Finding,
    LiveLesson,
    Membership,
    MessageStatus,
    OutboundAttachment,
    OutboundMessage,
    Person,
    Recording,
    RunStatus,
    Submission,
    SyncIssue,
    SyncRun,
    Work,
)

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class PurgeSummary:
    """What one purge removed: rows per table, batches committed, and the cut-off used."""

    cutoff: datetime
    deleted: dict[str, int] = field(default_factory=dict)
    batches: int = 0

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def _t(model: type[object]) -> Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


def _old(column: ColumnElement[datetime], cutoff: datetime) -> ColumnElement[bool]:
    return column < cutoff


def _plan(cutoff: datetime) -> list[tuple[Table, ColumnElement[bool]]]:
    """(table, which rows go) in the order that keeps foreign keys satisfied."""
    finding, work, lesson = _t(Finding), _t(Work), _t(LiveLesson)
    sub, att, rec = _t(Submission), _t(Attendance), _t(Recording)
    msg, attach = _t(OutboundMessage), _t(OutboundAttachment)
    run, issue = _t(SyncRun), _t(SyncIssue)
    member, person = _t(Membership), _t(Person)

    open_finding = finding.c.resolved_at.is_(None)
    work_when = func.coalesce(work.c.published_at, work.c.scheduled_at, work.c.created_at,
                              work.c.synced_at)  # fmt: skip
    old_work = and_(
        _old(work_when, cutoff),
        not_(exists().where(finding.c.work_id == work.c.id, open_finding)),
    )
    old_lesson = and_(
        _old(func.coalesce(lesson.c.ended_at, lesson.c.started_at), cutoff),
        not_(exists().where(finding.c.lesson_id == lesson.c.id, open_finding)),
    )
    sub_when = func.coalesce(sub.c.updated_at, sub.c.returned_at, sub.c.turned_in_at,
                             sub.c.synced_at)  # fmt: skip
    old_message = and_(
        _old(msg.c.created_at, cutoff),
        msg.c.status.not_in([MessageStatus.QUEUED, MessageStatus.SENDING]),
    )
    old_run = and_(_old(run.c.started_at, cutoff), run.c.status != RunStatus.RUNNING)
    # A pupil the platform no longer lists anywhere, unseen since the cut-off, with nothing
    # left that points at them: their name and email have no reason to stay.
    refs = (member.c.person_id, sub.c.pupil_id, att.c.person_id, finding.c.pupil_id,
            lesson.c.organiser_id)  # fmt: skip
    forgotten_pupil = and_(
        person.c.is_staff.is_(False),
        _old(person.c.synced_at, cutoff),
        *(not_(exists().where(col == person.c.id)) for col in refs),
    )
    return [
        (finding, and_(finding.c.resolved_at.is_not(None), _old(finding.c.resolved_at, cutoff))),
        (attach, exists().where(msg.c.id == attach.c.message_id, old_message)),
        (msg, old_message),
        (sub, or_(_old(sub_when, cutoff), exists().where(work.c.id == sub.c.work_id, old_work))),
        (work, and_(old_work, not_(exists().where(sub.c.work_id == work.c.id)))),
        (att, exists().where(lesson.c.id == att.c.lesson_id, old_lesson)),
        (rec, exists().where(lesson.c.id == rec.c.lesson_id, old_lesson)),
        (
            lesson,
            and_(
                old_lesson,
                not_(exists().where(att.c.lesson_id == lesson.c.id)),
                not_(exists().where(rec.c.lesson_id == lesson.c.id)),
            ),
        ),
        (issue, exists().where(run.c.id == issue.c.run_id, old_run)),
        (run, and_(old_run, not_(exists().where(issue.c.run_id == run.c.id)))),
        (member, and_(member.c.left_at.is_not(None), _old(member.c.left_at, cutoff))),
        (person, forgotten_pupil),
    ]


def purge(
    session_factory: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime,
    batch_size: int | None = None,
    after_batch: Callable[[str, int], None] | None = None,
) -> PurgeSummary:
    """Delete rows older than ``settings.retention``'s cut-off at ``now``, batch by batch.

    ``after_batch(table, rows)`` is called after each committed batch (progress, tests).
    """
    size = batch_size or settings.retention.batch_size
    summary = PurgeSummary(cutoff=settings.retention.cutoff(now))
    for table, which in _plan(summary.cutoff):
        removed = 0
        while True:
            # DELETE ... WHERE id IN (SELECT id ... LIMIT n): bounded work per transaction
            # on both SQLite and PostgreSQL, without pulling ids into Python.
            ids = select(table.c.id).where(which).limit(size).scalar_subquery()
            with session_factory() as session, session.begin():
                result = session.execute(delete(table).where(table.c.id.in_(ids)))
                n = cast(CursorResult[Any], result).rowcount
            if not n:
                break
            removed += n
            summary.batches += 1
            if after_batch is not None:
                after_batch(table.name, n)
            if n < size:
                break
        if removed:
            summary.deleted[table.name] = removed
    log.info("retention.purged", cutoff=summary.cutoff.isoformat(), rows=summary.total,
             batches=summary.batches, **summary.deleted)  # fmt: skip
    return summary
