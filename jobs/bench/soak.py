"""The soak benchmark: the service's real timetable over a simulated school week.

The clock is compressed: every job of the timetable fires at its scheduled instant of the
week, in order, against a sandbox injecting 429s and 5xx; the sandbox's world moves with
the clock. The idle time between jobs is skipped, and the rate windows on both sides (the
connector's pacers, the sandbox's quotas) see it pass, as they would in a real week.

The reference is a second store run in lock step against a fault-free sandbox of the same
world: it runs every sync (incremental or full, as the timetable says), check and purge
at exactly the instants the soaked service did, so the two differ only by the faults. (A
reference that only synced in full before each check would miss what the soaked store
rightly saw in between, e.g. a submission turned in by a pupil who left the class an
hour later, which no later read lists.) A finding the reference recorded that the soaked
store never did is *lost*. Findings are compared by
what they are about (:mod:`jobs.bench.soak_compare`), not by row ids. Duplicates are
messages handed to the transport again under a Message-ID already sent.
"""

from __future__ import annotations

import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from prometheus_client import Counter as PromCounter
from sqlalchemy import func, select

from config import load_settings
from connector.google.pacing import WINDOW_S, forget_windows
from connector.sandbox.app import build_sandbox
from connector.sandbox.google import side_of
from connector.sandbox.graph import graph_state
from connector.sandbox.scenario import generate
from connector.sandbox.scenario.model import Scenario
from connector.sandbox.server import Fault, Sandbox
from connector.sandbox.world import World
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
    """A monotonic clock that also counts the idle time the bench skips: the sandbox's
    rate windows read it, so a job finds them as a real gap between jobs would leave them."""

    def __init__(self) -> None:
        self._skipped = 0.0
        self._start = time.monotonic()

    def __call__(self) -> float:
        return time.monotonic() + self._skipped

    def reach(self, elapsed_s: float) -> None:
        """Move on to ``elapsed_s`` after the start, unless the jobs already took longer."""
        behind = self._start + elapsed_s - self()
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
    order = ["sync_full", "sync", "check", "nudge", "deliver", "digest", "purge"]
    events.sort(key=lambda e: (e[0], order.index(e[1].id)))
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
    started = time.monotonic()
    base = workdir or Path(tempfile.mkdtemp(prefix="classpulse-soak-"))
    sc = generate(scenario, seed)
    world = World(sc)
    clock = SoakClock()
    now: list[datetime] = []
    with build_sandbox(world) as faulty, build_sandbox(world) as clean:
        follow_clock(faulty, clock)
        follow_clock(clean, clock)
        sends = SendLog()
        soak = _service(base / "soak", sc, faulty.url, lambda: now[0], sends)
        ref = _service(base / "reference", sc, clean.url, lambda: now[0], SendLog())
        zone = zone_of(soak.settings)
        last = max(max(d) for d in sc.school_days.values())
        monday = datetime.combine(
            last - timedelta(days=last.weekday()), datetime.min.time(), tzinfo=zone
        )
        events = _week(plan(soak.settings), monday, days)
        # The world starts at the week's start and follows the simulated clock.
        world.advance(monday - world.now)
        now.append(monday)
        faulty.inject(Fault(API_PATHS, status=429, headers={"Retry-After": "0"}, times=-1,
                            every=throttle_every))
        faulty.inject(Fault(API_PATHS, status=503, times=-1, every=error_every))
        for i, (when, job) in enumerate(events):
            if when - now[0] >= timedelta(seconds=WINDOW_S + 1):
                forget_windows()  # the connector's pacers: a minute without calls
            if when > world.now:
                world.advance(when - world.now)
            now[0] = when
            clock.reach((when - monday).total_seconds())
            install(soak)
            job.func()
            install(ref)
            if job.id in MIRRORED:
                job.func()
            if progress is not None and i % 25 == 0:
                progress(f"{when:%a %H:%M} {job.id} ({i + 1}/{len(events)}, "
                         f"{time.monotonic() - started:.0f} s)")
        faulty.faults.clear()
        diff, examples = compare(
            findings_by_subject(ref.sessions), findings_by_subject(soak.sessions)
        )
        with soak.sessions() as s:
            sent = s.scalar(
                select(func.count()).where(OutboundMessage.status == MessageStatus.SENT)
            ) or 0
            failed_runs = s.scalar(
                select(func.count()).where(SyncRun.status == RunStatus.FAILED)
            ) or 0
        for rt in (soak, ref):
            rt.engine.dispose()
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
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        seconds=time.monotonic() - started,
    )


__all__ = ["SoakClock", "SoakResult", "run_soak"]
