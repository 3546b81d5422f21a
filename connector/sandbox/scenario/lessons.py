"""Live lessons of the ``live_lessons`` classes, and a few calls with one pupil.

A Google class reuses one Meet code (its Classroom Meet link) for every lesson; a Teams
lesson has its own join URL. ``unrecorded`` teachers often forget the record button.
Each school also has a 1:1 call tied to no class, a 1:1 call tied to a class, and a call
with two staff and one pupil (another adult present: not a 1:1); and, on its second school
day, R4's edges: a class lesson one second short of 10 minutes, one of exactly 10 minutes
(both unrecorded, four pupils), and an unrecorded assembly tied to no class whose title
only a school's ``title_patterns`` make a live lesson. Last, a disengaged pupil comes back
(:func:`connector.sandbox.scenario.pupils.come_back`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from connector.records import Platform, Role
from connector.sandbox.scenario import profiles as prof
from connector.sandbox.scenario.context import Build
from connector.sandbox.scenario.days import local_minutes
from connector.sandbox.scenario.model import AttendanceSpec, ClassSpec, LessonSpec, SchoolSpec
from connector.sandbox.scenario.pupils import come_back

ASSEMBLY_TITLE = "Year assembly (live lesson)"


def hold_lessons(b: Build, school: SchoolSpec, klass: ClassSpec) -> None:
    rng = b.rng
    google = school.platform is Platform.GOOGLE
    code = b.ids.meet_code() if google else ""
    teachers = klass.teacher_ids()
    pupils = [m for m in klass.members if m.role is Role.PUPIL]
    for day in b.days:
        if rng.random() >= 0.6:
            continue
        start = local_minutes(day, rng.randint(9 * 60, 11 * 60), school.time_zone)
        minutes = 6 if rng.random() < 0.05 else rng.randint(30, 55)
        end = start + timedelta(minutes=minutes)
        organiser = teachers[0]
        lesson = _lesson(
            b, google, klass.id, organiser, f"{klass.name} live lesson", code, start, end
        )
        p_record = 0.4 if organiser in b.unrecording else 0.95
        lesson.recorded = rng.random() < p_record
        lesson.recording_id = b.ids.guid("recording") if lesson.recorded else None
        att = [AttendanceSpec(organiser, start - timedelta(minutes=2), end)]
        for m in pupils:
            if m.joined_at > start or (m.left_at is not None and m.left_at <= start):
                continue
            stops = b.disengage_at.get(m.person_id)
            if (stops is not None and start >= stops) or rng.random() >= 0.9:
                continue
            joined = start + timedelta(seconds=rng.randint(0, 300))
            left = end - timedelta(seconds=rng.randint(0, 180))
            # A late joiner of a short lesson still stays a moment (no session ends first).
            left = max(left, joined + timedelta(seconds=30))
            att.append(AttendanceSpec(m.person_id, joined, left))
        lesson.attendance = att


def hold_calls(b: Build, school: SchoolSpec) -> None:
    """Two 1:1 calls (no class; a class) and one chaperoned call (two staff, one pupil)."""
    google = school.platform is Platform.GOOGLE
    classes = [
        c
        for c in b.classes
        if c.school_id == school.id
        and c.year_group is not None
        and not c.archived
        and c.pupil_ids()
    ]
    days, tz = b.days, school.time_zone
    plans = (
        (None, days[min(1, len(days) - 1)], False),
        (classes[0], days[-2], False),
        (classes[-1], days[len(days) // 2], True),
    )
    for klass, day, chaperoned in plans:
        source = klass or classes[0]
        teacher = source.owner_id
        start = local_minutes(day, 14 * 60, tz)
        pupil = next(
            m.person_id
            for m in reversed(source.members)
            if m.role is Role.PUPIL
            and m.joined_at <= start
            and (m.left_at is None or m.left_at > start)
        )
        end = start + timedelta(minutes=20)
        code = b.ids.meet_code() if google else ""
        title = "Catch-up call" if klass is None else f"{klass.name} catch-up"
        lesson = _lesson(b, google, klass.id if klass else None, teacher, title, code, start, end)
        lesson.recorded = False
        lesson.attendance = [AttendanceSpec(teacher, start, end), AttendanceSpec(pupil, start, end)]
        if chaperoned:
            other = next(t for t in b.teachers[school.id] if t != teacher)
            lesson.attendance.append(AttendanceSpec(other, start, end))
        else:
            b.tag(prof.ONE_TO_ONE, lesson.id)
    _edge_lessons(b, school)
    come_back(b, school)


def _edge_lessons(b: Build, school: SchoolSpec) -> None:
    """R4's thresholds and title patterns at work (see the module docstring)."""
    google = school.platform is Platform.GOOGLE
    live = set(b.live_classes)
    klass = next((c for c in b.classes if c.school_id == school.id and c.id in live), None)
    if klass is None:
        return
    code = next((le.meeting_code for le in b.lessons if le.class_id == klass.id), "")
    day = b.days[min(1, len(b.days) - 1)]
    plans = (
        (klass.id, f"{klass.name} short live lesson", 15 * 60, timedelta(minutes=10, seconds=-1)),
        (klass.id, f"{klass.name} live lesson", 15 * 60 + 20, timedelta(minutes=10)),
        (None, ASSEMBLY_TITLE, 15 * 60 + 40, timedelta(minutes=20)),
    )
    for class_id, title, minute, length in plans:
        start = local_minutes(day, minute, school.time_zone)
        end = start + length
        pupils = [
            m.person_id
            for m in klass.members
            if m.role is Role.PUPIL
            and m.joined_at <= start
            and (m.left_at is None or m.left_at > start)
        ][:4]
        own = code if class_id and code else (b.ids.meet_code() if google else "")
        lesson = _lesson(b, google, class_id, klass.owner_id, title, own, start, end)
        lesson.recorded = False
        lesson.attendance = [AttendanceSpec(klass.owner_id, start, end)]
        lesson.attendance += [AttendanceSpec(p, start, end) for p in pupils]


def _lesson(
    b: Build,
    google: bool,
    class_id: str | None,
    organiser: str,
    title: str,
    code: str,
    start: datetime,
    end: datetime,
) -> LessonSpec:
    lesson = LessonSpec(
        id=b.ids.guid("lesson"),
        class_id=class_id,
        organiser_id=organiser,
        title=title,
        meeting_code=code if google else b.ids.teams_join_url(organiser),
        started_at=start,
        ended_at=end,
    )
    b.lessons.append(lesson)
    return lesson
