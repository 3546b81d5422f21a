"""Scenario objects as Graph v1.0 JSON (educationSchool, educationClass, educationUser,
educationAssignment, educationSubmission, educationOutcome).

Every property named here exists in the v1.0 CSDL (``/work/shared/specs/graph-v1.0-slice.
openapi3.json``) and in msgraph-sdk's models; tests parse each answer with both.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from connector.records import SubmissionState, WorkState
from connector.sandbox.graph.asof import live_since, modified
from connector.sandbox.graph.odata import iso
from connector.sandbox.scenario.model import (
    ClassSpec,
    PersonSpec,
    SchoolSpec,
    SubmissionSpec,
    WorkSpec,
)

Item = dict[str, Any]
_NS = uuid.UUID("b6f3c2a4-0d1e-4f5a-8b7c-9e0d1f2a3b4c")
TEAMS_APP = "66aeee93-507d-479a-a3ef-8f494af43945"  # the Assignments app id in Teams deep links


def school_graph_id(school: SchoolSpec) -> str:
    """The educationSchool id: the scenario's, or a stable GUID made from the config id."""
    return school.platform_school_id or str(uuid.uuid5(_NS, f"school:{school.id}"))


def identity_set(user_id: str | None) -> Item:
    return {"application": None, "device": None, "user": {"id": user_id, "displayName": None}}


def school(s: SchoolSpec) -> Item:
    return {
        "@odata.type": "#microsoft.graph.educationSchool",
        "id": school_graph_id(s),
        "displayName": s.name,
        "description": None,
        "externalSource": "sis",
        "externalSourceDetail": None,
        "principalEmail": s.admin_email,
        "principalName": None,
        "externalPrincipalId": None,
        "lowestGrade": None,
        "highestGrade": None,
        "schoolNumber": s.id,
        "externalId": s.id,
        "phone": None,
        "fax": None,
        "createdBy": identity_set(None),
        "address": {
            "city": None,
            "countryOrRegion": None,
            "postalCode": None,
            "state": None,
            "street": None,
        },
    }


def klass(c: ClassSpec) -> Item:
    # educationClass has no created or archived time in v1.0; the section is the classCode.
    return {
        "id": c.id,
        "displayName": c.name,
        "mailNickname": f"class-{c.id[:8]}",
        "description": None,
        "classCode": c.section,
        "externalName": c.name,
        "externalId": c.id,
        "externalSource": "sis",
        "externalSourceDetail": None,
        "grade": None if c.year_group is None else str(c.year_group),
        "createdBy": identity_set(c.owner_id),
        "term": term(c),
        "course": {
            "courseNumber": None,
            "description": None,
            "displayName": c.subject,
            "externalId": None,
            "subject": c.subject,
        },
    }


def term(c: ClassSpec) -> Item:
    """The class's school year (educationTerm), from its creation to the next 31 July.

    A class of a past year (archived in the scenario) is one whose term has ended: v1.0
    educationClass has no other lifecycle state.
    """
    made = c.created_at.date()
    end_year = made.year + (1 if made.month >= 8 else 0)
    return {
        "externalId": None,
        "startDate": made.isoformat(),
        "endDate": f"{end_year}-07-31",
        "displayName": f"{end_year - 1}-{end_year % 100:02d}",
    }


def user(p: PersonSpec) -> Item:
    role = "teacher" if p.is_staff else "student"
    return {
        "id": p.id,
        "displayName": f"{p.given_name} {p.family_name}",
        "givenName": p.given_name,
        "middleName": None,
        "surname": p.family_name,
        "mail": p.email,
        "mailNickname": p.email.split("@", 1)[0],
        "userPrincipalName": p.email,
        "primaryRole": role,
        "accountEnabled": True,
        "externalSource": "sis",
        "externalSourceDetail": None,
        "usageLocation": "GB",
        "userType": "Member",
        "businessPhones": [],
        "createdBy": identity_set(None),
        "student": None
        if p.is_staff
        else {
            "birthDate": None,
            "externalId": p.id,
            "gender": None,
            "grade": None,
            "graduationYear": None,
            "studentNumber": None,
        },
        "teacher": {"externalId": p.id, "teacherNumber": None} if p.is_staff else None,
    }


def assignment(w: WorkSpec, now: datetime) -> Item:
    assigned = live_since(w, now)
    if assigned is not None:
        status = "assigned"
    elif w.state is not WorkState.DRAFT and w.scheduled_at is not None and w.scheduled_at > now:
        status = "published"  # published with a future assignDateTime: not yet visible
    else:
        status = "draft"
    return {
        "id": w.id,
        "classId": w.class_id,
        "displayName": w.title,
        "status": status,
        "createdDateTime": iso(w.created_at),
        "lastModifiedDateTime": iso(modified(w, now)),
        "assignDateTime": iso(w.scheduled_at),
        "assignedDateTime": iso(assigned),
        "dueDateTime": iso(w.due_at),
        "closeDateTime": None,
        "allowLateSubmissions": True,
        "allowStudentsToAddResourcesToSubmission": True,
        "addedStudentAction": "none",
        "addToCalendarAction": "none",
        "languageTag": "en-GB",
        "createdBy": identity_set(w.creator_id),
        "lastModifiedBy": identity_set(w.creator_id),
        "grading": None
        if w.max_points is None
        else {
            "@odata.type": "#microsoft.graph.educationAssignmentPointsGradeType",
            "maxPoints": w.max_points,
        },
        "instructions": {"content": "", "contentType": "text"},
        "assignTo": {"@odata.type": "#microsoft.graph.educationAssignmentClassRecipient"},
        "notificationChannelUrl": None,
        "moduleUrl": None,
        "resourcesFolderUrl": None,
        "feedbackResourcesFolderUrl": None,
        "webUrl": f"https://teams.microsoft.com/l/entity/{TEAMS_APP}/classroom?assignment={w.id}",
    }


def _last(sub: SubmissionSpec, state: SubmissionState) -> tuple[datetime | None, str | None]:
    for event in reversed(sub.history):
        if event.state is state:
            return event.at, event.actor_id
    return None, None


def submission(
    sub: SubmissionSpec,
    work: WorkSpec,
    teacher_id: str,
    *,
    unknown_enums: bool,
    expand_outcomes: bool,
) -> Item:
    status = {
        SubmissionState.ASSIGNED: "working",
        SubmissionState.RECLAIMED: "working",  # Teams: unsubmitted, back to working
        SubmissionState.TURNED_IN: "submitted",
        SubmissionState.RETURNED: "returned",
        SubmissionState.EXCUSED: "excused",
    }[sub.state]
    if status == "excused" and not unknown_enums:
        status = "returned"  # evolvable enum: needs Prefer: include-unknown-enum-members
    returned_at = sub.returned_at
    excused_at, excused_by = _last(sub, SubmissionState.EXCUSED)
    unsubmitted_at, unsubmitted_by = _last(sub, SubmissionState.RECLAIMED)
    item: Item = {
        "id": sub.id,
        "assignmentId": sub.work_id,
        "status": status,
        "submittedDateTime": iso(sub.turned_in_at),
        "submittedBy": identity_set(sub.pupil_id if sub.turned_in_at else None),
        "unsubmittedDateTime": iso(unsubmitted_at),
        "unsubmittedBy": identity_set(unsubmitted_by),
        "returnedDateTime": iso(returned_at),
        "returnedBy": identity_set(teacher_id if returned_at else None),
        "reassignedDateTime": None,
        "reassignedBy": identity_set(None),
        "excusedDateTime": iso(excused_at),
        "excusedBy": identity_set(excused_by),
        "lastModifiedDateTime": iso(sub.updated_at),
        "lastModifiedBy": identity_set(sub.pupil_id),
        "recipient": {
            "@odata.type": "#microsoft.graph.educationSubmissionIndividualRecipient",
            "userId": sub.pupil_id,
        },
        "resourcesFolderUrl": None,
        "webUrl": (
            f"https://teams.microsoft.com/l/entity/{TEAMS_APP}/classroom?"
            f"assignment={sub.work_id}&submission={sub.id}"
        ),
    }
    if expand_outcomes:
        item["outcomes"] = outcomes(sub, work, teacher_id)
    return item


def outcomes(sub: SubmissionSpec, work: WorkSpec, teacher_id: str) -> list[Item]:
    """A feedback outcome always; a points outcome when the work is marked out of points.

    Feedback text is never served (R7: the connector must not need content).
    """
    graded_at = sub.returned_at or sub.updated_at
    out: list[Item] = [
        {
            "@odata.type": "#microsoft.graph.educationFeedbackOutcome",
            "id": str(uuid.uuid5(_NS, f"feedback:{sub.id}")),
            "lastModifiedDateTime": iso(sub.updated_at),
            "lastModifiedBy": identity_set(teacher_id),
            "feedback": None,
            "publishedFeedback": None,
        }
    ]
    if work.max_points is None:
        return out

    def grade(points: float | None) -> Item | None:
        if points is None:
            return None
        return {
            "@odata.type": "#microsoft.graph.educationAssignmentPointsGrade",
            "points": points,
            "gradedDateTime": iso(graded_at),
            "gradedBy": identity_set(teacher_id),
        }

    draft = sub.draft_grade if sub.draft_grade is not None else sub.assigned_grade
    out.append(
        {
            "@odata.type": "#microsoft.graph.educationPointsOutcome",
            "id": str(uuid.uuid5(_NS, f"points:{sub.id}")),
            "lastModifiedDateTime": iso(graded_at),
            "lastModifiedBy": identity_set(teacher_id),
            "points": grade(draft),
            "publishedPoints": grade(sub.assigned_grade),
        }
    )
    return out


def module(w: WorkSpec, now: datetime) -> Item:
    """A MATERIAL as a class module (educationModule): Teams' home for reading material.

    Graph has no publish time on a module; the scenario makes a Microsoft material's
    module at its publish instant, so ``createdDateTime`` is when pupils first saw it.
    """
    status = "published" if live_since(w, now) is not None else "draft"
    return {
        "id": w.id,
        "displayName": w.title,
        "description": "",
        "status": status,
        "isPinned": False,
        "createdDateTime": iso(w.created_at),
        "lastModifiedDateTime": iso(modified(w, now)),
        "createdBy": identity_set(w.creator_id),
        "lastModifiedBy": identity_set(w.creator_id),
        "resourcesFolderUrl": None,
    }
