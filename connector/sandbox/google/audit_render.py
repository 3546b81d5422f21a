"""Audit events as Reports API ``Activity`` JSON, and their parameters for ``filters``.

Field names per the ``Activity`` schema of admin.reports_v1 (the discovery document);
a parameter's value goes in ``value`` (string), ``boolValue`` or ``multiValue`` by its
documented type (the Assignments appendix: ``has_grade`` and ``is_late`` are booleans,
``impacted_users`` "the email of one or more users"). Parameters are listed in the
alphabetical order Google's appendix tables use; the order of a live response is not
documented.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from connector.records import WorkKind
from connector.sandbox.google.audit_events import AuditEvent
from connector.sandbox.google.resources import ts
from connector.sandbox.scenario.ids import SANDBOX_CUSTOMER_ID
from connector.sandbox.world import World

# Event name -> (events[].type, its parameters in order). Types: the Assignments page's
# (course_update, course_membership_change, course_work_update); announcements: inferred.
_COURSE = ("course_id", "course_title")
_POST = ("course_id", "course_title", "course_work_title", "course_work_type", "post_id")
_ANNOUNCEMENT = ("course_id", "course_title", "course_work_title", "post_id")
_MEMBER = ("course_id", "course_role", "course_title", "impacted_users")
_SUBMISSION = ("course_id", "course_title", "course_work_title", "has_grade",
               "impacted_users", "is_late", "post_id", "submission_state")  # fmt: skip
_GRADE = ("course_id", "course_title", "course_work_title", "impacted_users", "post_id")

EVENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "created_course": ("course_update", _COURSE),
    "deleted_course": ("course_update", _COURSE),
    "user_added_to_course": ("course_membership_change", _MEMBER),
    "user_removed_from_course": ("course_membership_change", _MEMBER),
    "published_course_work": ("course_work_update", _POST),
    "updated_course_work": ("course_work_update", _POST),
    "published_announcement": ("course_work_update", _ANNOUNCEMENT),
    "updated_announcement": ("course_work_update", _ANNOUNCEMENT),
    "changed_submission_state": ("course_work_update", _SUBMISSION),
    "set_grade": ("course_work_update", _GRADE),
}
# Every parameter some event carries: a ``filters`` term naming anything else is ignored.
PARAMETERS = frozenset(p for _, params in EVENTS.values() for p in params)
_BOOLEAN = {"has_grade", "is_late"}
_MULTI = {"impacted_users"}
_WORK_TYPE = {
    WorkKind.ASSIGNMENT: "assignment",
    WorkKind.QUESTION: "question",
    WorkKind.MATERIAL: "material",
}


def values(world: World, e: AuditEvent) -> dict[str, str | bool | list[str]]:
    """The event's parameters by name (only those its event name carries)."""
    w = e.work
    out: dict[str, str | bool | list[str]] = {}
    for name in EVENTS[e.name][1]:
        if name == "course_id":
            out[name] = e.course.id
        elif name == "course_title":
            out[name] = e.course.name
        elif name == "course_role" and e.role is not None:
            out[name] = e.role
        elif name == "impacted_users" and e.impacted_id is not None:
            p = world.person(e.impacted_id)
            out[name] = [p.email] if p is not None else []
        elif w is not None and name == "course_work_title":
            out[name] = w.title
        elif w is not None and name == "course_work_type":
            out[name] = _WORK_TYPE[w.kind]
        elif w is not None and name == "post_id":
            out[name] = w.id
        elif name == "submission_state" and e.state is not None:
            out[name] = e.state
        elif name == "is_late":
            out[name] = e.late
        elif name == "has_grade":
            out[name] = e.graded
    return out


def _parameter(name: str, value: str | bool | list[str]) -> dict[str, Any]:
    if name in _BOOLEAN:
        return {"name": name, "boolValue": value}
    if name in _MULTI:
        return {"name": name, "multiValue": value}
    return {"name": name, "value": value}


def etag(*parts: object) -> str:
    """A quoted opaque entity tag, as the Admin SDK writes them."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return '"' + base64.urlsafe_b64encode(digest[:20]).decode().rstrip("=") + '"'


def activity(world: World, e: AuditEvent) -> dict[str, Any]:
    """The event as an ``Activity`` resource."""
    actor: dict[str, Any] = {"callerType": "USER"}
    if (who := world.person(e.actor_id)) is not None:
        actor |= {"email": who.email, "profileId": who.id}
    kind, _ = EVENTS[e.name]
    params = [_parameter(k, v) for k, v in values(world, e).items()]
    return {
        "kind": "admin#reports#activity",
        "id": {
            "time": ts(e.at),
            "uniqueQualifier": str(e.qualifier),
            "applicationName": "classroom",
            "customerId": SANDBOX_CUSTOMER_ID,
        },
        "etag": etag(e.qualifier, e.at.isoformat()),
        "actor": actor,
        "ownerDomain": world.schools[e.school_id].domain,
        "events": [{"type": kind, "name": e.name, "parameters": params}],
    }
