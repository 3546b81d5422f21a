"""Classroom audit-log activities (Admin SDK Reports API) as typed events, and what they mean.

Google documents the Classroom event names (``applicationName=classroom``) and, for the
same-named events of its Assignments log, every parameter; the Help Center's "Classroom
audit log" page gives the membership and course events' parameters and says that
``impacted_users`` and the actor are email values. We read (see README, "Google change
feed"):

- ``changed_submission_state``: ``course_id``, ``post_id`` (the coursework id),
  ``submission_state`` (``turned_in``, ``returned``, ``reclaimed_by_student``,
  ``student_edited_after_turn_in``), ``is_late``, ``has_grade``, ``impacted_users``;
- ``set_grade`` / ``unset_grade``: a grade given or taken back (``set_draft_grade`` is a
  draft, which pupils do not see, and does not count);
- membership (``user_added_to_course``, ``user_joined_course``, ``user_removed_from_course``)
  and post (``published_*``, ``updated_*``) events: the course must be read again;
- course events (``created_course``, ``deleted_course``, ``archived_course``,
  ``restored_course``): the school's course list must be read again.

A pupil acting on their own submission may be named only as the actor (as in
``user_joined_course``), so the affected users are ``impacted_users`` or, without them,
the actor. Every other event name is ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.changes import ChangeSet, SubmissionChange
from connector.google.fields import InvalidFieldError, timestamp
from connector.records import Platform, SkippedRecord, SubmissionState

SUBMISSION_STATES: dict[str, SubmissionState | None] = {
    "turned_in": SubmissionState.TURNED_IN,
    "returned": SubmissionState.RETURNED,
    "reclaimed_by_student": SubmissionState.RECLAIMED,
    # An edit after turning in leaves the submission turned in: nothing to record.
    "student_edited_after_turn_in": None,
}
GRADE_EVENTS = {"set_grade": True, "unset_grade": False}
ROSTER_EVENTS = frozenset(
    {"user_added_to_course", "user_joined_course", "user_removed_from_course"}
)
POST_EVENTS = frozenset({
    "published_course_work", "updated_course_work",
    "published_announcement", "updated_announcement",
})  # fmt: skip
COURSE_EVENTS = frozenset(
    {"created_course", "deleted_course", "archived_course", "restored_course"}
)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One event of one activity, with the parameters we use."""

    at: datetime
    name: str
    course_id: str | None
    post_id: str | None
    users: tuple[str, ...]  # impacted_users, else the actor (lower-cased emails)
    submission_state: str | None = None
    is_late: bool | None = None
    has_grade: bool | None = None


_WANTED = (
    frozenset({"changed_submission_state", *GRADE_EVENTS})
    | ROSTER_EVENTS
    | POST_EVENTS
    | COURSE_EVENTS
)


def parse_activity(item: Mapping[str, Any]) -> list[AuditEvent] | SkippedRecord:
    """The events of one activity we use (often none); a malformed one is skipped."""
    ident = _obj(item.get("id"))
    ref = str(ident.get("uniqueQualifier") or ident.get("time") or "?")
    try:
        at = timestamp(ident, "time")
        if at is None:
            raise InvalidFieldError("id.time is missing")
        actor_email = _obj(item.get("actor")).get("email")
        out: list[AuditEvent] = []
        for event in item.get("events") or []:
            if not isinstance(event, Mapping) or event.get("name") not in _WANTED:
                continue
            params = _params(event.get("parameters") or [])
            users = params.get("impacted_users") or (
                (actor_email,) if isinstance(actor_email, str) else ()
            )
            out.append(
                AuditEvent(
                    at=at,
                    name=str(event["name"]),
                    course_id=_text(params.get("course_id")),
                    post_id=_text(params.get("post_id")),
                    users=tuple(str(u).lower() for u in _many(users)),
                    submission_state=_text(params.get("submission_state")),
                    is_late=_flag(params.get("is_late")),
                    has_grade=_flag(params.get("has_grade")),
                )
            )
        return out
    except (InvalidFieldError, TypeError, ValueError) as e:
        return SkippedRecord(Platform.GOOGLE, "audit_activity", ref, str(e))


def school_changes(
    events: Iterable[AuditEvent],
    classes: frozenset[str],
    *,
    since: datetime,
    until: datetime,
    total: int,
) -> ChangeSet:
    """What ``events`` mean for the school holding ``classes`` (Classroom course ids)."""
    out = ChangeSet(since=since, until=until, events=total)
    for e in events:
        if e.name in COURSE_EVENTS:
            # A new course is nobody's yet: every school lists its courses again.
            if (
                e.name == "created_course" and e.course_id not in classes
            ) or e.course_id in classes:
                out.classes_changed = True
            continue
        if e.course_id is None or e.course_id not in classes:
            continue
        if e.name in ROSTER_EVENTS or e.name in POST_EVENTS:
            out.touched_classes.add(e.course_id)
            continue
        change = _submission_change(e)
        if isinstance(change, SkippedRecord):
            out.skipped.append(change)
        elif change is not None:
            out.submissions.extend(
                SubmissionChange(Platform.GOOGLE, e.course_id, change[0], email, e.at, *change[1:])
                for email in e.users
            )
    return out


def _submission_change(
    e: AuditEvent,
) -> tuple[str, SubmissionState | None, bool | None, bool | None] | SkippedRecord | None:
    """(work id, state, late, graded) of a submission event; None if it changes nothing."""
    ref = f"{e.course_id}/{e.post_id}"
    if e.post_id is None:
        return SkippedRecord(Platform.GOOGLE, "audit_event", ref, f"{e.name} without post_id")
    if e.name in GRADE_EVENTS:
        return e.post_id, None, None, GRADE_EVENTS[e.name]
    if e.submission_state not in SUBMISSION_STATES:
        return SkippedRecord(
            Platform.GOOGLE,
            "audit_event",
            ref,
            f"unknown submission_state {e.submission_state!r}",
        )
    state = SUBMISSION_STATES[e.submission_state]
    if state is None:
        return None
    late = e.is_late if state is SubmissionState.TURNED_IN else None
    return e.post_id, state, late, e.has_grade


def _params(raw: Iterable[Any]) -> dict[str, Any]:
    """Parameter name -> value, whichever of Google's value fields carries it."""
    out: dict[str, Any] = {}
    for p in raw:
        if not isinstance(p, Mapping) or not isinstance(p.get("name"), str):
            continue
        for field in ("value", "boolValue", "intValue", "multiValue", "multiIntValue"):
            if field in p:
                out[p["name"]] = p[field]
                break
    return out


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, str | int):
        return str(v)
    raise InvalidFieldError(f"expected text, got {type(v).__name__}")


def _obj(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def _flag(v: Any) -> bool | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if v in ("true", "false"):
        return bool(v == "true")
    raise InvalidFieldError(f"expected a boolean, got {v!r}")


def _many(v: Any) -> tuple[Any, ...]:
    if isinstance(v, str):
        return (v,)
    if isinstance(v, list | tuple):
        return tuple(x for x in v if isinstance(x, str))
    raise InvalidFieldError(f"expected emails, got {type(v).__name__}")
