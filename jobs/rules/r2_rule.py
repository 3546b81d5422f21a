"""R2 in the registry: judged at the check instant, findings scoped to the school."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from config.settings import SchoolSettings
from jobs.calendar import SchoolCalendar
from jobs.rules.base import FindingDraft
from jobs.rules.r1_query import load_r1_classes
from jobs.rules.r2 import FEEDBACK_RULE, RULE, evaluate_feedback, evaluate_r2
from jobs.rules.r2_query import load_r2_pending, load_r2_pupils
from jobs.rules.rule import Rule
from sync.models import School


def judge_r2(
    session: Session,
    school_row: School,
    school: SchoolSettings,
    calendar: SchoolCalendar,
    *,
    day: date | None,
    as_of: datetime,
) -> list[FindingDraft]:
    """What is overdue at ``as_of`` (``day`` is ignored: R2 has no per-day cadence)."""
    teachers = {c.class_id: c.teacher_ids for c in load_r1_classes(session, school_row.id)}
    pending = load_r2_pending(session, school_row.id, as_of)
    drafts = evaluate_r2(
        pending, school.r2, calendar, school_id=school_row.id, as_of=as_of, teachers=teachers
    )
    pupils = load_r2_pupils(session, school_row.id, as_of)
    drafts += evaluate_feedback(pupils, school.r2, calendar, school_id=school_row.id, as_of=as_of)
    return drafts


R2 = Rule(name=RULE, judge=judge_r2, produces=(RULE, FEEDBACK_RULE))
