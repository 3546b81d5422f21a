"""StudentSubmission → :class:`SubmissionRecord`.

Two ways to list them: per course with ``courseWorkId="-"`` (every submission of every
piece of work in one list) or per piece of work. The API offers no changed-since filter
or ordering, so an incremental read picks, per course, whichever costs fewer calls for
the work whose submissions can still change (see :mod:`connector.google.snapshot`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from connector.google.fields import (
    JSON,
    InvalidFieldError,
    boolean,
    enum,
    guarded,
    number,
    required_text,
    text,
    timestamp,
)
from connector.google.streams import MAX_PAGE_SIZE, Stream
from connector.records import Platform, SkippedRecord, SubmissionRecord, SubmissionState

SUBMISSIONS = Stream(
    name="studentSubmissions",
    items_key="studentSubmissions",
    id_field="id",
    cursor_field=None,  # not filterable, not sorted
    is_sorted=False,
    page_size=MAX_PAGE_SIZE,
    method=lambda svc, course, params: svc.courses()
    .courseWork()
    .studentSubmissions()
    .list(courseId=course, courseWorkId="-", **params),
)

# The submissions of one piece of work: ``extra={"courseWorkId": id}`` names it.
SUBMISSIONS_OF_WORK = Stream(
    name="submissionsOfWork",
    items_key="studentSubmissions",
    id_field="id",
    cursor_field=None,
    is_sorted=False,
    page_size=MAX_PAGE_SIZE,
    method=lambda svc, course, params: svc.courses()
    .courseWork()
    .studentSubmissions()
    .list(courseId=course, **params),
)

STATES: dict[str, SubmissionState] = {
    "NEW": SubmissionState.ASSIGNED,
    "CREATED": SubmissionState.ASSIGNED,
    "TURNED_IN": SubmissionState.TURNED_IN,
    "RETURNED": SubmissionState.RETURNED,
    "RECLAIMED_BY_STUDENT": SubmissionState.RECLAIMED,
}


def to_record(item: Any, course_id: str) -> SubmissionRecord | SkippedRecord:
    """Map one StudentSubmission of ``course_id``."""

    def read(s: JSON) -> SubmissionRecord:
        history = _state_times(s)
        return SubmissionRecord(
            platform=Platform.GOOGLE,
            platform_id=required_text(s, "id"),
            class_platform_id=text(s, "courseId") or course_id,
            work_platform_id=required_text(s, "courseWorkId"),
            pupil_platform_id=required_text(s, "userId"),
            state=enum(s, "state", STATES),
            late=boolean(s, "late"),
            # draftGrade is the teacher's private pending mark: only assignedGrade is marked.
            graded=number(s, "assignedGrade") is not None,
            turned_in_at=history.get("TURNED_IN"),
            returned_at=history.get("RETURNED"),
            updated_at=timestamp(s, "updateTime"),
            alternate_link=text(s, "alternateLink"),
        )

    return guarded("submission", item, read)


def _state_times(s: JSON) -> dict[str, datetime]:
    """The latest ``stateTimestamp`` per ``stateHistory.state``."""
    history = s.get("submissionHistory") or []
    if not isinstance(history, list):
        raise InvalidFieldError("submissionHistory is not a list")
    latest: dict[str, datetime] = {}
    for entry in history:
        state_history = entry.get("stateHistory") if isinstance(entry, Mapping) else None
        if not isinstance(state_history, Mapping):
            continue  # a gradeHistory entry
        state = state_history.get("state")
        when = timestamp(state_history, "stateTimestamp")
        if isinstance(state, str) and when is not None:
            latest[state] = max(when, latest.get(state, when))
    return latest
