"""The Classroom audit log (Reports API ``applicationName=classroom``) derived from the world.

Which events exist and what they carry. Google's Classroom appendix page
(developers.google.com/workspace/admin/reports/v1/appendix/activity/classroom) names
every event, but its parameter tables could be read only for the add-on events. The
parameters here come from Google's page for ``applicationName=assignments``, which
documents the same-named events (``changed_submission_state``, ``set_grade``,
``published_course_work``, ``created_course``, ...) in full, and from the Help Center's
"Classroom audit log" (answer 11048994) for ``user_added_to_course`` and
``user_removed_from_course``. Using the Assignments tables for Classroom events is an
inference; so are the event types of announcement events (undocumented: this uses
``course_work_update``, like the course work events).

Derived, for every class of a Google school:

- ``created_course`` at the class's creation, by its owner; ``deleted_course`` when a
  test deleted it (:attr:`World.class_deleted_at`). Events of a deleted class up to its
  deletion stay in the log: Google says administrators cannot delete log event data
  (support.google.com/a/answer/7061566), and nothing happens in a class after it is gone.
- ``user_added_to_course`` at each membership's start and ``user_removed_from_course``
  at its end, by the class owner (the owner's own membership is part of creating it).
- ``published_course_work`` / ``published_announcement`` when a post goes live (a
  scheduled post at its scheduled time), ``updated_course_work`` / ``updated_announcement``
  when it was edited later; deleting a post logs nothing (Google documents no event).
- per submission step to TURNED_IN, RETURNED or RECLAIMED: ``changed_submission_state``
  by the step's actor (EXCUSED has no Google counterpart, the initial ASSIGNED step is
  not a change), and ``set_grade`` at a step that sets a grade. Steps of a pupil who has
  since left the class stay in the log: they happened while the pupil was a member.

``late`` and ``has_grade`` follow the Classroom API's view at the step's instant
(:mod:`connector.sandbox.google.asof`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from connector.records import Role, SubmissionState, WorkKind, WorkState
from connector.sandbox.scenario.model import ClassSpec, SubmissionSpec, WorkSpec
from connector.sandbox.world import World

S = SubmissionState

# Our submission states in the audit log's words (``submission_state`` values).
AUDIT_STATE = {
    S.TURNED_IN: "turned_in",
    S.RETURNED: "returned",
    S.RECLAIMED: "reclaimed_by_student",
}


@dataclass(slots=True)  # not frozen: a frozen dataclass is three times slower to make
class AuditEvent:
    """One activity of the log (read-only); its JSON is built only when a page holds it."""

    at: datetime
    qualifier: int  # ``id.uniqueQualifier``: tells apart events at the same time
    name: str
    school_id: str
    course: ClassSpec
    actor_id: str
    work: WorkSpec | None = None
    impacted_id: str | None = None  # the person an event is about (impacted_users)
    role: str | None = None  # course_role: student | teacher
    state: str | None = None  # submission_state
    late: bool = False
    graded: bool = False


def _qualifier(*parts: object) -> int:
    # Python's 64-bit hash: the same for the same event for the life of the sandbox
    # process (page tokens hold it), four times cheaper than a digest over the whole log.
    return hash(parts)


def of_class(world: World, c: ClassSpec) -> Iterator[AuditEvent]:
    """The audit events of class ``c`` (of a Google school), past and future, unsorted."""
    end = world.class_deleted_at.get(c.id)
    return (e for e in _of_class(world, c) if end is None or e.at <= end)


def _of_class(world: World, c: ClassSpec) -> Iterator[AuditEvent]:
    school, cid = c.school_id, c.id
    yield AuditEvent(
        c.created_at, _qualifier("course", cid), "created_course", school, c, c.owner_id
    )
    if (gone := world.class_deleted_at.get(cid)) is not None:
        yield AuditEvent(gone, _qualifier("gone", cid), "deleted_course", school, c, c.owner_id)
    for m in c.members:
        if m.person_id == c.owner_id and m.role is Role.TEACHER:
            continue
        role = "teacher" if m.role is Role.TEACHER else "student"
        start = max(m.joined_at, c.created_at)
        key = (cid, m.person_id, start)
        for at, kind, name in ((start, "add", "user_added_to_course"),
                               (m.left_at, "remove", "user_removed_from_course")):  # fmt: skip
            if at is not None:
                yield AuditEvent(at, _qualifier(kind, key), name, school, c, c.owner_id,
                                 impacted_id=m.person_id, role=role)  # fmt: skip
    for w in world.work_by_class.get(cid, []):
        yield from _of_work(world, c, w)
    for s in world.subs_by_class.get(cid, []):
        yield from _of_submission(c, world.work[s.work_id], s)


def _of_work(world: World, c: ClassSpec, w: WorkSpec) -> Iterator[AuditEvent]:
    live = w.published_at
    if w.state is WorkState.DRAFT or live is None:
        return
    noun = "announcement" if w.kind is WorkKind.ANNOUNCEMENT else "course_work"
    yield AuditEvent(
        live, _qualifier("post", w.id), f"published_{noun}", c.school_id, c, w.creator_id, w
    )
    deleted = w.state is WorkState.DELETED or w.id in world.deleted_work
    if w.updated_at > live and not deleted:  # a deletion's updated_at is the deletion
        qualifier = _qualifier("edit", w.id, w.updated_at)
        name = f"updated_{noun}"
        yield AuditEvent(w.updated_at, qualifier, name, c.school_id, c, w.creator_id, w)


def _of_submission(c: ClassSpec, w: WorkSpec, s: SubmissionSpec) -> Iterator[AuditEvent]:
    due = w.due_at
    last_turn_in: datetime | None = None
    graded = False
    for n, step in enumerate(sorted(s.history, key=lambda e: e.at)):
        state = AUDIT_STATE.get(step.state)
        if state is None:
            continue
        if step.state is S.TURNED_IN:
            last_turn_in = step.at
        if step.state is S.RETURNED and step.grade is not None:
            graded = True
        if due is None:
            late = False
        elif last_turn_in is not None:
            late = last_turn_in > due
        else:
            late = step.state is S.RECLAIMED and step.at > due
        key = (s.id, n)
        yield AuditEvent(
            step.at,
            _qualifier("state", key),
            "changed_submission_state",
            c.school_id,
            c,
            step.actor_id,
            w,
            s.pupil_id,
            state=state,
            late=late,
            graded=graded,
        )
        if step.grade is not None:
            qualifier = _qualifier("grade", key)
            yield AuditEvent(
                step.at, qualifier, "set_grade", c.school_id, c, step.actor_id, w, s.pupil_id
            )
