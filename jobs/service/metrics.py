"""Prometheus metrics, every name prefixed ``classpulse_``.

Counters are bumped by the jobs as they finish; findings and outbox gauges are read from
the store at scrape time, so they are right on any replica and after a restart.
"""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from connector.observe import ApiCall
from sync.lessons import LessonSyncSummary
from sync.models import Finding, OutboundMessage, School
from sync.runner import SyncRunSummary

log = structlog.get_logger(__name__)


class StoreCollector(Collector):
    """Open findings by rule and school, outbox messages by kind and state."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        findings = GaugeMetricFamily(
            "classpulse_findings_open", "Findings not yet resolved.", labels=["rule", "school"]
        )
        outbox = GaugeMetricFamily(
            "classpulse_outbox_messages", "Outbox rows by state.", labels=["kind", "status"]
        )
        try:
            with self.sessions() as session:
                rows = session.execute(
                    select(Finding.rule, School.key, func.count())
                    .join(School, School.id == Finding.school_id)
                    .where(Finding.resolved_at.is_(None))
                    .group_by(Finding.rule, School.key)
                )
                for rule, school, n in rows:
                    findings.add_metric([rule, school], n)
                msgs = session.execute(
                    select(OutboundMessage.kind, OutboundMessage.status, func.count()).group_by(
                        OutboundMessage.kind, OutboundMessage.status
                    )
                )
                for kind, status, n in msgs:
                    outbox.add_metric([kind, str(status)], n)
        except Exception as e:  # a scrape must answer even when the store does not
            log.warning("metrics.store_unavailable", error=type(e).__name__)
        yield findings
        yield outbox


class Metrics:
    """The service's registry and the counters its jobs bump."""

    def __init__(self, sessions: sessionmaker[Session] | None = None) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        # Bumped by connector.observe (installed with the runtime): per call, batch parts
        # under their own resource; envelopes only in classpulse_api_batches.
        self.api_requests = Counter(
            "classpulse_api_requests",
            "API calls answered (or not), by resource; calls inside batches count one each.",
            ["platform", "resource"],
            registry=r,
        )
        self.api_throttled = Counter(
            "classpulse_api_throttled",
            "429 answers from the platforms (retried), by resource.",
            ["platform", "resource"],
            registry=r,
        )
        self.api_errors = Counter(
            "classpulse_api_errors",
            "5xx answers, and calls that got no answer (status=\"none\"), by resource.",
            ["platform", "resource", "status"],
            registry=r,
        )
        self.api_batches = Counter(
            "classpulse_api_batches",
            "Batch envelopes sent (Google batch, Graph $batch), by outcome.",
            ["platform", "status"],
            registry=r,
        )
        self.sync_runs = Counter(
            "classpulse_sync_runs", "Sync runs by outcome.", ["platform", "school", "status"],
            registry=r,
        )
        self.sync_rows = Counter(
            "classpulse_sync_rows", "Rows written by syncs.", ["platform", "school", "change"],
            registry=r,
        )
        self.sync_duration = Histogram(
            "classpulse_sync_duration_seconds",
            "Wall time of one school's sync run.",
            ["platform", "school"],
            buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
            registry=r,
        )
        self.messages = Counter(
            "classpulse_messages",
            "Messages queued, and sent or failed for good (event).",
            ["event"], registry=r
        )
        self.job_runs = Counter("classpulse_job_runs", "Scheduled job runs.", ["job"], registry=r)
        self.job_failures = Counter(
            "classpulse_job_failures", "Scheduled job runs that raised.", ["job"], registry=r
        )
        self.leader = Gauge(
            "classpulse_leader", "1 while this replica runs the schedule.", registry=r
        )
        if sessions is not None:
            r.register(StoreCollector(sessions))

    def observe_api(self, call: ApiCall) -> None:
        """The connectors' observer (connector.observe)."""
        status = "none" if call.status is None else str(call.status)
        if call.batch:
            self.api_batches.labels(call.platform, status).inc()
        else:
            self.api_requests.labels(call.platform, call.resource).inc()
        if call.status == 429:
            self.api_throttled.labels(call.platform, call.resource).inc()
        elif call.status is None or call.status >= 500:
            self.api_errors.labels(call.platform, call.resource, status).inc()

    def record_sync(self, run: SyncRunSummary, seconds: float) -> None:
        p, s = run.platform, run.school_key
        self.sync_runs.labels(p, s, run.status.value).inc()
        for change, n in (
            ("inserted", run.rows_inserted),
            ("updated", run.rows_updated),
            ("deleted", run.rows_deleted),
        ):
            self.sync_rows.labels(p, s, change).inc(n)
        self.sync_duration.labels(p, s).observe(seconds)

    def record_lessons(self, run: LessonSyncSummary) -> None:
        self.sync_runs.labels(run.platform, run.school_key, run.status.value).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
