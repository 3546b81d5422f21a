"""Fixtures for live lessons: a fake Calendar + Meet, a lesson source wired to it, a class."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from lesson_fakes import T0, Call, FakeLessonsApi, event

from config.settings import GoogleSettings, SchoolSettings
from connector.google.lessons import GoogleLessonSource
from connector.google.retry import RetryPolicy
from connector.records import LessonClass, StaffMember

ADMIN = "admin@hill.example"
TEACHER, CO = "teacher@hill.example", "co@hill.example"
T_ID, CO_ID = "1001", "1002"
PUPILS = ["2001", "2002", "2003"]
CAL = "c1@group.calendar.google.com"
CODE = "abc-defg-hij"

SCHOOL = SchoolSettings.model_validate(
    {"key": "hill", "name": "Hill School", "platform": "google",
     "google": {"admin_email": ADMIN}}
)
CLASS = LessonClass(
    platform_id="c1",
    calendar_ref=CAL,
    teacher_emails=(TEACHER, CO),
    teacher_ids=frozenset({T_ID, CO_ID}),
    pupil_ids=frozenset(PUPILS),
)
STAFF = [StaffMember(T_ID, TEACHER), StaffMember(CO_ID, CO)]


def lesson_call(record_id: str = "rec1", start_minutes: int = 1) -> Call:
    """The class lesson: teacher all along, a pupil in twice, a guest and a phone caller."""
    start = T0 + timedelta(minutes=start_minutes)
    end = start + timedelta(minutes=40)
    return Call(
        record_id=record_id,
        code=CODE,
        start=start,
        end=end,
        organiser=TEACHER,
        people=[
            ("p1", f"users/{T_ID}", "signed_in", [(start, end)]),
            ("p2", f"users/{PUPILS[0]}", "signed_in", [
                (start, start + timedelta(minutes=10)),
                (start + timedelta(minutes=20), start + timedelta(minutes=35)),
            ]),
            ("p3", None, "anonymous", [(start + timedelta(minutes=5), end)]),
            ("p4", None, "phone", [(start, start + timedelta(minutes=1))]),
        ],
        recordings=[{
            "name": f"conferenceRecords/{record_id}/recordings/rc-{record_id}",
            "state": "FILE_GENERATED",
            "startTime": "2026-03-09T09:02:00Z",
            "endTime": "2026-03-09T09:40:00Z",
            "driveDestination": {"file": "1abc", "exportUri": "https://drive.google.com/x"},
        }],
    )


@pytest.fixture
def api() -> FakeLessonsApi:
    fake = FakeLessonsApi()
    fake.calendar(CAL, {TEACHER, CO, ADMIN}, event("ev1", CODE, T0, 45))
    return fake


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_source(
    api: FakeLessonsApi, sleeps: list[float]
) -> Callable[..., GoogleLessonSource]:
    def make(concurrency: int = 2, batch_size: int = 50, **retry: Any) -> GoogleLessonSource:
        settings = GoogleSettings(endpoint="http://fake.test/", concurrency=concurrency)
        policy = RetryPolicy(sleep=sleeps.append, rand=lambda: 0.5, **retry)
        return GoogleLessonSource(
            settings, SCHOOL, {}, http_factory=api.http_for, retry=policy, batch_size=batch_size
        )

    return make
