"""The Microsoft world as of ``world.now``: what Graph would show at that instant.

A scenario records each item's state at its end; tests and the soak bench ask about
earlier instants (``world.now`` moves with their clock). As on the Google side
(:mod:`connector.sandbox.google.asof`): work not yet created does not exist, work whose
publish time is still ahead has not reached pupils (so it has no submissions yet), work
deleted later is still there, and a submission is the last step of its history up to now.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from connector.records import SubmissionState, WorkState
from connector.sandbox.scenario.model import SubmissionSpec, WorkSpec

S = SubmissionState


def work_exists(w: WorkSpec, now: datetime) -> bool:
    """Created by ``now`` and not deleted by then (Graph lists no deleted assignment)."""
    return w.created_at <= now and not (w.state is WorkState.DELETED and w.updated_at <= now)


def live_since(w: WorkSpec, now: datetime) -> datetime | None:
    """When pupils first saw the work, if they have by ``now``."""
    if w.state is WorkState.DRAFT:
        return None
    at = w.published_at or w.scheduled_at
    if at is None and w.state is WorkState.PUBLISHED:
        at = w.created_at
    return at if at is not None and at <= now else None


def modified(w: WorkSpec, now: datetime) -> datetime:
    """lastModifiedDateTime at ``now``: a later edit has not happened yet."""
    if w.updated_at <= now:
        return w.updated_at
    return max(w.created_at, live_since(w, now) or w.created_at)


def submission_at(sub: SubmissionSpec, now: datetime) -> SubmissionSpec | None:
    """``sub`` as it stood at ``now`` (None: not yet made); itself once it is final.

    Dates follow Graph: ``submittedDateTime`` is the turn-in the submission is in (an
    unsubmit clears it, see educationSubmission: unsubmit), ``returnedDateTime`` the last
    return, the published grade the last one returned with a grade.
    """
    if sub.updated_at <= now:
        return sub
    if sub.created_at > now:
        return None
    steps = sorted((e for e in sub.history if e.at <= now), key=lambda e: e.at)
    state = steps[-1].state if steps else S.ASSIGNED
    turn_ins = [e.at for e in steps if e.state is S.TURNED_IN]
    returns = [e for e in steps if e.state is S.RETURNED]
    graded = [e.grade for e in returns if e.grade is not None]
    return dataclasses.replace(
        sub,
        state=state,
        updated_at=max([sub.created_at, *(e.at for e in steps)]),
        turned_in_at=turn_ins[-1] if turn_ins and state in (S.TURNED_IN, S.RETURNED) else None,
        returned_at=returns[-1].at if returns else None,
        assigned_grade=graded[-1] if graded else None,
        draft_grade=None,
        history=steps,
    )
