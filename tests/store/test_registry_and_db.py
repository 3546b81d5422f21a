"""Schools from config, and the engine settings the store relies on."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from config.settings import Settings
from sync.db import make_engine, normalise_url
from sync.models import School, Trust
from sync.registry import ensure_trust_and_schools

from .fakes import settings


def test_schools_from_config_are_stored_once_and_follow_config_changes(session: Session) -> None:
    ensure_trust_and_schools(session, settings("oak", "elm"))
    session.commit()
    changed = settings("oak", "elm").model_dump()
    changed["trust"]["name"] = "Acorn Learning Trust"
    changed["schools"][1].update(
        name="Elm Primary", platform="microsoft", time_zone="Europe/Dublin",
        google=None, microsoft={"school_id": "ms-elm"},
    )  # fmt: skip

    schools = ensure_trust_and_schools(session, Settings.model_validate(changed))
    session.commit()

    assert session.scalars(select(Trust.name)).all() == ["Acorn Learning Trust"]
    rows = session.execute(
        select(
            School.key, School.name, School.platform, School.platform_id, School.time_zone
        ).order_by(School.key)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("elm", "Elm Primary", "microsoft", "ms-elm", "Europe/Dublin"),
        ("oak", "Oak Academy", "google", None, "Europe/London"),
    ]
    assert schools["elm"].name == "Elm Primary"


def test_postgres_urls_use_psycopg_3() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_enforces_foreign_keys_and_uses_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert (conn.execute(text("PRAGMA busy_timeout")).scalar() or 0) > 0
    finally:
        engine.dispose()
