"""Who the caller is and what Google lets them see.

A domain admin (``SchoolSpec.admin_email``) sees every course of their school, the
Workspace customer's super admin (``ids.customer_admin_email()``) every course of every
Google school; a teacher the courses they teach; a pupil the courses they are enrolled in
(published work and their own submissions only). Anything else is 403 PERMISSION_DENIED
for a course that exists and 404 NOT_FOUND for one that does not (or was deleted).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum

from connector.records import Platform, Role
from connector.sandbox.google.auth import Identity
from connector.sandbox.google.errors import ApiError
from connector.sandbox.scenario.ids import customer_admin_email
from connector.sandbox.scenario.model import ClassSpec, PersonSpec, SchoolSpec
from connector.sandbox.world import World


class CourseRole(Enum):
    ADMIN = "admin"
    TEACHER = "teacher"
    STUDENT = "student"


@dataclass(frozen=True, slots=True)
class Caller:
    email: str | None  # None: the service account itself, impersonating nobody
    user_id: str
    person: PersonSpec | None
    scopes: frozenset[str]
    admin_of: frozenset[str] = field(default_factory=frozenset)  # school ids

    def has_scope(self, short: str) -> bool:
        return f"https://www.googleapis.com/auth/{short}" in self.scopes


def synthetic_user_id(email: str) -> str:
    """A stable 21-digit Google-style user id for an identity the scenario has no person for."""
    n = int(hashlib.sha256(email.lower().encode()).hexdigest()[:18], 16)
    return "1" + str(n % 10**20).rjust(20, "0")


class Directory:
    """Read-side helpers over the world, restricted to Google schools."""

    def __init__(self, world: World) -> None:
        self.world = world

    def google_schools(self) -> list[SchoolSpec]:
        return [s for s in self.world.scenario.schools if s.platform is Platform.GOOGLE]

    def _admin_schools(self, email: str) -> frozenset[str]:
        email = email.lower()
        everything = email == customer_admin_email()
        return frozenset(
            s.id for s in self.google_schools() if everything or s.admin_email.lower() == email
        )

    def google_person(self, email: str) -> PersonSpec | None:
        p = self.world.people_by_email.get(email.lower())
        if p is None or p.school_id not in self.world.schools:
            return None
        return p if self.world.schools[p.school_id].platform is Platform.GOOGLE else None

    def known_user(self, email: str) -> bool:
        e = email.lower()
        return self.google_person(e) is not None or bool(self._admin_schools(e))

    def caller(self, identity: Identity) -> Caller:
        if identity.email is None:
            return Caller(None, synthetic_user_id("service-account"), None, identity.scopes)
        person = self.google_person(identity.email)
        uid = person.id if person else synthetic_user_id(identity.email)
        return Caller(
            identity.email, uid, person, identity.scopes, self._admin_schools(identity.email)
        )

    def resolve_user(self, ref: str, caller: Caller) -> str | None:
        """A user id from a numeric id, an email address or ``me``; None if unknown."""
        if ref == "me":
            return caller.user_id
        if "@" in ref:
            p = self.google_person(ref)
            if p is not None:
                return p.id
            return synthetic_user_id(ref) if self._admin_schools(ref) else None
        p = self.world.person(ref)
        return p.id if p is not None and self.google_person(p.email) is not None else None

    def role(self, caller: Caller, course: ClassSpec) -> CourseRole | None:
        if course.school_id in caller.admin_of:
            return CourseRole.ADMIN
        if caller.person is None:
            return None
        uid = caller.person.id
        if uid == course.owner_id or any(
            m.person_id == uid for m in self.world.members(course.id, Role.TEACHER)
        ):
            return CourseRole.TEACHER
        if any(m.person_id == uid for m in self.world.members(course.id, Role.PUPIL)):
            return CourseRole.STUDENT
        return None

    def exists(self, course_id: str) -> ClassSpec | None:
        w = self.world
        c = w.classes.get(course_id)
        if c is None or course_id in w.deleted_classes or c.created_at > w.now:
            return None
        return c if w.schools[c.school_id].platform is Platform.GOOGLE else None

    def course(self, course_id: str, caller: Caller) -> tuple[ClassSpec, CourseRole]:
        """The course and the caller's role in it, or :class:`ApiError` 404 / 403."""
        c = self.exists(course_id)
        if c is None:
            raise ApiError(404)
        role = self.role(caller, c)
        if role is None:
            raise ApiError(403)
        return c, role

    def courses(self) -> list[ClassSpec]:
        now = self.world.now
        return [c for c in self.world.classes_of(Platform.GOOGLE) if c.created_at <= now]
