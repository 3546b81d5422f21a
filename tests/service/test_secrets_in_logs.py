"""A full pass of the service's jobs logs JSON at DEBUG without any configured secret."""

from __future__ import annotations

import json
from datetime import time as dtime
from pathlib import Path

import pytest

from config import load_settings
from config.settings import SecretRef
from connector.sandbox.app import build_sandbox
from connector.sandbox.graph import SANDBOX_CLIENT_ID, graph_state
from connector.sandbox.scenario import MS_SECRET_ENV, generate
from connector.sandbox.world import World
from jobs import logs
from jobs.calendar import SchoolCalendar
from jobs.cli_demo import write_sandbox_config
from jobs.service import tasks
from jobs.service.metrics import Metrics
from jobs.service.runtime import Runtime, install
from jobs.service.secrets import secret_values
from sync.db import make_engine, make_sessionmaker, upgrade

MS_SECRET = "MS-CLIENT-SECRET-9f3a1c77e2"
SMTP_PASSWORD = "SMTP-PASSWORD-4b8d2e90aa"
SMTP_ENV = "CLASSPULSE_TEST_SMTP_PASSWORD"


@pytest.mark.parametrize("platform", ["google", "microsoft"])
def test_no_configured_secret_appears_in_the_logs_of_a_full_run(
    platform: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(MS_SECRET_ENV, MS_SECRET)
    monkeypatch.setenv(SMTP_ENV, SMTP_PASSWORD)
    sc = generate("tiny", 1, platforms=platform)
    with build_sandbox(World(sc)) as sb:
        graph_state(sb).apps[SANDBOX_CLIENT_ID] = MS_SECRET
        loaded = load_settings(write_sandbox_config(tmp_path, sc, sb.url))
        email = loaded.email.model_copy(
            update={"smtp": loaded.email.smtp.model_copy(
                update={"username": "classpulse", "password": SecretRef(env=SMTP_ENV)}
            )}
        )
        settings = loaded.model_copy(update={"email": email})
        key_file = json.loads((tmp_path / "sandbox-service-account.json").read_text())
        secrets = [MS_SECRET, SMTP_PASSWORD, key_file["private_key"]]
        secrets += [line for line in key_file["private_key"].splitlines() if "-----" not in line]

        logs.configure(json=True, level="DEBUG")
        logs.redact_values(secret_values(settings))  # as `classpulse serve` does at start
        upgrade(settings.database.url)
        engine = make_engine(settings.database.url)
        first = settings.schools[0]
        start = SchoolCalendar.for_school(first).local_instant(
            max(sc.school_days[first.key]), dtime(17, 0)
        )
        sessions = make_sessionmaker(engine)
        install(Runtime(settings, engine, sessions, lambda: start, Metrics(sessions)))
        tasks.sync_full()
        tasks.sync_incremental()
        tasks.check()
        tasks.nudge()
        engine.dispose()

    captured = capfd.readouterr()
    output = captured.out + captured.err
    lines = [json.loads(line) for line in captured.err.splitlines() if line.startswith("{")]
    events = {line["event"] for line in lines}
    assert {"sync.end", "check.done", "notify.done", "job.end"} <= events
    assert "job.failed" not in events
    assert any(line["level"] == "debug" for line in lines) or len(lines) > 10
    assert any((tmp_path / "outbox").glob("*.eml"))  # the run really sent
    for secret in secrets:
        assert secret not in output
