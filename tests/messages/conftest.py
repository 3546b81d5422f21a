"""Fixtures for the messages tests: a migrated SQLite store, row helpers, a real SMTP server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from sqlalchemy.orm import Session, sessionmaker

from sync.db import make_engine, make_sessionmaker
from tests.jobs.factories import Factory
from tests.messages.smtp_server import SmtpServer, TlsFiles, make_tls_files


@pytest.fixture(autouse=True)
def _plain_logging() -> None:
    # A CLI test run earlier in this worker may have pointed structlog at a closed stream.
    structlog.reset_defaults()


@pytest.fixture
def sessions(tmp_path: Path, _sqlite_template: Path) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated SQLite file (a file, so the sender's own sessions see it)."""
    path = tmp_path / "messages.db"
    shutil.copyfile(_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


@pytest.fixture
def make(db: Session) -> Factory:
    return Factory(db)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp_server(tls_files: TlsFiles) -> Iterator[SmtpServer]:
    """An SMTP server on 127.0.0.1 that requires STARTTLS and a login (not yet started)."""
    server = SmtpServer(tls_files)
    yield server
    server.stop()
