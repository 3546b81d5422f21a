"""``classpulse bench sync --platform microsoft``: a full and an incremental Graph sync.

The sandbox runs in a child process (:mod:`jobs.bench.graph_serve`), so the peak RSS
measured here is the sync's own. Only the scenario's Microsoft schools are synced (one
tenant, one app registration). Figures:

- ``requests``: HTTP round trips of the full sync, identity-platform ones included (the
  sandbox's count); ``api_calls``: Graph calls, each ``$batch`` part counted on its own
  (what Graph's throttling counts).
- ``min_requests``: what the data needs (:func:`jobs.bench.graph_serve.minimum`): one
  client-credentials grant (2 round trips), per school its class list and ``$batch``es of
  20 holding every list of every class, the submissions of every visible assignment and
  the profiles of pupils who left every class but still have submissions.
- ``bound_s``: the larger of the latency bound and the throttling bound. Latency: the
  grant, then per school (one after another) its class list and its batches
  ``concurrency`` at a time, at least two rounds (submissions need their assignment
  first), each round trip taking ``latency``. Throttling: the assignment service allows
  350 calls / 10 s and 10,000 / 3,600 s per app per tenant (Graph "service-specific
  throttling limits"); on a sliding window of W s with limit L, the N assignment-service
  calls the data needs cannot all be sent before W * floor((N - 1) / L) s.
- ``incremental_requests``: round trips of an incremental sync, started once the
  throttle's 10 s window has passed, after ``change`` of the visible submissions moved one
  step an hour later; ``incremental_missed`` counts changed submissions the store does not
  show afterwards. ``incremental_floor_requests``: the least any incremental read can
  make on Graph v1.0 (see :func:`incremental_floor`).
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from connector.sandbox.graph import SANDBOX_CLIENT_SECRET
from connector.sandbox.scenario import MS_SECRET_ENV
from jobs.bench.graph_serve import BATCH, IDENTITY_ROUND_TRIPS
from jobs.bench.sync import Pass, SandboxProcess, _cpu_s, _missed, run_figures
from sync.runner import SyncRunSummary, sync_school
from sync.sources import SyncRound, source_for

# (calls, window in s) per app per tenant for the assignment service.
ASSIGNMENT_LIMITS = ((350, 10.0), (10_000, 3600.0))
_COUNTERS = ("requests", "api_calls", "assignment_calls", "throttled", "token_grants",
             "identity_requests")  # fmt: skip


def incremental_floor(minimum: dict[str, Any]) -> int:
    """The fewest round trips any incremental read can make, with the v1.0 API.

    Graph has no tenant-wide change feed for assignments or submissions (no delta for
    submissions, no change notifications for education resources), so each class costs at
    least one call to see its changed submissions (``getRecentlyModifiedSubmissions``) and
    one to see its assignments (a delta round, or the list, which alone shows deletions).
    Counted here: the grant, each school's class list, those two calls per class in
    batches of 20; rosters and modules taken as free.
    """
    schools: dict[str, dict[str, int]] = minimum["schools"]
    return IDENTITY_ROUND_TRIPS + sum(
        1 + math.ceil(2 * s["classes"] / BATCH) for s in schools.values()
    )


def run_graph_bench(
    *,
    scenario: str = "trust",
    seed: int = 1,
    latency_ms: float = 100.0,
    database_url: str | None = None,
    concurrency: int | None = None,
    change: float = 0.01,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, Any]:
    """Run the benchmark; returns the figures (see the module notes)."""
    workdir = Path(tempfile.mkdtemp(prefix="classpulse-bench-ms-"))
    progress(f"starting the sandbox ({scenario}, latency {latency_ms:g} ms)")
    sandbox = SandboxProcess(scenario, seed, latency_ms, workdir, module="jobs.bench.graph_serve")
    os.environ.setdefault(MS_SECRET_ENV, SANDBOX_CLIENT_SECRET)
    try:
        settings, sessions = sandbox.store(
            database_url, workdir, "microsoft", concurrency=concurrency
        )
        now = datetime.fromisoformat(sandbox.hello["now"])

        def sync_all(full: bool) -> tuple[list[SyncRunSummary], float, dict[str, Any]]:
            before = sandbox.ask("stats")
            cpu = _cpu_s()
            shared = SyncRound()  # one grant and one throttle budget for the tenant
            started = time.monotonic()
            runs = []
            for school in settings.schools:
                source = source_for(settings, school, lambda: now, shared)
                try:
                    runs.append(sync_school(sessions, school, source, full=full,
                                            clock=lambda: now,
                                            lookback_days=settings.sync.lookback_days))
                finally:
                    source.close()  # type: ignore[attr-defined]
            wall = time.monotonic() - started
            after = sandbox.ask("stats")
            delta: dict[str, Any] = {k: after[k] - before[k] for k in _COUNTERS}
            delta["cpu_s"] = _cpu_s() - cpu
            return runs, wall, delta

        progress(f"full sync of {len(settings.schools)} Microsoft schools")
        runs, wall, full = sync_all(True)
        moved = sandbox.ask(f"change {change} {seed}")
        now = datetime.fromisoformat(moved["now"])
        limit, window = ASSIGNMENT_LIMITS[0]
        if full["assignment_calls"] >= limit:
            time.sleep(window)  # let the throttle's window pass, as minutes between syncs do
        progress(f"incremental sync after {moved['changed']} of {moved['of']} submissions moved")
        inc_runs, inc_wall, inc = sync_all(False)
        missed = _missed(sessions, moved["states"])
    finally:
        sandbox.close()
    return _figures(scenario, latency_ms, settings.microsoft.concurrency, sandbox.hello["minimum"],
                    (runs, wall, full), (inc_runs, inc_wall, inc), moved, missed)  # fmt: skip


def _figures(
    scenario: str, latency_ms: float, conc: int, minimum: dict[str, Any], full: Pass,
    inc: Pass, moved: dict[str, Any], missed: int,
) -> dict[str, Any]:  # fmt: skip
    latency_s = latency_ms / 1000
    latency_bound = IDENTITY_ROUND_TRIPS * latency_s + sum(
        (1 + max(2, math.ceil(s["batches"] / conc))) * latency_s
        for s in minimum["schools"].values()
    )
    n = minimum["assignment_calls"]
    throttle_bound = max(window * ((n - 1) // limit) for limit, window in ASSIGNMENT_LIMITS)
    counts, inc_counts = full[2], inc[2]
    return {
        "platform": "microsoft",
        "scenario": scenario,
        "latency_ms": latency_ms,
        "concurrency": conc,
        **run_figures(full, inc, moved, missed),
        "min_requests": minimum["requests"],
        "min_api_calls": minimum["api_calls"],
        "identity_requests": counts["identity_requests"],
        "assignment_calls": counts["assignment_calls"],
        "min_assignment_calls": n,
        "largest_list": minimum["largest_list"],
        "former_pupils": sum(s["former_pupils"] for s in minimum["schools"].values()),
        "bound_s": round(max(latency_bound, throttle_bound), 2),
        "latency_bound_s": round(latency_bound, 2),
        "throttle_bound_s": round(throttle_bound, 2),
        "incremental_floor_requests": incremental_floor(minimum),
        "incremental_throttled": inc_counts["throttled"],
    }


def report_lines(f: dict[str, Any]) -> list[str]:
    """The figures as text, each with its target where there is one."""

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}" if b else "n/a"

    return [
        f"scenario {f['scenario']}: {f['schools']} Microsoft schools, {f['classes']} classes, "
        f"{f['rows']} rows; latency {f['latency_ms']:g} ms, concurrency {f['concurrency']}",
        f"requests             {f['requests']:>8}   min {f['min_requests']} "
        f"(x{ratio(f['requests'], f['min_requests'])}; target <= 1.1); identity round trips "
        f"{f['identity_requests']}, largest list {f['largest_list']} items",
        f"api_calls            {f['api_calls']:>8}   min {f['min_api_calls']}; assignment "
        f"service {f['assignment_calls']} (min {f['min_assignment_calls']}), throttled "
        f"{f['throttled']}",
        f"wall_s               {f['wall_s']:>8}   bound {f['bound_s']} "
        f"(latency {f['latency_bound_s']}, throttling {f['throttle_bound_s']}; "
        f"x{ratio(f['wall_s'], f['bound_s'])}; target <= 1.25); the sync's own CPU "
        f"{f['cpu_s']} s",
        f"incremental_requests {f['incremental_requests']:>8}   "
        f"{f['incremental_api_calls']} calls, {f['incremental_wall_s']} s, "
        f"{f['incremental_rows_written']} rows written after {f['changed_submissions']} "
        f"submissions changed, {f['incremental_missed']} missed "
        f"(x{ratio(f['incremental_requests'], f['requests'])} of full; target <= 0.05; "
        f"Graph v1.0 floor {f['incremental_floor_requests']} = "
        f"x{ratio(f['incremental_floor_requests'], f['requests'])})",
        f"peak_rss_mb          {f['peak_rss_mb']:>8}   (target < 300)",
    ]
