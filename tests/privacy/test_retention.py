"""R7 retention: the nightly purge deletes what is older than the period, in short batches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from config.retention import RetentionSettings
from config.settings import Settings
from jobs.retention import purge
from sync.models import (
    Finding,
    LiveLesson,
    MessageStatus,
    OutboundMessage,
    Person,
    School,
    SchoolClass,
    Submission,
    SyncIssue,
    SyncRun,
    Trust,
    Work,
)

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
OLD = datetime(2024, 6, 1, 12, tzinfo=UTC)  # the academic year before last
RECENT = datetime(2025, 10, 1, 12, tzinfo=UTC)  # last academic year: kept


def _settings(**retention: object) -> Settings:
    return Settings.model_validate({
        "trust": {"key": "t", "name": "T"},
        "schools": [{"key": "oak", "name": "Oak", "platform": "microsoft"}],
        "retention": retention,
    })  # fmt: skip


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        (datetime(2026, 3, 20, tzinfo=UTC), datetime(2024, 8, 31, 23, tzinfo=UTC)),
        (datetime(2026, 9, 1, 12, tzinfo=UTC), datetime(2025, 8, 31, 23, tzinfo=UTC)),
        (datetime(2026, 8, 31, 12, tzinfo=UTC), datetime(2024, 8, 31, 23, tzinfo=UTC)),
    ],
)
def test_by_default_the_current_and_previous_academic_year_are_kept(
    now: datetime, cutoff: datetime
) -> None:
    assert RetentionSettings().cutoff(now) == cutoff  # midnight, 1 September, UK time


def test_a_school_can_keep_a_number_of_days_or_of_academic_years_instead() -> None:
    assert RetentionSettings(days=30).cutoff(NOW) == NOW - timedelta(days=30)
    assert RetentionSettings(academic_years=1).cutoff(NOW) == datetime(2025, 8, 31, 23, tzinfo=UTC)
    with pytest.raises(ValueError, match="not both"):
        RetentionSettings(days=30, academic_years=1)


def _store(session: Session, works: int) -> dict[str, int]:
    trust = Trust(key="t", name="T")
    session.add(trust)
    session.flush()
    school = School(trust_id=trust.id, key="oak", name="Oak", platform="google",
                    time_zone="Europe/London")  # fmt: skip
    session.add(school)
    session.flush()
    klass = SchoolClass(school_id=school.id, name="7A", state="active", platform="google",
                        platform_id="c1", synced_at=OLD)  # fmt: skip
    pupil = Person(platform="google", platform_id="p1", email="p@x.org", synced_at=OLD)
    session.add_all([klass, pupil])
    session.flush()
    ids: dict[str, int] = {}
    for i in range(works):
        when = OLD if i % 2 == 0 else RECENT
        work = Work(class_id=klass.id, kind="assignment", state="published", title=f"w{i}",
                    platform="google", platform_id=f"w{i}", published_at=when,
                    synced_at=when)  # fmt: skip
        session.add(work)
        session.flush()
        session.add(Submission(work_id=work.id, class_id=klass.id, pupil_id=pupil.id,
                               state="turned_in", platform="google", platform_id=f"s{i}",
                               updated_at=when, synced_at=when))  # fmt: skip
        ids[f"w{i}"] = work.id
    # An open finding keeps its (old) work; a resolved old one goes.
    session.add(Finding(key="open", rule="R2", school_id=school.id, work_id=ids["w0"],
                        first_seen_at=OLD, last_seen_at=NOW))  # fmt: skip
    session.add(Finding(key="done", rule="R2", school_id=school.id, work_id=ids["w2"],
                        first_seen_at=OLD, last_seen_at=OLD, resolved_at=OLD))  # fmt: skip
    session.add(LiveLesson(school_id=school.id, class_id=klass.id, platform="google",
                           platform_id="l1", started_at=OLD, synced_at=OLD))  # fmt: skip
    for key, status in (("sent", MessageStatus.SENT), ("queued", MessageStatus.QUEUED)):
        session.add(OutboundMessage(key=key, kind="nudge", period="p", recipient_email="t@x.org",
                                    subject="s", body_text="b", body_html="b", status=status,
                                    created_at=OLD, next_attempt_at=OLD))  # fmt: skip
    run = SyncRun(platform="google", started_at=OLD, status="succeeded")
    session.add(run)
    session.flush()
    session.add(SyncIssue(run_id=run.id, resource="submission", reason="x", at=OLD))
    session.commit()
    return ids


def _count(session: Session, model: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.postgres
def test_the_purge_deletes_old_rows_keeps_recent_and_open_ones_and_is_idempotent(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        ids = _store(session, works=6)

    summary = purge(session_factory, _settings(), now=NOW, batch_size=2)

    with session_factory() as session:
        kept = set(session.scalars(select(Work.id)))
        assert kept == {ids["w0"], ids["w1"], ids["w3"], ids["w5"]}  # w0: open finding
        assert _count(session, Submission) == 3  # w0's went with its age; recent kept
        assert session.scalars(select(Finding.key)).all() == ["open"]
        assert _count(session, LiveLesson) == 0
        assert session.scalars(select(OutboundMessage.key)).all() == ["queued"]
        assert _count(session, SyncRun) == 0 and _count(session, SyncIssue) == 0
    assert summary.deleted["work"] == 2 and summary.batches >= 6
    assert purge(session_factory, _settings(), now=NOW).total == 0


@pytest.mark.postgres
def test_a_sync_can_commit_between_the_purges_batches(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        _store(session, works=10)
    committed: list[str] = []

    def sync_commits(table: str, rows: int) -> None:
        # Another connection writes and commits while the purge is under way: it would
        # block (PostgreSQL) or fail "database is locked" (SQLite) if a batch held on.
        with session_factory() as other, other.begin():
            other.add(SyncRun(platform="google", started_at=NOW, status="running"))
        committed.append(table)

    purge(session_factory, _settings(), now=NOW, batch_size=1, after_batch=sync_commits)

    assert len(committed) >= 10
    with session_factory() as session:
        assert _count(session, SyncRun) == len(committed)  # new runs are recent: kept
