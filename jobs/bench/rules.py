"""``classpulse bench rules``: how long R1–R4 take beside one full scan of submissions.

Per scale ``k`` (a store holding ``k`` copies of the scenario, see
:mod:`jobs.bench.rules_load`) on a fresh database: rows per table, the seconds of each
rule run through the check job (:func:`jobs.check.run_checks`, one rule at a time, for
one check instant: the scenario's last school day 17:00 in the first school's time
zone; the first run, which inserts every finding), the seconds of one full scan of
``submission`` (``SELECT count(*), sum(length(platform_id)) FROM submission``: the
``length`` forces every row to be read, not just an index; best of three, warm), and
their ratio (target <= 3). ``growth``: rules time at the largest scale over the
smallest, beside the ratio of submission rows (target: about equal, i.e. linear).
"""

from __future__ import annotations

import contextlib
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from config.settings import Settings
from connector.sandbox.scenario import generate
from jobs.bench.rules_load import base_settings, load_scenario, prefixer, school_configs
from jobs.check import run_checks
from jobs.rules.registry import RULES
from sync.db import make_engine, make_sessionmaker, upgrade
from sync.models import Finding, School
from sync.registry import ensure_trust_and_schools

TABLES = (
    "school", "person", "school_class", "membership", "work", "submission",
    "live_lesson", "attendance", "recording", "finding",
)  # fmt: skip
SCAN_SQL = "SELECT count(*), sum(length(platform_id)) FROM submission"


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
    rows_ratio = last["rows"]["submission"] / max(1, first["rows"]["submission"])
    return {
        "scenario": scenario,
        "backend": make_url(database_url or "sqlite://").get_backend_name(),
        "scan_sql": SCAN_SQL,
        "scales": results,
        "growth": {
            "from": first["scale"],
            "to": last["scale"],
            "rows_ratio": round(rows_ratio, 2),
            "rules_ratio": round(last["rules_s"] / max(first["rules_s"], 1e-9), 2),
            "scan_ratio": round(last["scan_s"] / max(first["scan_s"], 1e-9), 2),
        },
    }


def _measure(
    scenario: str, seed: int, k: int, url: str, progress: Callable[[str], None]
) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    conf: dict[str, Any] | None = None
    as_of: datetime | None = None
    keys_by_copy: dict[int, list[str]] = {}
    load_started = time.monotonic()
    for copy in range(k):
        progress(f"scale {k}: generating and loading copy {copy + 1} of {k}")
        scen = generate(scenario, seed + copy)
        ids = prefixer(copy)
        if conf is None:
            conf = base_settings(scen, url)
            last_day = max(days[-1] for days in scen.school_days.values() if days)
            zone = ZoneInfo(scen.schools[0].time_zone)
            as_of = datetime.combine(last_day, dtime(17, 0), tzinfo=zone)
        schools = school_configs(scen, ids)
        keys_by_copy[copy] = [s["key"] for s in schools]
        conf["schools"].extend(schools)
        settings = Settings.model_validate({**conf, "schools": schools})
        with sessions() as session, session.begin():
            ensure_trust_and_schools(session, settings)
        load_scenario(sessions, scen, ids, now=scen.now)
        del scen
    load_s = time.monotonic() - load_started
    assert conf is not None and as_of is not None
    settings = Settings.model_validate(conf)
    _analyze(engine)
    rows = _rows(engine)
    scan_s = _scan(engine)

    progress(f"scale {k}: running the rules")
    per_rule: dict[str, float] = {}
    with sessions() as session:
        for name in RULES:
            started = time.monotonic()
            run_checks(session, settings, as_of=as_of, rules=[name])
            per_rule[name] = round(time.monotonic() - started, 3)
    rules_s = sum(per_rule.values())
    findings = _findings_by_copy(sessions, keys_by_copy)
    engine.dispose()
    return {
        "scale": k,
        "as_of": as_of.isoformat(),
        "load_s": round(load_s, 1),
        "rows": rows,
        "rules_s": round(rules_s, 3),
        "per_rule_s": per_rule,
        "scan_s": round(scan_s, 4),
        "ratio": round(rules_s / max(scan_s, 1e-9), 2),
        "findings_by_copy": findings,
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


def _scan(engine: Any) -> float:
    best = float("inf")
    with engine.connect() as conn:
        for _ in range(3):
            started = time.monotonic()
            conn.execute(text(SCAN_SQL)).one()
            best = min(best, time.monotonic() - started)
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
    lines = [f"rules bench: scenario {f['scenario']} on {f['backend']}; scan = {f['scan_sql']}"]
    names = list(RULES)
    lines.append(
        f"{'scale':>5} {'submissions':>11} {'work':>7} {'attend':>8} {'load_s':>7} "
        f"{'rules_s':>8} " + " ".join(f"{n:>7}" for n in names) + f" {'scan_s':>8} {'ratio':>6}"
    )
    for s in f["scales"]:
        r = s["rows"]
        lines.append(
            f"{s['scale']:>5} {r['submission']:>11} {r['work']:>7} {r['attendance']:>8} "
            f"{s['load_s']:>7} {s['rules_s']:>8} "
            + " ".join(f"{s['per_rule_s'][n]:>7}" for n in names)
            + f" {s['scan_s']:>8} {s['ratio']:>6}   (target ratio <= 3)"
        )
        lines.append(f"      rows {s['rows']}; open findings by copy {s['findings_by_copy']}")
    g = f["growth"]
    lines.append(
        f"growth x{g['from']} -> x{g['to']}: rows x{g['rows_ratio']}, rules x{g['rules_ratio']},"
        f" scan x{g['scan_ratio']} (target: rules ratio ~ rows ratio)"
    )
    return lines
