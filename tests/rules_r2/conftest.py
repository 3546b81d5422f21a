"""R2 fixtures: a migrated SQLite store, row factories and a one-call judge."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.rules import R2Settings
from connector.records import Platform, SubmissionState, WorkKind, WorkState
from jobs.calendar import SchoolCalendar
from jobs.check import run_checks
from sync.models import Finding, Person, SchoolClass, Submission, Work
from tests.jobs.factories import SYNCED, Factory, make_settings, school_settings

CAL = SchoolCalendar("Europe/London", "england")
MON = date(2026, 11, 23)  # London is on UTC in November


def at(d: date, hour: int, minute: int = 0) -> datetime:
    return CAL.local_instant(d, time(hour, minute))


class R2Store(Factory):
    """The jobs factories plus work with topics and submissions."""

    def homework(
        self, cls: SchoolClass, *, title: str = "Fractions 1", topic: str | None = None
    ) -> Work:
        return self._add(  # type: ignore[no-any-return]
            Work(
                platform=Platform.MICROSOFT,
                platform_id=self._pid(),
                synced_at=SYNCED,
                class_id=cls.id,
                kind=WorkKind.ASSIGNMENT,
                state=WorkState.PUBLISHED,
                title=title,
                topic=topic,
                published_at=at(MON, 8),
            )
        )

    def submit(
        self,
        work: Work,
        pupil: Person,
        turned_in_at: datetime | None,
        *,
        state: SubmissionState = SubmissionState.TURNED_IN,
        returned_at: datetime | None = None,
        graded: bool = False,
        updated_at: datetime | None = None,
    ) -> Submission:
        return self.submission(
            work,
            pupil,
            state,
            turned_in_at=turned_in_at,
            returned_at=returned_at,
            graded=graded,
            updated_at=updated_at or returned_at or turned_in_at,
        )


@pytest.fixture
def store(sqlite_session: Session) -> R2Store:
    return R2Store(sqlite_session)


def judge_r2(
    db: Session, as_of: datetime, r2: R2Settings | None = None, **kw: Any
) -> list[Finding]:
    """Run R2 at ``as_of`` and return the open R2 / R2-feedback findings."""
    settings = make_settings(school_settings(r2=r2 or R2Settings(), **kw))
    run_checks(db, settings, as_of=as_of, rules=["R2"])
    return list(
        db.scalars(
            select(Finding)
            .where(Finding.rule.in_(["R2", "R2-feedback"]), Finding.resolved_at.is_(None))
            .order_by(Finding.rule, Finding.id)
        )
    )
