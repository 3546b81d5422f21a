"""A generated Microsoft school synced through ``sync_all``: its Teams meetings land in the
same live_lesson / attendance / recording rows as Google's Meet calls."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connector.records import Platform
from connector.sandbox.scenario import generate
from sync.models import Attendance, LiveLesson, Person, Recording, SchoolClass
from tests.e2e.support import synced_store


def test_a_synced_microsoft_school_stores_every_held_lesson_with_attendance_and_recordings(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    scenario = generate("tiny", 1, platforms="microsoft")
    synced_store(scenario, migrated_url, session_factory, tmp_path)
    held = {le.id: le for le in scenario.lessons if le.ended_at <= scenario.now}
    with session_factory() as s:
        lessons = {x.platform_id: x for x in s.scalars(
            select(LiveLesson).where(LiveLesson.platform == Platform.MICROSOFT))}
        assert set(lessons) == set(held)
        classes = dict(s.execute(select(SchoolClass.id, SchoolClass.platform_id)).all())
        people = dict(s.execute(select(Person.id, Person.platform_id)).all())
        for pid, row in lessons.items():
            assert (classes.get(row.class_id) if row.class_id else None) == held[pid].class_id
            assert people.get(row.organiser_id) == held[pid].organiser_id
        by_id = {x.id: x.platform_id for x in lessons.values()}
        seconds: dict[tuple[str, str], int] = {}
        for a in s.scalars(select(Attendance)):
            seconds[(by_id[a.lesson_id], people[a.person_id] if a.person_id else "")] = a.seconds
        want: dict[tuple[str, str], int] = defaultdict(int)
        for le in held.values():
            for at in le.attendance:
                want[(le.id, at.person_id)] += int((at.left_at - at.joined_at).total_seconds())
        assert seconds == dict(want)
        recorded = {(by_id[r.lesson_id], r.platform_id) for r in s.scalars(select(Recording))}
        assert recorded == {(le.id, le.recording_id) for le in held.values() if le.recorded}
