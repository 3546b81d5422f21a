"""Loading a generated scenario straight into the store, for ``classpulse bench rules``.

No HTTP: each class becomes a :class:`ClassSnapshot` holding the records the connector
would produce from what the API serves at the scenario's end (current roster, every
piece of work and submission in its final state), stored with
:func:`sync.upsert.apply_snapshot`; live lessons become a :class:`LessonSnapshot` stored
with :func:`sync.upsert_lessons.store_lessons`. One transaction per school, so memory
holds one scenario and one school's records at a time.

A store ``k`` times larger holds ``k`` copies: copy ``i`` is the scenario for seed
``seed + i`` with every id, school key and email prefixed ``x<i>-`` (copy 0 unprefixed),
so the copies share nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connector.records import (
    AttendanceRecord,
    ClassRecord,
    ClassSnapshot,
    ClassState,
    LessonSnapshot,
    LiveLessonRecord,
    MembershipRecord,
    PersonRecord,
    Platform,
    RecordingRecord,
    Role,
    SubmissionRecord,
    WorkRecord,
)
from connector.sandbox.scenario.config import settings_for
from connector.sandbox.scenario.model import Scenario
from sync.models import Person, School
from sync.upsert import apply_snapshot
from sync.upsert_lessons import store_lessons

Ids = Callable[[str], str]


def prefixer(copy: int) -> Ids:
    """The id mapping of copy ``copy``: unchanged for copy 0, else ``x<copy>-`` + id."""
    if copy == 0:
        return lambda s: s
    prefix = f"x{copy}-"
    return lambda s: prefix + s


def school_configs(scenario: Scenario, ids: Ids) -> list[dict[str, Any]]:
    """The scenario's schools as config dicts (``SchoolSettings``), keys mapped by ``ids``."""
    conf = settings_for(
        scenario,
        database_url="sqlite://",
        google_endpoint="http://127.0.0.1:9/",
        service_account_file="/dev/null",
        microsoft_base_url="http://127.0.0.1:9/v1.0",
        microsoft_authority="http://127.0.0.1:9",
        outbox_dir="/tmp/classpulse-bench-outbox",  # noqa: S108 - never written by the bench
    )
    schools: list[dict[str, Any]] = conf["schools"]
    for s in schools:
        s["key"] = ids(s["key"])
        if "microsoft" in s:
            s["microsoft"]["school_id"] = ids(s["microsoft"]["school_id"])
    return schools


def base_settings(scenario: Scenario, database_url: str) -> dict[str, Any]:
    """The non-school part of the config for ``scenario`` (schools filled by the caller)."""
    conf = settings_for(
        scenario,
        database_url=database_url,
        google_endpoint="http://127.0.0.1:9/",
        service_account_file="/dev/null",
        microsoft_base_url="http://127.0.0.1:9/v1.0",
        microsoft_authority="http://127.0.0.1:9",
        outbox_dir="/tmp/classpulse-bench-outbox",  # noqa: S108 - never written by the bench
    )
    conf["schools"] = []
    return conf


def load_scenario(
    sessions: sessionmaker[Session], scenario: Scenario, ids: Ids, *, now: datetime
) -> int:
    """Store every school of ``scenario`` (ids mapped by ``ids``); returns classes stored.

    The School rows must exist already (:func:`sync.registry.ensure_trust_and_schools`).
    """
    people = scenario.people
    end = scenario.now
    work_by_class: dict[str, list[Any]] = defaultdict(list)
    for w in scenario.work:
        work_by_class[w.class_id].append(w)
    subs_by_class: dict[str, list[Any]] = defaultdict(list)
    for sub in scenario.submissions:
        subs_by_class[sub.class_id].append(sub)
    lessons_by_school: dict[str, list[Any]] = defaultdict(list)
    class_school = {c.id: c.school_id for c in scenario.classes}
    for les in scenario.lessons:
        school_id = class_school.get(les.class_id or "") or people[les.organiser_id].school_id
        lessons_by_school[school_id].append(les)

    classes = 0
    for spec in scenario.schools:
        platform = spec.platform
        with sessions() as session, session.begin():
            school = session.scalars(select(School).where(School.key == ids(spec.id))).one()
            for c in (c for c in scenario.classes if c.school_id == spec.id):
                members = [
                    m for m in c.members
                    if m.joined_at <= end and (m.left_at is None or m.left_at > end)
                ]  # fmt: skip
                member_ids = {m.person_id for m in members}
                subs = [s for s in subs_by_class[c.id] if s.pupil_id in member_ids]
                snap = ClassSnapshot(
                    klass=ClassRecord(
                        platform=platform,
                        platform_id=ids(c.id),
                        name=c.name,
                        section=c.section,
                        state=ClassState.ARCHIVED if c.archived else ClassState.ACTIVE,
                        owner_platform_id=ids(c.owner_id),
                        alternate_link=None,
                        created_at=c.created_at,
                        updated_at=c.created_at,
                        calendar_ref=ids(c.calendar_id) if c.calendar_id else None,
                        school_platform_id=(
                            ids(spec.platform_school_id) if spec.platform_school_id else None
                        ),
                    ),
                    members=[
                        MembershipRecord(platform, ids(c.id), ids(m.person_id), m.role)
                        for m in members
                    ],
                    people=[_person(platform, people[m.person_id], ids) for m in members],
                    work=[_work(platform, w, ids) for w in work_by_class[c.id]],
                    submissions=[_submission(platform, s, ids) for s in subs],
                )
                apply_snapshot(session, school, snap, now=now)
                classes += 1
            _store_lessons(session, school, platform, lessons_by_school[spec.id], people, ids, now)
    return classes


def _person(platform: Platform, p: Any, ids: Ids) -> PersonRecord:
    return PersonRecord(
        platform=platform,
        platform_id=ids(p.id),
        email=ids(p.email),
        given_name=p.given_name,
        family_name=p.family_name,
        full_name=f"{p.given_name} {p.family_name}",
    )


def _work(platform: Platform, w: Any, ids: Ids) -> WorkRecord:
    return WorkRecord(
        platform=platform,
        platform_id=ids(w.id),
        class_platform_id=ids(w.class_id),
        kind=w.kind,
        state=w.state,
        title=w.title,
        created_at=w.created_at,
        updated_at=w.updated_at,
        published_at=w.published_at,
        scheduled_at=w.scheduled_at,
        due_at=w.due_at,
        alternate_link=None,
        creator_platform_id=ids(w.creator_id),
        topic=w.topic,
        max_points=w.max_points,
    )


def _submission(platform: Platform, s: Any, ids: Ids) -> SubmissionRecord:
    return SubmissionRecord(
        platform=platform,
        platform_id=ids(s.id),
        class_platform_id=ids(s.class_id),
        work_platform_id=ids(s.work_id),
        pupil_platform_id=ids(s.pupil_id),
        state=s.state,
        late=s.late,
        graded=s.assigned_grade is not None,
        turned_in_at=s.turned_in_at,
        returned_at=s.returned_at,
        updated_at=s.updated_at,
    )


def _store_lessons(
    session: Session,
    school: School,
    platform: Platform,
    lessons: list[Any],
    people: dict[str, Any],
    ids: Ids,
    now: datetime,
) -> None:
    part = LessonSnapshot()
    for les in lessons:
        lid = ids(les.id)
        part.lessons.append(
            LiveLessonRecord(
                platform=platform,
                platform_id=lid,
                class_platform_id=ids(les.class_id) if les.class_id else None,
                organiser_platform_id=ids(les.organiser_id),
                title=les.title,
                started_at=les.started_at,
                ended_at=les.ended_at,
                join_ref=les.meeting_code,
            )
        )
        for a in les.attendance:
            person = people.get(a.person_id)
            part.attendance.append(
                AttendanceRecord(
                    platform=platform,
                    lesson_platform_id=lid,
                    person_platform_id=ids(a.person_id),
                    email=ids(person.email) if person else None,
                    role=(Role.TEACHER if person and person.is_staff else Role.PUPIL),
                    seconds=int((a.left_at - a.joined_at).total_seconds()),
                    first_joined_at=a.joined_at,
                    last_left_at=a.left_at,
                )
            )
        if les.recorded:
            part.recordings.append(
                RecordingRecord(
                    platform=platform,
                    platform_id=ids(les.recording_id or les.id + "-rec"),
                    lesson_platform_id=lid,
                    started_at=les.started_at,
                    ended_at=les.ended_at,
                )
            )
    if not part.lessons:
        return
    wanted = sorted({a.person_platform_id for a in part.attendance if a.person_platform_id})
    wanted += sorted({x.organiser_platform_id for x in part.lessons if x.organiser_platform_id})
    person_ids: dict[str, int] = {}
    for i in range(0, len(wanted), 500):
        rows = session.execute(
            select(Person.platform_id, Person.id).where(
                Person.platform == platform, Person.platform_id.in_(wanted[i : i + 500])
            )
        )
        person_ids.update({pid: int(rid) for pid, rid in rows})
    store_lessons(session, school, platform, part, person_ids, now=now)
