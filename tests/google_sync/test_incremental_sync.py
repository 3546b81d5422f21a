"""Incremental Google sync over the sandbox: what changed is read, what did not is not."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connector.records import Platform, Role, SubmissionState, WorkKind, WorkState
from connector.sandbox.scenario import generate
from connector.sandbox.scenario.model import PersonSpec, SubmissionEvent, SubmissionSpec, WorkSpec
from connector.sandbox.world import World
from sync.models import Membership, Person, RunStatus, SchoolClass, Submission, SyncRun, Work

from .harness import Harness, harness, store_view

pytestmark = pytest.mark.postgres


def _work(session: Session, platform_id: str) -> Work:
    return session.scalars(select(Work).where(Work.platform_id == platform_id)).one()


def _sub(session: Session, platform_id: str) -> Submission:
    return session.scalars(select(Submission).where(Submission.platform_id == platform_id)).one()


def _class(session: Session, platform_id: str) -> SchoolClass:
    return session.scalars(select(SchoolClass).where(SchoolClass.platform_id == platform_id)).one()


def _pupils(world: World, class_id: str) -> list[str]:
    return [m.person_id for m in world.members(class_id, Role.PUPIL)]


def _open_subs(world: World, class_id: str, state: SubmissionState) -> list[SubmissionSpec]:
    pupils = set(_pupils(world, class_id))
    return [
        s
        for s in world.subs_by_class[class_id]
        if s.state is state
        and s.pupil_id in pupils
        and world.work[s.work_id].state is WorkState.PUBLISHED
        and s.work_id not in world.deleted_work
    ]


def _post_work(world: World, class_id: str) -> tuple[WorkSpec, list[SubmissionSpec]]:
    now = world.now
    owner = world.classes[class_id].owner_id
    spec = WorkSpec(
        id="799999999001", class_id=class_id, creator_id=owner, kind=WorkKind.ASSIGNMENT,
        state=WorkState.PUBLISHED, title="Fractions", created_at=now, updated_at=now,
        published_at=now, due_at=now + timedelta(days=2),
    )  # fmt: skip
    subs = [
        SubmissionSpec(
            id=f"CgNEW{i:04d}",
            work_id=spec.id,
            class_id=class_id,
            pupil_id=p,
            state=SubmissionState.ASSIGNED,
            created_at=now,
            updated_at=now,
            history=[SubmissionEvent(now, SubmissionState.ASSIGNED, p)],
        )
        for i, p in enumerate(_pupils(world, class_id))
    ]
    world.post_work(spec, subs)
    return spec, subs


def _assert_nothing_left_to_read(h: Harness) -> None:
    """A full sync after the incremental one finds nothing to write: nothing was missed."""
    again = h.sync(full=True)
    assert (again.rows_inserted, again.rows_updated, again.rows_deleted) == (0, 0, 0)


def test_an_incremental_sync_picks_up_exactly_the_changes_made_in_the_world(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with harness(generate("tiny", 1), migrated_url, session_factory, tmp_path) as h:
        h.sync(full=True)
        w = h.world
        a, b, c = sorted(x.id for x in w.classes_of(Platform.GOOGLE))
        w.advance(timedelta(minutes=30))
        new_work, new_subs = _post_work(w, a)
        turned = _open_subs(w, a, SubmissionState.ASSIGNED)[0]
        w.turn_in(turned.id)
        returned = _open_subs(w, b, SubmissionState.TURNED_IN)[0]
        w.return_work(returned.id, grade=7.0)
        gone = next(
            x for x in w.visible_work(a)
            if x.state is WorkState.PUBLISHED and x.id not in (new_work.id, turned.work_id)
        )  # fmt: skip
        w.delete_work(gone.id)
        school = w.schools[h.school.key]
        newcomer = PersonSpec(
            "299999999999999999001", school.id, f"new.pupil@{school.domain}", "Nia", "Newton", False
        )
        w.add_pupil(b, newcomer)
        leaver = next(p for p in _pupils(w, b) if p not in (returned.pupil_id, newcomer.id))
        w.remove_pupil(b, leaver)
        w.delete_class(c)

        run = h.sync()

        assert run.status is RunStatus.SUCCEEDED
        # new work + its submissions + the newcomer + their membership
        assert run.rows_inserted == 1 + len(new_subs) + 2
        with h.sessions() as s:
            leavers_work = s.scalars(
                select(Submission.deleted_at)
                .join(Person, Person.id == Submission.pupil_id)
                .join(SchoolClass, SchoolClass.id == Submission.class_id)
                .where(SchoolClass.platform_id == b, Person.platform_id == leaver)
            ).all()
        # Classroom no longer lists the work of a pupil who left: it is stored as deleted.
        assert leavers_work and all(at is not None for at in leavers_work)
        # deleted work, the leaver's membership and work, the deleted class
        assert run.rows_deleted == 3 + len(leavers_work)
        with h.sessions() as s:
            assert _work(s, new_work.id).state is WorkState.PUBLISHED
            assert _sub(s, turned.id).state is SubmissionState.TURNED_IN
            back = _sub(s, returned.id)
            assert (back.state, back.graded) == (SubmissionState.RETURNED, True)
            assert _work(s, gone.id).deleted_at is not None
            assert _class(s, c).deleted_at is not None
            left = s.execute(
                select(Person.platform_id, Membership.left_at)
                .join(Person, Person.id == Membership.person_id)
                .join(SchoolClass, SchoolClass.id == Membership.class_id)
                .where(SchoolClass.platform_id == b, Person.platform_id.in_([leaver, newcomer.id]))
            ).all()
            assert {pid: at is not None for pid, at in left} == {leaver: True, newcomer.id: False}
            stored = s.get_one(SyncRun, run.run_id)
            assert stored.requests > 0 and stored.api_calls >= stored.requests
            assert stored.cursors_moved == {"coursework": 1}
        _assert_nothing_left_to_read(h)


def test_an_incremental_sync_of_an_unchanged_school_is_cheap_and_writes_nothing(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with harness(generate("tiny", 1), migrated_url, session_factory, tmp_path) as h:
        full = h.sync(full=True)
        with h.sessions() as s:
            before = store_view(s)

        run = h.sync()

        assert (run.rows_inserted, run.rows_updated, run.rows_deleted) == (0, 0, 0)
        assert run.requests <= full.requests and run.api_calls < full.api_calls
        with h.sessions() as s:
            assert store_view(s) == before
            assert s.get_one(SyncRun, run.run_id).cursors_moved == {}


def test_a_scheduled_time_once_seen_is_kept_when_a_later_read_lacks_it(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    sc = generate("tiny", 1)
    with harness(sc, migrated_url, session_factory, tmp_path) as h:
        w = h.world
        cid = sorted(x.id for x in w.classes_of(Platform.GOOGLE))[0]
        at = w.now + timedelta(hours=1)
        spec = WorkSpec(
            id="799999999002", class_id=cid, creator_id=w.classes[cid].owner_id,
            kind=WorkKind.MATERIAL, state=WorkState.PUBLISHED, title="Reading",
            created_at=w.now - timedelta(hours=1), updated_at=w.now - timedelta(hours=1),
            published_at=at, scheduled_at=at,
        )  # fmt: skip
        w.post_work(spec)
        h.sync(full=True)
        with h.sessions() as s:
            assert _work(s, spec.id).state is WorkState.SCHEDULED
        w.advance(timedelta(hours=2))
        spec.scheduled_at = None  # Google's docs leave open whether a live post keeps it

        h.sync()

        with h.sessions() as s:
            row = _work(s, spec.id)
            assert row.state is WorkState.PUBLISHED
            assert row.scheduled_at == at and row.published_at == at
