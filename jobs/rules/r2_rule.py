"""R2 in the registry: judged at the check instant, findings scoped to the school."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from jobs.rules.base import FindingDraft
from jobs.rules.r1_query import load_r1_classes
from jobs.rules.r2 import FEEDBACK_RULE, RULE, evaluate_feedback, evaluate_r2
from jobs.rules.r2_query import load_r2_overdue, load_r2_unfed
from jobs.rules.r2_spans import Span, spans_by_class
from jobs.rules.rule import Rule, Target


def judge_r2_all(
    session: Session, targets: Sequence[Target], *, as_of: datetime
) -> list[FindingDraft]:
    """What is overdue at ``as_of`` at every target school, from one pass per query."""
    school_ids = [t.row.id for t in targets]
    classes = load_r1_classes(session, school_ids)
    spans: dict[int, list[Span]] = {}
    for t in targets:
        mine = ((c.class_id, c.name) for c in classes.get(t.row.id, []))
        spans.update(spans_by_class(mine, t.settings.r2, t.calendar, as_of))
    overdue = load_r2_overdue(session, school_ids, spans, as_of) if spans else {}
    since = {t.row.id: as_of - timedelta(days=t.settings.r2.feedback_days) for t in targets}
    pupils = load_r2_unfed(session, since, as_of) if since else {}
    drafts: list[FindingDraft] = []
    for t in targets:
        sid, r2 = t.row.id, t.settings.r2
        teachers = {c.class_id: c.teacher_ids for c in classes.get(sid, [])}
        drafts += evaluate_r2(
            overdue.get(sid, []), r2, t.calendar, school_id=sid, as_of=as_of, teachers=teachers
        )
        drafts += evaluate_feedback(pupils.get(sid, []), r2, t.calendar, school_id=sid, as_of=as_of)
    return drafts


R2 = Rule(name=RULE, judge_all=judge_r2_all, produces=(RULE, FEEDBACK_RULE))
