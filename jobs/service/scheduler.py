"""APScheduler 3 with its job store in our database.

Jobs run one after another (:mod:`jobs.service.tasks` serialises them), so a sync and a
check never race for the store. No job overlaps itself, missed runs coalesce into one, and
a run missed by more than the grace period (the process was down) is skipped.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import structlog
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from jobs.service.schedules import Planned
from sync.db import make_engine

JOB_TABLE = "apscheduler_jobs"


def jobstore_engine(engine: Engine) -> Engine:
    """Where the timetable lives: our database, except beside a SQLite file.

    SQLite allows one writer: the scheduler thread committing a job's next run time while a
    job's transaction moves from reading to writing makes that job fail at once with
    "database is locked" (WAL cannot wait out a stale snapshot). A sibling file keeps the
    two writers apart; PostgreSQL has no such limit.
    """
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return engine
    return make_engine(str(url.set(database=f"{url.database}.jobs")))


def make_scheduler(engine: Engine, *, misfire_grace_seconds: int) -> BackgroundScheduler:
    store = SQLAlchemyJobStore(engine=jobstore_engine(engine), tablename=JOB_TABLE)
    return BackgroundScheduler(
        jobstores={"default": store},
        executors={"default": ThreadPoolExecutor(max_workers=8)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": misfire_grace_seconds,
        },
        timezone=UTC,
    )


class _ToStructlog(logging.Handler):
    """APScheduler logs through stdlib logging: send its warnings to our JSON lines."""

    def emit(self, record: logging.LogRecord) -> None:
        structlog.get_logger(record.name).log(
            record.levelno, "scheduler." + record.levelname.lower(), message=record.getMessage()
        )


def route_scheduler_logs() -> None:
    logger = logging.getLogger("apscheduler")
    logger.handlers = [_ToStructlog()]
    logger.setLevel(logging.WARNING)
    logger.propagate = False


def add_planned(scheduler: BackgroundScheduler, planned: list[Planned]) -> None:
    """(Re)write the timetable: a restart with a new config replaces the stored jobs."""
    wanted = {p.id for p in planned}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()
    for p in planned:
        kwargs: dict[str, datetime] = {}
        if p.first_run is not None:
            kwargs["next_run_time"] = p.first_run
        scheduler.add_job(p.func, p.trigger, id=p.id, name=p.id, replace_existing=True, **kwargs)
