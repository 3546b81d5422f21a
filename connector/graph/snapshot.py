"""Reading a chunk of classes into ClassSnapshots through ``$batch``.

Every read lists each class's members, teachers, assignments and modules in full: Graph's
deltas never report deletions ("This method doesn't return deleted assignments",
educationAssignment: delta; "educationClass deltas do not include deleted classes"), so
only a list shows an assignment that was deleted, and while a class's assignments fit in
one page the list costs the single call a delta round would. Submissions differ:
- a full read lists the submissions (with outcomes) of every assignment pupils can see;
- an incremental read asks each class for its ``getRecentlyModifiedSubmissions`` (the
  previous seven days; Graph's only change feed for submissions) filtered to those
  modified since the class's cursor: one call per class, in the same round as the lists.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.education.classes.item.assignments.assignments_request_builder import (
    AssignmentsRequestBuilder,
)
from msgraph.generated.education.classes.item.assignments.item.submissions.submissions_request_builder import (  # noqa: E501
    SubmissionsRequestBuilder,
)
from msgraph.generated.education.classes.item.get_recently_modified_submissions.get_recently_modified_submissions_request_builder import (  # noqa: E501
    GetRecentlyModifiedSubmissionsRequestBuilder,
)
from msgraph.graph_service_client import GraphServiceClient

from connector.graph import education as edu
from connector.graph.client import GraphClient
from connector.graph.pages import Get, Pages
from connector.records import (
    ClassRecord,
    ClassSnapshot,
    MembershipRecord,
    PersonRecord,
    Platform,
    Role,
    SkippedRecord,
    WorkKind,
    WorkRecord,
    WorkState,
)

log = structlog.get_logger(__name__)
MS = Platform.MICROSOFT
# Without it Graph reports excused (and reassigned) submissions as "returned".
PREFER = {"Prefer": "include-unknown-enum-members"}
CURSOR_SUBMISSIONS = "submissions_since"
# Read from a little before the cursor: Graph's clock stamps lastModifiedDateTime, ours the
# cursor, and a submission read twice costs nothing.
CLOCK_SKEW = timedelta(minutes=5)
# What the assignment mapping reads (connector.graph.education.work); instructions and
# resources are content, not fetched (R7).
ASSIGNMENT_FIELDS = [
    "id", "classId", "displayName", "status", "assignedDateTime", "assignDateTime",
    "dueDateTime", "createdDateTime", "lastModifiedDateTime", "grading", "webUrl", "createdBy",
]  # fmt: skip


class ClassReader:
    def __init__(self, client: GraphClient, sdk: GraphServiceClient, *, started: datetime,
                 window: timedelta) -> None:
        self.client = client
        self.sdk = sdk
        self.started = started
        self.window = window

    def _since(self, cursor: Mapping[str, str] | None, full: bool) -> datetime | None:
        """Where an incremental read of a class's submissions starts; None: read in full."""
        if full or not cursor or CURSOR_SUBMISSIONS not in cursor:
            return None
        try:
            since = datetime.fromisoformat(cursor[CURSOR_SUBMISSIONS])
        except ValueError:
            return None
        if since.tzinfo is None or self.started - since >= self.window:
            return None  # older than the change feed reaches back
        return since - CLOCK_SKEW

    def _class_url(self, cid: str) -> Any:
        return self.sdk.education.classes.by_education_class_id(cid)

    async def read(
        self, classes: list[ClassRecord], cursors: Mapping[str, Mapping[str, str]], *,
        full: bool, emit: Callable[[ClassSnapshot], None],
    ) -> None:
        """Read ``classes``; each snapshot goes to ``emit`` (in class order) as soon as it
        and those before it are complete, so the caller commits while the rest is read."""
        since = {c.platform_id: self._since(cursors.get(c.platform_id), full) for c in classes}
        first = await self.client.get_many(self._lists(classes, since))
        snaps: dict[str, ClassSnapshot] = {}
        due: dict[str, dict[str, Any]] = {}
        second: list[Get] = []
        for c in classes:
            cid = c.platform_id
            snap = snaps[cid] = self._roster(c, first[("members", cid)], first[("teachers", cid)])
            if not snap.roster_complete and _gone(first[("members", cid)]):
                snap.work_complete = False
                continue  # the class is gone (404) or forbidden: nothing more to read
            pages = first[("assignments", cid)]
            self._work(snap, pages)
            self._modules(snap, first[("modules", cid)])
            due[cid] = {w.platform_id: w.due_at for w in snap.work}
            if pages.error is None:
                snap.cursor = {CURSOR_SUBMISSIONS: self.started.isoformat()}
            if since[cid] is not None:
                self._submissions(snap, ("recent", cid), first[("recent", cid)], due[cid])
            elif pages.error is None:
                node = self._class_url(cid).assignments
                second += [
                    Get(("subs", cid, w.platform_id),
                        _subs_url(node.by_education_assignment_id(w.platform_id).submissions),
                        PREFER)
                    for w in snap.work
                    if w.state is WorkState.PUBLISHED and w.published_at is not None
                    and w.kind is not WorkKind.MATERIAL
                ]  # fmt: skip
        waiting = Counter(str(g.key[1]) for g in second if isinstance(g.key, tuple))
        order = [c.platform_id for c in classes]

        def flush() -> None:
            while order and waiting[order[0]] == 0:
                snap = snaps[order.pop(0)]
                for rec in snap.skipped:
                    log.warning("graph.skipped", class_id=snap.klass.platform_id,
                                resource=rec.resource, platform_id=rec.platform_id,
                                reason=rec.reason)  # fmt: skip
                emit(snap)

        formers = _Formers(snaps)

        def done(key: Hashable, pages: Pages) -> list[Get]:
            assert isinstance(key, tuple)
            if key[0] == "person":
                for cid in formers.read(key[1], pages):
                    waiting[cid] -= 1
                flush()
                return []
            cid = key[1]
            self._submissions(snaps[cid], key, pages, due[cid])
            waiting[cid] -= 1
            asks: list[Get] = []
            if waiting[cid] == 0:
                new, waiting[cid] = formers.wanted(cid)
                asks = [Get(("person", pid), _url(self.sdk.education.users
                                                   .by_education_user_id(pid)))
                        for pid in new]
            flush()
            return asks

        flush()
        if second:
            await self.client.get_many(second, on_done=done)
        flush()

    def _lists(self, classes: list[ClassRecord], since: Mapping[str, datetime | None]) -> list[Get]:
        """Round 1: every class's lists, and its recent submissions on an incremental read."""
        gets: list[Get] = []
        for c in classes:
            cid = c.platform_id
            node = self._class_url(cid)
            gets.append(Get(("members", cid), _url(node.members)))
            gets.append(Get(("teachers", cid), _url(node.teachers)))
            gets.append(Get(("assignments", cid), _assignments_url(node.assignments)))
            # Modules (materials) have no delta: always the full list, usually one page.
            gets.append(Get(("modules", cid), _url(node.modules)))
            if (at := since[cid]) is not None:
                gets.append(Get(("recent", cid), _recent_url(node, at), PREFER))
        return gets

    def _submissions(self, snap: ClassSnapshot, key: tuple[Any, ...], pages: Pages,
                     due: Mapping[str, Any]) -> None:
        if pages.error is not None:
            snap.skipped.append(SkippedRecord(MS, "educationSubmission", None,
                                              f"{key[0]} {key[-1]}: {pages.error}"))
            snap.cursor = {}  # do not move the cursor past submissions we missed
        for item in pages.items:
            rec = edu.submission(item, snap.klass.platform_id, dict(due), self.started)
            if isinstance(rec, SkippedRecord):
                snap.skipped.append(rec)
            else:
                snap.submissions.append(rec)

    def _roster(self, c: ClassRecord, members: Pages, teachers: Pages) -> ClassSnapshot:
        snap = ClassSnapshot(klass=c)
        for name, pages in (("members", members), ("teachers", teachers)):
            if pages.error is not None:
                snap.skipped.append(SkippedRecord(MS, "educationClass", c.platform_id,
                                                  f"{name}: {pages.error}"))
                snap.roster_complete = False
        if not snap.roster_complete:
            return snap
        teacher_ids: list[str] = []
        people: dict[str, Any] = {}
        tagged = [(True, i) for i in teachers.items] + [(False, i) for i in members.items]
        for is_teacher, item in tagged:
            rec = edu.person(item)
            if isinstance(rec, SkippedRecord):
                snap.skipped.append(rec)
                snap.roster_complete = False
                continue
            if is_teacher and rec.platform_id not in teacher_ids:
                teacher_ids.append(rec.platform_id)
            people[rec.platform_id] = rec
        snap.people = list(people.values())
        snap.members = [
            MembershipRecord(MS, c.platform_id, pid,
                             Role.TEACHER if pid in teacher_ids else Role.PUPIL)
            for pid in people
        ]
        if c.owner_platform_id is None and teacher_ids:
            snap.klass = dataclasses.replace(c, owner_platform_id=teacher_ids[0])
        return snap

    @staticmethod
    def _work(snap: ClassSnapshot, pages: Pages) -> None:
        snap.work_complete = pages.error is None
        if pages.error is not None:
            snap.skipped.append(SkippedRecord(MS, "educationAssignment", None,
                                              f"assignments: {pages.error}"))
        for item in pages.items:
            rec = edu.work(item, snap.klass.platform_id)
            if isinstance(rec, WorkRecord):
                snap.work.append(rec)
            else:
                snap.skipped.append(rec)
                snap.work_complete = False

    @staticmethod
    def _modules(snap: ClassSnapshot, pages: Pages) -> None:
        if pages.error is not None:
            snap.work_complete = False
            snap.skipped.append(SkippedRecord(MS, "educationModule", None,
                                              f"modules: {pages.error}"))
        for item in pages.items:
            rec = edu.module(item, snap.klass.platform_id)
            if isinstance(rec, WorkRecord):
                snap.work.append(rec)
            else:
                snap.skipped.append(rec)
                snap.work_complete = False

class _Formers:
    """Profiles of pupils whose submissions a class shows but who are on no roster of the
    chunk (they left every class): read together in the round after the submissions, so
    that a few share one batch instead of costing the sync a request each. A class waits
    for the ones it needs; one that cannot be read is left to the sync, which asks again."""

    def __init__(self, snaps: Mapping[str, ClassSnapshot]) -> None:
        self._snaps = snaps
        self._rostered = {m.person_platform_id for s in snaps.values() for m in s.members}
        self._waiting: dict[str, list[str]] = {}  # person id -> classes waiting for it
        self._read: dict[str, PersonRecord | None] = {}

    def wanted(self, cid: str) -> tuple[list[str], int]:
        """Start ``cid`` waiting for its former pupils: those nobody has asked for yet,
        and how many profiles ``cid`` now waits for."""
        snap = self._snaps[cid]
        authors = {s.pupil_platform_id for s in snap.submissions} - self._rostered
        new: list[str] = []
        waits = 0
        for pid in sorted(authors):
            if pid in self._read:
                self._attach(cid, self._read[pid])
                continue
            if pid not in self._waiting:
                self._waiting[pid] = []
                new.append(pid)
            self._waiting[pid].append(cid)
            waits += 1
        return new, waits

    def read(self, pid: str, pages: Pages) -> list[str]:
        """The profile of ``pid`` is in: attach it; returns the classes it was awaited by."""
        rec: PersonRecord | None = None
        if pages.error is None:
            for item in pages.items:
                got = edu.person(item)
                rec = got if isinstance(got, PersonRecord) else None
        self._read[pid] = rec
        classes = self._waiting.pop(pid, [])
        for cid in classes:
            self._attach(cid, rec)
        return classes

    def _attach(self, cid: str, rec: PersonRecord | None) -> None:
        if rec is not None:
            self._snaps[cid].people.append(rec)


def _gone(pages: Pages) -> bool:
    return pages.error is not None and pages.error.status in (403, 404)


def _url(builder: Any) -> str:
    return str(builder.to_get_request_information().url)


def _subs_url(builder: SubmissionsRequestBuilder) -> str:
    q = SubmissionsRequestBuilder.SubmissionsRequestBuilderGetQueryParameters(expand=["outcomes"])
    return str(builder.to_get_request_information(RequestConfiguration(query_parameters=q)).url)


def _assignments_url(builder: AssignmentsRequestBuilder) -> str:
    q = AssignmentsRequestBuilder.AssignmentsRequestBuilderGetQueryParameters(
        select=ASSIGNMENT_FIELDS)
    return str(builder.to_get_request_information(RequestConfiguration(query_parameters=q)).url)


def _recent_url(node: Any, since: datetime) -> str:
    """Recently modified submissions with outcomes, changed at or after ``since``.

    The function takes ``$filter`` ("eq isn't supported for lastModifiedDateTime", so a
    range); the literal is an OData DateTimeOffset, unquoted.
    """
    b: GetRecentlyModifiedSubmissionsRequestBuilder = node.get_recently_modified_submissions
    at = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    q = GetRecentlyModifiedSubmissionsRequestBuilder.\
        GetRecentlyModifiedSubmissionsRequestBuilderGetQueryParameters(
            expand=["outcomes"], filter=f"lastModifiedDateTime ge {at}")
    return str(b.to_get_request_information(RequestConfiguration(query_parameters=q)).url)
