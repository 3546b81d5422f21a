"""A Microsoft school served by the sandbox over HTTP, a store, and syncs into it.

Mirrors ``tests/google_sync/harness.py`` (and reuses its platform-neutral pieces); the
source is the production Graph connector, with retry waits recorded instead of slept.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from config.settings import SchoolSettings, Settings
from connector.graph import GraphClassSource
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET, GraphState, graph_state
from connector.sandbox.scenario import generate
from connector.sandbox.server import Request, Response, Sandbox
from connector.sandbox.world import World
from sync.runner import SyncRunSummary, sync_school
from tests.google_sync.harness import harness


@dataclass
class GraphHarness:
    world: World
    sandbox: Sandbox
    settings: Settings
    sessions: sessionmaker[Session]
    runs: list[SyncRunSummary] = field(default_factory=list)
    # Every retry wait the connector asked for, in seconds (slept for 1/20 of it).
    waits: list[float] = field(default_factory=list)

    @property
    def state(self) -> GraphState:
        return graph_state(self.sandbox)

    @property
    def school(self) -> SchoolSettings:
        return next(s for s in self.settings.schools if s.microsoft is not None)

    def source(self, **kwargs: Any) -> GraphClassSource:
        async def sleep(seconds: float) -> None:
            self.waits.append(seconds)
            await asyncio.sleep(seconds / 20)

        assert self.school.microsoft is not None
        return GraphClassSource(
            self.settings.microsoft, school_id=self.school.microsoft.school_id,
            client_secret=SANDBOX_CLIENT_SECRET, sleep=sleep, clock=lambda: self.world.now,
            **kwargs,
        )  # fmt: skip

    def sync(self, *, full: bool = False, source: Any = None) -> SyncRunSummary:
        src = source or self.source()
        try:
            run = sync_school(
                self.sessions, self.school, src, full=full, clock=lambda: self.world.now,
                lookback_days=self.settings.sync.lookback_days,
            )  # fmt: skip
        finally:
            getattr(src, "inner", src).close()
        self.runs.append(run)
        return run

    def count(self, model: Any) -> int:
        with self.sessions() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)

    def assert_nothing_left_to_read(self) -> None:
        """A full sync now finds nothing to write: the syncs before it missed nothing."""
        again = self.sync(full=True)
        assert (again.rows_inserted, again.rows_updated, again.rows_deleted) == (0, 0, 0)


@contextmanager
def graph_harness(
    url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> Iterator[GraphHarness]:
    """The tiny scenario with its school on Microsoft, served and registered as the Google
    harness does it."""
    with harness(generate("tiny", 1, platforms="microsoft"), url, sessions, tmp_path) as h:
        yield GraphHarness(h.world, h.sandbox, h.settings, h.sessions)


def spoil(sandbox: Sandbox, path: str, mutate: Callable[[list[dict[str, Any]]], None]) -> None:
    """Answer Graph collection reads whose path matches (alone or inside ``$batch``) with
    their items passed through ``mutate`` first."""

    def hook(req: Request) -> Response | None:
        if req.method != "GET" or not re.search(path, req.path):
            return None
        found = sandbox.router.match(req.method, req.path)
        assert found is not None
        handler, params = found
        req.params = params
        resp = handler(req)
        if resp.status == 200 and isinstance(resp.body, dict):
            mutate(resp.body["value"])
        return resp

    sandbox.hooks.append(hook)
