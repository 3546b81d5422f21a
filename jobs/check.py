"""The check job: for each school and each registered rule (:mod:`jobs.rules.registry`),
pick the day(s) to judge — or the instant, for instant rules — run it, record findings.

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
from jobs.rules.registry import R1, RULES
from jobs.rules.rule import Rule
from sync.models import School

log = structlog.get_logger(__name__)

# Each run also re-judges this many school days before the latest one, so work that a
# sync stored late (a slow or failed sync) still resolves the finding it answers.
R1_REJUDGE_SCHOOL_DAYS = R1.rejudge_days
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
    days = R1.days_to_judge(calendar, school, as_of)
    return days[-1] if days else None


def r1_days_for_run(
    calendar: SchoolCalendar, school: SchoolSettings, as_of: datetime
) -> list[date]:
    """The day to judge now, and the few before it that are re-judged (oldest first)."""
    return R1.days_to_judge(calendar, school, as_of)


def judge_rule(
    session: Session,
    rule: Rule,
    school_row: School,
    school: SchoolSettings,
    calendar: SchoolCalendar,
    day: date | None,
    *,
    as_of: datetime,
) -> FindingCounts:
    """Judge ``rule`` for one school (and one day, for per-day rules) and record the
    result in the rule's scope (not committed)."""
    drafts = rule.judge(session, school_row, school, calendar, day=day, as_of=as_of)
    counts = FindingCounts()
    for name in rule.finding_rules:
        counts = counts + record_findings(
            session,
            rule=name,
            school_id=school_row.id,
            scope_day=day,
            drafts=[d for d in drafts if d.rule == name],
            now=as_of,
        )
    return counts


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
    return judge_rule(session, R1, school_row, school, calendar, day, as_of=now)


# Per-day rules: the days to judge at one school; instant rules ignore it.
DayPicker = Callable[[Rule, SchoolCalendar, SchoolSettings], list[date]]


def _run(
    session: Session,
    settings: Settings,
    *,
    as_of: datetime,
    rules: Sequence[str] | None,
    school_key: str | None,
    pick_days: DayPicker,
) -> CheckSummary:
    wanted = list(RULES) if rules is None else [r.upper() for r in rules]
    unknown = set(wanted) - set(RULES)
    if unknown:
        raise ValueError(f"unknown rules: {sorted(unknown)}; known: {sorted(RULES)}")
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
        for rule in RULES.values():
            if rule.name not in wanted:
                continue
            days = pick_days(rule, calendar, school) if rule.per_day else []
            judged: list[date | None] = list(days) if rule.per_day else [None]
            counts = FindingCounts()
            for day in judged:
                counts = counts + judge_rule(
                    session, rule, row, school, calendar, day, as_of=as_of
                )
            session.commit()
            summary.runs.append(RuleRun(school.key, rule.name, tuple(days), counts))
            log.info(
                "check.done",
                school=school.key,
                rule=rule.name,
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
    rules: Sequence[str] | None = None,
    school_key: str | None = None,
) -> CheckSummary:
    """Run ``rules`` (default: every registered rule) for each school and commit per school.

    Per-day rules judge the latest school day ready at ``as_of`` (R1: its cut-off has
    passed) and re-judge a few before it; instant rules (R2) judge ``as_of`` itself.
    """
    return _run(
        session,
        settings,
        as_of=as_of,
        rules=rules,
        school_key=school_key,
        pick_days=lambda rule, cal, school: rule.days_to_judge(cal, school, as_of),
    )


def check_range(
    session: Session,
    settings: Settings,
    *,
    start: date,
    end: date,
    as_of: datetime,
    rules: Sequence[str] | None = None,
    school_key: str | None = None,
) -> CheckSummary:
    """Judge every school day from ``start`` to ``end`` ready at ``as_of`` (backfill,
    tests); instant rules are judged once, at ``as_of``. Findings are stamped ``as_of``.
    """

    def pick(rule: Rule, cal: SchoolCalendar, school: SchoolSettings) -> list[date]:
        return rule.days_in_range(cal, school, start, end, as_of)

    if end < start:
        raise ValueError("end is before start")
    if end - start > MAX_RANGE:
        raise ValueError(f"check_range spans more than {MAX_RANGE.days} days")
    return _run(session, settings, as_of=as_of, rules=rules, school_key=school_key, pick_days=pick)
