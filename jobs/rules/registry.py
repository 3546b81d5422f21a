"""The rule registry: every rule the check job runs, and how it is scheduled.

A rule is judged either **per day** (R1: a school day is judged once its ``ready_at``
instant has passed; findings are scoped to that day) or **at the check instant** (R2:
what is overdue *now*; findings are scoped to the school, so whatever is no longer seen
resolves). The check job (:mod:`jobs.check`) only iterates :data:`RULES`; a new rule
registers by adding one :class:`Rule` to the tuple at the bottom of this module.

``judge`` loads its rows (set-based queries), calls the pure rule and returns drafts; it
never writes. The check job records the drafts with :func:`jobs.findings.record_findings`
once per name in ``produces`` and commits per school.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from config.settings import SchoolSettings
from jobs.calendar import SchoolCalendar
from jobs.rules.base import FindingDraft
from jobs.rules.r1 import RULE as R1_NAME
from jobs.rules.r1 import evaluate_r1
from jobs.rules.r1_query import load_r1_inputs
from jobs.rules.r2_rule import R2
from jobs.rules.r3_rule import R3
from jobs.rules.r4_rule import R4
from jobs.rules.rule import JudgeFn, ReadyAt, Rule
from sync.models import School

# --- R1 ------------------------------------------------------------------------------------


def r1_ready_at(calendar: SchoolCalendar, school: SchoolSettings, day: date) -> datetime:
    """R1 judges a day at its cut-off (local time)."""
    return calendar.local_instant(day, school.r1.cutoff)


def judge_r1(
    session: Session,
    school_row: School,
    school: SchoolSettings,
    calendar: SchoolCalendar,
    *,
    day: date | None,
    as_of: datetime,
) -> list[FindingDraft]:
    """R1 for one school and one day: two set-based queries and the pure rule."""
    if day is None:
        raise ValueError("R1 is judged per day")
    settings = calendar.r1_settings(school, day)
    inputs = load_r1_inputs(session, school_row.id, day, settings, calendar)
    return evaluate_r1(
        inputs.classes, inputs.posts, settings, calendar, school_id=school_row.id, day=day
    )


R1 = Rule(name=R1_NAME, judge=judge_r1, ready_at=r1_ready_at, rejudge_days=2)

# Rules register here, in the order the check job runs them.

__all__ = ["RULES", "JudgeFn", "ReadyAt", "Rule"]

RULES: dict[str, Rule] = {r.name: r for r in (R1, R2, R3, R4)}
