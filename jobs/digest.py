"""The weekly digest (R5): one email per school to its leaders, and a roll-up for the trust.

``queue_digests`` decides which digests are due, measures each school's week and the week
before it, renders the email with its charts and queues one outbox row per leader, keyed
``leader:digest:YYYY-Www`` (``trust_digest`` for the roll-up), so a week's digest is
queued once however often the job runs. It does not commit: the caller does (or rolls
back, for a dry run). Every school or leader not queued gets a counted reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.digest import DigestSchedule
from config.messages import Weekday
from config.settings import SchoolSettings, Settings
from jobs.calendar import SchoolCalendar
from jobs.charts import Chart
from jobs.digest_content import (
    content_id,
    school_charts,
    school_context,
    trust_charts,
    trust_context,
)
from jobs.digest_report import SchoolWeek, measure_week
from jobs.digest_week import Week
from jobs.emails import InlineImage, RenderedEmail, render
from jobs.message_queue import is_queued, message_key, queue_message
from jobs.sendwindow import StaffTime
from sync.models import School

log = structlog.get_logger(__name__)

DIGEST_KIND = "digest"
TRUST_KIND = "trust_digest"


@dataclass(slots=True)
class DigestSummary:
    queued: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    # (recipient, kind, week, subject) of each message queued, for the CLI to show.
    messages: list[tuple[str, str, str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DigestEmail:
    content: RenderedEmail
    images: list[InlineImage]


def due_week(schedule: DigestSchedule, calendar: SchoolCalendar, now: datetime) -> Week | None:
    """This week, once its digest instant has passed on the local clock; else None."""
    week = Week.of(calendar.local_date(now))
    due = calendar.local_instant(week.day(list(Weekday).index(schedule.day)), schedule.time)
    return week if now >= due else None


def images_of(charts: list[Chart]) -> list[InlineImage]:
    return [InlineImage(content_id(c), "image/png", f"{c.name}.png", c.png) for c in charts]


def measure_pair(
    session: Session, row: School, school: SchoolSettings, week: Week, now: datetime
) -> tuple[SchoolWeek, SchoolWeek]:
    """``week`` at ``school`` as of ``now``, and the whole week before it."""
    calendar = SchoolCalendar.for_school(school)
    this = measure_week(session, row, school, calendar, week, now=now)
    last = measure_week(session, row, school, calendar, week.previous(), now=now)
    return this, last


def school_digest(this: SchoolWeek, last: SchoolWeek) -> DigestEmail:
    charts = school_charts(this, last)
    content = render("digest", school_context(this, last, charts))
    return DigestEmail(content, images_of(charts))


def trust_digest(trust_name: str, pairs: list[tuple[SchoolWeek, SchoolWeek]]) -> DigestEmail:
    charts = trust_charts([w for w, _ in pairs])
    content = render("trust_digest", trust_context(trust_name, pairs, charts))
    return DigestEmail(content, images_of(charts))


def _queue_to(
    session: Session,
    summary: DigestSummary,
    leaders: list[str],
    kind: str,
    week: Week,
    school_id: int | None,
    make: Callable[[], DigestEmail],
    when: StaffTime | None,
    now: datetime,
) -> None:
    """Queue the digest ``make()`` builds (on first need) to each leader not yet queued."""
    build: DigestEmail | None = None
    for leader in leaders:
        key = message_key(leader, kind, week.label)
        if is_queued(session, key):
            summary.skipped["already-sent"] += 1
            continue
        send_at = now
        if when is not None:
            nxt = when.next_open(leader, now)
            if nxt is None:
                summary.skipped["no-working-day"] += 1
                continue
            send_at = nxt
        if build is None:
            build = make()
        if queue_message(
            session,
            key=key,
            kind=kind,
            period=week.label,
            school_id=school_id,
            email=leader,
            name=None,
            content=build.content,
            images=build.images,
            now=now,
            send_at=send_at,
        ):
            summary.queued += 1
            summary.messages.append((leader, kind, week.label, build.content.subject))
        else:
            summary.skipped["already-sent"] += 1


def queue_digests(
    session: Session, settings: Settings, *, now: datetime, week: Week | None = None
) -> DigestSummary:
    """Queue each school's digest (and the trust's) that is due at ``now``, or for ``week``.

    Without ``week`` a digest is due from its configured day and time in the current
    week; with it, the given week is sent now (within the leaders' send window).
    """
    summary = DigestSummary()
    measured: dict[tuple[str, Week], tuple[SchoolWeek, SchoolWeek]] = {}
    rows: dict[str, School] = {}
    for school in settings.schools:
        row = session.scalar(select(School).where(School.key == school.key))
        if row is None:
            summary.skipped["not-synced"] += 1
            continue
        rows[school.key] = row
        calendar = SchoolCalendar.for_school(school)
        w = week or due_week(school.digest, calendar, now)
        if w is None:
            summary.skipped["not-due"] += 1
            continue
        if not school.leaders:
            summary.skipped["no-leaders"] += 1
            continue

        def make(school: SchoolSettings = school, row: School = row, w: Week = w) -> DigestEmail:
            pair = measure_pair(session, row, school, w, now)
            measured[(school.key, w)] = pair
            return school_digest(*pair)

        when = StaffTime(calendar, school.messages)
        _queue_to(session, summary, school.leaders, DIGEST_KIND, w, row.id, make, when, now)
    trust = settings.trust.digest
    if trust.leaders:
        zone_cal = SchoolCalendar(trust.time_zone, "england")
        tw = week or due_week(trust, zone_cal, now)
        if tw is None:
            summary.skipped["not-due"] += 1
        elif rows:

            def make_trust() -> DigestEmail:
                pairs = [
                    measured.get((s.key, tw)) or measure_pair(session, rows[s.key], s, tw, now)
                    for s in settings.schools
                    if s.key in rows
                ]
                return trust_digest(settings.trust.name, pairs)

            _queue_to(session, summary, trust.leaders, TRUST_KIND, tw, None, make_trust, None, now)
    log.info("digest.done", queued=summary.queued, skipped=dict(summary.skipped))
    return summary
