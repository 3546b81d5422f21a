"""R4: unrecorded live lessons (length, size, which meetings count) and 1:1 calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.engagement import R4Settings
from config.settings import SchoolSettings
from jobs.calendar import SchoolCalendar
from jobs.check import judge_rule
from jobs.rules.base import FindingDraft
from jobs.rules.r4_rule import R4, judge_r4, r4_ready_at
from sync.models import Finding, Person, Recording, School, SchoolClass
from tests.jobs.factories import school_settings
from tests.rules_r3.rows import Rows

WED = datetime(2026, 3, 11, tzinfo=UTC)  # GMT: local time is UTC
H = timedelta(hours=1)


def settings(**r4: Any) -> SchoolSettings:
    return school_settings(r4=R4Settings(**r4))


def judge(
    rows: Rows, school: School, s: SchoolSettings | None = None, day: datetime = WED
) -> dict[str, set[int]]:
    s = s or settings()
    cal = SchoolCalendar.for_school(s)
    drafts: list[FindingDraft] = judge_r4(
        rows.session, school, s, cal, day=day.date(), as_of=day + 17 * H
    )
    out: dict[str, set[int]] = {"R4": set(), "R4-1to1": set()}
    for d in drafts:
        assert d.lesson_id is not None
        out[d.rule].add(d.lesson_id)
    return out


def world(rows: Rows) -> tuple[School, SchoolClass, Person, list[Person]]:
    school = rows.school()
    teacher = rows.person()
    cls = rows.klass(school, teachers=[teacher])
    pupils = [rows.pupil(f"P{i}", school=school) for i in range(3)]
    return school, cls, teacher, pupils


def test_an_unrecorded_class_lesson_is_reported_and_a_recorded_one_is_not(rows: Rows) -> None:
    school, cls, teacher, pupils = world(rows)
    bare = rows.lesson(school, WED + 10 * H, cls=cls, organiser=teacher, attendees=pupils)
    rows.lesson(school, WED + 11 * H, cls=cls, organiser=teacher, attendees=pupils, recorded=True)

    assert judge(rows, school)["R4"] == {bare.id}


def test_a_lesson_just_under_ten_minutes_needs_no_recording(rows: Rows) -> None:
    school, cls, teacher, pupils = world(rows)
    short = rows.lesson(
        school, WED + 10 * H, minutes=9 + 59 / 60, cls=cls, organiser=teacher, attendees=pupils
    )
    ten = rows.lesson(
        school, WED + 11 * H, minutes=10, cls=cls, organiser=teacher, attendees=pupils
    )

    assert judge(rows, school)["R4"] == {ten.id}
    assert judge(rows, school, settings(min_minutes=5))["R4"] == {short.id, ten.id}


def test_a_lesson_with_one_pupil_needs_no_recording_unless_the_school_says_so(
    rows: Rows,
) -> None:
    school, cls, teacher, pupils = world(rows)
    co = rows.person("Co Teacher", "co@oak.sch.uk")
    one = rows.lesson(school, WED + 10 * H, cls=cls, organiser=teacher, attendees=[pupils[0], co])

    assert judge(rows, school)["R4"] == set()
    assert judge(rows, school, settings(min_pupils=1))["R4"] == {one.id}


def test_which_meetings_count_as_live_lessons_is_configurable(rows: Rows) -> None:
    school, cls, teacher, pupils = world(rows)
    assembly = rows.lesson(
        school,
        WED + 9 * H,
        title="Year 7 assembly (live lesson)",
        organiser=teacher,
        attendees=pupils,
    )
    class_meeting = rows.lesson(
        school, WED + 10 * H, title="Maths", cls=cls, organiser=teacher, attendees=pupils
    )

    assert judge(rows, school)["R4"] == {class_meeting.id}
    by_title = settings(title_patterns=[r"(?i)live lesson"], class_meetings=False)
    assert judge(rows, school, by_title)["R4"] == {assembly.id}


def test_a_call_with_one_member_of_staff_and_one_pupil_is_a_one_to_one(rows: Rows) -> None:
    school, cls, teacher, pupils = world(rows)
    call = rows.lesson(
        school, WED + 14 * H, title="Catch-up", organiser=teacher, attendees=[pupils[0]], minutes=5
    )
    in_class = rows.lesson(school, WED + 15 * H, cls=cls, organiser=teacher, attendees=[pupils[1]])

    found = judge(rows, school, settings(safeguarding_contact="dsl@oak.sch.uk"))

    assert found["R4-1to1"] == {call.id, in_class.id}
    assert found["R4"] == set()


def test_a_second_adult_or_a_guest_or_a_second_pupil_means_no_one_to_one(rows: Rows) -> None:
    school, _, teacher, pupils = world(rows)
    co = rows.person("Co Teacher", "co@oak.sch.uk")
    rows.lesson(school, WED + 10 * H, organiser=teacher, attendees=[pupils[0], co])
    rows.lesson(school, WED + 11 * H, organiser=teacher, attendees=[pupils[0]], guests=1)
    rows.lesson(school, WED + 12 * H, organiser=teacher, attendees=pupils[:2])
    rows.lesson(school, WED + 13 * H, attendees=[pupils[0]])  # nobody from staff

    assert judge(rows, school)["R4-1to1"] == set()


def test_only_lessons_of_the_day_that_have_ended_are_judged(rows: Rows) -> None:
    school, cls, teacher, pupils = world(rows)
    rows.lesson(school, WED - 24 * H + 10 * H, cls=cls, organiser=teacher, attendees=pupils)
    rows.lesson(school, WED + 16.5 * H, minutes=60, cls=cls, organiser=teacher, attendees=pupils)
    today = rows.lesson(school, WED + 10 * H, cls=cls, organiser=teacher, attendees=pupils)

    assert judge(rows, school)["R4"] == {today.id}


def test_a_weekend_call_is_judged_with_the_next_school_day(rows: Rows) -> None:
    school, _, teacher, pupils = world(rows)
    saturday = datetime(2026, 3, 14, 11, tzinfo=UTC)
    call = rows.lesson(school, saturday, organiser=teacher, attendees=[pupils[0]])

    found = judge(rows, school, day=datetime(2026, 3, 16, tzinfo=UTC))

    assert found["R4-1to1"] == {call.id}


def test_r4_judges_a_day_from_five_pm_local_time() -> None:
    s = settings()
    summer = datetime(2026, 6, 10).date()
    assert r4_ready_at(SchoolCalendar.for_school(s), s, summer) == datetime(
        2026, 6, 10, 16, tzinfo=UTC
    )


@pytest.mark.postgres
def test_a_recording_that_arrives_later_resolves_the_finding(session: Session) -> None:
    rows = Rows(session)
    school, cls, teacher, pupils = world(rows)
    s = settings()
    cal = SchoolCalendar.for_school(s)
    lesson = rows.lesson(school, WED + 10 * H, cls=cls, organiser=teacher, attendees=pupils)

    judge_rule(session, R4, school, s, cal, WED.date(), as_of=WED + 17 * H)
    finding = session.scalar(select(Finding).where(Finding.rule == "R4"))
    assert finding is not None and finding.lesson_id == lesson.id
    assert finding.evidence["organiser_id"] == teacher.id

    session.add(
        Recording(platform=lesson.platform, platform_id="rec-1", synced_at=WED, lesson_id=lesson.id)
    )
    session.flush()
    judge_rule(session, R4, school, s, cal, WED.date(), as_of=WED + 41 * H)
    assert finding.resolved_at == WED + 41 * H
