"""One school's live-lesson sync: read a look-back window of calls, store them in parts.

Lessons arrive late (attendance and recordings hours after the call), so every run
re-reads a window ending now and starting ``sync.lookback_days`` before the newest call
end already stored (the ``lessons`` cursor, one per school) — or before now on a full
run or the first one. The source may shorten the window to what its platform keeps
(Meet: 30 days). Re-reading is idempotent: unchanged rows are not written.

Each part the source yields is stored in one transaction with its issues and the run's
counters; the cursor rides with the last part, so it is never ahead of its rows. The run
is a ``SyncRun`` (platform, school) whose ``cursors_moved`` holds the ``lessons`` key.
A stop (service shutdown: ``should_stop`` between parts, or the source's
:class:`connector.stop.StopRequestedError` from inside a wait) keeps the parts stored,
leaves the cursor where it was and ends the run FAILED, "stopped".

Calls stored that ended more than ``SETTLE`` before the run are *settled*: the source
still lists them but does not read their participants, sessions and recordings again
(a daily run re-reads about three days of calls, not the whole window); calls that ended
more than ``ATTENDANCE_SETTLE`` before are *attended*: only their recordings are read
again. A full run re-reads everything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.settings import SchoolSettings
from connector.records import ClassState, LessonClass, LessonSnapshot, Role, StaffMember
from connector.source import LessonSource
from connector.stop import StopRequestedError
from sync.cursors import clamp_to, get_cursor, set_cursor
from sync.issues import add_issues, run_error
from sync.models import (
    LiveLesson,
    Membership,
    Person,
    RunStatus,
    School,
    SchoolClass,
    SyncRun,
)
from sync.upsert_lessons import store_lessons
from sync.upsert_merge import chunks
from sync.upsert_roster import drop_erased

log = structlog.get_logger(__name__)

LESSONS_STREAM = "lessons"
# Meet's data about a call is complete once the call has ended and its recording file is
# made (hours); three days leaves room for a late recording to be seen by a daily run.
SETTLE = timedelta(days=3)
# Who attended is known once the call has ended (Meet ends the conference when the last
# participant leaves; Teams writes the attendance report after the meeting). An hour's
# margin, then only the recording is looked for: on a 15-minute timetable re-reading
# three days of attendance would be most of Meet's calls (a sessions call per
# participant) for nothing. The nightly full run reads everything again.
ATTENDANCE_SETTLE = timedelta(hours=1)


@dataclass(slots=True)
class LessonSyncSummary:
    run_id: int
    school_key: str
    platform: str
    status: RunStatus
    since: datetime
    lessons: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    records_skipped: int = 0
    requests: int = 0
    api_calls: int = 0
    error: str | None = None


def sync_lessons(
    sessions: sessionmaker[Session],
    school_settings: SchoolSettings,
    source: LessonSource,
    *,
    clock: Callable[[], datetime],
    full: bool,
    lookback_days: int = 21,
    should_stop: Callable[[], bool] | None = None,
) -> LessonSyncSummary:
    """Sync one school's live lessons from ``source``. Connector errors end the run
    FAILED (parts stored before the error are kept), they are not raised; so does a
    stop, asked for between parts by ``should_stop``."""
    platform = source.platform.value
    started = clock()
    with sessions() as session, session.begin():
        school = session.scalars(select(School).where(School.key == school_settings.key)).one()
        cursor = None if full else get_cursor(session, platform, LESSONS_STREAM, school.key)
        since = window_start(cursor, started, timedelta(days=lookback_days))
        run = SyncRun(platform=platform, school_key=school.key, full=full, started_at=started,
                      cursors_moved={LESSONS_STREAM: 0})
        session.add(run)
        session.flush()
        run_id, school_id = run.id, school.id
        classes, staff = lesson_scope(session, school)
        ended = {} if full else ended_lessons(
            session, school, since, started - ATTENDANCE_SETTLE)
        settled = {pid for pid, at in ended.items() if at < started - SETTLE}
        attended = set(ended) - settled
    summary = LessonSyncSummary(run_id, school_settings.key, platform, RunStatus.RUNNING, since)
    log.info("lessons.start", school=school_settings.key, run=run_id, since=since.isoformat())
    try:
        parts = source.read_lessons(
            classes, staff, since=since, until=started, settled=settled, attended=attended)
        for part in parts:
            _store(sessions, source, school_id, run_id, part, started, clock(), summary)
            if should_stop is not None and should_stop():
                raise StopRequestedError("stopped")
        status = RunStatus.PARTIAL if summary.records_skipped else RunStatus.SUCCEEDED
    except Exception as e:
        status = RunStatus.FAILED
        summary.error = run_error(e)
        if isinstance(e, StopRequestedError):
            log.info("lessons.stopped", school=school_settings.key, run=run_id,
                     lessons=summary.lessons)
        else:
            log.error("lessons.failed", school=school_settings.key, run=run_id,
                      error=summary.error)
    stats = source.stats
    summary.status, summary.requests, summary.api_calls = status, stats.requests, stats.api_calls
    with sessions() as session, session.begin():
        run = session.get_one(SyncRun, run_id)
        run.status, run.error, run.ended_at = status, summary.error, clock()
        run.requests, run.api_calls = stats.requests, stats.api_calls
    log.info("lessons.end", run=run_id, status=status.value, lessons=summary.lessons,
             inserted=summary.rows_inserted, updated=summary.rows_updated,
             skipped=summary.records_skipped)
    return summary


# Runs start a little later each time (the schools before take a while): a lesson run
# this much short of the interval still counts as due, so an hourly read stays hourly.
DUE_SLACK = timedelta(minutes=2)


def lessons_due(
    sessions: sessionmaker[Session],
    platform: str,
    school_key: str,
    now: datetime,
    every: timedelta,
) -> bool:
    """Whether the school's lessons should be read at ``now``: no lesson run of its
    platform that worked started within ``every`` (less :data:`DUE_SLACK`) before."""
    if every <= DUE_SLACK:
        return True
    with sessions() as session:
        recent = session.execute(
            select(SyncRun.cursors_moved).where(
                SyncRun.platform == platform,
                SyncRun.school_key == school_key,
                SyncRun.status.in_([RunStatus.SUCCEEDED, RunStatus.PARTIAL]),
                SyncRun.started_at > now - every + DUE_SLACK,
                SyncRun.started_at <= now,
            )
        ).scalars()
        return not any(LESSONS_STREAM in (moved or {}) for moved in recent)


def window_start(cursor: str | None, now: datetime, lookback: timedelta) -> datetime:
    """``lookback`` before the newest call end stored (never later than now), or before
    now when there is no usable cursor."""
    newest = now
    if cursor:
        try:
            at = datetime.fromisoformat(cursor)
        except ValueError:
            at = None
        if at is not None and at.tzinfo is not None and at < now:
            newest = at
    return newest - lookback


def ended_lessons(
    session: Session, school: School, since: datetime, ended_before: datetime
) -> dict[str, datetime]:
    """The school's stored lessons that ended between the two times: platform id -> end."""
    rows = session.execute(
        select(LiveLesson.platform_id, LiveLesson.ended_at).where(
            LiveLesson.school_id == school.id,
            LiveLesson.ended_at.is_not(None),
            LiveLesson.ended_at >= since,
            LiveLesson.ended_at < ended_before,
        )
    )
    return {pid: at for pid, at in rows if at is not None}


def lesson_scope(session: Session, school: School) -> tuple[list[LessonClass], list[StaffMember]]:
    """The school's stored classes (with calendars and rosters) and its teaching staff."""
    rows = session.execute(
        select(SchoolClass.id, SchoolClass.platform_id, SchoolClass.calendar_ref,
               SchoolClass.owner_platform_id)
        # Active classes only: archived and provisioned ones hold no lessons, and each
        # class read costs a calendar request. Their calls still come in via staff lists.
        .where(
            SchoolClass.school_id == school.id,
            SchoolClass.deleted_at.is_(None),
            SchoolClass.state == ClassState.ACTIVE,
        )
        .order_by(SchoolClass.platform_id)
    ).all()
    members: dict[int, list[tuple[Role, str, str | None]]] = {}
    for batch in chunks([r.id for r in rows]):
        stmt = (
            select(Membership.class_id, Membership.role, Person.platform_id, Person.email)
            .join(Person, Person.id == Membership.person_id)
            .where(Membership.class_id.in_(batch), Membership.left_at.is_(None))
            .order_by(Person.platform_id)
        )
        for class_id, role, pid, email in session.execute(stmt):
            members.setdefault(class_id, []).append((role, pid, email))
    classes: list[LessonClass] = []
    staff: dict[str, StaffMember] = {}
    for r in rows:
        people = members.get(r.id, [])
        teachers = [(pid, email) for role, pid, email in people if role is Role.TEACHER]
        # The owner first: the course calendar and the class's Meet space are theirs.
        teachers.sort(key=lambda t: t[0] != r.owner_platform_id)
        classes.append(
            LessonClass(
                platform_id=r.platform_id,
                calendar_ref=r.calendar_ref,
                teacher_emails=tuple(e for _, e in teachers if e),
                teacher_ids=frozenset(pid for pid, _ in teachers),
                pupil_ids=frozenset(pid for role, pid, _ in people if role is Role.PUPIL),
            )
        )
        for pid, email in teachers:
            if email:
                staff.setdefault(pid, StaffMember(pid, email))
    return classes, sorted(staff.values(), key=lambda s: s.platform_id)


def _store(
    sessions: sessionmaker[Session],
    source: LessonSource,
    school_id: int,
    run_id: int,
    part: LessonSnapshot,
    started: datetime,
    now: datetime,
    summary: LessonSyncSummary,
) -> None:
    """One part's rows, issues, counters and (on the last part) cursor: one transaction."""
    with sessions() as session, session.begin():
        school = session.get_one(School, school_id)
        drop_erased(session, source.platform, part)  # R7: erased pupils stay out
        person_ids = _person_ids(session, source, part)
        merged, refused = store_lessons(
            session, school, source.platform, part, person_ids, now=now
        )
        run = session.get_one(SyncRun, run_id)
        value = part.cursor.get(LESSONS_STREAM)
        if value is not None:
            value = clamp_to(value, started)
            if set_cursor(session, source.platform.value, LESSONS_STREAM, school.key, value,
                          now=now):
                run.cursors_moved = {LESSONS_STREAM: 1}
        issues = [*part.skipped, *refused]
        add_issues(session, run_id, issues, now)
        run.rows_inserted += merged.inserted
        run.rows_updated += merged.updated
        run.records_skipped += len(issues)
        stats = source.stats
        run.requests, run.api_calls = stats.requests, stats.api_calls
    summary.lessons += len(part.lessons)
    summary.rows_inserted += merged.inserted
    summary.rows_updated += merged.updated
    summary.records_skipped += len(issues)


def _person_ids(session: Session, source: LessonSource, part: LessonSnapshot) -> dict[str, int]:
    wanted = {x.organiser_platform_id for x in part.lessons if x.organiser_platform_id}
    wanted |= {a.person_platform_id for a in part.attendance if a.person_platform_id}
    out: dict[str, int] = {}
    for batch in chunks(sorted(wanted)):
        stmt = select(Person.platform_id, Person.id).where(
            Person.platform == source.platform, Person.platform_id.in_(batch)
        )
        out.update({pid: id_ for pid, id_ in session.execute(stmt)})
    return out
