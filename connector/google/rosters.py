"""Teachers and Students → :class:`PersonRecord` + :class:`MembershipRecord`."""

from __future__ import annotations

from typing import Any

from connector.google.fields import JSON, InvalidFieldError, guarded, mapping, text
from connector.google.streams import Stream
from connector.records import MembershipRecord, PersonRecord, Platform, Role, SkippedRecord

# Rosters: "The default is 30 if unspecified or 0"; larger values are ignored in practice
# (code-dot-org/code-dot-org#17113), so ask for 30 and follow nextPageToken.
ROSTER_PAGE_SIZE = 30

TEACHERS = Stream(
    name="teachers",
    items_key="teachers",
    id_field="userId",
    cursor_field=None,
    is_sorted=False,
    page_size=ROSTER_PAGE_SIZE,
    method=lambda svc, course, params: svc.courses().teachers().list(courseId=course, **params),
)
STUDENTS = Stream(
    name="students",
    items_key="students",
    id_field="userId",
    cursor_field=None,
    is_sorted=False,
    page_size=ROSTER_PAGE_SIZE,
    method=lambda svc, course, params: svc.courses().students().list(courseId=course, **params),
)

Member = tuple[PersonRecord, MembershipRecord]


def to_records(member: Any, course_id: str, role: Role) -> Member | SkippedRecord:
    """Map one Teacher or Student (same shape) of ``course_id``."""
    resource = "teacher" if role is Role.TEACHER else "student"

    def read(m: JSON) -> Member:
        profile = mapping(m, "profile")
        user_id = text(m, "userId") or text(profile, "id")
        if user_id is None:
            raise InvalidFieldError("missing userId")
        name = mapping(profile, "name")
        person = PersonRecord(
            platform=Platform.GOOGLE,
            platform_id=user_id,
            # Present only with the classroom.profile.emails scope.
            email=text(profile, "emailAddress"),
            given_name=text(name, "givenName"),
            family_name=text(name, "familyName"),
            full_name=text(name, "fullName"),
        )
        membership = MembershipRecord(
            platform=Platform.GOOGLE,
            class_platform_id=text(m, "courseId") or course_id,
            person_platform_id=user_id,
            role=role,
        )
        return person, membership

    if isinstance(member, dict) and "id" not in member and "userId" in member:
        # Skips are logged by id: name the user for the log line.
        member = {**member, "id": member["userId"]}
    return guarded(resource, member, read)
