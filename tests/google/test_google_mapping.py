"""Classroom JSON → records: every enum, the times, and what a malformed record becomes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from google_fakes import announcement, course, material, member, submission, work

from connector.google import courses, coursework, rosters, submissions
from connector.records import (
    ClassRecord,
    ClassState,
    Role,
    SkippedRecord,
    SubmissionRecord,
    SubmissionState,
    WorkKind,
    WorkRecord,
    WorkState,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("google", "ours"),
    [
        ("ACTIVE", ClassState.ACTIVE),
        ("ARCHIVED", ClassState.ARCHIVED),
        ("PROVISIONED", ClassState.PROVISIONED),
        ("DECLINED", ClassState.DECLINED),
        ("SUSPENDED", ClassState.SUSPENDED),
        ("COURSE_STATE_UNSPECIFIED", ClassState.PROVISIONED),
    ],
)
def test_it_maps_every_course_state(google: str, ours: ClassState) -> None:
    record = courses.to_record(course("1", courseState=google))
    assert isinstance(record, ClassRecord)
    assert record.state is ours


def test_it_reads_a_course_with_its_calendar_and_owner() -> None:
    record = courses.to_record(course("77", updateTime="2026-09-02T08:00:00.987654321Z"))
    assert isinstance(record, ClassRecord)
    assert record.platform_id == "77"
    assert record.calendar_ref == "classroom77@group.calendar.google.com"
    assert record.owner_platform_id == "900"
    assert record.updated_at == datetime(2026, 9, 2, 8, 0, 0, 987654, tzinfo=UTC)


@pytest.mark.parametrize(
    ("google", "ours"),
    [
        ("ASSIGNMENT", WorkKind.ASSIGNMENT),
        ("SHORT_ANSWER_QUESTION", WorkKind.QUESTION),
        ("MULTIPLE_CHOICE_QUESTION", WorkKind.QUESTION),
    ],
)
def test_it_maps_every_work_type(google: str, ours: WorkKind) -> None:
    record = coursework.to_record(work("1", "2", workType=google), "courseWork", "1")
    assert isinstance(record, WorkRecord)
    assert record.kind is ours


def test_materials_and_announcements_are_their_own_kinds_and_keep_no_text() -> None:
    mat = coursework.to_record(material("1", "2"), "courseWorkMaterials", "1")
    ann = coursework.to_record(announcement("1", "3"), "announcements", "1")
    assert isinstance(mat, WorkRecord) and mat.kind is WorkKind.MATERIAL
    assert isinstance(ann, WorkRecord) and ann.kind is WorkKind.ANNOUNCEMENT
    assert ann.title == ""  # the announcement's text is content: not stored (R7)


@pytest.mark.parametrize(
    ("fields", "state", "published", "scheduled"),
    [
        ({"state": "PUBLISHED"}, WorkState.PUBLISHED, "2026-11-02T09:00:00", None),
        ({"state": "DRAFT"}, WorkState.DRAFT, None, None),
        ({"state": "DRAFT", "scheduledTime": "2026-11-03T07:00:00Z"}, WorkState.SCHEDULED,
         None, "2026-11-03T07:00:00"),
        ({"state": "PUBLISHED", "scheduledTime": "2026-11-03T07:00:00Z"}, WorkState.PUBLISHED,
         "2026-11-03T07:00:00", "2026-11-03T07:00:00"),
        ({"state": "DELETED"}, WorkState.DELETED, None, None),
        ({"state": "COURSE_WORK_STATE_UNSPECIFIED"}, WorkState.DRAFT, None, None),
    ],
)
def test_it_maps_every_work_state_with_its_publish_time(
    fields: dict[str, Any], state: WorkState, published: str | None, scheduled: str | None
) -> None:
    record = coursework.to_record(work("1", "2", **fields), "courseWork", "1")
    assert isinstance(record, WorkRecord)
    assert record.state is state
    assert record.published_at == (at(published) if published else None)
    assert record.scheduled_at == (at(scheduled) if scheduled else None)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ({}, None),
        ({"dueDate": {"year": 2026, "month": 11, "day": 6},
          "dueTime": {"hours": 15, "minutes": 30}}, "2026-11-06T15:30:00"),
        ({"dueDate": {"year": 2026, "month": 11, "day": 6}, "dueTime": {}},
         "2026-11-06T00:00:00"),
        ({"dueDate": {"year": 2026, "month": 11, "day": 6}}, "2026-11-06T23:59:59"),
        ({"dueDate": {"year": 2026, "month": 11, "day": 6}, "dueTime": {"hours": 24}},
         "2026-11-07T00:00:00"),
    ],
)
def test_it_reads_the_due_time_in_utc(due: dict[str, Any], expected: str | None) -> None:
    record = coursework.to_record(work("1", "2", **due), "courseWork", "1")
    assert isinstance(record, WorkRecord)
    assert record.due_at == (at(expected) if expected else None)


def test_it_names_the_topic_from_the_course_topics() -> None:
    topics = coursework.topic_names([{"topicId": "t1", "name": "Fractions"}, {"bad": 1}])
    record = coursework.to_record(work("1", "2", topicId="t1"), "courseWork", "1", topics)
    assert isinstance(record, WorkRecord)
    assert record.topic == "Fractions"


@pytest.mark.parametrize(
    ("google", "ours"),
    [
        ("NEW", SubmissionState.ASSIGNED),
        ("CREATED", SubmissionState.ASSIGNED),
        ("TURNED_IN", SubmissionState.TURNED_IN),
        ("RETURNED", SubmissionState.RETURNED),
        ("RECLAIMED_BY_STUDENT", SubmissionState.RECLAIMED),
    ],
)
def test_it_maps_every_submission_state(google: str, ours: SubmissionState) -> None:
    record = submissions.to_record(submission("1", "2", "3", "4", state=google), "1")
    assert isinstance(record, SubmissionRecord)
    assert record.state is ours


def test_a_submission_keeps_its_latest_turn_in_and_return_times_and_its_grade() -> None:
    history = [
        {"stateHistory": {"state": "CREATED", "stateTimestamp": "2026-11-02T09:00:00Z"}},
        {"stateHistory": {"state": "TURNED_IN", "stateTimestamp": "2026-11-03T10:00:00Z"}},
        {"gradeHistory": {"pointsEarned": 7, "gradeTimestamp": "2026-11-04T10:00:00Z"}},
        {"stateHistory": {"state": "RETURNED", "stateTimestamp": "2026-11-04T10:00:00Z"}},
        {"stateHistory": {"state": "TURNED_IN", "stateTimestamp": "2026-11-05T10:00:00Z"}},
    ]
    record = submissions.to_record(
        submission("1", "2", "3", "4", state="TURNED_IN", late=True, assignedGrade=7,
                   submissionHistory=history),
        "1",
    )
    assert isinstance(record, SubmissionRecord)
    assert record.turned_in_at == at("2026-11-05T10:00:00")
    assert record.returned_at == at("2026-11-04T10:00:00")
    assert record.late and record.graded


def test_a_draft_grade_alone_is_not_graded() -> None:
    record = submissions.to_record(submission("1", "2", "3", "4", draftGrade=5), "1")
    assert isinstance(record, SubmissionRecord)
    assert not record.graded


def test_a_roster_entry_gives_a_person_with_email_and_a_membership() -> None:
    got = rosters.to_records(member("1", "42"), "1", Role.PUPIL)
    assert not isinstance(got, SkippedRecord)
    person, membership = got
    assert person.email == "u42@school.example" and person.family_name == "L42"
    assert (membership.class_platform_id, membership.person_platform_id) == ("1", "42")
    assert membership.role is Role.PUPIL


@pytest.mark.parametrize(
    ("read", "reason"),
    [
        (lambda: courses.to_record({"name": "No id"}), "missing id"),
        (lambda: courses.to_record(course("1", courseState="MELTED")), "unknown courseState"),
        (lambda: courses.to_record(course("1", updateTime="yesterday")),
         "updateTime is not a timestamp"),
        (lambda: coursework.to_record(work("1", "2", title="x" * 10_241), "courseWork", "1"),
         "title longer than"),
        (lambda: coursework.to_record(work("1", "2", workType="ESSAY"), "courseWork", "1"),
         "unknown workType"),
        (lambda: coursework.to_record(work("1", "2", dueDate={"year": 2026, "month": 13,
                                                              "day": 1}), "courseWork", "1"),
         "dueDate"),
        (lambda: submissions.to_record(submission("1", "2", "3", "4", state="LOST"), "1"),
         "unknown state"),
        (lambda: submissions.to_record(
            submission("1", "2", "3", "4", submissionHistory=[
                {"stateHistory": {"state": "TURNED_IN", "stateTimestamp": "32/13/2026"}}]),
            "1"), "stateTimestamp"),
        (lambda: rosters.to_records({"profile": {}}, "1", Role.TEACHER), "missing userId"),
        (lambda: courses.to_record(["not", "an", "object"]), "not a JSON object"),
    ],
)
def test_a_malformed_record_is_skipped_with_its_reason(read: Any, reason: str) -> None:
    got = read()
    assert isinstance(got, SkippedRecord)
    assert reason in got.reason
