"""Classroom ``userProfiles.guardians`` list and get.

A pupil's guardians come from ``PersonSpec.guardian_emails``; when the scenario gives
none (None), one or two are derived from the pupil's id so that every run sees the same.
Who may read them, per the method's documentation: a domain admin (any pupil of their
school, and the ``-`` studentId meaning every pupil they can see, which is refused with
403 for anyone else), a teacher of one of the pupil's classes, and the pupil (``me``).
``invitedEmailAddress`` is shown to, and filterable by, domain admins only.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from connector.records import Platform, Role
from connector.sandbox.google.access import Caller, synthetic_user_id
from connector.sandbox.google.api import GoogleApi
from connector.sandbox.google.errors import ApiError
from connector.sandbox.google.paging import listing, paginate
from connector.sandbox.scenario.model import PersonSpec
from connector.sandbox.server import Request


def guardian_emails(p: PersonSpec) -> list[str]:
    """The pupil's guardians' emails: the scenario's, or one or two derived from the id."""
    if p.guardian_emails is not None:
        return list(p.guardian_emails)
    n = int(hashlib.sha256(("guardians/" + p.id).encode()).hexdigest()[:8], 16)
    family = re.sub(r"[^a-z]", "", p.family_name.lower()) or "family"
    return [f"{family}.carer{i}.{n % 10**6:06d}@example.net" for i in range(1, 2 + n % 2)]


def register(api: GoogleApi) -> None:
    d = api.directory
    w = api.world

    def guardian_json(p: PersonSpec, email: str, i: int, caller: Caller) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "id": synthetic_user_id(email),
            "name": {
                "givenName": f"Carer {i}",
                "familyName": p.family_name,
                "fullName": f"Carer {i} {p.family_name}",
            },
        }
        if caller.has_scope("classroom.profile.emails"):
            profile["emailAddress"] = email
        out: dict[str, Any] = {
            "studentId": p.id,
            "guardianId": profile["id"],
            "guardianProfile": profile,
        }
        if caller.admin_of:
            out["invitedEmailAddress"] = email
        return out

    def may_view(caller: Caller, p: PersonSpec) -> bool:
        if p.school_id in caller.admin_of or p.id == caller.user_id:
            return True
        if caller.person is None:
            return False
        for c in d.courses():
            teachers = {m.person_id for m in w.members(c.id, Role.TEACHER)}
            if caller.user_id in teachers and p.id in {
                m.person_id for m in w.members(c.id, Role.PUPIL)
            }:
                return True
        return False

    def pupils(req: Request, caller: Caller) -> list[PersonSpec]:
        ref = req.params["studentId"]
        if ref == "-":
            if not caller.admin_of:
                raise ApiError(403)
            return sorted(
                (
                    p
                    for p in w.scenario.people.values()
                    if not p.is_staff
                    and p.school_id in caller.admin_of
                    and w.schools[p.school_id].platform is Platform.GOOGLE
                ),
                key=lambda p: p.id,
            )
        if ref != "me" and "@" not in ref and not ref.isdigit():
            raise ApiError(400)
        uid = d.resolve_user(ref, caller)
        p = w.person(uid) if uid is not None else None
        if p is None:
            raise ApiError(404)
        if p.is_staff or not may_view(caller, p):
            raise ApiError(403)
        return [p]

    def rows(req: Request, caller: Caller) -> list[dict[str, Any]]:
        out = []
        for p in pupils(req, caller):
            for i, email in enumerate(guardian_emails(p), start=1):
                out.append((email, guardian_json(p, email, i, caller)))
        invited = req.arg("invitedEmailAddress")
        if invited:
            if not caller.admin_of:
                raise ApiError(403)
            out = [(e, g) for e, g in out if e.lower() == invited.lower()]
        return [g for _, g in out]

    def list_guardians(req: Request, caller: Caller) -> dict[str, Any]:
        page, token = paginate(req, rows(req, caller), caller.user_id)
        return listing("guardians", page, token)

    def get_guardian(req: Request, caller: Caller) -> dict[str, Any]:
        if req.params["studentId"] == "-":
            raise ApiError(400)
        for g in rows(req, caller):
            if g["guardianId"] == req.params["guardianId"]:
                return g
        raise ApiError(404)

    base = "/v1/userProfiles/{studentId}/guardians"
    api.route(base, "classroom.userProfiles.guardians.list", list_guardians)
    api.route(base + "/{guardianId}", "classroom.userProfiles.guardians.get", get_guardian)
