"""The check job: for each registered rule (:mod:`jobs.rules.registry`), pick each
school's day(s) to judge — or the instant, for instant rules — judge every school in one
pass, record the findings in bulk and commit.

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
from jobs.findings import FindingCounts, record_scopes
from jobs.rules.registry import RULES
from jobs.rules.rule import Rule, Target
from sync.models import School

log = structlog.get_logger(__name__)

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


def judge_targets(
    session: Session, rule: Rule, targets: Sequence[Target], *, as_of: datetime
) -> dict[int, FindingCounts]:
    """Judge ``rule`` for every target in one pass and record the result in each target's
    scope (its days, for per-day rules; else the school); counts per school id. Not
    committed."""
    scopes = [(t.row.id, day) for t in targets for day in (t.days if rule.per_day else (None,))]
    if not scopes:
        return {}
    drafts = rule.judge_all(session, targets, as_of=as_of)
    total: dict[int, FindingCounts] = {}
    for name in rule.finding_rules:
        mine = [d for d in drafts if d.rule == name]
        counts = record_scopes(session, rule=name, scopes=scopes, drafts=mine, now=as_of)
        for school_id, c in counts.items():
            total[school_id] = total.get(school_id, FindingCounts()) + c
    return total


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
    if rule.per_day and day is None:
        raise ValueError(f"{rule.name} is judged per day")
    days = (day,) if rule.per_day and day is not None else ()
    target = Target(school_row, school, calendar, days)
    return judge_targets(session, rule, [target], as_of=as_of).get(school_row.id, FindingCounts())


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
    keys = [s.key for s in schools]
    rows = {r.key: r for r in session.scalars(select(School).where(School.key.in_(keys)))}
    present: list[tuple[SchoolSettings, School, SchoolCalendar]] = []
    for school in schools:
        row = rows.get(school.key)
        if row is None:
            log.warning("check.school_not_synced", school=school.key)
            summary.skipped[school.key] = "not-synced"
            continue
        present.append((school, row, SchoolCalendar.for_school(school)))
    done: dict[tuple[str, str], RuleRun] = {}
    for rule in RULES.values():
        if rule.name not in wanted:
            continue
        # One pass over every school per rule, committed per rule.
        targets = [
            Target(row, school, cal, tuple(pick_days(rule, cal, school)) if rule.per_day else ())
            for school, row, cal in present
        ]
        counts = judge_targets(session, rule, targets, as_of=as_of)
        session.commit()
        for t in targets:
            c = counts.get(t.row.id, FindingCounts())
            done[(t.settings.key, rule.name)] = RuleRun(t.settings.key, rule.name, t.days, c)
            log.info(
                "check.done",
                school=t.settings.key,
                rule=rule.name,
                days=[d.isoformat() for d in t.days],
                opened=c.opened,
                still_open=c.still_open,
                resolved=c.resolved,
            )
    summary.runs = [
        done[(school.key, name)] for school, _, _ in present for name in RULES if name in wanted
    ]
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
