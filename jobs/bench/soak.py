"""The soak benchmark: the service's real timetable over a simulated school week.

The clock is compressed: every job fires at its scheduled instant of the week, in order,
against the sandbox with injected 429s and 5xx; the sandbox's world moves with the clock.
At the end a fault-free sync and check in a second store give the findings that must
exist; any the soaked store lacks are lost. Duplicates are emails written twice for one
outbox row (same Message-ID), or more emails than rows marked sent.
"""

from __future__ import annotations

import resource
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes
from pathlib import Path

from prometheus_client import Counter as PromCounter
from sqlalchemy import func, select

from config import load_settings
from config.settings import Settings
from connector.sandbox.app import build_sandbox
from connector.sandbox.scenario import generate
from connector.sandbox.server import Fault
from connector.sandbox.world import World
from jobs.cli_demo import write_sandbox_config
from jobs.service import tasks
from jobs.service.metrics import Metrics
from jobs.service.runtime import Runtime, install
from jobs.service.schedules import Planned, plan, zone_of
from sync.db import make_engine, make_sessionmaker, upgrade
from sync.models import Finding, MessageStatus, OutboundMessage

# API paths only: the token endpoints stay healthy, as they are in practice.
API_PATHS = r"^/(v1/|v1\.0/|batch|calendar/|meet/)"


@dataclass(frozen=True, slots=True)
class SoakResult:
    scenario: str
    days: int
    jobs_run: int
    jobs_failed: int
    messages_sent: int
    duplicates: int
    lost_findings: int
    throttled: int
    peak_rss_mb: float
    seconds: float


def _week(settings: Settings, monday: datetime, days: int) -> list[tuple[datetime, Planned]]:
    """Every (instant, job) of the timetable in ``days`` days from ``monday``, in order."""
    end = monday + timedelta(days=days)
    events: list[tuple[datetime, Planned]] = []
    for job in plan(settings):
        prev, when = None, monday
        while True:
            nxt = job.trigger.get_next_fire_time(prev, when)
            if nxt is None or nxt >= end:
                break
            events.append((nxt, job))
            prev, when = nxt, nxt + timedelta(seconds=1)
    order = ["sync_full", "sync", "check", "nudge", "deliver", "digest", "purge"]
    events.sort(key=lambda e: (e[0], order.index(e[1].id)))
    return events


def _emails(outbox: Path) -> tuple[int, int]:
    """(emails, duplicates): an outbox row's Message-ID written more than once."""
    ids: Counter[str] = Counter()
    files = sorted(outbox.glob("*.eml")) if outbox.exists() else []
    for path in files:
        msg = message_from_bytes(path.read_bytes())
        ids[str(msg.get("Message-ID"))] += 1
    dupes = sum(n - 1 for n in ids.values() if n > 1)
    return len(files), dupes


def _total(counter: PromCounter) -> int:
    return int(
        sum(s.value for m in counter.collect() for s in m.samples if s.name.endswith("_total"))
    )


def _finding_keys(settings: Settings) -> set[str]:
    engine = make_engine(settings.database.url)
    try:
        with make_sessionmaker(engine)() as s:
            return set(s.scalars(select(Finding.key)))
    finally:
        engine.dispose()


def run_soak(
    scenario: str = "trust",
    *,
    days: int = 5,
    seed: int = 1,
    throttle_every: int = 23,
    error_every: int = 37,
    workdir: Path | None = None,
    progress: bool = False,
) -> SoakResult:
    started = time.monotonic()
    base = workdir or Path(tempfile.mkdtemp(prefix="classpulse-soak-"))
    sc = generate(scenario, seed)
    world = World(sc)
    with build_sandbox(world) as sb:
        settings = load_settings(write_sandbox_config(base / "soak", sc, sb.url))
        upgrade(settings.database.url)
        zone = zone_of(settings)
        last = max(max(d) for d in sc.school_days.values())
        monday_date = last - timedelta(days=last.weekday())
        monday = datetime.combine(monday_date, datetime.min.time(), tzinfo=zone)
        events = _week(settings, monday, days)
        # The world starts at the week's start and follows the simulated clock.
        world.advance(monday - world.now)
        now = [monday]
        engine = make_engine(settings.database.url)
        sessions = make_sessionmaker(engine)
        metrics = Metrics(sessions)
        install(Runtime(settings, engine, sessions, lambda: now[0], metrics))
        sb.inject(Fault(API_PATHS, status=429, headers={"Retry-After": "0"}, times=-1,
                        every=throttle_every))
        sb.inject(Fault(API_PATHS, status=503, times=-1, every=error_every))
        for i, (when, job) in enumerate(events):
            if when > world.now:
                world.advance(when - world.now)
            now[0] = when
            job.func()
            if progress and i % 25 == 0:
                print(f"  {when:%a %H:%M} {job.id} ({i + 1}/{len(events)})", flush=True)
        with sessions() as s:
            sent = s.scalar(
                select(func.count()).where(OutboundMessage.status == MessageStatus.SENT)
            ) or 0
        engine.dispose()
        sb.faults.clear()
        soaked = _finding_keys(settings)
        # The reference: one clean full sync and check of the same world at the same instant.
        clean = load_settings(write_sandbox_config(base / "clean", sc, sb.url))
        upgrade(clean.database.url)
        engine = make_engine(clean.database.url)
        clean_sessions = make_sessionmaker(engine)
        install(Runtime(clean, engine, clean_sessions, lambda: now[0], Metrics()))
        tasks.sync_full()
        tasks.check()
        engine.dispose()
        expected = _finding_keys(clean)
    emails, dupes = _emails(settings.email.file.directory)
    return SoakResult(
        scenario=scenario,
        days=days,
        jobs_run=_total(metrics.job_runs),
        jobs_failed=_total(metrics.job_failures),
        messages_sent=int(sent),
        duplicates=dupes + max(0, emails - int(sent)),
        lost_findings=len(expected - soaked),
        throttled=_total(metrics.api_throttled),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        seconds=time.monotonic() - started,
    )


__all__ = ["SoakResult", "run_soak"]
