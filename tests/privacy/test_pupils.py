"""R7 requests: export everything held about one pupil; erase it, and keep it erased."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from connector.sandbox.scenario import generate
from jobs.cli import app
from jobs.pupils import PupilNotFoundError, erase_pupil, export_pupil
from sync.models import (
    Attendance,
    ErasedPerson,
    ErasureLog,
    Membership,
    Person,
    Submission,
    SyncIssue,
)
from tests.e2e.support import synced_store


def _busiest_pupil(session: Session) -> Person:
    pupil_id = session.scalar(
        select(Submission.pupil_id)
        .group_by(Submission.pupil_id)
        .order_by(func.count().desc(), Submission.pupil_id)
        .limit(1)
    )
    return session.get_one(Person, pupil_id)


@pytest.mark.postgres
def test_an_erased_pupil_is_gone_logged_without_their_name_and_not_brought_back_by_a_resync(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    scenario = generate("tiny", seed=1, platforms="google")
    synced_store(scenario, migrated_url, session_factory, tmp_path, lessons=False)
    with session_factory() as session:
        pupil = _busiest_pupil(session)
        email, platform_id, person_id = pupil.email, pupil.platform_id, pupil.id
        assert email
        exported = export_pupil(session, email.upper())
        assert [p["platform_id"] for p in exported["people"]] == [platform_id]
        assert exported["memberships"] and exported["submissions"]
        assert all(s["work_title"] for s in exported["submissions"])
        json.dumps(exported)  # JSON-ready as returned

        summary = erase_pupil(session, email, now=scenario.now)
        session.commit()
        assert summary.counts["person"] == 1
        assert summary.counts["submission"] == len(exported["submissions"])

    synced_store(scenario, migrated_url, session_factory, tmp_path, lessons=False)

    with session_factory() as session:
        assert session.scalar(select(Person).where(Person.platform_id == platform_id)) is None
        for model, col in ((Submission, Submission.pupil_id), (Membership, Membership.person_id),
                           (Attendance, Attendance.person_id)):  # fmt: skip
            left = select(func.count()).select_from(model).where(col == person_id)
            assert session.scalar(left) == 0
        # Dropped as erased, not reported as sync problems.
        issues = session.scalars(select(SyncIssue.reason)).all()
        assert not [r for r in issues if platform_id in r]
        log = session.scalars(select(ErasureLog)).one()
        assert email not in json.dumps({"d": log.subject_digest, "c": log.counts})
        digests = session.scalars(select(ErasedPerson.digest)).all()
        assert len(digests) == 2 and not any(email in d for d in digests)
        with pytest.raises(PupilNotFoundError):
            export_pupil(session, email)


def test_staff_cannot_be_erased_as_a_pupil(sqlite_session: Session) -> None:
    sqlite_session.add(
        Person(
            platform="google", platform_id="1", email="t@x.org", is_staff=True, synced_at=_t0()
        )
    )
    sqlite_session.flush()
    with pytest.raises(PupilNotFoundError):
        erase_pupil(sqlite_session, "t@x.org", now=_t0())
    with pytest.raises(PupilNotFoundError):
        erase_pupil(sqlite_session, "nobody@x.org", now=_t0() + timedelta(1))


def _t0():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_the_cli_exports_a_pupil_to_a_file_and_erases_them_with_yes(
    tmp_path: Path, _sqlite_template: Path
) -> None:
    import shutil

    db = tmp_path / "c.db"
    shutil.copyfile(_sqlite_template, db)
    from sync.db import make_engine, make_sessionmaker

    engine = make_engine(f"sqlite:///{db}")
    with make_sessionmaker(engine)() as s:
        s.add(Person(platform="google", platform_id="42", email="Pupil@x.org", full_name="A Pupil",
                     synced_at=_t0()))  # fmt: skip
        s.commit()
    engine.dispose()
    config = tmp_path / "classpulse.yaml"
    config.write_text(yaml.safe_dump({
        "database": {"url": f"sqlite:///{db}"},
        "trust": {"key": "t", "name": "T"},
        "schools": [{"key": "oak", "name": "Oak", "platform": "microsoft"}],
    }))  # fmt: skip
    runner = CliRunner()
    out = tmp_path / "pupil.json"

    exported = runner.invoke(app, ["pupil", "export", "pupil@x.org", "-c", str(config),
                                   "--out", str(out)])  # fmt: skip
    assert exported.exit_code == 0, exported.output
    assert json.loads(out.read_text())["people"][0]["full_name"] == "A Pupil"

    refused = runner.invoke(app, ["pupil", "erase", "pupil@x.org", "-c", str(config)], input="n\n")
    assert refused.exit_code != 0
    erased = runner.invoke(app, ["pupil", "erase", "pupil@x.org", "-c", str(config), "--yes"])
    assert erased.exit_code == 0, erased.output
    assert "person 1" in erased.output
    again = runner.invoke(app, ["pupil", "export", "pupil@x.org", "-c", str(config)])
    assert again.exit_code == 1
