"""`classpulse serve --sandbox` as operators run it: a real process, real HTTP, SIGTERM."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
from pathlib import Path

from tests.service.support import CLASSPULSE, env, free_port, get, metric, start_serve, wait_for


def test_the_service_syncs_checks_nudges_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    proc = start_serve(tmp_path, port, "--tick-seconds", "2")
    outbox = tmp_path / "outbox"
    try:
        wait_for(lambda: get(port, "/healthz")[0] == 200, 60, "/healthz")
        wait_for(lambda: get(port, "/readyz")[0] == 200, 90, "/readyz to go ready")
        wait_for(lambda: outbox.exists() and any(outbox.glob("*.eml")), 90, "a nudge email")

        def counted() -> bool:
            text = get(port, "/metrics")[1]
            return metric(text, "classpulse_job_runs_total", job="nudge") >= 1
        wait_for(counted, 30, "the nudge job in /metrics")
        text = get(port, "/metrics")[1]
        assert metric(text, "classpulse_sync_runs_total", status="succeeded") >= 1
        assert metric(text, "classpulse_sync_rows_total", change="inserted") > 0
        assert metric(text, "classpulse_api_requests_total", platform="google") > 0
        assert metric(text, "classpulse_job_runs_total", job="check") >= 1
        assert metric(text, "classpulse_findings_open", rule="R1", school="oakfield") >= 1
        assert metric(text, "classpulse_outbox_messages", kind="nudge", status="sent") >= 1
        # The timetable lives beside the SQLite file, so no job trips over the scheduler.
        assert metric(text, "classpulse_job_failures_total") == 0

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    db = sqlite3.connect(tmp_path / "classpulse.db")
    assert db.execute("SELECT count(*) FROM sync_run WHERE status = 'running'").fetchone() == (0,)
    assert db.execute(
        "SELECT count(*) FROM outbound_message WHERE status = 'sending'"
    ).fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM finding").fetchone()[0] >= 1
    db.close()
    log_lines = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines()]
    assert log_lines and all(line.get("run_id") for line in log_lines)

    status = subprocess.run(
        [*CLASSPULSE, "status", "--config", str(tmp_path / "classpulse.yaml")],
        capture_output=True, text=True, env=env(COLUMNS="200"), timeout=60, check=True,
    ).stdout
    assert "oakfield" in status and "google" in status
    assert "R1" in status
    assert "sent:" in status
    assert "sync_full" in status  # the next runs, from the scheduler's job store


def _runs(db_path: Path) -> int:
    try:
        with sqlite3.connect(db_path) as db:
            return int(db.execute("SELECT count(*) FROM sync_run").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_sigterm_during_the_first_sync_exits_zero_and_leaves_no_run_running(
    tmp_path: Path,
) -> None:
    port = free_port()
    proc = start_serve(tmp_path, port, "--tick-seconds", "600")
    try:
        wait_for(lambda: _runs(tmp_path / "classpulse.db") >= 1, 60, "the first sync to start")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with sqlite3.connect(tmp_path / "classpulse.db") as db:
        statuses = [r[0] for r in db.execute("SELECT status FROM sync_run")]
    assert statuses and "running" not in statuses
