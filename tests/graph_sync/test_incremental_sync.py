"""Incremental Microsoft sync over the sandbox, into the store: the world changes between
syncs and the store shows exactly that afterwards."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connector.records import Platform, Role, SubmissionState, WorkKind, WorkState
from connector.sandbox.scenario.model import PersonSpec, SubmissionEvent, SubmissionSpec, WorkSpec
from connector.sandbox.world import World
from sync.models import Membership, Person, RunStatus, SchoolClass, Submission, SyncRun, Work
from tests.google_sync.harness import store_view
from tests.graph.factories import gid

from .harness import graph_harness

pytestmark = pytest.mark.postgres

RECENT = "GET /v1.0/education/classes/{id}/getRecentlyModifiedSubmissions()"
PER_ASSIGNMENT = "GET /v1.0/education/classes/{id}/assignments/{id}/submissions"


def _row(session: Session, model: type[Work] | type[Submission] | type[SchoolClass], pid: str):  # type: ignore[no-untyped-def]
    return session.scalars(select(model).where(model.platform_id == pid)).one()


def _pupils(world: World, class_id: str) -> list[str]:
    return [m.person_id for m in world.members(class_id, Role.PUPIL)]


def _visible_subs(world: World, class_id: str, state: SubmissionState) -> list[SubmissionSpec]:
    pupils = set(_pupils(world, class_id))
    live = {w.id for w in world.visible_work(class_id)
            if w.kind is not WorkKind.MATERIAL and w.state is WorkState.PUBLISHED}
    return [s for s in world.subs_by_class[class_id]
            if s.state is state and s.pupil_id in pupils and s.work_id in live]


def _assign(world: World, class_id: str) -> tuple[WorkSpec, list[SubmissionSpec]]:
    """A teacher publishes an assignment now; Teams gives each pupil a submission."""
    now = world.now
    spec = WorkSpec(
        id=gid("new-work", class_id), class_id=class_id,
        creator_id=world.classes[class_id].owner_id, kind=WorkKind.ASSIGNMENT,
        state=WorkState.PUBLISHED, title="Fractions", created_at=now, updated_at=now,
        published_at=now, due_at=now + timedelta(days=2),
    )  # fmt: skip
    subs = [
        SubmissionSpec(
            id=gid("new-sub", pupil), work_id=spec.id, class_id=class_id, pupil_id=pupil,
            state=SubmissionState.ASSIGNED, created_at=now, updated_at=now,
            history=[SubmissionEvent(now, SubmissionState.ASSIGNED, pupil)],
        )
        for pupil in _pupils(world, class_id)
    ]
    world.post_work(spec, subs)
    return spec, subs


def test_an_incremental_sync_stores_exactly_what_changed_in_teams(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with graph_harness(migrated_url, session_factory, tmp_path) as h:
        h.sync(full=True)
        w = h.world
        by_name = {x.name: x.id for x in w.classes_of(Platform.MICROSOFT)}
        a, b, c = by_name["7A Maths"], by_name["7A English"], by_name["Chess Club"]
        w.advance(timedelta(minutes=20))
        turned = _visible_subs(w, a, SubmissionState.ASSIGNED)[0]
        marked = _visible_subs(w, a, SubmissionState.TURNED_IN)[0]
        w.turn_in(turned.id)
        w.return_work(marked.id, grade=7.0)  # points and feedback, published
        new_work, new_subs = _assign(w, a)
        gone = next(x for x in w.visible_work(a) if x.kind is WorkKind.ASSIGNMENT
                    and x.id not in (new_work.id, turned.work_id, marked.work_id))  # fmt: skip
        w.delete_work(gone.id)
        school = w.schools[h.school.key]
        newcomer = PersonSpec(gid("newcomer"), school.id, f"nia.newton@{school.domain}",
                              "Nia", "Newton", False)  # fmt: skip
        w.add_pupil(b, newcomer)
        leaver = next(p for p in _pupils(w, b) if p != newcomer.id)
        w.remove_pupil(b, leaver)
        w.delete_class(c)
        per_assignment = h.state.calls[PER_ASSIGNMENT]

        run = h.sync()

        assert run.status is RunStatus.SUCCEEDED and run.classes_done == 2
        # Submissions came from each class's change feed, not per assignment.
        assert h.state.calls[PER_ASSIGNMENT] == per_assignment
        assert h.state.calls[RECENT] == 2  # the deleted class is not asked
        # The new assignment, its submissions, the newcomer and their membership.
        assert run.rows_inserted == 1 + len(new_subs) + 2
        # The deleted assignment, the leaver's membership, the deleted class.
        assert run.rows_deleted == 3
        assert run.rows_updated == 2  # the submission turned in, the one returned
        with h.sessions() as s:
            assert _row(s, Work, new_work.id).state is WorkState.PUBLISHED
            assert _row(s, Submission, turned.id).state is SubmissionState.TURNED_IN
            back = _row(s, Submission, marked.id)
            assert (back.state, back.graded) == (SubmissionState.RETURNED, True)
            assert _row(s, Work, gone.id).deleted_at is not None
            assert _row(s, SchoolClass, c).deleted_at is not None
            left = dict(s.execute(  # type: ignore[arg-type]
                select(Person.platform_id, Membership.left_at)
                .join(Person, Person.id == Membership.person_id)
                .join(SchoolClass, SchoolClass.id == Membership.class_id)
                .where(SchoolClass.platform_id == b, Person.platform_id.in_([leaver, newcomer.id]))
            ).all())  # fmt: skip
            assert left == {leaver: w.now, newcomer.id: None}
            assert s.get_one(SyncRun, run.run_id).cursors_moved == {"submissions_since": 2}
        h.assert_nothing_left_to_read()


def test_an_incremental_sync_of_an_unchanged_school_reads_less_and_writes_nothing(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with graph_harness(migrated_url, session_factory, tmp_path) as h:
        full = h.sync(full=True)
        with h.sessions() as s:
            before = store_view(s)
        h.world.advance(timedelta(minutes=15))

        run = h.sync()

        assert (run.rows_inserted, run.rows_updated, run.rows_deleted) == (0, 0, 0)
        assert run.api_calls < full.api_calls and run.requests < full.requests
        with h.sessions() as s:
            assert store_view(s) == before


def test_a_cursor_older_than_the_change_feed_reaches_back_means_a_full_read(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with graph_harness(migrated_url, session_factory, tmp_path) as h:
        h.sync(full=True)
        w = h.world
        a = next(x.id for x in w.classes_of(Platform.MICROSOFT) if x.name == "7A Maths")
        sub = _visible_subs(w, a, SubmissionState.ASSIGNED)[0]
        w.turn_in(sub.id)
        # getRecentlyModifiedSubmissions covers seven days: past that, it cannot be trusted.
        w.advance(timedelta(days=8))
        per_assignment = h.state.calls[PER_ASSIGNMENT]

        run = h.sync()

        assert run.status is RunStatus.SUCCEEDED
        assert h.state.calls[RECENT] == 0 and h.state.calls[PER_ASSIGNMENT] > per_assignment
        with h.sessions() as s:
            assert _row(s, Submission, sub.id).state is SubmissionState.TURNED_IN
