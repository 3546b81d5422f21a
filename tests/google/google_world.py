"""A hand-built world for end-to-end reads: one Google school, every state once, big enough
to page (a 40-pupil roster, 200+ submissions), plus a Microsoft school Google must not show.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
from connector.sandbox.world import World

NOW = datetime(2026, 3, 13, 17, 30, tzinfo=UTC)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
ADMIN = "admin@hill.sch.uk"
BIG, SMALL, OLD, TEAMS = "600000000001", "600000000002", "600000000003", "600000000004"
TEACHER = "110000000000000000001"
PUPILS = [f"2100000000000000000{i:02d}" for i in range(40)]


def _school(sid: str, platform: Platform) -> SchoolSpec:
    domain = f"{sid}.sch.uk"
    return SchoolSpec(id=sid, name=sid.title(), platform=platform, time_zone="Europe/London",
                      domain=domain, admin_email=f"admin@{domain}")


def _class(cid: str, school: str, pupils: list[str], archived: bool = False) -> ClassSpec:
    members = [MembershipSpec(TEACHER, Role.TEACHER, T0 - timedelta(days=30))]
    members += [MembershipSpec(p, Role.PUPIL, T0 - timedelta(days=30)) for p in pupils]
    return ClassSpec(id=cid, school_id=school, name=f"Class {cid[-1]}", section="7",
                     subject="Maths", year_group=7, owner_id=TEACHER, created_at=T0,
                     members=members, calendar_id=f"c{cid}@group.calendar.google.com",
                     archived=archived)


def _work(wid: str, cid: str, kind: WorkKind, state: WorkState, **kw: object) -> WorkSpec:
    created = T0 + timedelta(hours=int(wid[-2:]))
    published = created if state is WorkState.PUBLISHED else None
    spec = WorkSpec(id=wid, class_id=cid, creator_id=TEACHER, kind=kind, state=state,
                    title=f"{kind.value} {wid[-2:]}", created_at=created, updated_at=created,
                    published_at=published)
    for key, value in kw.items():
        setattr(spec, key, value)
    return spec


def build_world() -> World:
    people = {TEACHER: PersonSpec(TEACHER, "hill", "t@hill.sch.uk", "Tess", "Teach", True)}
    for i, p in enumerate(PUPILS):
        people[p] = PersonSpec(p, "hill", f"p{i}@hill.sch.uk", "Pat", f"Pupil{i}", False)
    classes = [
        _class(BIG, "hill", PUPILS),
        _class(SMALL, "hill", PUPILS[:3]),
        _class(OLD, "hill", PUPILS[:2], archived=True),
        _class(TEAMS, "birch", []),
    ]
    due = datetime(2026, 3, 12, 15, 0, tzinfo=UTC)
    work = [
        _work("700000000001", BIG, WorkKind.ASSIGNMENT, WorkState.PUBLISHED, due_at=due,
              max_points=10.0),
        _work("700000000002", BIG, WorkKind.QUESTION, WorkState.PUBLISHED),
        _work("700000000003", BIG, WorkKind.ASSIGNMENT, WorkState.PUBLISHED),
        _work("700000000004", BIG, WorkKind.ASSIGNMENT, WorkState.PUBLISHED),
        _work("700000000005", BIG, WorkKind.ASSIGNMENT, WorkState.PUBLISHED),
        _work("700000000006", BIG, WorkKind.ASSIGNMENT, WorkState.PUBLISHED),
        _work("700000000010", BIG, WorkKind.MATERIAL, WorkState.PUBLISHED),
        _work("700000000011", BIG, WorkKind.ANNOUNCEMENT, WorkState.PUBLISHED),
        _work("700000000012", BIG, WorkKind.ASSIGNMENT, WorkState.DRAFT),
        _work("700000000013", BIG, WorkKind.ASSIGNMENT, WorkState.SCHEDULED,
              scheduled_at=NOW + timedelta(days=2)),
        _work("700000000020", SMALL, WorkKind.ASSIGNMENT, WorkState.PUBLISHED, due_at=due),
    ]
    subs: list[SubmissionSpec] = []
    states = [SubmissionState.ASSIGNED, SubmissionState.TURNED_IN, SubmissionState.RETURNED,
              SubmissionState.RECLAIMED]
    for w in work:
        if w.state is not WorkState.PUBLISHED or w.kind not in (WorkKind.ASSIGNMENT,
                                                               WorkKind.QUESTION):
            continue
        pupils = PUPILS if w.class_id == BIG else PUPILS[:3]
        for i, p in enumerate(pupils):
            state = states[i % 4]
            history = [SubmissionEvent(w.created_at, SubmissionState.ASSIGNED, p)]
            turned = returned = None
            if state is not SubmissionState.ASSIGNED:
                turned = w.created_at + timedelta(hours=5)
                history.append(SubmissionEvent(turned, SubmissionState.TURNED_IN, p))
            if state is SubmissionState.RETURNED:
                returned = turned + timedelta(hours=5) if turned else None
                history.append(SubmissionEvent(returned or NOW, state, TEACHER, grade=8.0))
            if state is SubmissionState.RECLAIMED:
                history.append(SubmissionEvent(w.created_at + timedelta(hours=6), state, p))
            subs.append(SubmissionSpec(
                id=f"Cg{w.id[-2:]}{i:03d}", work_id=w.id, class_id=w.class_id, pupil_id=p,
                state=state, created_at=w.created_at, updated_at=history[-1].at,
                late=i % 5 == 0 and turned is not None,
                assigned_grade=8.0 if state is SubmissionState.RETURNED else None,
                turned_in_at=turned, returned_at=returned, history=history))
    scenario = Scenario(
        name="google-connector", seed=1, trust_name="Hill Trust",
        schools=[_school("hill", Platform.GOOGLE), _school("birch", Platform.MICROSOFT)],
        people=people, classes=classes, work=work, submissions=subs, lessons=[],
        school_days={"hill": [], "birch": []}, ground_truth=GroundTruth(), now=NOW,
    )
    return World(scenario)
