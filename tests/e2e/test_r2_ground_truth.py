"""R2 end to end: sandbox → Google / Graph connector → store → R2 at 17:00 each school day."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from connector.sandbox.scenario import generate
from jobs.calendar import SchoolCalendar
from jobs.check import run_checks
from tests.e2e.support import open_r2, synced_store


@pytest.mark.postgres
@pytest.mark.parametrize("platform", ["google", "microsoft"])
def test_r2_findings_equal_the_ground_truth_at_five_pm_on_every_day_of_the_small_scenario(
    platform: str, migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    scenario = generate("small", seed=1, platforms=platform)
    settings = synced_store(scenario, migrated_url, session_factory, tmp_path)
    school = settings.schools[0]
    calendar = SchoolCalendar.for_school(school)
    days = scenario.school_days[school.key]
    truth = scenario.ground_truth

    with session_factory() as session:
        for day in days:
            run_checks(session, settings, as_of=calendar.local_instant(day, time(17)), rules=["R2"])
            found = open_r2(session)
            for rule in ("R2", "R2-feedback"):
                assert found[rule] == truth.expected(rule, day), f"{rule} on {day}"
    # Each knob must make R2 find something, or this test proves little.
    assert sum(len(truth.expected("R2", d)) for d in days) > 0
    assert sum(len(truth.expected("R2-feedback", d)) for d in days) > 0
