"""The check job: for each school, pick the day(s) to judge, run the rules, record findings.

The runner owns the clock: it is handed ``as_of`` once and passes it down.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import SchoolSettings, Settings
from jobs.calendar import SchoolCalendar
from jobs.findings import FindingCounts, record_findings
from jobs.rules.r1 import RULE as R1
from jobs.rules.r1 import evaluate_r1
from jobs.rules.r1_query import load_r1_inputs
from sync.models import School

log = structlog.get_logger(__name__)

# Each run also re-judges this many school days before the latest one, so work that a
# sync stored late (a slow or failed sync) still resolves the finding it answers.
R1_REJUDGE_SCHOOL_DAYS = 2
MAX_RANGE = timedelta(days=800)


@dataclass(frozen=True, slots=True)
class RuleRun:
    """What one rule did at one school: the days judged and what changed."""

    school_key: str
    rule: str
    days: tuple[date, ...]
    counts: FindingCounts


@dataclass(slots=True)
class CheckSummary:
    runs: list[RuleRun] = field(default_factory=list)
    # school key -> why it was not checked (e.g. "not-synced": no School row yet)
    skipped: dict[str, str] = field(default_factory=dict)

    def total(self) -> FindingCounts:
        total = FindingCounts()
        for r in self.runs:
            total = total + r.counts
        return total

    def get(self, school_key: str, rule: str) -> RuleRun | None:
        for r in self.runs:
            if r.school_key == school_key and r.rule == rule:
                return r
        return None


def r1_day_to_judge(
    calendar: SchoolCalendar, school: SchoolSettings, as_of: datetime
) -> date | None:
    """The latest school day whose R1 cut-off instant is at or before ``as_of``."""
    day = calendar.last_school_day_on_or_before(calendar.local_date(as_of))
    if day is not None and calendar.local_instant(day, school.r1.cutoff) > as_of:
        day = calendar.previous_school_day(day)
    return day


def r1_days_for_run(
    calendar: SchoolCalendar, school: SchoolSettings, as_of: datetime
) -> list[date]:
    """The day to judge now, and the few before it that are re-judged (oldest first)."""
    latest = r1_day_to_judge(calendar, school, as_of)
    days: list[date] = []
    d = latest
    while d is not None and len(days) <= R1_REJUDGE_SCHOOL_DAYS:
        days.append(d)
        d = calendar.previous_school_day(d)
    return sorted(days)


def judge_r1(
    session: Session,
    school_row: School,
    school: SchoolSettings,
    calendar: SchoolCalendar,
    day: date,
    *,
    now: datetime,
) -> FindingCounts:
    """Evaluate R1 for one school and one day and record the result (not committed)."""
    inputs = load_r1_inputs(session, school_row.id, day, school.r1, calendar)
    drafts = evaluate_r1(
        inputs.classes, inputs.posts, school.r1, calendar, school_id=school_row.id, day=day
    )
    return record_findings(
        session, rule=R1, school_id=school_row.id, scope_day=day, drafts=drafts, now=now
    )


DayPicker = Callable[[SchoolCalendar, SchoolSettings], list[date]]


def _run(
    session: Session,
    settings: Settings,
    *,
    as_of: datetime,
    rules: Sequence[str],
    school_key: str | None,
    pick_days: DayPicker,
) -> CheckSummary:
    rules = [r.upper() for r in rules]
    unknown = set(rules) - {R1}
    if unknown:
        raise ValueError(f"unknown rules: {sorted(unknown)}")
    schools = [s for s in settings.schools if school_key is None or s.key == school_key]
    if school_key is not None and not schools:
        raise KeyError(school_key)
    summary = CheckSummary()
    for school in schools:
        row = session.scalar(select(School).where(School.key == school.key))
        if row is None:
            log.warning("check.school_not_synced", school=school.key)
            summary.skipped[school.key] = "not-synced"
            continue
        calendar = SchoolCalendar.for_school(school)
        if R1 in rules:
            days = pick_days(calendar, school)
            counts = FindingCounts()
            for day in days:
                counts = counts + judge_r1(session, row, school, calendar, day, now=as_of)
            session.commit()
            summary.runs.append(RuleRun(school.key, R1, tuple(days), counts))
            log.info(
                "check.done",
                school=school.key,
                rule=R1,
                days=[d.isoformat() for d in days],
                opened=counts.opened,
                still_open=counts.still_open,
                resolved=counts.resolved,
            )
    return summary


def run_checks(
    session: Session,
    settings: Settings,
    *,
    as_of: datetime,
    rules: Sequence[str] = (R1,),
    school_key: str | None = None,
) -> CheckSummary:
    """Judge, for each school, the latest school day whose cut-off has passed at ``as_of``
    (and re-judge the two school days before it), record findings and commit per school.
    """
    return _run(
        session,
        settings,
        as_of=as_of,
        rules=rules,
        school_key=school_key,
        pick_days=lambda cal, school: r1_days_for_run(cal, school, as_of),
    )


def check_range(
    session: Session,
    settings: Settings,
    *,
    start: date,
    end: date,
    as_of: datetime,
    rules: Sequence[str] = (R1,),
    school_key: str | None = None,
) -> CheckSummary:
    """Judge every school day from ``start`` to ``end`` whose cut-off is at or before
    ``as_of`` (backfill, tests). Findings are stamped with ``as_of``.
    """

    def pick(cal: SchoolCalendar, school: SchoolSettings) -> list[date]:
        return [
            d
            for d in cal.school_days(start, end)
            if cal.local_instant(d, school.r1.cutoff) <= as_of
        ]

    if end < start:
        raise ValueError("end is before start")
    if end - start > MAX_RANGE:
        raise ValueError(f"check_range spans more than {MAX_RANGE.days} days")
    return _run(session, settings, as_of=as_of, rules=rules, school_key=school_key, pick_days=pick)
