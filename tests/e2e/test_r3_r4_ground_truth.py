"""R3 and R4 end to end, as a school runs the service: at 17:00 on every school day the
sandbox's clock stands there, a sync brings the store up to date (the first one full, then
incremental, live lessons included) and the check runs; the open findings must equal the
scenario's ground truth for that day (see connector/sandbox/scenario/truth_r3.py and
truth_r4.py for the definitions)."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from connector.sandbox.app import build_sandbox
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET
from connector.sandbox.scenario import MS_SECRET_ENV, generate
from connector.sandbox.scenario.pupils import REENGAGING
from connector.sandbox.world import World
from jobs.bench.truth import open_findings
from jobs.calendar import SchoolCalendar
from jobs.check import run_checks
from sync.service import sync_all
from tests.e2e.support import sandbox_settings


@pytest.mark.postgres
@pytest.mark.parametrize("platform", ["google", "microsoft"])
def test_r3_and_r4_findings_equal_the_ground_truth_at_five_pm_on_every_school_day(
    platform: str, migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(MS_SECRET_ENV, SANDBOX_CLIENT_SECRET)
    scenario = generate("small", seed=1, platforms=platform)
    truth = scenario.ground_truth
    school_key = scenario.schools[0].id
    days = scenario.school_days[school_key]
    world = World(scenario)
    seen_r3: set[str] = set()

    with build_sandbox(world) as sb:
        settings = sandbox_settings(scenario, sb.url, migrated_url, tmp_path)
        calendar = SchoolCalendar.for_school(settings.school(school_key))
        for n, day in enumerate(days):
            at = calendar.local_instant(day, time(17))
            scenario.now = at  # the sandbox serves the world as it stands at 17:00
            lesson_runs: list[object] = []
            runs = sync_all(
                settings,
                session_factory,
                clock=lambda at=at: at,
                full=n == 0,
                lesson_runs=lesson_runs,
            )
            assert [r.status for r in runs] == ["succeeded"] * len(runs), day
            assert lesson_runs, "the lesson sync did not run"
            with session_factory() as session:
                run_checks(session, settings, as_of=at, rules=["R3", "R4"])
                found = open_findings(session)
            r3 = set().union(*found["R3"].values()) if found["R3"] else set()
            assert r3 == truth.expected("R3", day), f"R3 on {day}"
            seen_r3 |= {p for _, p in r3}
            for rule in ("R4", "R4-1to1"):
                assert found[rule].get(day, set()) == truth.expected(rule, day), f"{rule} {day}"

    # Every edge showed up, or this test proves little.
    for rule in ("R3", "R4", "R4-1to1"):
        assert sum(len(truth.expected(rule, d)) for d in days) > 0, rule
    assert set(scenario.profiles[REENGAGING]) <= seen_r3
    comeback = scenario.profiles[REENGAGING][0]
    assert (school_key, comeback) not in truth.expected("R3", days[-1])
