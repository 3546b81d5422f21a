"""R1 end to end: sandbox over HTTP → Google connector → store → R1, against ground truth."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from connector.sandbox.app import build_sandbox
from connector.sandbox.google import service_account_info
from connector.sandbox.scenario import generate, settings_for
from connector.sandbox.scenario.model import Scenario
from connector.sandbox.world import World
from jobs.check import check_range
from sync.models import Finding, School, SchoolClass
from sync.service import sync_all


def synced_store(
    scenario: Scenario, url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> Settings:
    with build_sandbox(World(scenario)) as sb:
        key = tmp_path / "sa.json"
        key.write_text(json.dumps(service_account_info(sb.url)))
        settings = Settings.model_validate(
            settings_for(
                scenario,
                database_url=url,
                google_endpoint=sb.url,
                service_account_file=str(key),
                microsoft_base_url=sb.url + "v1.0",
                microsoft_authority=sb.url.rstrip("/"),
                outbox_dir=str(tmp_path / "outbox"),
            )
        )
        runs = sync_all(settings, sessions, clock=lambda: scenario.now, full=True)
    assert [r.status for r in runs] == ["succeeded"] * len(runs)
    return settings


def r1_findings(session: Session) -> dict[date, set[tuple[str, str]]]:
    rows = session.execute(
        select(Finding.day, School.key, SchoolClass.platform_id)
        .join(School, School.id == Finding.school_id)
        .join(SchoolClass, SchoolClass.id == Finding.class_id)
        .where(Finding.rule == "R1")
    )
    out: dict[date, set[tuple[str, str]]] = defaultdict(set)
    for day, school, class_id in rows:
        out[day].add((school, class_id))
    return out


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
