"""R3 in the registry: judged at the check instant, one finding per pupil and school.

A pupil's finding stays open while any signal trips and resolves on the first check at
which none does (the pupil re-engaged); seen again later, it reopens.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from jobs.rules.base import FindingDraft
from jobs.rules.r3 import RULE, evaluate_r3
from jobs.rules.r3_query import load_r3_inputs
from jobs.rules.rule import Rule, Target


def judge_r3_all(
    session: Session, targets: Sequence[Target], *, as_of: datetime
) -> list[FindingDraft]:
    """Who is disengaged at ``as_of`` at every target school, from one pass per query."""
    inputs = load_r3_inputs(session, targets, as_of)
    drafts: list[FindingDraft] = []
    for t in targets:
        school_inputs, quiet_start = inputs[t.row.id]
        drafts += evaluate_r3(
            school_inputs,
            t.settings.r3,
            school_id=t.row.id,
            as_of=as_of,
            day=t.calendar.local_date(as_of),
            quiet_start=quiet_start,
        )
    return drafts


R3 = Rule(name=RULE, judge_all=judge_r3_all)


# One school (and one day, for per-day rules) at a time, as the tests judge it.
judge_r3 = R3.judge
