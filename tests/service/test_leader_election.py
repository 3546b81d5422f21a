"""Two replicas on one PostgreSQL: one leads, the other takes over when it dies."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL, _Postgres
from tests.service.support import free_port, get_json, start_serve, wait_for


@pytest.fixture
def pg_url() -> Iterator[str]:
    pg = _Postgres(PG_ADMIN_URL)
    pg.check()
    name = f"cp_leader_{free_port()}"
    url = pg.create(name)
    yield url
    pg.drop(name)
    pg.engine.dispose()


def _leads(port: int) -> bool:
    return bool(get_json(port, "/healthz").get("leader"))


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_one_replica_leads_and_the_other_takes_over_when_it_is_killed(
    tmp_path: Path, pg_url: str
) -> None:
    ports = [free_port(), free_port()]
    procs = [
        start_serve(
            tmp_path / f"replica{i}", port, "--tick-seconds", "2", "--database-url", pg_url,
            CLASSPULSE__SERVER__LEADER_POLL_SECONDS="1",
        )
        for i, port in enumerate(ports)
    ]
    try:
        for port in ports:
            wait_for(lambda port=port: bool(get_json(port, "/healthz")), 60, "both replicas up")
        wait_for(lambda: any(_leads(p) for p in ports), 60, "a leader")
        leaders = [p for p in ports if _leads(p)]
        assert len(leaders) == 1
        wait_for(lambda: get_json(leaders[0], "/readyz").get("ready") is True, 90, "a sync")

        leader = ports.index(leaders[0])
        other = 1 - leader
        procs[leader].send_signal(signal.SIGKILL)
        procs[leader].wait(timeout=10)
        wait_for(lambda: _leads(ports[other]), 60, "the other replica to take over")

        procs[other].send_signal(signal.SIGTERM)
        assert procs[other].wait(timeout=30) == 0
    finally:
        for proc in procs:
            _stop(proc)
