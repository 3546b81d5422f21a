"""`classpulse bench truth`: R3 and R4 against a scenario's ground truth, day by day.

As a school runs the service: at 17:00 on each school day the sandbox's clock stands
there, a sync brings the store up to date (the first one full, then incremental, live
lessons included) and R3 and R4 are checked; each school's open findings are compared
with the scenario's ground truth for that school and day. The days are a day apart for
the quotas too: the connector's pacers and the sandbox's rate windows see the night pass.

The CI runs this on `small` (tests/e2e); the `trust` takes a quarter of an hour or more,
so it is a command to run, not a test.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import load_settings
from connector.google.pacing import forget_windows
from connector.sandbox.app import build_sandbox
from connector.sandbox.scenario import generate
from connector.sandbox.scenario.model import GroundTruth
from connector.sandbox.world import World
from jobs.bench.soak import SoakClock, follow_clock
from jobs.calendar import SchoolCalendar
from jobs.check import run_checks
from jobs.cli_demo import write_sandbox_config
from sync.db import make_engine, make_sessionmaker, upgrade
from sync.models import Finding, LiveLesson, Person, RunStatus, School
from sync.service import sync_all

RULES = ("R3", "R4", "R4-1to1")
Pair = tuple[str, str]  # (school key, subject platform id)


@dataclass
class TruthRun:
    scenario: str
    days: int = 0
    equal: int = 0  # (school, rule, day) judged and equal
    differing: list[dict[str, object]] = field(default_factory=list)
    expected: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed_runs: int = 0
    seconds: float = 0.0


def open_findings(session: Session) -> dict[str, dict[date | None, set[Pair]]]:
    """Open R3 / R4 / R4-1to1 findings: rule -> day -> (school key, subject platform id)."""
    pupils = session.execute(
        select(Finding.rule, Finding.day, School.key, Person.platform_id)
        .join(School, School.id == Finding.school_id)
        .join(Person, Person.id == Finding.pupil_id)
        .where(Finding.rule == "R3", Finding.resolved_at.is_(None))
    ).all()
    lessons = session.execute(
        select(Finding.rule, Finding.day, School.key, LiveLesson.platform_id)
        .join(School, School.id == Finding.school_id)
        .join(LiveLesson, LiveLesson.id == Finding.lesson_id)
        .where(Finding.rule.in_(["R4", "R4-1to1"]), Finding.resolved_at.is_(None))
    ).all()
    out: dict[str, dict[date | None, set[Pair]]] = defaultdict(lambda: defaultdict(set))
    for rule, day, school, subject in [*pupils, *lessons]:
        out[rule][day].add((school, subject))
    return out


def run_truth(
    scenario: str = "trust",
    *,
    seed: int = 1,
    database_url: str | None = None,
    progress: Callable[[str], None] = lambda _m: None,
) -> TruthRun:
    started = time.monotonic()
    sc = generate(scenario, seed)
    truth = sc.ground_truth
    days = sorted({d for ds in sc.school_days.values() for d in ds})
    work = Path(tempfile.mkdtemp(prefix="classpulse-truth-"))
    result = TruthRun(scenario)
    clock = SoakClock()
    with build_sandbox(World(sc)) as sb:
        follow_clock(sb, clock)
        overrides = {"CLASSPULSE__DATABASE__URL": database_url} if database_url else {}
        settings = load_settings(write_sandbox_config(work, sc, sb.url),
                                 env={**os.environ, **overrides})
        upgrade(settings.database.url)
        sessions = make_sessionmaker(make_engine(settings.database.url))
        for n, day in enumerate(days):
            forget_windows()
            clock.reach(n * 86_400.0)
            at = {s.key: SchoolCalendar.for_school(s).local_instant(day, clock_time(17))
                  for s in settings.schools}  # fmt: skip
            differing = 0
            for when in sorted(set(at.values())):  # one instant per time zone
                sc.now = when
                runs = sync_all(settings, sessions, clock=_fixed(when), full=n == 0)
                result.failed_runs += sum(1 for r in runs if r.status != RunStatus.SUCCEEDED)
                with sessions() as session:
                    run_checks(session, settings, as_of=when, rules=["R3", "R4"])
                    found = open_findings(session)
                keys = [k for k, w in at.items() if w == when]
                differing += _compare(result, sc.school_days, truth, found, keys, day)
            result.days += 1
            progress(f"{day} compared, {differing} differing")
    result.seconds = time.monotonic() - started
    return result


def _fixed(at: datetime) -> Callable[[], datetime]:
    return lambda: at


def _compare(
    result: TruthRun, school_days: dict[str, list[date]], truth: GroundTruth,
    found: dict[str, dict[date | None, set[Pair]]], keys: list[str], day: date,
) -> int:
    got: dict[str, set[Pair]] = {
        "R3": set().union(*found["R3"].values()) if found["R3"] else set(),
        "R4": found["R4"].get(day, set()),
        "R4-1to1": found["R4-1to1"].get(day, set()),
    }
    differing = 0
    for key in keys:
        if day not in school_days[key]:
            continue
        for rule in RULES:
            want = {f for f in truth.expected(rule, day) if f[0] == key}
            have = {f for f in got[rule] if f[0] == key}
            result.expected[rule] += len(want)
            if want == have:
                result.equal += 1
                continue
            differing += 1
            result.differing.append({"day": day.isoformat(), "school": key, "rule": rule,
                                     "extra": sorted(p for _, p in have - want),
                                     "missing": sorted(p for _, p in want - have)})
    return differing
