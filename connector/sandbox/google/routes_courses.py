"""courses, courses.teachers, courses.students and userProfiles."""

from __future__ import annotations

from typing import Any

from connector.records import Role
from connector.sandbox.google import resources
from connector.sandbox.google.access import Caller, CourseRole
from connector.sandbox.google.api import GoogleApi
from connector.sandbox.google.errors import ApiError
from connector.sandbox.google.paging import ROSTER_DEFAULT_PAGE, listing, paginate
from connector.sandbox.server import Request

# courses.list without courseStates: every state but SUSPENDED (Google's documented default).
DEFAULT_COURSE_STATES = {"ACTIVE", "ARCHIVED", "PROVISIONED", "DECLINED"}


def register(api: GoogleApi) -> None:
    d = api.directory
    w = api.world

    def course_json(course_id: str, caller: Caller) -> dict[str, Any]:
        c, role = d.course(course_id, caller)
        return resources.course(
            c, w.schools[c.school_id], teacher_view=role is not CourseRole.STUDENT
        )

    def list_courses(req: Request, caller: Caller) -> dict[str, Any]:
        teacher_ref, student_ref = req.arg("teacherId"), req.arg("studentId")
        if teacher_ref and student_ref:
            raise ApiError(400, "At most one of teacher_id and student_id may be specified.")
        states = set(req.args("courseStates")) or DEFAULT_COURSE_STATES
        teacher = _user_filter(api, teacher_ref, caller)
        student = _user_filter(api, student_ref, caller)
        found = []
        for c in d.courses():
            role = d.role(caller, c)
            if role is None or ("ARCHIVED" if c.archived else "ACTIVE") not in states:
                continue
            if teacher and teacher not in {m.person_id for m in w.members(c.id, Role.TEACHER)}:
                continue
            if student and student not in {m.person_id for m in w.members(c.id, Role.PUPIL)}:
                continue
            found.append((c, role))
        # Documented order: most recently created first.
        found.sort(key=lambda x: (x[0].created_at, x[0].id), reverse=True)
        page, token = paginate(req, found, caller.user_id)
        items = [
            resources.course(c, w.schools[c.school_id], teacher_view=r is not CourseRole.STUDENT)
            for c, r in page
        ]
        return listing("courses", items, token)

    def get_course(req: Request, caller: Caller) -> dict[str, Any]:
        return course_json(req.params["id"], caller)

    def roster(role: Role, key: str) -> tuple[Any, Any]:
        def member(course_id: str, person_id: str, caller: Caller) -> dict[str, Any]:
            p = w.person(person_id)
            return {
                "courseId": course_id,
                "userId": person_id,
                "profile": resources.profile(
                    p, person_id, emails=caller.has_scope("classroom.profile.emails")
                ),
            }

        def members(course_id: str) -> list[str]:
            ids = [m.person_id for m in w.members(course_id, role)]
            return sorted(dict.fromkeys(ids))

        def list_(req: Request, caller: Caller) -> dict[str, Any]:
            c, _ = d.course(req.params["courseId"], caller)
            page, token = paginate(req, members(c.id), caller.user_id, default=ROSTER_DEFAULT_PAGE)
            return listing(key, [member(c.id, pid, caller) for pid in page], token)

        def get(req: Request, caller: Caller) -> dict[str, Any]:
            c, _ = d.course(req.params["courseId"], caller)
            uid = d.resolve_user(req.params["userId"], caller)
            if uid is None or uid not in members(c.id):
                raise ApiError(404)
            return member(c.id, uid, caller)

        return list_, get

    def get_profile(req: Request, caller: Caller) -> dict[str, Any]:
        ref = req.params["userId"]
        uid = d.resolve_user(ref, caller)
        if uid is None:
            raise ApiError(404)
        p = w.person(uid)
        if caller.email is None and ref != "me":
            raise ApiError(403)
        email = caller.email if uid == caller.user_id else (ref if "@" in ref else None)
        return resources.profile(
            p, uid, emails=caller.has_scope("classroom.profile.emails"), email=email
        )

    api.route("/v1/courses", "classroom.courses.list", list_courses)
    api.route("/v1/courses/{id}", "classroom.courses.get", get_course)
    for role, res in ((Role.TEACHER, "teachers"), (Role.PUPIL, "students")):
        list_, get = roster(role, res)
        api.route(f"/v1/courses/{{courseId}}/{res}", f"classroom.courses.{res}.list", list_)
        api.route(f"/v1/courses/{{courseId}}/{res}/{{userId}}", f"classroom.courses.{res}.get", get)
    api.route("/v1/userProfiles/{userId}", "classroom.userProfiles.get", get_profile)


def _user_filter(api: GoogleApi, ref: str | None, caller: Caller) -> str | None:
    if not ref:
        return None
    uid = api.directory.resolve_user(ref, caller)
    if uid is None:
        raise ApiError(404)  # documented: NOT_FOUND if a user in the query does not exist
    return uid
