"""Run the service: health endpoint, leader election, schedule, clean shutdown.

Order on start: listen for probes (alive at once, ready once a sync succeeded); wait to
lead; as leader migrate the schema (only one replica ever runs Alembic), write the
timetable and start ticking. On SIGTERM: stop taking jobs, let the running one finish its
current class or message and commit (a connector waiting out a Retry-After or its quota
pacer stops waiting at once, and the class it was reading is not committed), release the
lock, exit 0.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import structlog

from config.settings import Settings
from jobs import logs
from jobs.service.health import HealthServer
from jobs.service.leader import Leader
from jobs.service.metrics import Metrics
from jobs.service.runtime import Runtime, install
from jobs.service.scheduler import add_planned, make_scheduler, route_scheduler_logs
from jobs.service.schedules import fast_plan, plan
from jobs.service.secrets import secret_values
from jobs.service.signals import stop_on_signals
from sync.db import make_engine, make_sessionmaker, upgrade

log = structlog.get_logger(__name__)


def serve(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    tick_seconds: float | None = None,
    on_listening: Callable[[int], None] | None = None,
) -> int:
    """Run until SIGTERM/SIGINT; returns the exit code (0: clean stop)."""
    logs.redact_values(secret_values(settings))
    engine = make_engine(settings.database.url)
    sessions = make_sessionmaker(engine)
    rt = Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        clock=clock or (lambda: datetime.now(UTC)),
        metrics=Metrics(sessions),
    )
    install(rt)
    stop_on_signals(rt.stopping)
    health = HealthServer(rt, settings.server.host, settings.server.port)
    health.start()
    if on_listening is not None:
        on_listening(health.port)
    leader = Leader(settings.database.url)
    code = 0
    try:
        while not rt.stopping.is_set():
            try:
                if leader.try_acquire():
                    break
            except Exception as e:  # the database is down: keep waiting, stay unready
                log.warning("leader.unavailable", error=type(e).__name__)
            log.debug("leader.waiting")
            rt.stopping.wait(settings.server.leader_poll_seconds)
        if rt.stopping.is_set():
            return 0
        code = _lead(rt, leader, tick_seconds)
    finally:
        leader.release()
        health.stop()
        engine.dispose()
        log.info("service.stopped", code=code)
    return code


def _lead(rt: Runtime, leader: Leader, tick_seconds: float | None) -> int:
    settings = rt.settings
    upgrade(settings.database.url)
    rt.leader = True
    rt.metrics.leader.set(1)
    route_scheduler_logs()
    scheduler = make_scheduler(
        rt.engine, misfire_grace_seconds=settings.schedule.misfire_grace_seconds
    )
    scheduler.start(paused=True)
    now = datetime.now(UTC)
    add_planned(scheduler, fast_plan(tick_seconds, now) if tick_seconds else plan(settings))
    scheduler.resume()
    log.info("service.leading", jobs=[j.id for j in scheduler.get_jobs()])
    code = 0
    while not rt.stopping.wait(settings.server.leader_poll_seconds):
        if not leader.alive():
            # Another replica may lead by now: stop at once rather than run jobs twice.
            code = 1
            rt.stopping.set()
    # Jobs check `stopping` between classes, lesson parts and messages, and connectors'
    # waits end on it, so this returns within seconds.
    scheduler.pause()
    scheduler.shutdown(wait=True)
    rt.leader = False
    rt.metrics.leader.set(0)
    return code
