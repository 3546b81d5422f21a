"""Small hand-built scenarios for the Google sandbox: every state and work type once.

``now`` is Friday 2026-03-13 17:30 UTC. Oakfield (Google) has Maths 7A (Ms Teach, five
pupils, one of whom left), an archived History class and Art (another teacher); Elmwood
(Google) has one class; Birch (Microsoft) has one class the Google side must never show.

Live lessons, all with Ms Teach organising: Maths 7A on its Meet code on Monday 9 March
(recorded; one pupil rejoined once), Tuesday 10 March (not recorded) and 40 days ago
(its conference record has expired, its calendar event has not); a 1:1 catch-up call
with pupil 1 on Wednesday 11 March tied to no class (a Meet code, no calendar event).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connector.records import Platform, Role, SubmissionState, WorkKind, WorkState
from connector.sandbox.scenario.model import (
    AttendanceSpec,
    ClassSpec,
    GroundTruth,
    LessonSpec,
    MembershipSpec,
    PersonSpec,
    Scenario,
    SchoolSpec,
    SubmissionEvent,
    SubmissionSpec,
    WorkSpec,
)
from connector.sandbox.world import World

S = SubmissionState
NOW = datetime(2026, 3, 13, 17, 30, tzinfo=UTC)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

ADMIN = "admin@oakfield.sch.uk"
ELM_ADMIN = "admin@elmwood.sch.uk"
TEACHER = "m.teach@oakfield.sch.uk"
ART_TEACHER = "a.brush@oakfield.sch.uk"
PUPIL = "p1@oakfield.sch.uk"

MATHS, HISTORY, ART, ELM, BIRCH = (
    "500000000001",
    "500000000002",
    "500000000003",
    "500000000004",
    "500000000005",
)
T_ID, ART_ID, ELM_T_ID = "100000000000000000001", "100000000000000000002", "100000000000000000003"
PUPILS = [f"2000000000000000000{i:02d}" for i in range(1, 7)]  # the 6th left Maths

# Work in Maths 7A.
ASSIGNMENT, SHORT_Q, MCQ = "900000000002", "900000000003", "900000000000"
MATERIAL, ANNOUNCEMENT, DRAFT, SCHEDULED, DELETED, FUTURE = (
    "900000000010",
    "900000000011",
    "900000000012",
    "900000000013",
    "900000000014",
    "900000000015",
)


def _school(sid: str, domain: str, platform: Platform) -> SchoolSpec:
    return SchoolSpec(
        id=sid,
        name=sid.title() + " Academy",
        platform=platform,
        time_zone="Europe/London",
        domain=domain,
        admin_email=f"admin@{domain}",
    )


def _person(pid: str, school: str, email: str, given: str, family: str, staff: bool) -> PersonSpec:
    return PersonSpec(pid, school, email, given, family, staff)


def _work(wid: str, kind: WorkKind, state: WorkState, created: datetime, **kw: object) -> WorkSpec:
    published = kw.pop("published_at", created if state is WorkState.PUBLISHED else None)
    return WorkSpec(
        id=wid,
        class_id=MATHS,
        creator_id=T_ID,
        kind=kind,
        state=state,
        title=f"{kind.value} {wid[-2:]}",
        created_at=created,
        updated_at=kw.pop("updated_at", created),  # type: ignore[arg-type]
        published_at=published,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def _sub(
    n: int,
    work: WorkSpec,
    pupil: str,
    steps: list[tuple[SubmissionState, datetime]],
    grade: float | None = None,
) -> SubmissionSpec:
    history = [SubmissionEvent(work.created_at, SubmissionState.ASSIGNED, T_ID)]
    for state, at in steps:
        actor = T_ID if state is SubmissionState.RETURNED else pupil
        g = grade if state is SubmissionState.RETURNED else None
        history.append(SubmissionEvent(at, state, actor, g))
    last = history[-1]
    turned = [at for s, at in steps if s is SubmissionState.TURNED_IN]
    due = work.due_at
    late = bool(turned and due and turned[-1] > due) or (
        last.state is SubmissionState.ASSIGNED and due is not None and due <= NOW
    )
    return SubmissionSpec(
        id=f"Cg4I{n:018d}",
        work_id=work.id,
        class_id=work.class_id,
        pupil_id=pupil,
        state=last.state,
        created_at=work.created_at,
        updated_at=last.at,
        late=late,
        assigned_grade=grade if last.state is SubmissionState.RETURNED else None,
        draft_grade=grade - 1
        if grade is not None and last.state is SubmissionState.TURNED_IN
        else None,
        turned_in_at=turned[-1] if turned else None,
        returned_at=last.at if last.state is SubmissionState.RETURNED else None,
        history=history,
    )


MATHS_CODE = "kxq-pwrt-zam"
CALL_CODE = "bde-fghj-kln"
LESSON_MON, LESSON_TUE, LESSON_OLD, CALL = (
    "6f1c0a52-0000-4000-8000-000000000001",
    "6f1c0a52-0000-4000-8000-000000000002",
    "6f1c0a52-0000-4000-8000-000000000003",
    "6f1c0a52-0000-4000-8000-000000000004",
)
RECORDING = "7a2d1b63-0000-4000-8000-000000000001"
MATHS_CALENDAR = "c_classroom0001@group.calendar.google.com"


def _lessons() -> list[LessonSpec]:
    m = timedelta(minutes=1)
    mon = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    tue = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    old = NOW - timedelta(days=40)
    call = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)

    def everyone(start: datetime, minutes: int) -> list[AttendanceSpec]:
        end = start + minutes * m
        rows = [AttendanceSpec(T_ID, start - 2 * m, end)]
        rows += [AttendanceSpec(p, start + i * m, end - m) for i, p in enumerate(PUPILS[:4])]
        return rows

    monday = everyone(mon, 50)
    monday[1] = AttendanceSpec(PUPILS[0], mon, mon + 20 * m)
    monday.append(AttendanceSpec(PUPILS[0], mon + 25 * m, mon + 49 * m))  # rejoined
    return [
        LessonSpec(
            LESSON_MON, MATHS, T_ID, "Maths 7A live lesson", MATHS_CODE, mon, mon + 50 * m,
            monday, recorded=True, recording_id=RECORDING,
        ),
        LessonSpec(
            LESSON_TUE, MATHS, T_ID, "Maths 7A live lesson", MATHS_CODE, tue, tue + 45 * m,
            everyone(tue, 45), recorded=False,
        ),
        LessonSpec(
            LESSON_OLD, MATHS, T_ID, "Maths 7A live lesson", MATHS_CODE, old, old + 40 * m,
            everyone(old, 40), recorded=True, recording_id=RECORDING[:-1] + "2",
        ),
        LessonSpec(
            CALL, None, T_ID, "Catch-up call", CALL_CODE, call, call + 20 * m,
            [AttendanceSpec(who, call, call + 20 * m) for who in (T_ID, PUPILS[0])],
            recorded=False,
        ),
    ]  # fmt: skip


def scenario() -> Scenario:
    schools = [
        _school("oakfield", "oakfield.sch.uk", Platform.GOOGLE),
        _school("elmwood", "elmwood.sch.uk", Platform.GOOGLE),
        _school("birch", "birch.sch.uk", Platform.MICROSOFT),
    ]
    people = [
        _person(T_ID, "oakfield", TEACHER, "Mary", "Teach", True),
        _person(ART_ID, "oakfield", ART_TEACHER, "Al", "Brush", True),
        _person(ELM_T_ID, "elmwood", "e.elm@elmwood.sch.uk", "Ed", "Elm", True),
        *(
            _person(pid, "oakfield", f"p{i}@oakfield.sch.uk", f"Pupil{i}", "Oak", False)
            for i, pid in enumerate(PUPILS, start=1)
        ),
    ]
    join = T0 - timedelta(days=30)
    maths_members = [MembershipSpec(T_ID, Role.TEACHER, join)] + [
        MembershipSpec(pid, Role.PUPIL, join, NOW - timedelta(days=1) if pid == PUPILS[5] else None)
        for pid in PUPILS
    ]
    classes = [
        ClassSpec(
            MATHS,
            "oakfield",
            "Maths 7A",
            "7A",
            "Maths",
            7,
            T_ID,
            join,
            maths_members,
            calendar_id=MATHS_CALENDAR,
        ),
        ClassSpec(
            HISTORY,
            "oakfield",
            "History 8B",
            None,
            "History",
            8,
            T_ID,
            join - timedelta(1),
            [MembershipSpec(T_ID, Role.TEACHER, join)],
            archived=True,
        ),
        ClassSpec(
            ART,
            "oakfield",
            "Art 9C",
            "9C",
            "Art",
            9,
            ART_ID,
            join + timedelta(1),
            [
                MembershipSpec(ART_ID, Role.TEACHER, join),
                MembershipSpec(PUPILS[0], Role.PUPIL, join),
            ],
        ),
        ClassSpec(
            ELM,
            "elmwood",
            "Science 7",
            "7",
            "Science",
            7,
            ELM_T_ID,
            join,
            [MembershipSpec(ELM_T_ID, Role.TEACHER, join)],
        ),
        ClassSpec(BIRCH, "birch", "Teams class", None, "English", 7, ELM_T_ID, join, []),
    ]
    day = timedelta(days=1)
    a = _work(
        ASSIGNMENT,
        WorkKind.ASSIGNMENT,
        WorkState.PUBLISHED,
        T0,
        due_at=T0 + 2 * day + timedelta(hours=7, minutes=30),
        max_points=20.0,
        topic="Fractions",
        updated_at=T0 + timedelta(hours=1),
    )
    work = [
        a,
        _work(
            SHORT_Q,
            WorkKind.QUESTION,
            WorkState.PUBLISHED,
            T0 + day,
            due_at=T0 + 3 * day,
            topic="Fractions",
        ),
        _work(MCQ, WorkKind.QUESTION, WorkState.PUBLISHED, T0 + 2 * day, max_points=5.0),
        _work(MATERIAL, WorkKind.MATERIAL, WorkState.PUBLISHED, T0 + 3 * day, topic="Reading"),
        _work(ANNOUNCEMENT, WorkKind.ANNOUNCEMENT, WorkState.PUBLISHED, T0 + 4 * day),
        _work(DRAFT, WorkKind.ASSIGNMENT, WorkState.DRAFT, T0 + 5 * day),
        _work(
            SCHEDULED,
            WorkKind.ASSIGNMENT,
            WorkState.PUBLISHED,
            NOW - day,
            published_at=NOW + 2 * day,
            scheduled_at=NOW + 2 * day,
            due_at=NOW + 4 * day,
        ),
        _work(
            DELETED,
            WorkKind.ASSIGNMENT,
            WorkState.DELETED,
            T0 + 6 * day,
            published_at=T0 + 6 * day,
            updated_at=T0 + 7 * day,
        ),
        _work(FUTURE, WorkKind.ASSIGNMENT, WorkState.PUBLISHED, NOW + day),
    ]
    h = timedelta(hours=1)
    subs = [
        _sub(1, a, PUPILS[0], []),
        _sub(2, a, PUPILS[1], [(S.TURNED_IN, T0 + day)], grade=15.0),
        _sub(3, a, PUPILS[2], [(S.TURNED_IN, T0 + day), (S.RETURNED, T0 + 3 * day)], grade=18.0),
        _sub(4, a, PUPILS[3], [(S.TURNED_IN, T0 + day), (S.RECLAIMED, T0 + day + h)]),
        _sub(5, a, PUPILS[4], [(S.TURNED_IN, T0 + 4 * day)]),
        _sub(6, a, PUPILS[5], [(S.TURNED_IN, T0 + day)]),  # the pupil left: not served
        _sub(7, work[1], PUPILS[0], [(S.TURNED_IN, T0 + day + h)]),
        _sub(
            8,
            work[2],
            PUPILS[1],
            [(S.TURNED_IN, T0 + 2 * day + h), (S.RETURNED, NOW - h)],
            grade=4.0,
        ),
        _sub(9, work[2], PUPILS[0], [(S.TURNED_IN, NOW + h)]),  # after now: still CREATED
    ]
    return Scenario(
        name="google-factory",
        seed=0,
        trust_name="Factory Trust",
        schools=schools,
        people={p.id: p for p in people},
        classes=classes,
        work=work,
        submissions=subs,
        lessons=_lessons(),
        school_days={},
        ground_truth=GroundTruth(),
        now=NOW,
    )


def world() -> World:
    return World(scenario())
