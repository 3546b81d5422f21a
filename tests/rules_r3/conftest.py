"""Fixtures for the R3 tests: a migrated SQLite store with row factories."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.rules_r3.rows import Rows


@pytest.fixture
def rows(sqlite_session: Session) -> Rows:
    return Rows(sqlite_session)
