"""``classpulse bench sync``: a full and an incremental Google sync against the sandbox.

The sandbox runs in a child process (:mod:`jobs.bench.serve`), so the peak RSS measured
here is the sync's own. Figures:

- ``requests``: HTTP round trips of the full sync, token exchanges included (the
  sandbox's count); ``api_calls``: calls, batch parts counted one each (what quotas charge).
- ``min_requests``: what the data needs (see :func:`jobs.bench.serve.minimum`): per school
  one token, the courses.list pages and batches of 50 holding every list page at the
  largest page size the connector may ask for.
- ``bound_s``: the larger of the latency bound (per school, in order: token and
  courses.list round trips one after another, then its batches ``concurrency`` at a time,
  each round trip at least ``latency``) and the quota bound (on a 60 s moving window, a
  run of N calls against a per-minute limit L cannot end before 60 * floor((N-1)/L) s;
  taken per impersonated user at 1,200 and for the project at 3,000).
- ``incremental_requests``: round trips of an incremental sync after ``change`` of the
  visible submissions moved one step an hour later; ``incremental_missed`` counts those
  changed submissions the store does not show afterwards. With ``change_log`` (the
  default) the incremental sync reads the Classroom audit log as the sandbox's customer
  admin, once for every school (connector.google.audit); without it, it re-reads every
  course's rosters, work lists and open work's submissions.
"""

from __future__ import annotations

import contextlib
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from connector.google.pacing import PER_PROJECT_PER_MINUTE, PER_USER_PER_MINUTE, WINDOW_S
from sync.db import make_engine, make_sessionmaker, upgrade
from sync.models import Submission
from sync.registry import ensure_trust_and_schools
from sync.runner import SyncRunSummary, sync_school
from sync.sources import SyncRound, source_for


class SandboxProcess:
    """The child process serving the scenario; talks JSON lines over its pipes."""

    def __init__(self, scenario: str, seed: int, latency_ms: float, workdir: Path,
                 module: str = "jobs.bench.serve") -> None:
        # Our own interpreter and module; the arguments are typed options, not shell text.
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", module, "--scenario", scenario,
             "--seed", str(seed), "--latency-ms", str(latency_ms), "--workdir", str(workdir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        self.hello = self._read()

    def store(
        self, database_url: str | None, workdir: Path, section: str, **overrides: Any
    ) -> tuple[Settings, sessionmaker[Session]]:
        """The config the sandbox wrote, with ``overrides`` (None: left as it is) in its
        ``section``, and a migrated store (default: a SQLite file) holding its schools."""
        conf = json.loads(Path(self.hello["config"]).read_text())
        conf["database"]["url"] = database_url or f"sqlite:///{workdir / 'bench.db'}"
        conf[section].update({k: v for k, v in overrides.items() if v is not None})
        settings = Settings.model_validate(conf)
        upgrade(settings.database.url)
        sessions = make_sessionmaker(make_engine(settings.database.url))
        with sessions() as session:
            ensure_trust_and_schools(session, settings)
            session.commit()
        return settings, sessions

    def ask(self, command: str) -> dict[str, Any]:
        stdin: IO[str] | None = self.proc.stdin
        assert stdin is not None
        stdin.write(command + "\n")
        stdin.flush()
        return self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the sandbox process ended (exit {self.proc.poll()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError, ValueError):
            self.ask("quit")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_sync_bench(
    *,
    scenario: str = "trust",
    seed: int = 1,
    latency_ms: float = 100.0,
    database_url: str | None = None,
    impersonate: str = "admin",
    concurrency: int | None = None,
    change: float = 0.01,
    change_log: bool = True,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, Any]:
    """Run the benchmark; returns the figures (see the module notes)."""
    workdir = Path(tempfile.mkdtemp(prefix="classpulse-bench-"))
    progress(f"starting the sandbox ({scenario}, latency {latency_ms:g} ms)")
    sandbox = SandboxProcess(scenario, seed, latency_ms, workdir)
    try:
        audit_log = {"enabled": change_log, "admin_email": sandbox.hello["audit_admin"]}
        settings, sessions = sandbox.store(
            database_url, workdir, "google", impersonate=impersonate, concurrency=concurrency,
            audit_log=audit_log,
        )  # fmt: skip
        now = datetime.fromisoformat(sandbox.hello["now"])

        def sync_all(full: bool) -> tuple[list[SyncRunSummary], float, dict[str, Any]]:
            before = sandbox.ask("stats")
            cpu = _cpu_s()
            started = time.monotonic()
            shared = SyncRound()  # the audit log is read once for every school
            runs = [
                sync_school(sessions, school, source_for(settings, school, sync_round=shared),
                            full=full, clock=lambda: now,
                            lookback_days=settings.sync.lookback_days)
                for school in settings.schools
            ]  # fmt: skip
            wall = time.monotonic() - started
            after = sandbox.ask("stats")
            delta = {
                k: after[k] - before[k]
                for k in ("requests", "api_calls", "throttled", "token_grants")
            }
            delta["by_user_max"] = after["by_user_max"]
            delta["cpu_s"] = _cpu_s() - cpu
            return runs, wall, delta

        progress("full sync")
        runs, wall, full = sync_all(True)
        moved = sandbox.ask(f"change {change} {seed}")
        now = datetime.fromisoformat(moved["now"])
        progress(f"incremental sync after {moved['changed']} of {moved['of']} submissions moved")
        inc_runs, inc_wall, inc = sync_all(False)
        missed = _missed(sessions, moved["states"])
    finally:
        sandbox.close()

    minimum = sandbox.hello["minimum"]
    conc = settings.google.concurrency
    latency_s = latency_ms / 1000
    latency_bound = sum(
        (1 + math.ceil(s["courses"] / 1000) + math.ceil(s["batches"] / conc)) * latency_s
        for s in minimum["schools"].values()
    )
    quota_bound = WINDOW_S * max(
        (full["api_calls"] - 1) // PER_PROJECT_PER_MINUTE,
        (max(full["by_user_max"], 1) - 1) // PER_USER_PER_MINUTE,
    )
    return {
        "scenario": scenario,
        "impersonate": impersonate,
        "change_log": change_log,
        "latency_ms": latency_ms,
        "concurrency": conc,
        "min_requests": minimum["requests"],
        "min_api_calls": minimum["api_calls"],
        "bound_s": round(max(latency_bound, quota_bound), 2),
        "latency_bound_s": round(latency_bound, 2),
        "quota_bound_s": round(quota_bound, 2),
        **run_figures((runs, wall, full), (inc_runs, inc_wall, inc), moved, missed),
    }


Pass = tuple[list[SyncRunSummary], float, dict[str, Any]]  # runs, wall s, sandbox counts


def run_figures(full: Pass, inc: Pass, moved: dict[str, Any], missed: int) -> dict[str, Any]:
    """The figures every sync benchmark reports alike, from a full and an incremental pass
    (each ``(runs, wall_s, counts)``, counts with ``requests``, ``api_calls``, ``throttled``,
    ``token_grants`` and ``cpu_s``)."""
    runs, wall, counts = full
    inc_runs, inc_wall, inc_counts = inc
    return {
        "schools": len(runs),
        "classes": sum(r.classes_done for r in runs),
        "rows": sum(r.rows_inserted for r in runs),
        "failed_runs": sum(r.status == "failed" for r in [*runs, *inc_runs]),
        "requests": counts["requests"],
        "api_calls": counts["api_calls"],
        "token_grants": counts["token_grants"],
        "throttled": counts["throttled"],
        "wall_s": round(wall, 2),
        "cpu_s": round(counts["cpu_s"], 2),
        "incremental_requests": inc_counts["requests"],
        "incremental_api_calls": inc_counts["api_calls"],
        "incremental_wall_s": round(inc_wall, 2),
        "incremental_rows_written": sum(
            r.rows_inserted + r.rows_updated + r.rows_deleted for r in inc_runs
        ),
        "changed_submissions": moved["changed"],
        "incremental_missed": missed,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _cpu_s() -> float:
    """CPU seconds this process has used (user + system, all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _missed(sessions: Any, states: dict[str, str]) -> int:
    with sessions() as session:
        stored = {
            pid: state.value
            for pid, state in session.execute(
                select(Submission.platform_id, Submission.state).where(
                    Submission.platform_id.in_(list(states))
                )
            )
        }
    return sum(1 for pid, state in states.items() if stored.get(pid) != state)


def report_lines(f: dict[str, Any]) -> list[str]:
    """The figures as text, each with its target where there is one."""

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}" if b else "n/a"

    return [
        f"scenario {f['scenario']}: {f['schools']} Google schools, {f['classes']} classes, "
        f"{f['rows']} rows; latency {f['latency_ms']:g} ms, concurrency {f['concurrency']}, "
        f"reading as {f['impersonate']}, change feed "
        f"{'the Classroom audit log' if f['change_log'] else 'off'}",
        f"requests             {f['requests']:>8}   min {f['min_requests']} "
        f"(x{ratio(f['requests'], f['min_requests'])}; target <= 1.1)",
        f"api_calls            {f['api_calls']:>8}   min {f['min_api_calls']}; "
        f"throttled {f['throttled']}, token grants {f['token_grants']}",
        f"wall_s               {f['wall_s']:>8}   bound {f['bound_s']} "
        f"(latency {f['latency_bound_s']}, quota {f['quota_bound_s']}; "
        f"x{ratio(f['wall_s'], f['bound_s'])}; target <= 1.25); the sync's own CPU "
        f"{f['cpu_s']} s",
        f"incremental_requests {f['incremental_requests']:>8}   "
        f"{f['incremental_api_calls']} calls, {f['incremental_wall_s']} s, "
        f"{f['incremental_rows_written']} rows written after {f['changed_submissions']} "
        f"submissions changed, {f['incremental_missed']} missed "
        f"(x{ratio(f['incremental_requests'], f['requests'])} of full; target <= 0.05)",
        f"peak_rss_mb          {f['peak_rss_mb']:>8}   (target < 300)",
    ]
