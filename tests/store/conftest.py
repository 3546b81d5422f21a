"""Store fixtures: a migrated database holding the fakes' trust and school."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from sync.registry import ensure_trust_and_schools

from .fakes import settings


@pytest.fixture
def sessions(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with session_factory() as s:
        ensure_trust_and_schools(s, settings())
        s.commit()
    return session_factory
