"""What a rule is to the check job: how it is scheduled and how it is judged.

See :mod:`jobs.rules.registry` for the rules there are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from config.settings import SchoolSettings
from jobs.calendar import SchoolCalendar
from jobs.rules.base import FindingDraft
from sync.models import School


@dataclass(frozen=True, slots=True)
class Target:
    """One school to judge: its row, settings and calendar, and for per-day rules the
    school days to judge (instant rules ignore ``days``)."""

    row: School
    settings: SchoolSettings
    calendar: SchoolCalendar
    days: tuple[date, ...] = ()


class JudgeFn(Protocol):
    """``judge(session, targets, as_of=...) -> drafts`` for every target at once.

    One pass per query over all the targets' schools, never a query per school, class or
    pupil. ``as_of`` is the check's clock: the instant judged by instant rules. Reads the
    session only.
    """

    def __call__(
        self, session: Session, targets: Sequence[Target], *, as_of: datetime
    ) -> list[FindingDraft]: ...


ReadyAt = Callable[[SchoolCalendar, SchoolSettings, date], datetime]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule the check job runs.

    ``ready_at(calendar, school, day)``: the instant from which ``day`` can be judged
    (e.g. R1's cut-off); None for rules judged at the check instant. ``rejudge_days``:
    how many school days before the latest ready one each run judges again, so a late
    sync still resolves what it answers. ``produces``: the finding ``rule`` values the
    rule writes (default: its name), each recorded — and resolved — in the same scope.
    """

    name: str
    judge_all: JudgeFn
    ready_at: ReadyAt | None = None
    rejudge_days: int = 0
    produces: tuple[str, ...] = ()

    @property
    def per_day(self) -> bool:
        return self.ready_at is not None

    @property
    def finding_rules(self) -> tuple[str, ...]:
        return self.produces or (self.name,)

    def judge(
        self,
        session: Session,
        school_row: School,
        school: SchoolSettings,
        calendar: SchoolCalendar,
        *,
        day: date | None,
        as_of: datetime,
    ) -> list[FindingDraft]:
        """One school (and one day, for per-day rules): :attr:`judge_all` of one target."""
        if self.per_day and day is None:
            raise ValueError(f"{self.name} is judged per day")
        days = (day,) if day is not None and self.per_day else ()
        return self.judge_all(session, [Target(school_row, school, calendar, days)], as_of=as_of)

    def days_to_judge(
        self, calendar: SchoolCalendar, school: SchoolSettings, as_of: datetime
    ) -> list[date]:
        """Per-day rules: the latest ready school day and ``rejudge_days`` before it,
        oldest first. Instant rules: no days (they are judged once, at ``as_of``).
        """
        if self.ready_at is None:
            return []
        day = calendar.last_school_day_on_or_before(calendar.local_date(as_of))
        if day is not None and self.ready_at(calendar, school, day) > as_of:
            day = calendar.previous_school_day(day)
        days: list[date] = []
        while day is not None and len(days) <= self.rejudge_days:
            days.append(day)
            day = calendar.previous_school_day(day)
        return sorted(days)

    def days_in_range(
        self,
        calendar: SchoolCalendar,
        school: SchoolSettings,
        start: date,
        end: date,
        as_of: datetime,
    ) -> list[date]:
        """Per-day rules: the school days in ``[start, end]`` ready at ``as_of``."""
        ready_at = self.ready_at
        if ready_at is None:
            return []
        days = calendar.school_days(start, end)
        return [d for d in days if ready_at(calendar, school, d) <= as_of]
