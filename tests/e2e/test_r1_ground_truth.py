"""R1 end to end: sandbox over HTTP → Google / Graph connector → store → R1, vs ground truth."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connector.records import Platform, WorkKind, WorkState
from connector.sandbox.scenario import SIZES, generate
from connector.sandbox.scenario.model import WorkSpec
from jobs.check import check_range
from sync.models import SchoolClass, Work
from tests.e2e.support import r1_findings, synced_store


@pytest.mark.postgres
def test_r1_findings_equal_the_ground_truth_on_every_day_of_the_small_scenario(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    scenario = generate("small", seed=1)
    settings = synced_store(scenario, migrated_url, session_factory, tmp_path)
    days = scenario.school_days[scenario.schools[0].id]

    with session_factory() as session:
        check_range(session, settings, start=days[0], end=days[-1], as_of=scenario.now)
        found = r1_findings(session)

    for day in days:
        expected = scenario.ground_truth.expected("R1", day)
        assert found.get(day, set()) == expected, f"R1 on {day}"
    # The scenario must make R1 find something, or this test proves nothing.
    assert sum(len(scenario.ground_truth.expected("R1", d)) for d in days) > 0
    assert set(found) <= set(days)


@pytest.mark.postgres
def test_r1_findings_equal_the_ground_truth_for_microsoft_schools_served_over_graph(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    scenario = generate("small", seed=1, platforms="microsoft")
    assert {s.platform for s in scenario.schools} == {Platform.MICROSOFT}
    settings = synced_store(scenario, migrated_url, session_factory, tmp_path, lessons=False)
    days = scenario.school_days[scenario.schools[0].id]

    with session_factory() as session:
        check_range(session, settings, start=days[0], end=days[-1], as_of=scenario.now)
        found = r1_findings(session)

    for day in days:
        assert found.get(day, set()) == scenario.ground_truth.expected("R1", day), f"R1 on {day}"
    assert sum(len(scenario.ground_truth.expected("R1", d)) for d in days) > 0


@pytest.mark.postgres
def test_a_mixed_trust_syncs_both_platforms_completely_into_one_store(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Four tiny schools: "mixed" puts every fourth one on Microsoft.
    size = dataclasses.replace(SIZES["tiny"], name="tiny-trust", schools=4)
    monkeypatch.setitem(SIZES, "tiny-trust", size)
    scenario = generate("tiny-trust", seed=1, platforms="mixed")
    assert {s.platform for s in scenario.schools} == set(Platform)
    synced_store(scenario, migrated_url, session_factory, tmp_path, lessons=False)

    # Every platform serves what it can hold: Teams has no announcements.
    def served(w: WorkSpec) -> bool:
        microsoft = scenario_platform[w.class_id] is Platform.MICROSOFT
        return w.state is not WorkState.DELETED and not (
            microsoft and w.kind is WorkKind.ANNOUNCEMENT)

    school_of = {s.id: s.platform for s in scenario.schools}
    scenario_platform = {c.id: school_of[c.school_id] for c in scenario.classes}
    live_classes = {c.id for c in scenario.classes}
    with session_factory() as session:
        classes = set(session.scalars(
            select(SchoolClass.platform_id).where(SchoolClass.deleted_at.is_(None))))
        work = set(session.scalars(select(Work.platform_id).where(Work.deleted_at.is_(None))))
        platforms = set(session.scalars(select(SchoolClass.platform).distinct()))
    assert classes == live_classes
    assert work == {w.id for w in scenario.work if served(w) and w.class_id in classes}
    assert len(platforms) == 2
