"""A small Microsoft world built by hand (until the scenario generator speaks Graph)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from connector.records import Platform, Role, SubmissionState, WorkKind, WorkState
from connector.sandbox.scenario.model import (
    ClassSpec,
    GroundTruth,
    MembershipSpec,
    PersonSpec,
    Scenario,
    SchoolSpec,
    SubmissionEvent,
    SubmissionSpec,
    WorkSpec,
)

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
SCHOOL_GRAPH_ID = "5b0c3a52-8f7e-4d1a-9a63-2c4b1e7d9f10"


def gid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "classpulse-test:" + ":".join(map(str, parts))))


def microsoft_world(classes: int = 3, pupils: int = 6, works: int = 3) -> Scenario:
    """``classes`` classes of ``pupils`` pupils and one teacher, ``works`` assignments each.

    Per class: a published assignment with every submission state, a draft, a scheduled
    one (assignDateTime in the future), plus published ones up to ``works`` in all; and a
    published material (a class module).
    """
    school = SchoolSpec(
        id="elmwood", name="Elmwood Academy", platform=Platform.MICROSOFT,
        time_zone="Europe/London", domain="elmwood.sch.uk", admin_email="admin@elmwood.sch.uk",
        platform_school_id=SCHOOL_GRAPH_ID,
    )
    people: dict[str, PersonSpec] = {}
    cls: list[ClassSpec] = []
    work: list[WorkSpec] = []
    subs: list[SubmissionSpec] = []
    start = NOW - timedelta(days=30)
    for c in range(classes):
        teacher = PersonSpec(gid("t", c), "elmwood", f"teacher{c}@elmwood.sch.uk",
                             f"Tess{c}", "Teach", is_staff=True)
        people[teacher.id] = teacher
        spec = ClassSpec(
            id=gid("class", c), school_id="elmwood", name=f"7{c} Maths", section=f"7M{c}",
            subject="Maths", year_group=7, owner_id=teacher.id, created_at=start,
            members=[MembershipSpec(teacher.id, Role.TEACHER, start)], calendar_id=gid("class", c),
        )
        pupil_ids = []
        for p in range(pupils):
            pupil = PersonSpec(gid("p", c, p), "elmwood", f"pupil{c}-{p}@elmwood.sch.uk",
                               f"Pat{p}", f"Pupil{c}", is_staff=False)
            people[pupil.id] = pupil
            pupil_ids.append(pupil.id)
            spec.members.append(MembershipSpec(pupil.id, Role.PUPIL, start))
        cls.append(spec)
        for w in range(works):
            state = WorkState.PUBLISHED
            published: datetime | None = NOW - timedelta(days=5 - w % 5)
            scheduled = None
            if w == 1:
                state, published = WorkState.DRAFT, None
            elif w == 2:
                state, published, scheduled = WorkState.SCHEDULED, None, NOW + timedelta(days=2)
            ws = WorkSpec(
                id=gid("work", c, w), class_id=spec.id, creator_id=teacher.id,
                kind=WorkKind.ASSIGNMENT, state=state, title=f"Homework {w}",
                created_at=NOW - timedelta(days=6), updated_at=NOW - timedelta(days=5),
                published_at=published, scheduled_at=scheduled,
                due_at=NOW - timedelta(days=1), max_points=10.0,
            )
            work.append(ws)
            if state is not WorkState.PUBLISHED:
                continue
            for i, pid in enumerate(pupil_ids):
                subs.append(_submission(ws, pid, i, teacher.id))
        made = NOW - timedelta(days=2)  # a material: served as a published class module
        work.append(WorkSpec(
            id=gid("module", c), class_id=spec.id, creator_id=teacher.id,
            kind=WorkKind.MATERIAL, state=WorkState.PUBLISHED, title="Reading list",
            created_at=made, updated_at=made, published_at=made, scheduled_at=None,
            due_at=None, max_points=None,
        ))
    return Scenario(
        name="graph-test", seed=0, trust_name="Test Trust", schools=[school], people=people,
        classes=cls, work=work, submissions=subs, lessons=[],
        school_days={"elmwood": [date(2026, 11, 20)]}, ground_truth=GroundTruth(), now=NOW,
    )


def _submission(w: WorkSpec, pupil_id: str, i: int, teacher_id: str) -> SubmissionSpec:
    """Pupil i's copy: working, turned in (on time / late), returned (graded), excused."""
    created = w.published_at or w.created_at
    sub = SubmissionSpec(
        id=gid("sub", w.id, pupil_id), work_id=w.id, class_id=w.class_id, pupil_id=pupil_id,
        state=SubmissionState.ASSIGNED, created_at=created, updated_at=created,
    )
    kind = i % 5
    if kind == 0:
        sub.late = w.due_at is not None and w.due_at <= NOW  # not turned in, past due
        return sub
    on_time = NOW - timedelta(days=2)
    late = NOW - timedelta(hours=2)
    sub.turned_in_at = late if kind == 2 else on_time
    sub.late = kind == 2
    sub.state = SubmissionState.TURNED_IN
    sub.updated_at = sub.turned_in_at
    sub.history.append(SubmissionEvent(sub.turned_in_at, SubmissionState.TURNED_IN, pupil_id))
    if kind == 3:
        sub.state = SubmissionState.RETURNED
        sub.returned_at = NOW - timedelta(hours=1)
        sub.assigned_grade = 7.0
        sub.updated_at = sub.returned_at
        sub.history.append(SubmissionEvent(sub.returned_at, SubmissionState.RETURNED,
                                           teacher_id, 7.0))
    elif kind == 4:
        sub.state = SubmissionState.EXCUSED
        sub.updated_at = NOW - timedelta(hours=1)
        sub.history.append(SubmissionEvent(sub.updated_at, SubmissionState.EXCUSED, teacher_id))
    return sub
