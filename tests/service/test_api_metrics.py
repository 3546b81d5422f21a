"""/metrics after real syncs against the sandbox: API calls and 429s/5xx by platform and
resource (batch parts under their own resource), and the service's other counters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from connector.observe import set_observer
from connector.sandbox.app import build_sandbox
from connector.sandbox.google import google_fault, stats
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET, graph_fault, graph_state
from connector.sandbox.scenario import MS_SECRET_ENV, generate
from connector.sandbox.server import Sandbox
from connector.sandbox.world import World
from jobs.service import tasks
from jobs.service.health import HealthServer
from jobs.service.metrics import Metrics
from jobs.service.runtime import Runtime, install
from tests.e2e.support import sandbox_settings
from tests.service.support import get, metric

SUBMISSIONS = "courses.courseWork.studentSubmissions.list"
MEMBERS = "/education/classes/{id}/members"


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[tuple[World, Sandbox]]:
    world = World(generate("tiny", 1, platforms=request.param))
    # Friday 10:30 (the scenario ends at 17:30): inside the school's send window.
    world.advance(-timedelta(hours=7))
    with build_sandbox(world) as sb:
        yield world, sb


@pytest.fixture
def service(
    served: tuple[World, Sandbox], engine: Engine, session_factory: sessionmaker[Session],
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Runtime, int]]:
    world, sb = served
    monkeypatch.setenv(MS_SECRET_ENV, SANDBOX_CLIENT_SECRET)
    settings = sandbox_settings(world.scenario, sb.url, str(engine.url), tmp_path)
    rt = Runtime(settings, engine, session_factory, lambda: world.now, Metrics(session_factory))
    install(rt)
    health = HealthServer(rt, "127.0.0.1", 0)
    health.start()
    try:
        yield rt, health.port
    finally:
        health.stop()
        set_observer(None)


def _scrape(port: int) -> str:
    status, text = get(port, "/metrics")
    assert status == 200
    return text


def _no_id_in_labels(text: str) -> None:
    resources = set(re.findall(r'resource="([^"]*)"', text))
    assert resources
    # Every label is a method id or a path template: no course, class or user ids.
    assert all(not re.search(r"\d{4,}|[0-9a-f]{8}-", r) for r in resources), resources


@pytest.mark.parametrize("served", ["google"], indirect=True)
def test_google_calls_and_429s_are_counted_by_their_own_resource_inside_batches(
    served: tuple[World, Sandbox], service: tuple[Runtime, int]
) -> None:
    _, sb = served
    _, port = service
    # Two inner 429s on submission lists (they travel in batches) and one 503 on a
    # roster list; Retry-After 0 so the retries do not wait.
    sb.inject(google_fault(429, r"/studentSubmissions", times=2, retry_after_s=0))
    sb.inject(google_fault(503, r"/teachers$", times=1, retry_after_s=0))
    tasks.sync_full()
    text = _scrape(port)

    served_calls = stats(sb).by_method
    assert served_calls[SUBMISSIONS] > 0
    # Answered by the sandbox plus the two refused: every call is counted once.
    assert metric(text, "classpulse_api_requests_total", platform="google",
                  resource=SUBMISSIONS) == served_calls[SUBMISSIONS] + 2
    assert metric(text, "classpulse_api_throttled_total", platform="google",
                  resource=SUBMISSIONS) == 2
    assert metric(text, "classpulse_api_errors_total", platform="google",
                  resource="courses.teachers.list", status="503") == 1
    assert metric(text, "classpulse_api_requests_total", platform="google",
                  resource="courses.list") == served_calls["courses.list"]
    assert metric(text, "classpulse_api_batches_total", platform="google", status="200") > 0
    _no_id_in_labels(text)


@pytest.mark.parametrize("served", ["microsoft"], indirect=True)
def test_graph_calls_and_429s_inside_batch_are_counted_by_path_template(
    served: tuple[World, Sandbox], service: tuple[Runtime, int]
) -> None:
    _, sb = served
    _, port = service
    state = graph_state(sb)
    state.inner_faults.append(graph_fault(429, path=r"/members$", retry_after=0, times=2))
    sb.inject(graph_fault(503, path=r"/education/schools/[^/]+/classes$", retry_after=0, times=1))
    tasks.sync_full()
    text = _scrape(port)

    served_members = state.calls[f"GET /v1.0{MEMBERS}"]
    assert served_members > 0
    assert metric(text, "classpulse_api_requests_total", platform="microsoft",
                  resource=MEMBERS) == served_members + 2
    assert metric(text, "classpulse_api_throttled_total", platform="microsoft",
                  resource=MEMBERS) == 2
    assert metric(text, "classpulse_api_errors_total", platform="microsoft",
                  resource="/education/schools/{id}/classes", status="503") == 1
    assert metric(text, "classpulse_api_batches_total", platform="microsoft") > 0
    _no_id_in_labels(text)


@pytest.mark.parametrize("served", ["google"], indirect=True)
def test_sync_check_and_nudge_show_in_the_service_counters(
    service: tuple[Runtime, int],
) -> None:
    rt, port = service
    tasks.sync_full()
    tasks.check()
    tasks.nudge()
    text = _scrape(port)
    school = rt.settings.schools[0].key

    assert metric(text, "classpulse_sync_runs_total", platform="google", school=school,
                  status="succeeded") == 2  # classes, then live lessons
    assert metric(text, "classpulse_sync_rows_total", school=school, change="inserted") > 0
    assert metric(text, "classpulse_sync_duration_seconds_count", school=school) == 1
    assert metric(text, "classpulse_findings_open", school=school) > 0
    assert metric(text, "classpulse_job_runs_total", job="check") == 1
    assert metric(text, "classpulse_job_failures_total") == 0
    queued = metric(text, "classpulse_messages_total", event="queued")
    assert queued > 0
    assert metric(text, "classpulse_outbox_messages", kind="nudge") == queued
    sent = metric(text, "classpulse_messages_total", event="sent")
    assert sent == metric(text, "classpulse_outbox_messages", status="sent") > 0
    assert metric(text, "classpulse_messages_total", event="failed") == 0
