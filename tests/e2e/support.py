"""Shared end-to-end helpers: a store synced from a scenario served by the sandbox."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from connector.sandbox.app import build_sandbox
from connector.sandbox.google import service_account_info
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET
from connector.sandbox.scenario import MS_SECRET_ENV, settings_for
from connector.sandbox.scenario.model import Scenario
from connector.sandbox.world import World
from sync.models import Finding, Person, School, SchoolClass, Work
from sync.service import sync_all


def sandbox_settings(scenario: Scenario, sandbox_url: str, url: str, tmp_path: Path) -> Settings:
    """The settings a school would have if its platform were the sandbox at ``sandbox_url``."""
    key = tmp_path / "sa.json"
    key.write_text(json.dumps(service_account_info(sandbox_url)))
    return Settings.model_validate(
        settings_for(
            scenario,
            database_url=url,
            google_endpoint=sandbox_url,
            service_account_file=str(key),
            microsoft_base_url=sandbox_url + "v1.0",
            microsoft_authority=sandbox_url.rstrip("/"),
            outbox_dir=str(tmp_path / "outbox"),
        )
    )


def synced_store(
    scenario: Scenario,
    url: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    *,
    school_keys: Sequence[str] | None = None,
    lessons: bool = True,
) -> Settings:
    """Serve ``scenario``, sync it (all schools, or ``school_keys``) into ``url``."""
    os.environ.setdefault(MS_SECRET_ENV, SANDBOX_CLIENT_SECRET)
    with build_sandbox(World(scenario)) as sb:
        settings = sandbox_settings(scenario, sb.url, url, tmp_path)
        runs = [
            run
            for key in (school_keys or [None])
            for run in sync_all(
                settings,
                sessions,
                clock=lambda: scenario.now,
                school_key=key,
                full=True,
                lessons=lessons,
            )
        ]
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


def open_r2(session: Session) -> dict[str, set[tuple[str, str]]]:
    """Open R2 findings by rule: (school key, platform id of the work or pupil)."""
    works = session.execute(
        select(School.key, Work.platform_id)
        .join(Finding, Finding.school_id == School.id)
        .join(Work, Work.id == Finding.work_id)
        .where(Finding.rule == "R2", Finding.resolved_at.is_(None))
    ).all()
    pupils = session.execute(
        select(School.key, Person.platform_id)
        .join(Finding, Finding.school_id == School.id)
        .join(Person, Person.id == Finding.pupil_id)
        .where(Finding.rule == "R2-feedback", Finding.resolved_at.is_(None))
    ).all()
    return {"R2": {(s, w) for s, w in works}, "R2-feedback": {(s, p) for s, p in pupils}}
