"""``/v1.0/education/**`` routes over the world's Microsoft schools.

Paths are the v1.0 ones (Graph docs for educationRoot, educationSchool, educationClass,
educationAssignment, educationSubmission). msgraph-sdk writes functions with parentheses
(``assignments/delta()``, ``getRecentlyModifiedSubmissions()``); Graph accepts both forms,
and so does the sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from connector.records import Platform, Role, WorkKind
from connector.sandbox.graph import shapes
from connector.sandbox.graph.asof import live_since, submission_at, work_exists
from connector.sandbox.graph.errors import graph_error
from connector.sandbox.graph.odata import (
    Item,
    collection,
    delta_since,
    entity,
    matches,
    parse_filter,
)
from connector.sandbox.graph.state import GraphState
from connector.sandbox.scenario.model import ClassSpec, SchoolSpec, WorkSpec
from connector.sandbox.server import Request, Response, Router
from connector.sandbox.world import World

# Graph assignments carry work that expects a submission; materials are class modules
# (educationModule); announcements have no Teams education API and are not served.
SERVED_KINDS = (WorkKind.ASSIGNMENT, WorkKind.QUESTION)
MODULE_KINDS = (WorkKind.MATERIAL,)
RECENT_SUBMISSIONS = timedelta(days=7)  # getRecentlyModifiedSubmissions: "previous seven days"
# Its $filter: "Equality (eq) operator isn't supported for the lastModifiedDateTime
# property value"; the documented example filters assignmentId with eq.
_RANGE = frozenset({"gt", "ge", "lt", "le"})
RECENT_FILTERS = {"lastModifiedDateTime": _RANGE, "assignmentId": frozenset({"eq"})}

Handler = Callable[[Request], Response]


class Education:
    def __init__(self, world: World, state: GraphState) -> None:
        self.world = world
        self.state = state

    # --- lookups ---------------------------------------------------------------------

    def _schools(self) -> list[SchoolSpec]:
        return [s for s in self.world.scenario.schools if s.platform is Platform.MICROSOFT]

    def _school(self, graph_id: str) -> SchoolSpec | None:
        return next((s for s in self._schools() if shapes.school_graph_id(s) == graph_id), None)

    def _class(self, class_id: str) -> ClassSpec | None:
        c = self.world.classes.get(class_id)
        if c is None or class_id in self.world.deleted_classes:
            return None
        if self.world.schools[c.school_id].platform is not Platform.MICROSOFT:
            return None
        return c

    def _work(self, c: ClassSpec, kinds: tuple[WorkKind, ...] = SERVED_KINDS) -> list[WorkSpec]:
        # Deleted assignments are gone from Graph (and delta does not report them).
        now = self.world.now
        return [w for w in self.world.visible_work(c.id)
                if w.kind in kinds and work_exists(w, now)]

    @staticmethod
    def _missing(what: str, key: str) -> Response:
        return graph_error(
            404,
            "ResourceNotFound",
            f"Resource not found for the segment '{what}' with key '{key}'.",
        )

    # --- handlers --------------------------------------------------------------------

    def schools(self, req: Request) -> Response:
        return collection(
            req,
            self.state,
            [shapes.school(s) for s in self._schools()],
            context="education/schools",
        )

    def school(self, req: Request) -> Response:
        s = self._school(req.params["sid"])
        if s is None:
            return self._missing("schools", req.params["sid"])
        return entity(req, shapes.school(s), context="education/schools")

    def school_classes(self, req: Request) -> Response:
        s = self._school(req.params["sid"])
        if s is None:
            return self._missing("schools", req.params["sid"])
        items = [shapes.klass(c) for c in self.world.classes_of(Platform.MICROSOFT, s.id)]
        return collection(req, self.state, items, context="education/schools('x')/classes")

    def classes(self, req: Request) -> Response:
        items = [shapes.klass(c) for c in self.world.classes_of(Platform.MICROSOFT)]
        return collection(req, self.state, items, context="education/classes")

    def classes_delta(self, req: Request) -> Response:
        since, bad = delta_since(req)
        if bad is not None:
            return bad
        # Classes carry no modified time; a follow-up round reports classes that appeared
        # after the token was issued (by creation time) and nothing else.
        items = [
            shapes.klass(c)
            for c in self.world.classes_of(Platform.MICROSOFT)
            if since is None or c.created_at > since
        ]
        return collection(
            req, self.state, items, context="education/classes", delta_at=self.world.now
        )

    def klass(self, req: Request) -> Response:
        c = self._class(req.params["cid"])
        if c is None:
            return self._missing("classes", req.params["cid"])
        return entity(req, shapes.klass(c), context="education/classes")

    def class_schools(self, req: Request) -> Response:
        c = self._class(req.params["cid"])
        if c is None:
            return self._missing("classes", req.params["cid"])
        s = self.world.schools[c.school_id]
        return collection(
            req, self.state, [shapes.school(s)], context="education/classes('x')/schools"
        )

    def _people(self, req: Request, roles: tuple[Role, ...]) -> Response:
        c = self._class(req.params["cid"])
        if c is None:
            return self._missing("classes", req.params["cid"])
        items: list[Item] = []
        for role in roles:
            for m in self.world.members(c.id, role):
                p = self.world.person(m.person_id)
                if p is not None:
                    items.append(shapes.user(p))
        return collection(req, self.state, items, context="education/classes('x')/members")

    def members(self, req: Request) -> Response:
        return self._people(req, (Role.TEACHER, Role.PUPIL))

    def teachers(self, req: Request) -> Response:
        return self._people(req, (Role.TEACHER,))

    def user(self, req: Request) -> Response:
        p = self.world.person(req.params["uid"])
        if p is None or self.world.schools[p.school_id].platform is not Platform.MICROSOFT:
            return self._missing("users", req.params["uid"])
        return entity(req, shapes.user(p), context="education/users")

    def assignments(self, req: Request) -> Response:
        c = self._class(req.params["cid"])
        if c is None:
            return self._missing("classes", req.params["cid"])
        now = self.world.now
        items = [shapes.assignment(w, now) for w in self._work(c)]
        return collection(req, self.state, items, context="education/classes('x')/assignments")

    def assignments_delta(self, req: Request) -> Response:
        c = self._class(req.params["cid"])
        if c is None:
            return self._missing("classes", req.params["cid"])
        since, bad = delta_since(req)
        if bad is not None:
            return bad
        now = self.world.now
        # Documented: delta does not return deleted assignments.
        items = [
            shapes.assignment(w, now)
            for w in self._work(c)
            if since is None
            or w.updated_at > since
            or ((live := live_since(w, now)) is not None and live > since)
        ]
        return collection(
            req, self.state, items, context="education/classes('x')/assignments", delta_at=now
        )

    def assignment(self, req: Request) -> Response:
        c = self._class(req.params["cid"])
        w = self.world.work.get(req.params["aid"])
        if c is None or w is None or w not in self._work(c):
            return self._missing("assignments", req.params["aid"])
        return entity(
            req, shapes.assignment(w, self.world.now), context="education/classes('x')/assignments"
        )

    def modules(self, req: Request) -> Response:
        c = self._class(req.params["cid"])
        if c is None:
            return self._missing("classes", req.params["cid"])
        now = self.world.now
        items = [shapes.module(w, now) for w in self._work(c, MODULE_KINDS)]
        return collection(req, self.state, items, context="education/classes('x')/modules")

    def module(self, req: Request) -> Response:
        c = self._class(req.params["cid"])
        w = self.world.work.get(req.params["mid"])
        if c is None or w is None or w not in self._work(c, MODULE_KINDS):
            return self._missing("modules", req.params["mid"])
        return entity(
            req, shapes.module(w, self.world.now), context="education/classes('x')/modules"
        )

    def _sub_items(
        self,
        req: Request,
        c: ClassSpec,
        work: list[WorkSpec],
        modified_since: datetime | None = None,
    ) -> list[Item]:
        unknown = "include-unknown-enum-members" in req.headers.get("prefer", "")
        expand = "outcomes" in ",".join(req.args("$expand"))
        teacher = c.owner_id
        now = self.world.now
        out = []
        for w in work:
            if live_since(w, now) is None:
                continue  # submissions exist once an assignment reaches pupils
            for spec in self.world.subs_by_work.get(w.id, []):
                sub = submission_at(spec, now)
                if sub is None:
                    continue  # not made yet
                if modified_since is not None and sub.updated_at < modified_since:
                    continue
                out.append(
                    shapes.submission(
                        sub, w, teacher, unknown_enums=unknown, expand_outcomes=expand
                    )
                )
        return out

    def submissions(self, req: Request) -> Response:
        c = self._class(req.params["cid"])
        w = self.world.work.get(req.params["aid"])
        if c is None or w is None or w not in self._work(c):
            return self._missing("assignments", req.params["aid"])
        items = self._sub_items(req, c, [w])
        return collection(
            req, self.state, items, context="education/classes('x')/assignments('x')/submissions"
        )

    def recent_submissions(self, req: Request) -> Response:
        c = self._class(req.params["cid"])
        if c is None:
            return self._missing("classes", req.params["cid"])
        clauses, bad = parse_filter(req, RECENT_FILTERS)
        if bad is not None:
            return bad
        since = self.world.now - RECENT_SUBMISSIONS
        cutoff = since.strftime("%Y-%m-%dT%H:%M:%SZ")
        # Only submissions modified lately are shaped (a second's margin for the string
        # comparison below, which decides).
        items = [
            x
            for x in self._sub_items(req, c, self._work(c), since - timedelta(seconds=1))
            if (x["lastModifiedDateTime"] or "") >= cutoff and matches(x, clauses)
        ]
        # Documented default order: lastModifiedDateTime descending.
        items.sort(key=lambda x: x["lastModifiedDateTime"] or "", reverse=True)
        return collection(
            req, self.state, items, context="Collection(microsoft.graph.educationSubmission)"
        )


def add_routes(router: Router, edu: Education) -> None:
    e = "/v1.0/education"
    c = f"{e}/classes/{{cid}}"
    routes: list[tuple[str, Handler]] = [
        (f"{e}/schools", edu.schools),
        (f"{e}/schools/{{sid}}", edu.school),
        (f"{e}/schools/{{sid}}/classes", edu.school_classes),
        (f"{e}/classes", edu.classes),
        (f"{e}/classes/delta()", edu.classes_delta),
        (f"{e}/classes/delta", edu.classes_delta),
        (c, edu.klass),
        (f"{c}/schools", edu.class_schools),
        (f"{c}/members", edu.members),
        (f"{c}/teachers", edu.teachers),
        (f"{c}/assignments", edu.assignments),
        (f"{c}/assignments/delta()", edu.assignments_delta),
        (f"{c}/assignments/delta", edu.assignments_delta),
        (f"{c}/assignments/{{aid}}", edu.assignment),
        (f"{c}/assignments/{{aid}}/submissions", edu.submissions),
        (f"{c}/modules", edu.modules),
        (f"{c}/modules/{{mid}}", edu.module),
        (f"{c}/getRecentlyModifiedSubmissions()", edu.recent_submissions),
        (f"{c}/getRecentlyModifiedSubmissions", edu.recent_submissions),
        (f"{e}/users/{{uid}}", edu.user),
    ]
    for template, handler in routes:
        router.add("GET", template, handler)
