"""What a recipient would be sent now, as one HTML file: `classpulse preview`.

Nothing is queued or sent. The digest's charts are inlined as ``data:`` URIs so the file
shows them in a browser; the email itself references them as ``cid:`` parts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from jobs.calendar import SchoolCalendar
from jobs.digest import due_week, measure_pair, school_digest, trust_digest
from jobs.digest_week import Week
from jobs.message_queue import inline_for_preview
from sync.models import School


class PreviewError(Exception):
    """Nothing to preview for this recipient (not a leader, nothing open…)."""


def _rows(session: Session, settings: Settings) -> dict[str, School]:
    keys = [s.key for s in settings.schools]
    return {r.key: r for r in session.scalars(select(School).where(School.key.in_(keys)))}


def preview_digest(
    session: Session, settings: Settings, email: str, *, now: datetime, week: Week | None = None
) -> str:
    """The digest ``email`` leads: their school's, else the trust roll-up."""
    wanted = email.strip().lower()
    rows = _rows(session, settings)
    for school in settings.schools:
        if wanted in (x.strip().lower() for x in school.leaders):
            row = rows.get(school.key)
            if row is None:
                raise PreviewError(f"school {school.key!r} has not been synced yet")
            calendar = SchoolCalendar.for_school(school)
            w = week or due_week(school.digest, calendar, now) or Week.of(calendar.local_date(now))
            built = school_digest(*measure_pair(session, row, school, w, now))
            return inline_for_preview(built.content.html, built.images)
    if wanted in (x.lower() for x in settings.trust.digest.leaders):
        zone = SchoolCalendar(settings.trust.digest.time_zone, "england")
        w = week or Week.of(zone.local_date(now))
        pairs = [
            measure_pair(session, rows[s.key], s, w, now) for s in settings.schools if s.key in rows
        ]
        if not pairs:
            raise PreviewError("no school has been synced yet")
        built = trust_digest(settings.trust.name, pairs)
        return inline_for_preview(built.content.html, built.images)
    raise PreviewError(f"{email} is not a leader of any school or of the trust")


def preview_nudge(session: Session, settings: Settings, email: str, *, now: datetime) -> str:
    """The nudge ``email`` would get now, built as the sender would build it."""
    from jobs.notify import build_nudge

    rows = _rows(session, settings)
    for school in settings.schools:
        row = rows.get(school.key)
        if row is None:
            continue
        built = build_nudge(session, school, row.id, email.strip().lower(), now=now)
        if built is not None:
            return built.html
    raise PreviewError(f"nothing is open for {email}: no nudge would be sent")
