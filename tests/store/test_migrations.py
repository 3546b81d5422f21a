"""The schema is built by Alembic and matches the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from sync.db import current_revision, downgrade, head_revision, make_engine, upgrade
from sync.models import Base


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_an_empty_database_upgrades_to_head(db_url: str) -> None:
    assert current_revision(db_url) is None

    upgrade(db_url)

    assert current_revision(db_url) == head_revision()
    assert _tables(db_url) == set(Base.metadata.tables)


def test_the_migrated_schema_matches_the_models_exactly(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()

    assert diff == []


def test_downgrading_to_base_leaves_no_tables(migrated_url: str) -> None:
    downgrade(migrated_url, "base")

    assert _tables(migrated_url) == set()
    assert current_revision(migrated_url) is None
