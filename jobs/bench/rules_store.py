"""Building ``classpulse bench rules``'s store fast, so a store ten times larger is cheap.

Copy 0 is stored the way production stores it (:mod:`jobs.bench.rules_load`, through
:func:`sync.upsert.apply_snapshot`); that path writes a class at a time and is slow on
PostgreSQL, so there it goes into a scratch SQLite file first and its rows are then
moved with ``COPY``. Copy ``i > 0`` is copy 0 cloned in SQL (``INSERT … SELECT``): every
id shifted past the copies before it, every platform id, school key and email prefixed
``x<i>-``, so the copies share nothing and each judges like copy 0.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from datetime import datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import Column, Connection, Engine, Integer, String, func, insert, literal, select
from sqlalchemy import Table as SATable
from sqlalchemy.engine import make_url

from config.settings import Settings
from connector.sandbox.scenario import generate
from jobs.bench.rules_load import base_settings, load_scenario, prefixer, school_configs
from sync.db import make_engine, make_sessionmaker, upgrade
from sync.models import Base
from sync.registry import ensure_trust_and_schools

# What a copy holds, parents first (the trust is shared).
CLONED = (
    "school", "person", "school_class", "membership", "work", "submission",
    "live_lesson", "attendance", "recording",
)  # fmt: skip
# Text columns that must differ per copy: unique keys, and what the config names.
_PREFIXED = {"key", "email", "platform_id"}


def _table(name: str) -> SATable:
    return Base.metadata.tables[name]


def sizes(conn: Connection) -> dict[str, int]:
    """The largest id of each cloned table: copy ``i`` takes ids above ``i`` × that."""
    return {
        name: int(conn.execute(select(func.coalesce(func.max(_table(name).c.id), 0))).scalar_one())
        for name in CLONED
    }


def clone_copy(conn: Connection, copy: int, size: dict[str, int]) -> None:
    """Insert copy ``copy`` of copy 0's rows (ids ``1..size[table]``), in one statement
    per table."""
    prefix = f"x{copy}-"
    for name in CLONED:
        t = _table(name)
        exprs = [_cloned(t, c, copy, size, prefix).label(c.name) for c in t.columns]
        source = select(*exprs).where(t.c.id <= size[name])
        conn.execute(insert(t).from_select([c.name for c in t.columns], source))


def _cloned(t: SATable, c: Column[Any], copy: int, size: dict[str, int], prefix: str) -> Any:
    if c.name == "id":
        return c + copy * size[t.name]
    for fk in c.foreign_keys:
        parent = fk.column.table.name
        if parent in size:
            return c + copy * size[parent]
    if isinstance(c.type, String) and (c.name in _PREFIXED or c.name.endswith("_platform_id")):
        return literal(prefix, String()) + c
    return c


def copy_rows(source: Engine, target: Connection) -> dict[str, int]:
    """Every row of ``source``'s tables into the empty PostgreSQL store ``target`` with
    ``COPY`` (parents first); sequences are moved past the copied ids. Rows per table."""
    moved: dict[str, int] = {}
    raw = cast(psycopg.Connection[Any], target.connection.dbapi_connection)
    with source.connect() as src, raw.cursor() as cur:
        for t in Base.metadata.sorted_tables:
            names = [c.name for c in t.columns]
            quoted = ", ".join(f'"{n}"' for n in names)
            rows = src.exec_driver_sql(f'SELECT {quoted} FROM "{t.name}"')  # noqa: S608 - model names
            n = 0
            with cur.copy(f'COPY "{t.name}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
            if n:
                moved[t.name] = n
    for name in moved:
        t = _table(name)
        if "id" in t.c and isinstance(t.c.id.type, Integer):
            top = select(func.coalesce(func.max(t.c.id), 1)).scalar_subquery()
            target.execute(select(func.setval(func.pg_get_serial_sequence(name, "id"), top)))
    return moved


def build_store(
    scenario: str, seed: int, k: int, url: str, progress: Callable[[str], None]
) -> tuple[Settings, datetime, dict[int, list[str]]]:
    """Copy 0 through the production upserts (PostgreSQL: staged in SQLite and moved
    with COPY), copies 1..k-1 cloned in SQL. Returns the settings naming every copy's
    schools, the check instant and the school keys per copy."""
    progress(f"scale {k}: generating the scenario and storing copy 0")
    scen = generate(scenario, seed)
    conf = base_settings(scen, url)
    last_day = max(days[-1] for days in scen.school_days.values() if days)
    as_of = datetime.combine(last_day, dtime(17, 0), tzinfo=ZoneInfo(scen.schools[0].time_zone))
    keys_by_copy: dict[int, list[str]] = {}
    for copy in range(k):
        schools = school_configs(scen, prefixer(copy))
        keys_by_copy[copy] = [s["key"] for s in schools]
        conf["schools"].extend(schools)
    first = Settings.model_validate({**conf, "schools": conf["schools"][: len(keys_by_copy[0])]})
    postgres = make_url(url).get_backend_name() == "postgresql"
    with contextlib.ExitStack() as stack:
        stage_url = url
        if postgres:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="classpulse-stage-"))
            stage_url = f"sqlite:///{Path(tmp) / 'copy0.db'}"
            upgrade(stage_url)
        stage = make_engine(stage_url)
        stack.callback(stage.dispose)
        stage_sessions = make_sessionmaker(stage)
        with stage_sessions() as session, session.begin():
            ensure_trust_and_schools(session, first)
        load_scenario(stage_sessions, scen, prefixer(0), now=scen.now)
        target = make_engine(url)
        stack.callback(target.dispose)
        with target.begin() as conn:
            if postgres:
                progress(f"scale {k}: moving copy 0 into PostgreSQL")
                copy_rows(stage, conn)
            size = sizes(conn)
            for copy in range(1, k):
                progress(f"scale {k}: cloning copy {copy} of {k - 1}")
                clone_copy(conn, copy, size)
    return Settings.model_validate(conf), as_of, keys_by_copy
