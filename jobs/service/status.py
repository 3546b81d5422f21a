"""What `classpulse status` reports, read from the store (any replica, or none running)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.orm import Session

from jobs.service.scheduler import JOB_TABLE, jobstore_engine
from sync.models import Finding, OutboundMessage, RunStatus, School, SyncRun


@dataclass(frozen=True, slots=True)
class LastSync:
    platform: str
    school: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    last_success: datetime | None


@dataclass(slots=True)
class Status:
    syncs: list[LastSync] = field(default_factory=list)
    findings: dict[tuple[str, str], int] = field(default_factory=dict)  # (rule, school)
    outbox: dict[str, int] = field(default_factory=dict)  # status -> rows
    next_runs: list[tuple[str, datetime | None]] = field(default_factory=list)


def read_status(engine: Engine, session: Session) -> Status:
    st = Status()
    latest = (
        select(SyncRun.platform, SyncRun.school_key, func.max(SyncRun.id).label("id"))
        .group_by(SyncRun.platform, SyncRun.school_key)
        .subquery()
    )
    for run in session.scalars(select(SyncRun).join(latest, SyncRun.id == latest.c.id)):
        ok = session.scalar(
            select(func.max(SyncRun.ended_at)).where(
                SyncRun.platform == run.platform,
                SyncRun.school_key == run.school_key,
                SyncRun.status.in_([RunStatus.SUCCEEDED, RunStatus.PARTIAL]),
            )
        )
        st.syncs.append(
            LastSync(
                run.platform, run.school_key or "-", run.status.value, run.started_at,
                run.ended_at, ok,
            )
        )
    st.syncs.sort(key=lambda s: (s.school, s.platform))
    rows = session.execute(
        select(Finding.rule, School.key, func.count())
        .join(School, School.id == Finding.school_id)
        .where(Finding.resolved_at.is_(None))
        .group_by(Finding.rule, School.key)
    )
    st.findings = {(rule, school): n for rule, school, n in rows}
    st.outbox = {
        str(status): n
        for status, n in session.execute(
            select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status)
        )
    }
    store = jobstore_engine(engine)
    if inspect(store).has_table(JOB_TABLE):
        with store.connect() as conn:
            jobs = conn.execute(
                text(f"SELECT id, next_run_time FROM {JOB_TABLE} ORDER BY next_run_time")  # noqa: S608
            ).all()
        st.next_runs = [
            (job_id, None if ts is None else datetime.fromtimestamp(float(ts), UTC))
            for job_id, ts in jobs
        ]
    return st
