"""courseWork, courseWorkMaterials, announcements, topics and studentSubmissions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from connector.records import Role, WorkKind
from connector.sandbox.google import resources
from connector.sandbox.google.access import Caller, CourseRole
from connector.sandbox.google.api import GoogleApi
from connector.sandbox.google.asof import SubmissionView, WorkView, submission_view, work_view
from connector.sandbox.google.errors import ApiError
from connector.sandbox.google.paging import listing, paginate
from connector.sandbox.scenario.model import ClassSpec
from connector.sandbox.server import Request

_FAR = datetime.max.replace(tzinfo=None)

# Path segment, method prefix, kinds served, states parameter, list key, JSON builder,
# orderBy fields.
_POSTS: list[
    tuple[str, str, set[WorkKind], str, str, Callable[[WorkView], dict[str, Any]], set[str]]
] = [
    (
        "courseWork",
        "courseWork",
        {WorkKind.ASSIGNMENT, WorkKind.QUESTION},
        "courseWorkStates",
        "courseWork",
        resources.course_work,
        {"updateTime", "dueDate"},
    ),
    (
        "courseWorkMaterials",
        "courseWorkMaterials",
        {WorkKind.MATERIAL},
        "courseWorkMaterialStates",
        "courseWorkMaterial",
        resources.material,
        {"updateTime"},
    ),
    (
        "announcements",
        "announcements",
        {WorkKind.ANNOUNCEMENT},
        "announcementStates",
        "announcements",
        resources.announcement,
        {"updateTime"},
    ),
]


def _ordered(views: list[WorkView], order_by: str | None, allowed: set[str]) -> list[WorkView]:
    """Sort per ``orderBy`` ("updateTime desc" by default), ties broken by id."""
    keys: list[tuple[str, bool]] = []
    for part in (order_by or "updateTime desc").split(","):
        words = part.split()
        if not words or words[0] not in allowed or len(words) > 2:
            raise ApiError(400, f"Invalid order_by: {order_by}")
        if len(words) == 2 and words[1] not in ("asc", "desc"):
            raise ApiError(400, f"Invalid order_by: {order_by}")
        keys.append((words[0], len(words) == 2 and words[1] == "desc"))
    out = sorted(views, key=lambda v: v.spec.id)
    for name, desc in reversed(keys):
        if name == "updateTime":
            out.sort(key=lambda v: v.update_time, reverse=desc)
        else:  # work without a due date sorts after any due date
            out.sort(key=_due_key, reverse=desc)
    return out


def _due_key(v: WorkView) -> datetime:
    return v.spec.due_at.replace(tzinfo=None) if v.spec.due_at else _FAR


def register(api: GoogleApi) -> None:
    d = api.directory
    w = api.world

    def views(c: ClassSpec, kinds: set[WorkKind]) -> list[WorkView]:
        out = []
        for spec in w.work_by_class.get(c.id, []):
            if spec.kind in kinds and (v := work_view(w, spec)) is not None:
                out.append(v)
        return out

    def one(req: Request, caller: Caller, kinds: set[WorkKind], key: str = "id") -> WorkView:
        c, role = d.course(req.params["courseId"], caller)
        spec = w.work.get(req.params[key])
        v = work_view(w, spec) if spec is not None and spec.class_id == c.id else None
        if v is None or spec is None or spec.kind not in kinds or v.state == "DELETED":
            raise ApiError(404)
        if v.state != "PUBLISHED" and role is CourseRole.STUDENT:
            raise ApiError(404)
        return v

    def add_posts(
        seg: str,
        prefix: str,
        kinds: set[WorkKind],
        param: str,
        key: str,
        build: Callable[[WorkView], dict[str, Any]],
        order: set[str],
    ) -> None:
        def list_(req: Request, caller: Caller) -> dict[str, Any]:
            c, role = d.course(req.params["courseId"], caller)
            states = set(req.args(param)) - {s for s in req.args(param) if "UNSPECIFIED" in s}
            states = states or {"PUBLISHED"}
            if role is CourseRole.STUDENT and states - {"PUBLISHED"}:
                raise ApiError(403)
            found = [v for v in views(c, kinds) if v.state in states]
            page, token = paginate(req, _ordered(found, req.arg("orderBy"), order), caller.user_id)
            return listing(key, [build(v) for v in page], token)

        def get(req: Request, caller: Caller) -> dict[str, Any]:
            return build(one(req, caller, kinds))

        base = f"/v1/courses/{{courseId}}/{seg}"
        api.route(base, f"classroom.courses.{prefix}.list", list_)
        api.route(base + "/{id}", f"classroom.courses.{prefix}.get", get)

    for spec in _POSTS:
        add_posts(*spec)

    def topics(c: ClassSpec) -> list[dict[str, Any]]:
        first: dict[str, datetime] = {}
        for v in views(c, set(WorkKind)):
            name = v.spec.topic
            if name and v.state != "DELETED":
                first[name] = min(first.get(name, v.spec.created_at), v.spec.created_at)
        items = sorted(first.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        return [
            {
                "courseId": c.id,
                "topicId": resources.topic_id(c.id, name),
                "name": name,
                "updateTime": resources.ts(at),
            }
            for name, at in items
        ]

    def list_topics(req: Request, caller: Caller) -> dict[str, Any]:
        c, _ = d.course(req.params["courseId"], caller)
        page, token = paginate(req, topics(c), caller.user_id)
        return listing("topic", page, token)

    def get_topic(req: Request, caller: Caller) -> dict[str, Any]:
        c, _ = d.course(req.params["courseId"], caller)
        for t in topics(c):
            if t["topicId"] == req.params["id"]:
                return t
        raise ApiError(404)

    api.route("/v1/courses/{courseId}/topics", "classroom.courses.topics.list", list_topics)
    api.route("/v1/courses/{courseId}/topics/{id}", "classroom.courses.topics.get", get_topic)

    cw_kinds = _POSTS[0][2]

    def subs(c: ClassSpec, work: list[WorkView]) -> list[tuple[SubmissionView, WorkView]]:
        # Google drops a pupil's work from the course when the pupil is removed from it.
        pupils = {m.person_id for m in w.members(c.id, Role.PUPIL)}
        out = []
        for v in sorted(work, key=lambda v: (v.spec.created_at, v.spec.id)):
            if v.state != "PUBLISHED":
                continue  # drafts have no submissions; deleted work took its own along
            for s in sorted(w.subs_by_work.get(v.spec.id, []), key=lambda s: (s.pupil_id, s.id)):
                if s.pupil_id in pupils and (sv := submission_view(w, s, v.spec)) is not None:
                    out.append((sv, v))
        return out

    def sub_json(sv: SubmissionView, v: WorkView) -> dict[str, Any]:
        return resources.submission(sv, resources.work_type(v), v.spec.max_points)

    def list_subs(req: Request, caller: Caller) -> dict[str, Any]:
        c, role = d.course(req.params["courseId"], caller)
        wid = req.params["courseWorkId"]
        work = views(c, cw_kinds) if wid == "-" else [one(req, caller, cw_kinds, "courseWorkId")]
        user = None
        if ref := req.arg("userId"):
            user = d.resolve_user(ref, caller)
            if user is None:
                raise ApiError(404)
        if role is CourseRole.STUDENT:
            if user not in (None, caller.user_id):
                raise ApiError(403)
            user = caller.user_id
        states = set(req.args("states")) - {"SUBMISSION_STATE_UNSPECIFIED"}
        late = req.arg("late") or "LATE_VALUES_UNSPECIFIED"
        found = [
            (sv, v)
            for sv, v in subs(c, work)
            if (user is None or sv.spec.pupil_id == user)
            and (not states or sv.state in states)
            and (late != "LATE_ONLY" or sv.late)
            and (late != "NOT_LATE_ONLY" or not sv.late)
        ]
        page, token = paginate(req, found, caller.user_id)
        return listing("studentSubmissions", [sub_json(sv, v) for sv, v in page], token)

    def get_sub(req: Request, caller: Caller) -> dict[str, Any]:
        c, role = d.course(req.params["courseId"], caller)
        v = one(req, caller, cw_kinds, "courseWorkId")
        for sv, _ in subs(c, [v]):
            if sv.spec.id == req.params["id"]:
                if role is CourseRole.STUDENT and sv.spec.pupil_id != caller.user_id:
                    raise ApiError(403)
                return sub_json(sv, v)
        raise ApiError(404)

    base = "/v1/courses/{courseId}/courseWork/{courseWorkId}/studentSubmissions"
    api.route(base, "classroom.courses.courseWork.studentSubmissions.list", list_subs)
    api.route(base + "/{id}", "classroom.courses.courseWork.studentSubmissions.get", get_sub)
