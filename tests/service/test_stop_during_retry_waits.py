"""SIGTERM while a sync waits out a throttling storm: `classpulse serve` still exits 0 in 30 s.

The sandbox runs in the test (so the test can make it misbehave) and the service is a real
process pointed at it by a config file. Once a first sync has committed everything, every
API call is answered 429 or 503 with a two-minute Retry-After, far beyond the 30 s an
orchestrator waits after SIGTERM; the connectors must stop waiting when told.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from connector.sandbox.app import build_sandbox
from connector.sandbox.scenario import generate
from connector.sandbox.server import Fault, Sandbox
from connector.sandbox.world import World
from jobs.cli_demo import write_sandbox_config
from tests.service.support import CLASSPULSE, env, free_port, start_serve_config, wait_for

# What a sync writes (rows and cursors); jobs' own tables (findings, outbox) change on
# their own schedule and are not the sync's to keep consistent.
SYNC_TABLES = (
    "school_class", "person", "membership", "work", "submission",
    "live_lesson", "attendance", "recording",
)
RETRY_AFTER_S = "120"


Service = tuple[Sandbox, Path, subprocess.Popen[str]]


@contextmanager
def _service(tmp_path: Path, platforms: str) -> Iterator[Service]:
    sc = generate("tiny", 1, platforms=platforms)
    with build_sandbox(World(sc)) as sb:
        config = write_sandbox_config(tmp_path, sc, sb.url)
        proc = start_serve_config(
            tmp_path, free_port(), config, "--host", "127.0.0.1", "--tick-seconds", "3"
        )
        try:
            yield sb, config, proc
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _query(db: Path, sql: str) -> list[tuple[object, ...]]:
    try:
        with sqlite3.connect(db) as conn:
            return list(conn.execute(sql))
    except sqlite3.Error:  # not created yet, or being migrated
        return []


def _store(conn: sqlite3.Connection) -> dict[str, object]:
    """Every sync table's row count, and every data cursor (the per-class run marker and
    the change log's read-to point are bookkeeping that each run rewrites)."""
    out: dict[str, object] = {
        t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in SYNC_TABLES
    }
    out["cursors"] = sorted(
        conn.execute(
            "SELECT platform, stream, partition, value FROM sync_cursor"
            " WHERE stream NOT IN ('_run', 'changes')"
        )
    )
    return out


def _storm_after_first_sync(db: Path, sb: Sandbox, fault: Fault) -> tuple[int, dict[str, object]]:
    """Wait for a sync to succeed and none to be running, then start ``fault``; returns the
    last run id before the storm and what the store held then.

    The test holds SQLite's write lock meanwhile: a run starts by committing its row, so
    none can start (and read an answer from before the storm) until the fault is in place.
    """
    def settled() -> bool:
        rows = _query(db, "SELECT status FROM sync_run")
        return any(r[0] == "succeeded" for r in rows) and all(r[0] != "running" for r in rows)

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        wait_for(settled, deadline - time.monotonic(), "a first sync to succeed")
        conn = sqlite3.connect(db, timeout=30, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            running = conn.execute(
                "SELECT count(*) FROM sync_run WHERE status = 'running'"
            ).fetchone()[0]
            if running == 0:
                last = conn.execute("SELECT max(id) FROM sync_run").fetchone()[0]
                before = _store(conn)
                sb.inject(fault)
                conn.execute("COMMIT")
                return int(last), before
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    raise AssertionError("no moment without a running sync")


def _sigterm_in_storm(tmp_path: Path, platforms: str, fault: Fault) -> None:
    db = tmp_path / "classpulse.db"
    with _service(tmp_path, platforms) as (sb, config, proc):
        last, before = _storm_after_first_sync(db, sb, fault)

        def waiting() -> bool:
            running = f"SELECT id FROM sync_run WHERE status = 'running' AND id > {last}"
            return bool(_query(db, running)) and fault._seen >= 1
        wait_for(waiting, 60, "a sync to sit in a retry wait")
        time.sleep(1)  # well into the two-minute wait

        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        took = time.monotonic() - started

        # The run in hand was stopped; none failed for any other reason (a lesson run
        # with nothing to ask the API may have finished before it).
        runs = _query(db, f"SELECT status, error FROM sync_run WHERE id > {last} ORDER BY id")
        assert runs and runs[-1] == ("failed", "stopped"), runs
        assert all(status != "failed" or error == "stopped" for status, error in runs), runs
        assert _query(db, "SELECT count(*) FROM sync_run WHERE status = 'running'") == [(0,)]
        assert _query(db, "SELECT count(*) FROM outbound_message WHERE status = 'sending'") == [
            (0,)
        ]
        with sqlite3.connect(db) as conn:
            # Nothing half-written and nothing lost: the committed classes stand as they
            # were, and no cursor moved for the class that was being read.
            assert _store(conn) == before
        assert took < 30

        # The storm is over: the next run reads what the stopped one did not, and completes.
        sb.faults.remove(fault)
        stopped = _query(db, "SELECT max(id) FROM sync_run")[0][0]
        resumed = subprocess.run(
            [*CLASSPULSE, "sync", "--config", str(config)],
            capture_output=True, text=True, env=env(COLUMNS="200"), timeout=120, cwd=tmp_path,
        )
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        rerun = _query(db, f"SELECT status FROM sync_run WHERE id > {stopped}")
        assert rerun and all(r[0] in ("succeeded", "partial") for r in rerun), rerun
        with sqlite3.connect(db) as conn:
            after = _store(conn)
        assert {t: after[t] for t in SYNC_TABLES} == {t: before[t] for t in SYNC_TABLES}


def test_sigterm_while_google_sync_waits_out_a_two_minute_retry_after_exits_zero_quickly(
    tmp_path: Path,
) -> None:
    # Every Classroom call, batch and audit-log read (not the token endpoint) is throttled.
    storm = Fault(r"^/(v1/|batch|admin/reports/)", status=429,
                  headers={"Retry-After": RETRY_AFTER_S}, times=-1)
    _sigterm_in_storm(tmp_path, "google", storm)


def test_sigterm_while_graph_sync_retries_unavailable_answers_exits_zero_quickly(
    tmp_path: Path,
) -> None:
    storm = Fault(r"^/v1\.0/", status=503, headers={"Retry-After": RETRY_AFTER_S}, times=-1)
    _sigterm_in_storm(tmp_path, "microsoft", storm)
