"""R1 and R2 on every school day of the `trust` scenario, for all twenty schools at once:
fifteen on Google and five on Microsoft, each on its own calendar, served by the sandbox
over HTTP and synced through both connectors into one store. As for `small`, R1 and R2's
ground truth is defined on the data a sync at the scenario's end stores (see
connector/sandbox/scenario/truth_r2.py): one sync, then every day judged."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from connector.records import Platform
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET
from connector.sandbox.scenario import MS_SECRET_ENV, generate
from jobs.calendar import SchoolCalendar
from jobs.check import check_range, run_checks
from tests.e2e.support import open_r2, r1_findings, synced_store


@pytest.mark.postgres
@pytest.mark.timeout(1200)  # a full sync of twenty schools, paced under their quotas
def test_r1_and_r2_equal_the_ground_truth_on_every_school_day_of_every_trust_school(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(MS_SECRET_ENV, SANDBOX_CLIENT_SECRET)
    trust = generate("trust", seed=1)
    assert {s.platform for s in trust.schools} == {Platform.GOOGLE, Platform.MICROSOFT}
    truth = trust.ground_truth
    settings = synced_store(trust, migrated_url, session_factory, tmp_path, lessons=False)
    days = sorted({d for ds in trust.school_days.values() for d in ds})
    zones = {SchoolCalendar.for_school(s).zone for s in settings.schools}
    assert len(zones) == 1, "one 17:00 for every school"
    calendar = SchoolCalendar.for_school(settings.schools[0])
    judged = {"R1": 0, "R2": 0, "R2-feedback": 0}

    with session_factory() as session:
        check_range(session, settings, start=days[0], end=days[-1], as_of=trust.now,
                    rules=["R1"])
        r1 = r1_findings(session)
        for day in days:
            run_checks(session, settings, as_of=calendar.local_instant(day, time(17)),
                       rules=["R2"])
            found = {"R1": r1.get(day, set()), **open_r2(session)}
            for school in trust.schools:
                if day not in trust.school_days[school.id]:
                    continue  # no school day there: the calendar test covers that
                for rule in judged:
                    want = {f for f in truth.expected(rule, day) if f[0] == school.id}
                    got = {f for f in found[rule] if f[0] == school.id}
                    assert got == want, f"{rule} at {school.id} on {day}"
                    judged[rule] += len(want)

    # Each rule found something on both platforms, or this test proves little.
    assert all(judged.values()), judged
    microsoft = {s.id for s in trust.schools if s.platform is Platform.MICROSOFT}
    for rule in judged:
        assert any(f[0] in microsoft for d in days for f in truth.expected(rule, d)), rule
