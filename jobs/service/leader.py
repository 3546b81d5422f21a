"""Leader election: on PostgreSQL, a session-level advisory lock on a connection kept open.

Only the leader runs the schedule. When its process dies, PostgreSQL closes the session
and frees the lock, and a waiting replica takes it at its next poll. SQLite is single
node: the process always leads.
"""

from __future__ import annotations

import structlog
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from sync.db import make_engine, normalise_url

log = structlog.get_logger(__name__)

# "clspls" as a number: any constant shared by the replicas of one deployment.
LOCK_KEY = 0x636C73706C73


class Leader:
    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = make_url(normalise_url(url)).get_backend_name() == "postgresql"
        self._engine: Engine | None = None
        self._conn: Connection | None = None

    @property
    def held(self) -> bool:
        return not self.postgres or self._conn is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; True when this process leads."""
        if self.held:
            return True
        if self._engine is None:
            # NullPool: closing the connection really ends the session (and frees the lock).
            self._engine = make_engine(self.url, poolclass=NullPool)
        conn = self._engine.connect()
        try:
            got = bool(
                conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar()
            )
            conn.commit()  # the lock is the session's, not the transaction's
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        log.info("leader.acquired")
        return True

    def alive(self) -> bool:
        """Whether the lock's session is still open (a dropped connection loses the lock)."""
        if self._conn is None:
            return not self.postgres
        try:
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
            return True
        except Exception as e:
            log.error("leader.lost", error=type(e).__name__)
            self._conn = None
            return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
