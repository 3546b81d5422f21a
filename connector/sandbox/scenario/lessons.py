"""Live lessons of the ``live_lessons`` classes, and a few calls with one pupil.

A Google class reuses one Meet code (its Classroom Meet link) for every lesson; a Teams
lesson has its own join URL. ``unrecorded`` teachers often forget the record button.
Each school also has a 1:1 call tied to no class, a 1:1 call tied to a class, and a call
with two staff and one pupil (another adult present: not a 1:1).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from connector.records import Platform, Role
from connector.sandbox.scenario import profiles as prof
from connector.sandbox.scenario.context import Build
from connector.sandbox.scenario.days import local_minutes
from connector.sandbox.scenario.model import AttendanceSpec, ClassSpec, LessonSpec, SchoolSpec


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
