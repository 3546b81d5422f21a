"""R3 findings open while a pupil is disengaged and resolve when they re-engage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.calendar import SchoolCalendar
from jobs.check import judge_rule
from jobs.rules.r3_rule import R3
from sync.models import Finding
from tests.jobs.factories import school_settings
from tests.rules_r3.rows import Rows, S

H = timedelta(hours=1)
DAYS = [datetime(2026, 3, d, tzinfo=UTC) for d in (9, 10, 11, 12, 13, 16, 17)]


@pytest.mark.postgres
def test_a_disengaged_pupils_finding_resolves_when_they_hand_work_in_again(
    session: Session,
) -> None:
    rows = Rows(session)
    settings = school_settings()
    calendar = SchoolCalendar.for_school(settings)
    school = rows.school()
    cls = rows.klass(school, teachers=[rows.person()])
    pupil, keen = rows.pupil("Pia", school=school), rows.pupil("Kit", school=school)
    rows.join(pupil, cls, joined_at=DAYS[0] + 8 * H)
    rows.join(keen, cls, joined_at=DAYS[0] + 8 * H)
    late = []
    for day in DAYS:
        w = rows.due_work(cls, day + 9 * H)
        rows.submission(w, keen, S.TURNED_IN, turned_in_at=day + 8 * H)
        late.append(rows.submission(w, pupil))

    def check(at: datetime) -> Finding | None:
        judge_rule(session, R3, school, settings, calendar, None, as_of=at)
        return session.scalar(select(Finding).where(Finding.rule == "R3"))

    assert check(DAYS[1] + 17 * H) is None
    first = check(DAYS[2] + 17 * H)
    assert first is not None and first.pupil_id == pupil.id and first.resolved_at is None
    assert check(DAYS[3] + 17 * H) is first and first.resolved_at is None
    # Back on Friday: everything handed in, late, before the check.
    for sub in late:
        sub.state, sub.turned_in_at = S.TURNED_IN, DAYS[4] + 10 * H
    session.flush()
    again = check(DAYS[4] + 17 * H)
    assert again is first and first.resolved_at == DAYS[4] + 17 * H
    assert first.evidence["signals"][0]["signal"] == "missed_work"
