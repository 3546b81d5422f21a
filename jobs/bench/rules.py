"""``classpulse bench rules``: how long R1–R4 take beside one full scan of submissions.

Per scale ``k`` on a fresh database: a store of ``k`` copies of the scenario (copy 0
stored through the production upserts, the others cloned from it in SQL, see
:mod:`jobs.bench.rules_store`), its rows per table, and for one check instant (the
scenario's last school day 17:00 in the first school's time zone):

- ``per_rule_s`` / ``rules_s``: each rule run through the check job
  (:func:`jobs.check.run_checks`, one rule at a time, a fresh session each) on the first
  run, which inserts every finding; ``steady``: the same again at the same instant, the
  findings already there (the cost of a re-run that changes nothing). Nothing is kept
  between the runs but the store; calendars and bank-holiday tables are built before
  the clock starts (a once-per-process cost, not a per-run one).
- ``scan_s``: one full scan of ``submission``, ``SELECT count(*), sum(length(platform_id))``
  (the ``length`` forces every row to be read, not just an index), and ``scan_columns_s``:
  one full scan reading the columns the rules read (ids, state, grade flag, the four
  timestamps); each best of three, warm. ``ratio``: rules over ``scan_s`` (the target,
  <= 3); ``ratio_columns``: over ``scan_columns_s``.
- ``floor_s``: the least R3's definition asks of the database, one tally per pupil and
  class (``GROUP BY pupil_id, class_id`` over submissions, no join, no condition);
  ``floor_ratio`` = ``floor_s`` / ``scan_s`` shows how much of the target that alone uses.
- ``read_s``: every row and column of ``submission`` read into this process (what a
  service that judged rows itself would pay for one pass); ``ratio_read``: rules over it.
- ``growth``: largest scale over smallest, rules beside rows (target: about equal).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from config.settings import Settings
from jobs.bench.rules_store import build_store
from jobs.calendar import SchoolCalendar
from jobs.check import run_checks
from jobs.rules.registry import RULES
from sync.db import make_engine, make_sessionmaker, upgrade
from sync.models import Finding, School

TABLES = (
    "school", "person", "school_class", "membership", "work", "submission",
    "live_lesson", "attendance", "recording", "finding",
)  # fmt: skip
SCAN_SQL = "SELECT count(*), sum(length(platform_id)) FROM submission"
SCAN_COLUMNS_SQL = (
    "SELECT count(*), max(work_id), max(class_id), max(pupil_id), max(state),"
    " sum(CASE WHEN graded THEN 1 ELSE 0 END), max(turned_in_at), max(returned_at),"
    " max(updated_at), max(deleted_at) FROM submission"
)
FLOOR_SQL = "SELECT pupil_id, class_id, count(*) FROM submission GROUP BY pupil_id, class_id"
READ_SQL = "SELECT * FROM submission"


def run_rules_bench(
    *,
    scenario: str = "trust",
    scales: tuple[int, ...] = (1, 10),
    seed: int = 1,
    database_url: str | None = None,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, Any]:
    """Measure each scale on its own fresh database; returns the figures."""
    results = []
    for k in scales:
        with _fresh_database(database_url, k) as url:
            results.append(_measure(scenario, seed, k, url, progress))
    first, last = results[0], results[-1]

    def ratio(key: str, sub: str | None = None) -> float:
        a, b = (first[sub][key], last[sub][key]) if sub else (first[key], last[key])
        return round(float(b) / max(float(a), 1e-9), 2)

    return {
        "scenario": scenario,
        "backend": make_url(database_url or "sqlite://").get_backend_name(),
        "scan_sql": SCAN_SQL,
        "scan_columns_sql": SCAN_COLUMNS_SQL,
        "floor_sql": FLOOR_SQL,
        "read_sql": READ_SQL,
        "scales": results,
        "growth": {
            "from": first["scale"],
            "to": last["scale"],
            "rows_ratio": round(
                last["rows"]["submission"] / max(1, first["rows"]["submission"]), 2
            ),
            "rules_ratio": ratio("rules_s"),
            "steady_ratio": ratio("rules_s", "steady"),
            "scan_ratio": ratio("scan_s"),
            "scan_columns_ratio": ratio("scan_columns_s"),
        },
    }


def _measure(
    scenario: str, seed: int, k: int, url: str, progress: Callable[[str], None]
) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    load_started = time.monotonic()
    settings, as_of, keys_by_copy = build_store(scenario, seed, k, url, progress)
    load_s = time.monotonic() - load_started
    _analyze(engine)
    rows = _rows(engine)
    scan_s, scan_columns_s = _scan(engine, SCAN_SQL), _scan(engine, SCAN_COLUMNS_SQL)
    floor_s, read_s = _scan(engine, FLOOR_SQL), _scan(engine, READ_SQL)
    for school in settings.schools:  # holiday tables and calendars: once per process
        SchoolCalendar.for_school(school).is_school_day(as_of.date())

    progress(f"scale {k}: running the rules (first run, then again at the same instant)")
    first, steady = _time_rules(sessions, settings, as_of), _time_rules(sessions, settings, as_of)
    for run in (first, steady):
        run["ratio"] = round(run["rules_s"] / max(scan_s, 1e-9), 2)
        run["ratio_columns"] = round(run["rules_s"] / max(scan_columns_s, 1e-9), 2)
        run["ratio_read"] = round(run["rules_s"] / max(read_s, 1e-9), 2)
    findings = _findings_by_copy(sessions, keys_by_copy)
    engine.dispose()
    return {
        "scale": k,
        "as_of": as_of.isoformat(),
        "load_s": round(load_s, 1),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "rows": rows,
        "rules_s": first["rules_s"],
        "per_rule_s": first["per_rule_s"],
        "cpu_s": first["cpu_s"],
        "steady": steady,
        "scan_s": round(scan_s, 5),
        "scan_columns_s": round(scan_columns_s, 5),
        "ratio": first["ratio"],
        "ratio_columns": first["ratio_columns"],
        "floor_s": round(floor_s, 5),
        "floor_ratio": round(floor_s / max(scan_s, 1e-9), 2),
        "read_s": round(read_s, 5),
        "ratio_read": first["ratio_read"],
        "findings_by_copy": findings,
    }


def _time_rules(sessions: Any, settings: Settings, as_of: datetime) -> dict[str, Any]:
    """Each rule once, in registry order, a fresh session each."""
    per_rule: dict[str, float] = {}
    cpu = time.process_time()
    for name in RULES:
        with sessions() as session:
            started = time.perf_counter()
            run_checks(session, settings, as_of=as_of, rules=[name])
            per_rule[name] = round(time.perf_counter() - started, 3)
    return {
        "rules_s": round(sum(per_rule.values()), 3),
        "per_rule_s": per_rule,
        "cpu_s": round(time.process_time() - cpu, 3),
    }


def _analyze(engine: Any) -> None:
    """Fresh statistics, as a database that has lived a while would have them."""
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def _rows(engine: Any) -> dict[str, int]:
    with engine.connect() as conn:
        # Fixed table names, not input.
        count = "SELECT count(*) FROM {}"
        return {t: int(conn.execute(text(count.format(t))).scalar_one()) for t in TABLES}


def _scan(engine: Any, sql: str) -> float:
    best: float = float("inf")
    with engine.connect() as conn:
        for _ in range(3):
            started = time.perf_counter()
            conn.execute(text(sql)).all()
            best = min(best, time.perf_counter() - started)
    return best


def _findings_by_copy(sessions: Any, keys_by_copy: dict[int, list[str]]) -> dict[str, int]:
    """Open findings per copy of the scenario (copy index -> count)."""
    out: dict[str, int] = {}
    with sessions() as session:
        for copy, keys in keys_by_copy.items():
            n = session.scalar(
                select(func.count(Finding.id))
                .join(School, School.id == Finding.school_id)
                .where(School.key.in_(keys), Finding.resolved_at.is_(None))
            )
            out[str(copy)] = int(n or 0)
    return out


@contextlib.contextmanager
def _fresh_database(database_url: str | None, k: int) -> Iterator[str]:
    """A new empty database: a temporary SQLite file, or a PostgreSQL database created
    on the server of ``database_url`` and dropped afterwards."""
    if database_url is None or make_url(database_url).get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="classpulse-bench-rules-") as tmp:
            yield f"sqlite:///{Path(tmp) / f'rules-x{k}.db'}"
        return
    admin_url = make_url(database_url)
    name = f"classpulse_bench_rules_{k}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report_lines(f: dict[str, Any]) -> list[str]:
    """The figures as a table, with the targets."""
    names = list(RULES)
    lines = [
        f"rules bench: scenario {f['scenario']} on {f['backend']}",
        f"  scan   = {f['scan_sql']}",
        f"  scan_c = {f['scan_columns_sql']}",
        f"  floor  = {f['floor_sql']}  (one tally per pupil and class, the least R3 needs)",
        f"  read   = {f['read_sql']}  (every row fetched into this process)",
        f"{'scale':>5} {'submissions':>11} {'load_s':>7} {'run':>6} {'rules_s':>8} "
        + " ".join(f"{n:>6}" for n in names)
        + f" {'scan_s':>7} {'scan_c_s':>8} {'floor_s':>7} {'read_s':>7}"
        f" {'ratio':>7} {'ratio_c':>7} {'ratio_r':>7}",
    ]
    for s in f["scales"]:
        for run, figures in (("first", s), ("steady", s["steady"])):
            rules_s = figures["rules_s"]
            lines.append(
                f"{s['scale']:>5} {s['rows']['submission']:>11} {s['load_s']:>7} {run:>6} "
                f"{rules_s:>8} "
                + " ".join(f"{figures['per_rule_s'][n]:>6}" for n in names)
                + f" {s['scan_s']:>7} {s['scan_columns_s']:>8} {s['floor_s']:>7} {s['read_s']:>7}"
                f" {figures['ratio']:>7} {figures['ratio_columns']:>7} {figures['ratio_read']:>7}"
            )
        lines.append(
            f"      target ratio <= 3 (the floor alone: {s['floor_ratio']});"
            f" load average {s['load_avg']}; rows {s['rows']};"
            f" open findings by copy {s['findings_by_copy']}"
        )
    g = f["growth"]
    lines.append(
        f"growth x{g['from']} -> x{g['to']}: rows x{g['rows_ratio']}, rules x{g['rules_ratio']}"
        f" (steady x{g['steady_ratio']}), scan x{g['scan_ratio']}"
        f" (columns x{g['scan_columns_ratio']}) (target: rules ratio ~ rows ratio)"
    )
    return lines
