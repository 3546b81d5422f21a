from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.check import check_range, run_checks
from jobs.findings import FindingCounts, record_findings
from jobs.rules.base import FindingDraft
from sync.models import Finding
from tests.jobs.factories import Factory, make_settings, school_settings

TUE = date(2026, 11, 24)
AFTER_CUTOFF = datetime(2026, 11, 24, 17, tzinfo=UTC)


def snapshot(db: Session) -> list[tuple[Any, ...]]:
    db.expire_all()
    return [
        (f.key, f.first_seen_at, f.last_seen_at, f.resolved_at, f.evidence)
        for f in db.scalars(select(Finding).order_by(Finding.key))
    ]


def test_re_running_at_the_same_instant_changes_nothing(db: Session, make: Factory) -> None:
    school = make.school()
    make.klass(school, "7A")
    make.klass(school, "7B")
    settings = make_settings(school_settings())
    first = run_checks(db, settings, as_of=AFTER_CUTOFF)
    before = snapshot(db)
    second = run_checks(db, settings, as_of=AFTER_CUTOFF)
    assert snapshot(db) == before
    assert len(before) == 6  # two classes, today and the two school days re-judged
    assert first.total() == FindingCounts(opened=6)
    assert second.total() == FindingCounts(still_open=6)


def test_a_fixed_problem_resolves_on_the_next_run(db: Session, make: Factory) -> None:
    cls = make.klass(make.school())
    settings = make_settings(school_settings())
    check_range(db, settings, start=TUE, end=TUE, as_of=AFTER_CUTOFF)
    # A late sync brings work that was posted at 10:00.
    make.work(cls, datetime(2026, 11, 24, 10, tzinfo=UTC))
    later = AFTER_CUTOFF + timedelta(hours=1)
    summary = check_range(db, settings, start=TUE, end=TUE, as_of=later)
    [finding] = db.scalars(select(Finding)).all()
    assert finding.resolved_at == later
    assert summary.total() == FindingCounts(resolved=1)


def test_a_resolved_finding_seen_again_is_reopened(db: Session, make: Factory) -> None:
    cls = make.klass(make.school())
    settings = make_settings(school_settings())
    work = make.work(cls, datetime(2026, 11, 24, 10, tzinfo=UTC))
    check_range(db, settings, start=TUE, end=TUE, as_of=AFTER_CUTOFF)
    assert db.scalars(select(Finding)).all() == []
    make.work(cls, None)  # unrelated noise
    work.deleted_at = AFTER_CUTOFF
    t2 = AFTER_CUTOFF + timedelta(hours=1)
    check_range(db, settings, start=TUE, end=TUE, as_of=t2)
    work.deleted_at = None
    t3 = AFTER_CUTOFF + timedelta(hours=2)
    check_range(db, settings, start=TUE, end=TUE, as_of=t3)
    work.deleted_at = AFTER_CUTOFF
    t4 = AFTER_CUTOFF + timedelta(hours=3)
    summary = check_range(db, settings, start=TUE, end=TUE, as_of=t4)
    [finding] = db.scalars(select(Finding)).all()
    assert (finding.first_seen_at, finding.last_seen_at, finding.resolved_at) == (t2, t4, None)
    assert summary.total() == FindingCounts(opened=1)


def test_recording_one_day_leaves_other_days_findings_alone(db: Session, make: Factory) -> None:
    school = make.school()
    cls = make.klass(school)
    mon = date(2026, 11, 23)

    def draft(day: date) -> FindingDraft:
        return FindingDraft(
            rule="R1", key=f"R1:{cls.id}:{day}", school_id=school.id, day=day, class_id=cls.id
        )

    record_findings(
        db, rule="R1", school_id=school.id, scope_day=mon, drafts=[draft(mon)], now=AFTER_CUTOFF
    )
    counts = record_findings(
        db, rule="R1", school_id=school.id, scope_day=TUE, drafts=[], now=AFTER_CUTOFF
    )
    assert counts == FindingCounts()
    [finding] = db.scalars(select(Finding)).all()
    assert finding.resolved_at is None
