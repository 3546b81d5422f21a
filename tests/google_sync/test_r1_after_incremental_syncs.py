"""R1's ground truth holds on a store built by one full sync and daily incremental ones."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connector.sandbox.scenario import generate
from jobs.check import check_range
from sync.models import Finding, RunStatus, School, SchoolClass

from .harness import harness

pytestmark = pytest.mark.postgres


def _r1(session: Session) -> dict[date, set[tuple[str, str]]]:
    rows = session.execute(
        select(Finding.day, School.key, SchoolClass.platform_id)
        .join(School, School.id == Finding.school_id)
        .join(SchoolClass, SchoolClass.id == Finding.class_id)
        .where(Finding.rule == "R1")
    )
    out: dict[date, set[tuple[str, str]]] = defaultdict(set)
    for day, school, class_id in rows:
        if day is not None:
            out[day].add((school, class_id))
    return out


def test_r1_findings_equal_the_ground_truth_when_the_store_was_kept_up_incrementally(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    scenario = generate("small", seed=1)
    school = scenario.schools[0]
    days = scenario.school_days[school.id]
    end = scenario.now
    zone = ZoneInfo(school.time_zone)

    def evening(day: date) -> datetime:
        return datetime.combine(day, time(18, 0), zone).astimezone(end.tzinfo)

    with harness(scenario, migrated_url, session_factory, tmp_path) as h:
        # Full on day k, then incremental each evening after (two: a sync of the small
        # scenario costs seconds), and one at the scenario's end.
        scenario.now = evening(days[-3])
        h.sync(full=True)
        scenario.now = evening(days[-2])
        h.sync()
        scenario.now = end
        h.sync()
        assert all(r.status is RunStatus.SUCCEEDED for r in h.runs)

        with session_factory() as session:
            check_range(session, h.settings, start=days[0], end=days[-1], as_of=end)
            found = _r1(session)

    for day in days:
        assert found.get(day, set()) == scenario.ground_truth.expected("R1", day), f"R1 on {day}"
    assert sum(len(scenario.ground_truth.expected("R1", d)) for d in days) > 0
