"""World objects as Classroom v1 JSON resources (field names per the discovery document).

Proto3 JSON rules apply: unset fields are left out, 0 in a message such as TimeOfDay is
left out, int64 would be a string (Classroom ids are strings already), timestamps are
RFC 3339 in UTC with a ``Z``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from connector.records import SubmissionState, WorkKind
from connector.sandbox.google.asof import GOOGLE_STATE, SubmissionView, WorkView
from connector.sandbox.scenario.model import ClassSpec, PersonSpec, SchoolSpec

CLASSROOM = "https://classroom.google.com"


def ts(dt: datetime) -> str:
    """RFC 3339 UTC with milliseconds, as Classroom writes timestamps."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode().rstrip("=")


def _num(n: int, salt: str) -> str:
    return str(int(hashlib.sha256(salt.encode()).hexdigest()[:15], 16) % 10**n).rjust(n, "1")


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")[:40] or "Class"


def course(c: ClassSpec, school: SchoolSpec, *, teacher_view: bool) -> dict[str, Any]:
    slug = _slug(c.name)
    out: dict[str, Any] = {
        "id": c.id,
        "name": c.name,
    }
    if c.section:
        out["section"] = c.section
    out |= {
        "subject": c.subject,
        "ownerId": c.owner_id,
        "creationTime": ts(c.created_at),
        "updateTime": ts(c.created_at),
        "courseState": "ARCHIVED" if c.archived else "ACTIVE",
        "alternateLink": f"{CLASSROOM}/c/{_b64(c.id)}",
        "teacherGroupEmail": f"{slug}_teachers_{_num(6, c.id + 't')}@{school.domain}",
        "courseGroupEmail": f"{slug}_{_num(6, c.id + 'g')}@{school.domain}",
        "guardiansEnabled": False,
        "teacherFolder": {"id": "0B" + _b64(c.id + "folder")[:26]},
    }
    if teacher_view and not c.archived:
        out["enrollmentCode"] = _b64(c.id)[-7:].lower()
    if c.calendar_id:
        out["calendarId"] = c.calendar_id
    return out


def profile(
    p: PersonSpec | None, user_id: str, *, emails: bool, email: str | None = None
) -> dict[str, Any]:
    """A UserProfile; ``emailAddress`` only with the classroom.profile.emails scope."""
    out: dict[str, Any] = {"id": user_id}
    if p is not None:
        out["name"] = {
            "givenName": p.given_name,
            "familyName": p.family_name,
            "fullName": f"{p.given_name} {p.family_name}",
        }
        email = p.email
    if emails and email:
        out["emailAddress"] = email
    out["photoUrl"] = "//lh3.googleusercontent.com/a/default-user"
    if p is not None and p.is_staff:
        out["verifiedTeacher"] = True
    return out


def topic_id(course_id: str, name: str) -> str:
    return _num(12, f"{course_id}/{name}")


WORK_TYPE = {WorkKind.ASSIGNMENT: "ASSIGNMENT", WorkKind.QUESTION: "SHORT_ANSWER_QUESTION"}


def work_type(v: WorkView) -> str:
    """ASSIGNMENT, or a question: every third question is multiple choice."""
    if v.spec.kind is WorkKind.QUESTION and int(_num(6, v.spec.id)) % 3 == 0:
        return "MULTIPLE_CHOICE_QUESTION"
    return WORK_TYPE.get(v.spec.kind, "ASSIGNMENT")


def _post(v: WorkView, path: str) -> dict[str, Any]:
    w = v.spec
    out: dict[str, Any] = {
        "courseId": w.class_id,
        "id": w.id,
        "state": v.state,
        "alternateLink": f"{CLASSROOM}/c/{_b64(w.class_id)}/{path}/{_b64(w.id)}/details",
        "creationTime": ts(w.created_at),
        "updateTime": ts(v.update_time),
    }
    if v.scheduled_time is not None:
        out["scheduledTime"] = ts(v.scheduled_time)
    out["assigneeMode"] = "ALL_STUDENTS"
    out["creatorUserId"] = w.creator_id
    return out


def content(v: WorkView) -> dict[str, Any]:
    """What a teacher writes and attaches: served so tests can prove it is never stored (R7)."""
    w = v.spec
    return {
        "description": f"Read pages 10-14 and answer in full sentences. (description {w.id})",
        "materials": [{"driveFile": {"shareMode": "VIEW", "driveFile": {
            "id": f"drive-{w.id}", "title": f"Worksheet {w.id}.pdf",
            "alternateLink": f"https://drive.google.com/file/d/drive-{w.id}/view"}}}],
    }  # fmt: skip


def course_work(v: WorkView) -> dict[str, Any]:
    w = v.spec
    out = _post(v, "a")
    out["title"] = w.title
    out.update(content(v))
    out["workType"] = work_type(v)
    if w.max_points is not None:
        out["maxPoints"] = w.max_points
    if w.due_at is not None:
        d = w.due_at.astimezone(UTC)  # Google keeps due dates in UTC
        out["dueDate"] = {"year": d.year, "month": d.month, "day": d.day}
        tod: dict[str, int] = {}
        if d.hour:
            tod["hours"] = d.hour
        if d.minute:
            tod["minutes"] = d.minute
        out["dueTime"] = tod
    if w.topic:
        out["topicId"] = topic_id(w.class_id, w.topic)
    out["submissionModificationMode"] = "MODIFIABLE_UNTIL_TURNED_IN"
    if out["workType"] == "ASSIGNMENT":
        out["assignment"] = {}
    elif out["workType"] == "MULTIPLE_CHOICE_QUESTION":
        out["multipleChoiceQuestion"] = {"choices": ["A", "B", "C"]}
    return out


def material(v: WorkView) -> dict[str, Any]:
    out = _post(v, "m")
    out["title"] = v.spec.title
    out.update(content(v))
    if v.spec.topic:
        out["topicId"] = topic_id(v.spec.class_id, v.spec.topic)
    return out


def announcement(v: WorkView) -> dict[str, Any]:
    out = _post(v, "p")
    out["alternateLink"] = f"{CLASSROOM}/c/{_b64(v.spec.class_id)}/p/{_b64(v.spec.id)}"
    out["text"] = v.spec.title
    return out


def submission(s: SubmissionView, wtype: str, max_points: float | None) -> dict[str, Any]:
    x = s.spec
    out: dict[str, Any] = {
        "courseId": x.class_id,
        "courseWorkId": x.work_id,
        "id": x.id,
        "userId": x.pupil_id,
        "creationTime": ts(x.created_at),
        "updateTime": ts(s.update_time),
        "state": s.state,
        "alternateLink": f"{CLASSROOM}/c/{_b64(x.class_id)}/a/{_b64(x.work_id)}"
        f"/submissions/by-status/and-sort-last-name/student/{_b64(x.pupil_id)}",
        "courseWorkType": wtype,
    }
    if s.late:
        out["late"] = True
    if s.draft_grade is not None:
        out["draftGrade"] = s.draft_grade
    if s.assigned_grade is not None:
        out["assignedGrade"] = s.assigned_grade
    key = {
        "ASSIGNMENT": "assignmentSubmission",
        "SHORT_ANSWER_QUESTION": "shortAnswerSubmission",
        "MULTIPLE_CHOICE_QUESTION": "multipleChoiceSubmission",
    }[wtype]
    out[key] = {}
    steps = list(s.history)
    creator = x.pupil_id
    if steps and steps[0].state is SubmissionState.ASSIGNED and steps[0].at == x.created_at:
        creator = steps.pop(0).actor_id
    history: list[dict[str, Any]] = [
        {
            "stateHistory": {
                "state": "CREATED",
                "stateTimestamp": ts(x.created_at),
                "actorUserId": creator,
            }
        }
    ]
    for e in steps:
        history.append(
            {
                "stateHistory": {
                    "state": GOOGLE_STATE[e.state],
                    "stateTimestamp": ts(e.at),
                    "actorUserId": e.actor_id,
                }
            }
        )
        if e.grade is not None:
            change: dict[str, Any] = {
                "gradeTimestamp": ts(e.at),
                "actorUserId": e.actor_id,
                "gradeChangeType": "ASSIGNED_GRADE_POINTS_EARNED_CHANGE",
                "pointsEarned": e.grade,
            }
            if max_points is not None:
                change["maxPoints"] = max_points
            history.append({"gradeHistory": change})
    out["submissionHistory"] = history
    return out
