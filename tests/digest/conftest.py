"""Digest tests run on a migrated store: SQLite and PostgreSQL for the metrics' SQL,
SQLite alone (``lite``) where only the wording or the queueing is under test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session

from tests.digest.factories import DigestFactory


@pytest.fixture
def make(session: Session) -> DigestFactory:
    return DigestFactory(session)


@pytest.fixture
def lite(sqlite_session: Session) -> DigestFactory:
    return DigestFactory(sqlite_session)


@pytest.fixture
def configured(tmp_path: Path, _sqlite_template: Path) -> tuple[Path, str]:
    """A classpulse.yaml for one school (key ``oak``, leader head@oak.sch.uk) and its store URL."""
    db = tmp_path / "cp.db"
    shutil.copyfile(_sqlite_template, db)
    url = f"sqlite:///{db}"
    cfg = tmp_path / "classpulse.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "database": {"url": url},
                "email": {"file": {"directory": str(tmp_path / "outbox")}},
                "trust": {"key": "oaks", "name": "Oaks Trust"},
                "schools": [
                    {
                        "key": "oak",
                        "name": "Oak Primary",
                        "platform": "microsoft",
                        "leaders": ["head@oak.sch.uk"],
                    }
                ],
            }
        )
    )
    return cfg, url
