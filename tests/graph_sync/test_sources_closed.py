"""A long-running service syncs every 15 minutes: each run's Graph sources must give back
their event-loop thread and HTTP connections when the run is over."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from connector.records import Platform
from connector.sandbox.app import build_sandbox
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET
from connector.sandbox.scenario import MS_SECRET_ENV, generate
from connector.sandbox.world import World
from sync.db import make_engine, make_sessionmaker, upgrade
from sync.service import sync_all
from tests.e2e.support import sandbox_settings


def _graph_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "graph" and t.is_alive())


def test_repeated_syncs_leave_no_graph_threads_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MS_SECRET_ENV, SANDBOX_CLIENT_SECRET)
    scenario = generate("tiny", 1, platforms="microsoft")
    url = f"sqlite:///{tmp_path / 'closed.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    before = _graph_threads()
    with build_sandbox(World(scenario)) as sb:
        settings = sandbox_settings(scenario, sb.url, url, tmp_path)
        for i in range(4):
            at = scenario.now + timedelta(minutes=15 * i)
            runs = sync_all(settings, sessions, clock=lambda at=at: at, full=i == 0)
            assert any(r.platform == Platform.MICROSOFT.value for r in runs)
            assert _graph_threads() == before
    engine.dispose()
