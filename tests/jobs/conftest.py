"""Fixtures for the jobs tests: a SQLite file store built from the models, and factories."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from sync.db import make_engine, make_sessionmaker
from sync.models import Base
from tests.jobs.factories import Factory


@pytest.fixture
def jobs_engine(tmp_path: Path) -> Iterator[Engine]:
    # A file, not :memory:, so the sender's own sessions see what the test committed.
    url = os.environ.get("CLASSPULSE_JOBS_TEST_DB")  # e.g. a scratch PostgreSQL database
    if url:
        engine = make_engine(url)
        Base.metadata.drop_all(engine)
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'jobs.db'}")

        @event.listens_for(engine, "connect")
        def _fast(dbapi_conn: Any, _record: Any) -> None:
            # Durability is not under test: skip the fsyncs that dominate run time.
            dbapi_conn.execute("PRAGMA synchronous=OFF")

    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def jobs_sessions(jobs_engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(jobs_engine)


@pytest.fixture
def db(jobs_sessions: sessionmaker[Session]) -> Iterator[Session]:
    with jobs_sessions() as session:
        yield session


@pytest.fixture
def make(db: Session) -> Factory:
    return Factory(db)
