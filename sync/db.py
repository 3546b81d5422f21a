"""Engines, sessions and schema migrations for the store.

Alembic is driven programmatically so ``classpulse db upgrade`` works from an installed
wheel: the script location is the ``migrations`` package directory, not an ``alembic.ini``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import migrations

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` (and Heroku-style ``postgres://``) as psycopg 3 URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout per connection."""
    sa_url = make_url(normalise_url(url))
    if sa_url.get_backend_name() == "postgresql" and sa_url.get_driver_name() == "psycopg":
        # psycopg prepares a statement after five runs and PostgreSQL may then keep one
        # generic plan for it: for the sync's `platform_id IN (900 values)` lookups that
        # plan was a sequential scan (seconds each on a trust's submissions, planned while
        # the table was still small). Unprepared statements are planned for their values.
        kwargs.setdefault("connect_args", {}).setdefault("prepare_threshold", None)
    engine = create_engine(sa_url, **kwargs)
    if sa_url.get_backend_name() == "sqlite":
        in_memory = sa_url.database in (None, "", ":memory:")

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # SQLite ignores foreign keys unless asked, per connection.
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if not in_memory:
                # WAL lets the jobs read while a sync writes.
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()
            # pysqlite's own transaction handling commits when a first SAVEPOINT is
            # released, so a rolled-back dry run would keep its rows. SQLAlchemy's recipe:
            # turn it off here and emit BEGIN ourselves below.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (the runner commits per class)."""
    return sessionmaker(engine, expire_on_commit=False)


def migrations_dir() -> Path:
    return Path(migrations.__file__).resolve().parent


def alembic_config(url: str) -> Config:
    """An Alembic config for ``url`` pointing at the installed ``migrations`` package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    # ConfigParser interpolates '%': escape it so passwords with '%' survive.
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is on; None for an empty database."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head
