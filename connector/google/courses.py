"""Courses → :class:`ClassRecord`."""

from __future__ import annotations

from typing import Any

from connector.google.fields import JSON, enum, guarded, required_text, text, timestamp
from connector.google.streams import MAX_PAGE_SIZE, Stream
from connector.records import ClassRecord, ClassState, Platform, SkippedRecord

COURSES = Stream(
    name="courses",
    items_key="courses",
    id_field="id",
    cursor_field="updateTime",
    is_sorted=False,
    page_size=MAX_PAGE_SIZE,
    # No courseStates: every state the admin can see (ACTIVE, ARCHIVED, PROVISIONED, ...).
    method=lambda svc, _course, params: svc.courses().list(**params),
)

COURSE_STATES: dict[str, ClassState] = {
    "ACTIVE": ClassState.ACTIVE,
    "ARCHIVED": ClassState.ARCHIVED,
    "PROVISIONED": ClassState.PROVISIONED,
    "DECLINED": ClassState.DECLINED,
    "SUSPENDED": ClassState.SUSPENDED,
    # The discovery document: "If unspecified, the default state is PROVISIONED".
    "COURSE_STATE_UNSPECIFIED": ClassState.PROVISIONED,
}


def to_record(course: Any) -> ClassRecord | SkippedRecord:
    """Map one Course; a malformed one comes back as a :class:`SkippedRecord`."""
    return guarded("course", course, _read)


def _read(c: JSON) -> ClassRecord:
    return ClassRecord(
        platform=Platform.GOOGLE,
        platform_id=required_text(c, "id"),
        name=required_text(c, "name"),
        section=text(c, "section"),
        state=enum(c, "courseState", COURSE_STATES, default=ClassState.PROVISIONED),
        owner_platform_id=text(c, "ownerId"),
        alternate_link=text(c, "alternateLink"),
        created_at=timestamp(c, "creationTime"),
        updated_at=timestamp(c, "updateTime"),
        calendar_ref=text(c, "calendarId"),
    )
