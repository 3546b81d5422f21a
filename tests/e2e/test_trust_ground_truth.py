"""Every rule on every school day of the `trust` scenario, as the service runs it: twenty
schools, fifteen on Google and five on Microsoft, each on its own calendar, served by the
sandbox over HTTP. At 17:00 on each day a sync brings the store up to date (the first one
full, then incremental, live lessons included) and every rule is checked; each school's
open findings must then equal the scenario's ground truth for that school and day."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connector.records import Platform
from connector.sandbox.app import build_sandbox
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET
from connector.sandbox.scenario import MS_SECRET_ENV, generate
from connector.sandbox.world import World
from jobs.calendar import SchoolCalendar
from jobs.check import run_checks
from sync.models import Finding, School, SchoolClass
from sync.service import sync_all
from tests.e2e.support import open_r2, sandbox_settings
from tests.e2e.test_r3_r4_ground_truth import open_findings

RULES = ("R1", "R2", "R2-feedback", "R3", "R4", "R4-1to1")


def open_r1(session: Session) -> dict[date, set[tuple[str, str]]]:
    rows = session.execute(
        select(Finding.day, School.key, SchoolClass.platform_id)
        .join(School, School.id == Finding.school_id)
        .join(SchoolClass, SchoolClass.id == Finding.class_id)
        .where(Finding.rule == "R1", Finding.resolved_at.is_(None))
    )
    out: dict[date, set[tuple[str, str]]] = defaultdict(set)
    for day, school, class_id in rows:
        out[day].add((school, class_id))
    return out


def found_on(session: Session, day: date) -> dict[str, set[tuple[str, str]]]:
    """Open findings that stand for ``day``: R1's of that day, the rest as they are now
    (R4's are stamped with their lesson's day)."""
    r34 = open_findings(session)
    return {
        "R1": open_r1(session).get(day, set()),
        **open_r2(session),
        "R3": set().union(*r34["R3"].values()) if r34["R3"] else set(),
        "R4": r34["R4"].get(day, set()),
        "R4-1to1": r34["R4-1to1"].get(day, set()),
    }


@pytest.mark.postgres
def test_every_rule_equals_the_ground_truth_on_every_school_day_of_the_trust(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(MS_SECRET_ENV, SANDBOX_CLIENT_SECRET)
    scenario = generate("trust", seed=1)
    assert {s.platform for s in scenario.schools} == {Platform.GOOGLE, Platform.MICROSOFT}
    truth = scenario.ground_truth
    days = sorted({d for ds in scenario.school_days.values() for d in ds})
    world = World(scenario)
    judged: dict[str, int] = defaultdict(int)

    with build_sandbox(world) as sb:
        settings = sandbox_settings(scenario, sb.url, migrated_url, tmp_path)
        zones = {SchoolCalendar.for_school(s).zone for s in settings.schools}
        assert len(zones) == 1, "one 17:00 for every school"
        calendar = SchoolCalendar.for_school(settings.schools[0])
        for n, day in enumerate(days):
            at = calendar.local_instant(day, time(17))
            scenario.now = at  # the sandbox serves the world as it stands at 17:00
            runs = sync_all(settings, session_factory, clock=lambda at=at: at, full=n == 0)
            assert [r.status for r in runs] == ["succeeded"] * len(runs), day
            with session_factory() as session:
                run_checks(session, settings, as_of=at)
                found = found_on(session, day)
            for school in scenario.schools:
                if day not in scenario.school_days[school.id]:
                    continue  # not judged there; its calendar test covers that
                for rule in RULES:
                    want = {f for f in truth.expected(rule, day) if f[0] == school.id}
                    got = {f for f in found[rule] if f[0] == school.id}
                    assert got == want, f"{rule} at {school.id} on {day}"
                    judged[rule] += len(want)

    # Every rule found something, or this test proves little.
    assert all(judged[rule] > 0 for rule in RULES), judged
