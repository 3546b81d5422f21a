"""The rule registry: every rule the check job runs, and how it is scheduled.

A rule is judged either **per day** (R1: a school day is judged once its ``ready_at``
instant has passed; findings are scoped to that day) or **at the check instant** (R2:
what is overdue *now*; findings are scoped to the school, so whatever is no longer seen
resolves). The check job (:mod:`jobs.check`) only iterates :data:`RULES`; a new rule
registers by adding one :class:`Rule` to the tuple at the bottom of this module.

``judge_all`` loads the rows of every school judged at once (set-based queries, one pass
over all schools, never a query per school, class or pupil), calls the pure rule and
returns drafts; it never writes. The check job records the drafts with
:func:`jobs.findings.record_scopes` once per name in ``produces`` and commits per rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from config.settings import ClassMode, R1Settings, SchoolSettings
from jobs.calendar import SchoolCalendar
from jobs.rules.base import FindingDraft
from jobs.rules.r1 import RULE as R1_NAME
from jobs.rules.r1 import evaluate_r1, window
from jobs.rules.r1_query import load_r1_classes, load_r1_posts
from jobs.rules.r2_rule import R2
from jobs.rules.r3_rule import R3
from jobs.rules.r4_rule import R4
from jobs.rules.rule import JudgeFn, ReadyAt, Rule, Target

# --- R1 ------------------------------------------------------------------------------------


def r1_ready_at(calendar: SchoolCalendar, school: SchoolSettings, day: date) -> datetime:
    """R1 judges a day at its cut-off (local time)."""
    return calendar.local_instant(day, school.r1.cutoff)


def judge_r1(session: Session, targets: Sequence[Target], *, as_of: datetime) -> list[FindingDraft]:
    """R1 for every target school and day: two queries over all of them, then the pure
    rule per school and day."""
    plans = [(t, day, t.calendar.r1_settings(t.settings, day)) for t in targets for day in t.days]
    if not plans:
        return []
    spans: dict[int, tuple[datetime, datetime]] = {}
    for t, day, s in plans:
        a, b = window(ClassMode.WEEKLY if _has_weekly(s) else ClassMode.DAILY, day, s, t.calendar)
        if t.row.id in spans:
            a, b = min(a, spans[t.row.id][0]), max(b, spans[t.row.id][1])
        spans[t.row.id] = (a, b)
    classes = load_r1_classes(session, sorted(spans))
    posts = load_r1_posts(session, spans, {k for _, _, s in plans for k in s.counts})
    drafts: list[FindingDraft] = []
    for t, day, s in plans:
        school_id = t.row.id
        drafts += evaluate_r1(
            classes.get(school_id, []), posts.get(school_id, []), s, t.calendar,
            school_id=school_id, day=day,
        )  # fmt: skip
    return drafts


def _has_weekly(settings: R1Settings) -> bool:
    return any(rule.mode is ClassMode.WEEKLY for rule in settings.classes)


R1 = Rule(name=R1_NAME, judge_all=judge_r1, ready_at=r1_ready_at, rejudge_days=2)

# Rules register here, in the order the check job runs them.

__all__ = ["RULES", "JudgeFn", "ReadyAt", "Rule", "Target"]

RULES: dict[str, Rule] = {r.name: r for r in (R1, R2, R3, R4)}
