"""CourseWork, CourseWorkMaterial and Announcement → :class:`WorkRecord`; topics for names.

Times, from the discovery document: ``dueDate``/``dueTime`` are in UTC and must come
together. ``TimeOfDay`` is proto3, so zero fields are left out: ``dueTime: {}`` is
00:00 UTC and ``{"hours": 24}`` is the end of the day. A ``dueDate`` without any
``dueTime`` (not valid per the schema, but seen from older clients) is read as due at the
end of that UTC day, 23:59:59, so nobody is called late early.

``published_at``: the API has no "published at" field. A published item that still
carries a ``scheduledTime`` went live then (Google's docs do not say whether the field is
kept after publication; if it is not, we fall back); otherwise ``creationTime`` (for a
draft published by hand later this is too early: a known gap).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.google.fields import (
    JSON,
    InvalidFieldError,
    enum,
    guarded,
    mapping,
    number,
    required_text,
    text,
    timestamp,
)
from connector.google.streams import MAX_PAGE_SIZE, Stream
from connector.records import Platform, SkippedRecord, WorkKind, WorkRecord, WorkState

# Teachers and admins see drafts and recently deleted items only when asked for them.
_STATES = ["PUBLISHED", "DRAFT", "DELETED"]

COURSE_WORK = Stream(
    name="courseWork",
    items_key="courseWork",
    id_field="id",
    cursor_field="updateTime",
    is_sorted=True,  # orderBy default: "updateTime desc"
    page_size=MAX_PAGE_SIZE,
    method=lambda svc, course, params: svc.courses()
    .courseWork()
    .list(courseId=course, courseWorkStates=_STATES, **params),
)
MATERIALS = Stream(
    name="courseWorkMaterials",
    items_key="courseWorkMaterial",
    id_field="id",
    cursor_field="updateTime",
    is_sorted=True,
    page_size=MAX_PAGE_SIZE,
    method=lambda svc, course, params: svc.courses()
    .courseWorkMaterials()
    .list(courseId=course, courseWorkMaterialStates=_STATES, **params),
)
ANNOUNCEMENTS = Stream(
    name="announcements",
    items_key="announcements",
    id_field="id",
    cursor_field="updateTime",
    is_sorted=True,
    page_size=MAX_PAGE_SIZE,
    method=lambda svc, course, params: svc.courses()
    .announcements()
    .list(courseId=course, announcementStates=_STATES, **params),
)
TOPICS = Stream(
    name="topics",
    items_key="topic",
    id_field="topicId",
    cursor_field=None,
    is_sorted=False,
    page_size=MAX_PAGE_SIZE,
    method=lambda svc, course, params: svc.courses().topics().list(courseId=course, **params),
)

WORK_TYPES: dict[str, WorkKind] = {
    "ASSIGNMENT": WorkKind.ASSIGNMENT,
    "SHORT_ANSWER_QUESTION": WorkKind.QUESTION,
    "MULTIPLE_CHOICE_QUESTION": WorkKind.QUESTION,
}
# Without a schedule; DRAFT with a scheduledTime becomes SCHEDULED. Unspecified is DRAFT
# per the discovery document ("If unspecified, the default state is DRAFT").
STATES: dict[str, WorkState] = {
    "PUBLISHED": WorkState.PUBLISHED,
    "DRAFT": WorkState.DRAFT,
    "DELETED": WorkState.DELETED,
    "COURSE_WORK_STATE_UNSPECIFIED": WorkState.DRAFT,
    "COURSEWORK_MATERIAL_STATE_UNSPECIFIED": WorkState.DRAFT,
    "ANNOUNCEMENT_STATE_UNSPECIFIED": WorkState.DRAFT,
}
RESOURCE_KIND = {
    "courseWork": "coursework",
    "courseWorkMaterials": "material",
    "announcements": "announcement",
}


def to_record(
    item: Any, stream: str, course_id: str, topics: Mapping[str, str] | None = None
) -> WorkRecord | SkippedRecord:
    """Map one item of ``stream`` (``courseWork``, ``courseWorkMaterials``, ``announcements``).

    ``topics`` maps topicId to the topic's name (from ``topics.list``).
    """
    names = topics or {}

    def read(w: JSON) -> WorkRecord:
        if stream == "courseWork":
            kind = enum(w, "workType", WORK_TYPES)
            title = required_text(w, "title")
        elif stream == "courseWorkMaterials":
            kind, title = WorkKind.MATERIAL, required_text(w, "title")
        else:
            # An announcement has only text, which is content we do not store (R7).
            kind, title = WorkKind.ANNOUNCEMENT, ""
        state = enum(w, "state", STATES, default=WorkState.DRAFT)
        scheduled_at = timestamp(w, "scheduledTime")
        created_at = timestamp(w, "creationTime")
        if state is WorkState.DRAFT and scheduled_at is not None:
            state = WorkState.SCHEDULED
        published_at = None
        if state is WorkState.PUBLISHED:
            published_at = scheduled_at or created_at
        topic_id = text(w, "topicId")
        return WorkRecord(
            platform=Platform.GOOGLE,
            platform_id=required_text(w, "id"),
            class_platform_id=text(w, "courseId") or course_id,
            kind=kind,
            state=state,
            title=title,
            created_at=created_at,
            updated_at=timestamp(w, "updateTime"),
            published_at=published_at,
            scheduled_at=scheduled_at,
            due_at=due_at(w),
            alternate_link=text(w, "alternateLink"),
            creator_platform_id=text(w, "creatorUserId"),
            topic=names.get(topic_id) if topic_id else None,
            max_points=number(w, "maxPoints") or None,
        )

    return guarded(RESOURCE_KIND.get(stream, stream), item, read)


def due_at(w: JSON) -> datetime | None:
    """``dueDate`` + ``dueTime`` (both UTC) as one aware datetime; see the module notes."""
    if "dueDate" not in w:
        return None
    date, time = mapping(w, "dueDate"), w.get("dueTime")
    try:
        day = datetime(int(date["year"]), int(date["month"]), int(date["day"]), tzinfo=UTC)
    except (KeyError, TypeError, ValueError) as e:
        raise InvalidFieldError("dueDate is not a full date") from e
    if time is None:
        return day + timedelta(hours=23, minutes=59, seconds=59)
    if not isinstance(time, Mapping):
        raise InvalidFieldError("dueTime is not an object")
    try:
        h, m, s = (int(time.get(k, 0)) for k in ("hours", "minutes", "seconds"))
    except (TypeError, ValueError) as e:
        raise InvalidFieldError("dueTime is not a time of day") from e
    if not (0 <= h <= 24 and 0 <= m <= 59 and 0 <= s <= 60):
        raise InvalidFieldError("dueTime is out of range")
    return day + timedelta(hours=h, minutes=m, seconds=s)


def topic_names(items: list[Any]) -> dict[str, str]:
    """topicId → name; malformed topics are simply absent (a topic is a label only)."""
    out: dict[str, str] = {}
    for t in items:
        if isinstance(t, Mapping):
            tid, name = t.get("topicId"), t.get("name")
            if isinstance(tid, str) and isinstance(name, str) and len(name) <= 3000:
                out[tid] = name
    return out
