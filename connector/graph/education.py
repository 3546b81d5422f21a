"""Graph education resources → platform-neutral records.

Each function takes one raw JSON item and returns a record, or a :class:`SkippedRecord`
saying why not. Nothing here does I/O. Content is not read (R7): no instructions, no
feedback text, only whether feedback was published.

Items are read from the JSON directly, not through msgraph-sdk's models: parsing one
entity with the SDK costs ~10 ms of CPU (``Entity.get_field_deserializers`` re-runs some
2,500 imports on every call; measured with cProfile on msgraph-sdk 1.65), which is ~17
CPU-minutes for 100,000 submissions. The SDK's enums still define the valid values, and
``tests/graph/test_graph_schema.py`` holds the sandbox's answers to the SDK models.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from msgraph.generated.models.education_assignment_status import EducationAssignmentStatus
from msgraph.generated.models.education_submission_status import EducationSubmissionStatus

from connector.records import (
    ClassRecord,
    ClassState,
    PersonRecord,
    Platform,
    SchoolRecord,
    SkippedRecord,
    SubmissionRecord,
    SubmissionState,
    WorkKind,
    WorkRecord,
    WorkState,
)

MS = Platform.MICROSOFT
Item = dict[str, Any]

# Teams "reassigned" is a return for more work; "excused" needs the Prefer header
# (without it Graph reports it as "returned").
SUBMISSION_STATES = {
    EducationSubmissionStatus.Working: SubmissionState.ASSIGNED,
    EducationSubmissionStatus.Submitted: SubmissionState.TURNED_IN,
    EducationSubmissionStatus.Returned: SubmissionState.RETURNED,
    EducationSubmissionStatus.Reassigned: SubmissionState.RETURNED,
    EducationSubmissionStatus.Excused: SubmissionState.EXCUSED,
}
POINTS_GRADE_TYPE = "#microsoft.graph.educationAssignmentPointsGradeType"
POINTS_OUTCOME = "#microsoft.graph.educationPointsOutcome"
FEEDBACK_OUTCOME = "#microsoft.graph.educationFeedbackOutcome"
INDIVIDUAL_RECIPIENT = "#microsoft.graph.educationSubmissionIndividualRecipient"


class MalformedError(ValueError):
    pass


def _str(item: Item, key: str) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedError(f"{key} is not a string")
    return value


def _obj(item: Item, key: str) -> Item | None:
    value = item.get(key)
    if value is not None and not isinstance(value, dict):
        raise MalformedError(f"{key} is not an object")
    return value


def _dt(item: Item, key: str) -> datetime | None:
    value = _str(item, key)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as e:
        raise MalformedError(f"{key} is not a date-time: {value!r}") from e
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _user_id(item: Item, key: str) -> str | None:
    """``identitySet.user.id``."""
    who = _obj(item, key)
    user = _obj(who, "user") if who else None
    return _str(user, "id") if user else None


def _skip(resource: str, item: Any, reason: str) -> SkippedRecord:
    pid = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
    return SkippedRecord(MS, resource, pid, reason)


def school(item: Item) -> SchoolRecord | SkippedRecord:
    try:
        sid, name = _str(item, "id"), _str(item, "displayName")
    except MalformedError as e:
        return _skip("educationSchool", item, str(e))
    if not sid or not name:
        return _skip("educationSchool", item, "no id or displayName")
    return SchoolRecord(MS, sid, name)


def klass(
    item: Item, school_id: str | None, today: date | None = None
) -> ClassRecord | SkippedRecord:
    """``today`` tells a class whose term has ended (ARCHIVED) from a current one."""
    try:
        cid, name = _str(item, "id"), _str(item, "displayName")
        code, owner = _str(item, "classCode"), _user_id(item, "createdBy")
        term = _obj(item, "term") or {}
        term_end = _str(term, "endDate")
        ended = date.fromisoformat(term_end) if term_end else None
    except ValueError as e:
        return _skip("educationClass", item, str(e))
    if not cid or not name:
        return _skip("educationClass", item, "no id or displayName")
    return ClassRecord(
        platform=MS,
        platform_id=cid,
        name=name,
        section=code,  # the school's code for the class (SIS), nearest to a section
        # v1.0 educationClass has no lifecycle state; a class of a past term is archived.
        state=ClassState.ARCHIVED if ended is not None and today is not None
        and ended < today else ClassState.ACTIVE,
        owner_platform_id=owner,
        alternate_link=None,
        created_at=None,  # not exposed by v1.0 educationClass
        updated_at=None,
        calendar_ref=cid,  # a class is backed by a Microsoft 365 group with the same id
        school_platform_id=school_id,
    )


def person(item: Item) -> PersonRecord | SkippedRecord:
    try:
        uid = _str(item, "id")
        record = PersonRecord(
            platform=MS, platform_id=uid or "",
            email=_str(item, "mail") or _str(item, "userPrincipalName"),
            given_name=_str(item, "givenName"), family_name=_str(item, "surname"),
            full_name=_str(item, "displayName"),
        )
    except MalformedError as e:
        return _skip("educationUser", item, str(e))
    if not uid:
        return _skip("educationUser", item, "no id")
    return record


def work(item: Item, class_id: str) -> WorkRecord | SkippedRecord:
    try:
        aid = _str(item, "id")
        status = EducationAssignmentStatus(_str(item, "status"))
        assigned, assign = _dt(item, "assignedDateTime"), _dt(item, "assignDateTime")
        grading = _obj(item, "grading") or {}
        max_points = (_points(grading.get("maxPoints"))
                      if grading.get("@odata.type") == POINTS_GRADE_TYPE else None)
        created, updated = _dt(item, "createdDateTime"), _dt(item, "lastModifiedDateTime")
        due, title, link = _dt(item, "dueDateTime"), _str(item, "displayName"), \
            _str(item, "webUrl")
        owner, cid = _user_id(item, "createdBy"), _str(item, "classId")
    except ValueError as e:
        return _skip("educationAssignment", item, str(e))
    if not aid:
        return _skip("educationAssignment", item, "no id")
    if status is EducationAssignmentStatus.Draft:
        state = WorkState.DRAFT
    elif assigned is None and assign is not None:
        state = WorkState.SCHEDULED  # published with a future assignDateTime, not yet live
    else:
        state = WorkState.PUBLISHED  # published, assigned, inactive
    return WorkRecord(
        platform=MS, platform_id=aid, class_platform_id=cid or class_id,
        kind=WorkKind.ASSIGNMENT, state=state, title=title or "", created_at=created,
        updated_at=updated, published_at=assigned, scheduled_at=assign, due_at=due,
        alternate_link=link, creator_platform_id=owner, max_points=max_points,
    )


def _points(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedError("points is not a number")
    return float(value)


def graded(item: Item) -> bool:
    """A mark the pupil can see: published points or published feedback."""
    outcomes = item.get("outcomes") or []
    if not isinstance(outcomes, list):
        raise MalformedError("outcomes is not a list")
    for o in outcomes:
        if not isinstance(o, dict):
            raise MalformedError("an outcome is not an object")
        kind = o.get("@odata.type")
        if kind == POINTS_OUTCOME:
            published = _obj(o, "publishedPoints")
            if published is not None and _points(published.get("points")) is not None:
                return True
        elif kind == FEEDBACK_OUTCOME and _obj(o, "publishedFeedback") is not None:
            return True
    return False


def submission(
    item: Item, class_id: str, due: dict[str, datetime | None], now: datetime
) -> SubmissionRecord | SkippedRecord:
    """``due`` maps assignment ids to due times, to work out lateness as of ``now``.

    Graph has no late flag. Late means what Classroom's ``late`` means: turned in after
    the due time, or never turned in and still open once it has passed.
    """
    try:
        sid, work_id = _str(item, "id"), _str(item, "assignmentId")
        recipient = _obj(item, "recipient") or {}
        pupil = (_str(recipient, "userId")
                 if recipient.get("@odata.type") == INDIVIDUAL_RECIPIENT else None)
        status = EducationSubmissionStatus(_str(item, "status"))
        submitted, unsubmitted = _dt(item, "submittedDateTime"), _dt(item, "unsubmittedDateTime")
        returned, reassigned_at = _dt(item, "returnedDateTime"), _dt(item, "reassignedDateTime")
        updated, link, marked = _dt(item, "lastModifiedDateTime"), _str(item, "webUrl"), \
            graded(item)
    except ValueError as e:
        return _skip("educationSubmission", item, str(e))
    if not sid or not pupil or not work_id:
        return _skip("educationSubmission", item, "no id, individual recipient or assignmentId")
    state = SUBMISSION_STATES.get(status)
    if state is None:
        return _skip("educationSubmission", item, f"unhandled status {status.value!r}")
    if state is SubmissionState.ASSIGNED and unsubmitted is not None:
        state = SubmissionState.RECLAIMED  # the pupil took it back (Teams "unsubmit")
    due_at = due.get(work_id)
    if submitted is not None:
        late = due_at is not None and submitted > due_at
    else:
        late = due_at is not None and due_at <= now and state in (
            SubmissionState.ASSIGNED, SubmissionState.RECLAIMED)
    reassigned = status is EducationSubmissionStatus.Reassigned
    turned_in = submitted
    if state is SubmissionState.RECLAIMED and submitted is None:
        # Graph clears submittedDateTime on unsubmit; the turn-in it undid came before
        # unsubmittedDateTime, the latest moment known. Stored as the turn-in, as a
        # Classroom submission keeps its last turn-in when reclaimed, so a pupil who
        # handed work in and took it back counts as active (R3), not as silent.
        turned_in = unsubmitted
    return SubmissionRecord(
        platform=MS,
        platform_id=sid,
        class_platform_id=class_id,
        work_platform_id=work_id,
        pupil_platform_id=pupil,
        state=state,
        late=late,
        graded=False if reassigned else marked,
        turned_in_at=turned_in,
        returned_at=reassigned_at if reassigned else returned,
        updated_at=updated,
        alternate_link=link,
    )


def module(item: Item, class_id: str) -> WorkRecord | SkippedRecord:
    """A class module (educationModule) → MATERIAL work.

    Graph gives a module no publish time; ``createdDateTime`` stands in for it (Teams
    teachers make and publish a module together, and it does not move when the module is
    edited or pinned later, as ``lastModifiedDateTime`` would).
    """
    try:
        mid, status = _str(item, "id"), _str(item, "status")
        created, updated = _dt(item, "createdDateTime"), _dt(item, "lastModifiedDateTime")
        title, owner = _str(item, "displayName"), _user_id(item, "createdBy")
    except ValueError as e:
        return _skip("educationModule", item, str(e))
    if not mid:
        return _skip("educationModule", item, "no id")
    if status not in ("draft", "published"):
        return _skip("educationModule", item, f"unhandled status {status!r}")
    published = status == "published"
    return WorkRecord(
        platform=MS, platform_id=mid, class_platform_id=class_id, kind=WorkKind.MATERIAL,
        state=WorkState.PUBLISHED if published else WorkState.DRAFT, title=title or "",
        created_at=created, updated_at=updated, published_at=created if published else None,
        scheduled_at=None, due_at=None, alternate_link=None, creator_platform_id=owner,
        max_points=None,
    )
