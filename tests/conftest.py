"""Shared fixtures: a database per test on SQLite and PostgreSQL, built by Alembic.

``db_url`` is an empty database; ``migrated_url`` a database at ``alembic upgrade head``
(both parametrized by ``db_backend``). The schema is migrated once per session into a template
(a PostgreSQL template database, a SQLite file) and copied per test, so a test pays for a
copy, not a migration.

PostgreSQL is expected on ``CLASSPULSE_TEST_PG_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). If it is unreachable the postgres
tests fail loudly: a silently skipped database is an untested one.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

# CLI output is read by the tests: a wide, fixed console keeps rich from folding table
# cells differently from one worker to the next. Set before jobs.cli creates its Console.
os.environ["COLUMNS"] = "200"
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from sync.db import make_engine, make_sessionmaker, upgrade

PG_ADMIN_URL = os.environ.get(
    "CLASSPULSE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgres"]


class _Postgres:
    """Creates and drops uniquely named databases through one AUTOCOMMIT admin engine."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.template: str | None = None

    def check(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as e:
            pytest.fail(
                f"PostgreSQL is not reachable at {self.admin_url.render_as_string()}: {e}\n"
                "Start it, or point CLASSPULSE_TEST_PG_URL at one. Postgres tests never skip.",
                pytrace=False,
            )

    def url(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        ddl = f'CREATE DATABASE "{name}"'
        if template:
            ddl += f' TEMPLATE "{template}"'
        with self.engine.connect() as conn:
            conn.execute(text(ddl))
        return self.url(name)

    def drop(self, name: str) -> None:
        with self.engine.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))

    def migrated_template(self) -> str:
        if self.template is None:
            name = _unique("cp_tmpl")
            upgrade(self.create(name))
            self.template = name
        return self.template


def _unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def _pg() -> Iterator[_Postgres]:
    pg = _Postgres(PG_ADMIN_URL)
    yield pg
    if pg.template is not None:
        pg.drop(pg.template)
    pg.engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """Which database a test runs on; every database fixture below follows it."""
    return str(request.param)


@pytest.fixture
def db_url(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL: a SQLite file in tmp_path, or a fresh PostgreSQL database."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'classpulse.db'}"
        return
    yield from _pg_database(request, template=None)


@pytest.fixture
def migrated_url(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at ``alembic upgrade head``, copied from a session-wide migrated template.

    Not the same database as ``db_url``: ask for one or the other.
    """
    if db_backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "classpulse.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    pg: _Postgres = request.getfixturevalue("_pg")
    pg.check()
    yield from _pg_database(request, template=pg.migrated_template())


def _pg_database(request: pytest.FixtureRequest, template: str | None) -> Iterator[str]:
    pg: _Postgres = request.getfixturevalue("_pg")
    pg.check()
    name = _unique("cp_test")
    yield pg.create(name, template=template)
    pg.drop(name)


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    eng = make_engine(migrated_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s
        s.rollback()


@pytest.fixture
def sqlite_session(tmp_path: Path, _sqlite_template: Path) -> Iterator[Session]:
    """A session on a migrated SQLite file: for fast unit tests that need no PostgreSQL."""
    path = tmp_path / "unit.db"
    shutil.copyfile(_sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    with make_sessionmaker(eng)() as s:
        yield s
        s.rollback()
    eng.dispose()


@pytest.fixture(autouse=True)
def _fresh_logging() -> Iterator[None]:
    """CLI commands configure structlog onto the runner's stderr; reset it around each test so
    one test's captured (and later closed) stream is never another's log target."""
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    yield
    structlog.reset_defaults()
