"""The world as of ``world.now``: what Google would show at that instant.

A scenario records each item's state at its end; the sandbox may be asked about an
earlier instant (``world.now`` moves as tests advance the clock). Work not yet created
does not exist; work whose publish time is still ahead is a DRAFT (with
``scheduledTime`` when it is scheduled) — how Google shows a scheduled post to
teachers; a submission's state is the last step of its history up to now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from connector.records import SubmissionState, WorkState
from connector.sandbox.scenario.model import SubmissionEvent, SubmissionSpec, WorkSpec
from connector.sandbox.world import World


@dataclass(frozen=True, slots=True)
class WorkView:
    spec: WorkSpec
    state: str  # PUBLISHED, DRAFT or DELETED
    update_time: datetime
    scheduled_time: datetime | None


def work_view(world: World, w: WorkSpec) -> WorkView | None:
    """How ``w`` looks now, or None if it was not yet created."""
    now = world.now
    if w.created_at > now:
        return None
    floor = w.created_at
    if w.published_at is not None and w.published_at <= now:
        floor = max(floor, w.published_at)
    # Going live is a change: incremental readers must see a scheduled post publish.
    update = max(w.updated_at, floor) if w.updated_at <= now else floor
    deleted = w.id in world.deleted_work or (w.state is WorkState.DELETED and w.updated_at <= now)
    if deleted:
        return WorkView(w, "DELETED", update, None)
    if w.state is not WorkState.DRAFT and w.published_at is not None and w.published_at <= now:
        # Google's docs do not say whether a scheduled post keeps ``scheduledTime`` once it
        # is live; we serve it (the field describes the post, not its pending state), and
        # the connector also copes without it (see connector/google/coursework.py).
        return WorkView(w, "PUBLISHED", update, w.scheduled_at)
    sched = w.scheduled_at or (w.published_at if w.state is not WorkState.DRAFT else None)
    return WorkView(w, "DRAFT", update, sched if sched is not None and sched > now else None)


# Our submission states in Google's words. EXCUSED has no Google counterpart: an
# EXCUSED step is skipped, so the submission keeps the state it had before.
GOOGLE_STATE = {
    SubmissionState.ASSIGNED: "CREATED",
    SubmissionState.TURNED_IN: "TURNED_IN",
    SubmissionState.RETURNED: "RETURNED",
    SubmissionState.RECLAIMED: "RECLAIMED_BY_STUDENT",
}


@dataclass(frozen=True, slots=True)
class SubmissionView:
    spec: SubmissionSpec
    state: str
    late: bool
    update_time: datetime
    assigned_grade: float | None
    draft_grade: float | None
    history: list[SubmissionEvent]  # steps up to now, EXCUSED left out


def submission_view(world: World, s: SubmissionSpec, work: WorkSpec) -> SubmissionView | None:
    now = world.now
    if s.created_at > now:
        return None
    steps = sorted(
        (e for e in s.history if e.at <= now and e.state in GOOGLE_STATE), key=lambda e: e.at
    )
    at_end = s.updated_at <= now
    if at_end and s.state in GOOGLE_STATE:
        state = GOOGLE_STATE[s.state]
    else:
        state = GOOGLE_STATE[steps[-1].state] if steps else "CREATED"
    turned_in = [e.at for e in steps if e.state is SubmissionState.TURNED_IN]
    if at_end and s.turned_in_at is not None:
        turned_in.append(s.turned_in_at)
    # Google's `late`: turned in after the due time, or not handed in and past it. At the
    # scenario's end the scenario's own flag is the truth; before it, derive it the same way.
    late = s.late if at_end else False
    if at_end and work.due_at is not None and state == "CREATED" and not turned_in:
        late = late or now > work.due_at  # the clock moved past the due time since
    elif not at_end and work.due_at is not None:
        if turned_in:
            late = max(turned_in) > work.due_at
        else:
            late = state in ("CREATED", "RECLAIMED_BY_STUDENT") and now > work.due_at
    graded = [e for e in steps if e.grade is not None and e.state is SubmissionState.RETURNED]
    assigned = s.assigned_grade if at_end else (graded[-1].grade if graded else None)
    if assigned is None and graded:
        assigned = graded[-1].grade
    update = s.updated_at if at_end else max([s.created_at, *(e.at for e in steps)])
    return SubmissionView(
        s, state, late, update, assigned, s.draft_grade if at_end else None, steps
    )
