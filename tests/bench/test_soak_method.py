"""The soak bench's yardstick: findings compared across two stores by what they are
about, not by row ids."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jobs.bench.soak_compare import compare, findings_by_subject
from jobs.findings import record_findings
from jobs.rules.base import FindingDraft
from jobs.rules.r1 import finding_key
from sync.db import make_engine, make_sessionmaker, upgrade
from sync.models import SchoolClass
from sync.registry import ensure_trust_and_schools
from sync.runner import sync_school
from tests.store.fakes import T0, FakeSource, settings, snapshot

DAY = date(2026, 11, 2)


def _store(tmp_path: Path, name: str, class_order: list[str]) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / name}.db"
    upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    conf = settings()
    with sessions() as s:
        ensure_trust_and_schools(s, conf)
        s.commit()
    source = FakeSource([snapshot(c) for c in class_order])
    sync_school(sessions, conf.schools[0], source, full=True, clock=lambda: T0)
    return sessions


def _r1(sessions: sessionmaker[Session], classes: list[str], seen_at_hours: int = 0) -> None:
    """An R1 finding for each named class on DAY, keyed as R1 keys it (by row id)."""
    with sessions() as s:
        rows = {c.platform_id: c for c in s.scalars(select(SchoolClass))}
        school_id = next(iter(rows.values())).school_id
        drafts = [
            FindingDraft(rule="R1", key=finding_key(rows[c].id, DAY), school_id=school_id,
                         day=DAY, class_id=rows[c].id, evidence={})
            for c in classes
        ]
        record_findings(s, rule="R1", school_id=school_id, scope_day=DAY, drafts=drafts,
                        now=T0 + timedelta(hours=seen_at_hours))
        s.commit()


def test_the_same_findings_match_although_the_stores_numbered_the_classes_differently(
    tmp_path: Path,
) -> None:
    ref = _store(tmp_path, "ref", ["a", "b", "c"])
    soak = _store(tmp_path, "soak", ["c", "b", "a"])
    _r1(ref, ["a", "c"])
    _r1(soak, ["a", "c"])
    # The row ids, and so the keys, differ between the stores...
    with ref() as r, soak() as s:
        assert set(r.scalars(select(SchoolClass.id).where(SchoolClass.platform_id == "a"))) != (
            set(s.scalars(select(SchoolClass.id).where(SchoolClass.platform_id == "a")))
        )
    # ...but what the findings are about does not.
    diff, examples = compare(findings_by_subject(ref), findings_by_subject(soak))
    assert (diff.lost, diff.spurious, diff.late, diff.state, diff.expected) == (0, 0, 0, 0, 2)
    assert examples == []


def test_a_missing_finding_is_lost_an_extra_one_spurious_and_a_later_one_late(
    tmp_path: Path,
) -> None:
    ref = _store(tmp_path, "ref", ["a", "b", "c"])
    soak = _store(tmp_path, "soak", ["c", "b", "a"])
    _r1(ref, ["a", "b"])
    _r1(soak, ["b", "c"], seen_at_hours=1)
    diff, examples = compare(findings_by_subject(ref), findings_by_subject(soak))
    assert (diff.lost, diff.spurious, diff.late) == (1, 1, 1)
    assert ("R1", "oak", "a", DAY.isoformat()) in examples
