"""Graph resource names for metrics: a request's path template, ids replaced by ``{id}``.

Graph's documentation names each operation by its path (``GET /education/classes/
{class-id}/members``); the segments kept are Graph's own names of the collections,
navigation properties and functions the connector reads. Anything else in a path is an
id, so a label never holds one and the label set stays small.
"""

from __future__ import annotations

from urllib.parse import urlsplit

PLATFORM = "microsoft"  # the platform label of every Graph call reported

NAMES = frozenset({
    "education", "schools", "classes", "users", "members", "teachers", "assignments",
    "submissions", "outcomes", "resources", "modules", "delta()", "delta",
    "getRecentlyModifiedSubmissions()", "getRecentlyModifiedSubmissions", "onlineMeetings",
    "attendanceReports", "attendanceRecords", "recordings", "getAllRecordings()",
    "calendarView", "events", "communications", "callRecords", "sessions", "$batch",
})


def resource_of(url: str) -> str:
    """``/education/classes/{id}/assignments/{id}/submissions`` for any ids and query."""
    path = urlsplit(url).path
    for version in ("/v1.0/", "/beta/"):
        if path.startswith(version):
            path = path[len(version) - 1:]
    parts = []
    for segment in path.strip("/").split("/"):
        # A function with arguments (getAllRecordings(meetingOrganizerUserId='…')).
        name = segment.split("(", 1)[0] + "()" if "(" in segment else segment
        parts.append(name if name in NAMES else "{id}")
    return "/" + "/".join(parts)
