"""The soak benchmark: the service's real timetable over a simulated school week.

The clock is compressed: every job of the timetable fires at its scheduled instant of the
week, in order, against a sandbox injecting 429s and 5xx; the sandbox's world moves with
the clock. The idle time between jobs is skipped, and so is every wait inside a job
(pacing, Retry-After, back-off: :mod:`connector.timebase`); the rate windows on both
sides (the connector's pacers, the sandbox's quotas) see that time pass, as they would in
a real week.

The reference is a second store run against a fault-free sandbox of the same world, in a
second process (the two run side by side on two cores, each with its own copy of the
world moved to the same instants): it runs every sync (incremental or full, as the
timetable says), check and purge at exactly the instants the soaked service did, so the
two differ only by the faults. (A
reference that only synced in full before each check would miss what the soaked store
rightly saw in between, e.g. a submission turned in by a pupil who left the class an
hour later, which no later read lists.) A finding the reference recorded that the soaked
store never did is *lost*. Findings are compared by
what they are about (:mod:`jobs.bench.soak_compare`), not by row ids. Duplicates are
messages handed to the transport again under a Message-ID already sent.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from prometheus_client import Counter as PromCounter
from sqlalchemy import func, select

from config import load_settings
from connector import timebase
from connector.google.pacing import WINDOW_S, forget_windows
from connector.sandbox.app import build_sandbox
from connector.sandbox.google import side_of
from connector.sandbox.graph import graph_state
from connector.sandbox.scenario import generate
from connector.sandbox.scenario.model import Scenario
from connector.sandbox.server import Fault, Sandbox
from connector.sandbox.world import World
from jobs import logs
from jobs.bench.soak_compare import (
    FindingDiff,
    NaturalKey,
    SendLog,
    compare,
    findings_by_subject,
)
from jobs.cli_demo import write_sandbox_config
from jobs.service.metrics import Metrics
from jobs.service.runtime import Runtime, install
from jobs.service.schedules import Planned, plan, zone_of
from sync.db import make_engine, make_sessionmaker, upgrade
from sync.models import MessageStatus, OutboundMessage, RunStatus, SyncRun

# API paths only: the token endpoints stay healthy, as they are in practice.
API_PATHS = r"^/(v1/|v1\.0/|batch|calendar/|meet/)"
# Every job of the timetable, in the order they run when due at the same instant.
JOBS = ("sync_full", "sync", "check", "nudge", "deliver", "digest", "purge")
# Jobs the reference runs too, at the same instants (it has no use for messages).
MIRRORED = ("sync", "sync_full", "check", "purge")


@dataclass(frozen=True, slots=True)
class SoakResult:
    scenario: str
    days: int
    jobs_run: int
    jobs_failed: int
    sync_runs_failed: int
    messages_sent: int  # outbox rows marked sent
    emails_sent: int  # messages handed to the transport
    duplicates: int  # of those, ones whose Message-ID had been handed over before
    findings: FindingDiff
    examples: list[NaturalKey]
    throttled: int
    server_errors: int
    peak_rss_mb: float
    seconds: float

    @property
    def lost_findings(self) -> int:
        return self.findings.lost


class SoakClock:
    """A monotonic clock that also counts the time the bench skips: the idle time between
    jobs, and every wait inside one (pacing, Retry-After, back-off), which moves it on at
    once (a :class:`connector.timebase.TimeSource`). The rate windows on both sides read
    it, so a job finds them as real time would have left them."""

    def __init__(self) -> None:
        self._skipped = 0.0
        self._start = time.monotonic()
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return time.monotonic() + self._skipped

    def monotonic(self) -> float:
        return self()

    def reach(self, elapsed_s: float) -> None:
        """Move on to ``elapsed_s`` after the start, unless the jobs already took longer."""
        self._advance_to(self._start + elapsed_s)

    def wait(self, event: threading.Event, seconds: float) -> bool:
        # Waits side by side end together, as real ones would: each moves the clock to
        # its own end, not by its length on top of the others'.
        if not event.is_set():
            self._advance_to(self() + max(seconds, 0.0))
        return event.is_set()

    async def pause(self, seconds: float) -> None:
        self._advance_to(self() + max(seconds, 0.0))
        await asyncio.sleep(0)  # the loop's other tasks run, as during a real wait

    def _advance_to(self, target: float) -> None:
        with self._lock:
            behind = target - self()
            if behind > 0:
                self._skipped += behind


def _week(
    settings_plan: list[Planned], monday: datetime, days: int
) -> list[tuple[datetime, Planned]]:
    """Every (instant, job) of the timetable in ``days`` days from ``monday``, in order."""
    end = monday + timedelta(days=days)
    events: list[tuple[datetime, Planned]] = []
    for job in settings_plan:
        prev, when = None, monday
        while True:
            nxt = job.trigger.get_next_fire_time(prev, when)
            if nxt is None or nxt >= end:
                break
            events.append((nxt, job))
            prev, when = nxt, nxt + timedelta(seconds=1)
    events.sort(key=lambda e: (e[0], JOBS.index(e[1].id)))
    return events


def _service(
    workdir: Path, sc: Scenario, url: str, clock: Callable[[], datetime], sends: SendLog
) -> Runtime:
    settings = load_settings(write_sandbox_config(workdir, sc, url))
    upgrade(settings.database.url)
    engine = make_engine(settings.database.url)
    sessions = make_sessionmaker(engine)
    return Runtime(settings, engine, sessions, clock, Metrics(sessions), transport=sends)


def follow_clock(sb: Sandbox, clock: SoakClock) -> None:
    """Point the sandbox's rate windows (Google quotas, Graph throttle) at ``clock``."""
    for quota in side_of(sb).quotas.values():
        quota.clock = clock
    graph_state(sb).clock = clock


def _drive(
    scenario: str,
    seed: int,
    days: int,
    workdir: Path,
    sends: SendLog,
    faults: list[Fault],
    jobs: tuple[str, ...],
    *,
    progress: Callable[[str], None] | None = None,
) -> Runtime:
    """Run the timetable's ``jobs`` of ``days`` days from the scenario's last Monday, each
    at its instant, against a sandbox of the scenario injecting ``faults``, on a
    compressed clock; returns the runtime (its store and metrics) for the figures."""
    began = time.monotonic()
    sc = generate(scenario, seed)
    world = World(sc)
    clock = SoakClock()
    now: list[datetime] = []
    with timebase.use(clock), build_sandbox(world) as sandbox:
        follow_clock(sandbox, clock)
        rt = _service(workdir, sc, sandbox.url, lambda: now[0], sends)
        zone = zone_of(rt.settings)
        last = max(max(d) for d in sc.school_days.values())
        monday = datetime.combine(
            last - timedelta(days=last.weekday()), datetime.min.time(), tzinfo=zone
        )
        events = _week(plan(rt.settings), monday, days)
        # The world starts at the week's start and follows the simulated clock.
        world.advance(monday - world.now)
        now.append(monday)
        for fault in faults:
            sandbox.inject(fault)
        install(rt)
        for i, (when, job) in enumerate(events):
            if when - now[0] >= timedelta(seconds=WINDOW_S + 1):
                forget_windows()  # the connector's pacers: a minute without calls
            if when > world.now:
                world.advance(when - world.now)
            now[0] = when
            clock.reach((when - monday).total_seconds())
            if job.id in jobs:
                job.func()
            if progress is not None and i % 25 == 0:
                progress(f"{when:%a %H:%M} {job.id} ({i + 1}/{len(events)}, "
                         f"{time.monotonic() - began:.0f} s)")
    return rt


def _run_reference(scenario: str, seed: int, days: int, workdir: Path) -> str:
    """The reference (in its own process): the same timetable's syncs, checks and purges
    against a fault-free sandbox; returns its store's URL."""
    logs.configure(level="ERROR")
    rt = _drive(scenario, seed, days, workdir, SendLog(), [], MIRRORED)
    rt.engine.dispose()
    return rt.settings.database.url


def _total(counter: PromCounter) -> int:
    return int(
        sum(s.value for m in counter.collect() for s in m.samples if s.name.endswith("_total"))
    )


def run_soak(
    scenario: str = "trust",
    *,
    days: int = 5,
    seed: int = 1,
    throttle_every: int = 23,
    error_every: int = 37,
    workdir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> SoakResult:
    """The soaked service here, the reference in a second process (its own world, sandbox
    and clock: both worlds are the same scenario moved to the same instants), side by side
    on two cores. The reference's store is compared once both are done."""
    started = time.monotonic()
    base = workdir or Path(tempfile.mkdtemp(prefix="classpulse-soak-"))
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no shared pacers
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        reference = pool.submit(_run_reference, scenario, seed, days, base / "reference")
        sends = SendLog()
        faults = [
            Fault(API_PATHS, status=429, headers={"Retry-After": "0"}, times=-1,
                  every=throttle_every),
            Fault(API_PATHS, status=503, times=-1, every=error_every),
        ]
        soak = _drive(scenario, seed, days, base / "soak", sends, faults, JOBS,
                      progress=progress)
        ref_url = reference.result()
    ref_engine = make_engine(ref_url)
    try:
        diff, examples = compare(
            findings_by_subject(make_sessionmaker(ref_engine)), findings_by_subject(soak.sessions)
        )
    finally:
        ref_engine.dispose()
    with soak.sessions() as s:
        sent = s.scalar(
            select(func.count()).where(OutboundMessage.status == MessageStatus.SENT)
        ) or 0
        failed_runs = s.scalar(
            select(func.count()).where(SyncRun.status == RunStatus.FAILED)
        ) or 0
    soak.engine.dispose()
    m = soak.metrics
    return SoakResult(
        scenario=scenario,
        days=days,
        jobs_run=_total(m.job_runs),
        jobs_failed=_total(m.job_failures),
        sync_runs_failed=int(failed_runs),
        messages_sent=int(sent),
        emails_sent=sends.total,
        duplicates=sends.repeated,
        findings=diff,
        examples=examples,
        throttled=_total(m.api_throttled),
        server_errors=_total(m.api_errors),
        # This process: the soaked service and its sandbox (the reference ran apart).
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        seconds=time.monotonic() - started,
    )


__all__ = ["SoakClock", "SoakResult", "run_soak"]
