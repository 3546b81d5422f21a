"""Incremental Google syncs driven by the Classroom audit log, over the sandbox."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.settings import GoogleAuditLogSettings
from connector.google.source import GoogleClassSource
from connector.records import Role, SubmissionState
from connector.sandbox.google import side_of
from connector.sandbox.scenario import generate
from connector.sandbox.scenario.ids import customer_admin_email
from connector.sandbox.scenario.model import PersonSpec
from sync.models import Membership, Person, SchoolClass, Submission

from .harness import Harness, harness, store_view
from .test_incremental_sync import _assert_nothing_left_to_read, _open_subs, _post_work

pytestmark = pytest.mark.postgres

SETTLE = timedelta(minutes=5)  # past the sandbox's two minutes before an event is listed


def _fed(h: Harness, admin: str | None = None) -> GoogleClassSource:
    return h.source(audit_log=GoogleAuditLogSettings(enabled=True, admin_email=admin))


def _sub(session: Session, platform_id: str) -> Submission:
    return session.scalars(select(Submission).where(Submission.platform_id == platform_id)).one()


def test_submission_changes_come_from_one_page_of_the_log_and_no_course_is_read(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with harness(generate("small", 3), migrated_url, session_factory, tmp_path) as h:
        full = h.sync(full=True, source=_fed(h, customer_admin_email()))
        c1, c2 = sorted(h.world.classes)[:2]
        h.world.advance(timedelta(hours=1))
        turned = h.world.turn_in(_open_subs(h.world, c1, SubmissionState.ASSIGNED)[0].id)
        back = h.world.return_work(
            _open_subs(h.world, c2, SubmissionState.TURNED_IN)[0].id, grade=7.0
        )
        h.world.advance(SETTLE)

        run = h.sync(source=_fed(h, customer_admin_email()))

        # One page of the log (token exchanges are not counted here): no list, no reads.
        assert (run.requests, run.classes_done) == (1, 0)
        assert run.requests < full.requests / 3
        assert run.rows_updated == 2
        with h.sessions() as s:
            t, b = _sub(s, turned.id), _sub(s, back.id)
            assert (t.state, t.turned_in_at) == (SubmissionState.TURNED_IN, turned.turned_in_at)
            assert (b.state, b.graded, b.returned_at) == (
                SubmissionState.RETURNED, True, back.returned_at,
            )  # fmt: skip
        _assert_nothing_left_to_read(h)


def test_roster_post_and_course_changes_make_exactly_those_courses_be_read(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with harness(generate("small", 4), migrated_url, session_factory, tmp_path) as h:
        h.sync(full=True, source=_fed(h))  # each school's own admin reads its events
        a, b, c, gone = sorted(h.world.classes)[:4]
        h.world.advance(timedelta(hours=2))
        newcomer = PersonSpec(
            id="990000000000000000001", school_id=h.world.classes[a].school_id,
            email="newcomer@" + h.world.schools[h.world.classes[a].school_id].domain,
            given_name="New", family_name="Comer", is_staff=False,
        )  # fmt: skip
        h.world.add_pupil(a, newcomer)
        leaver = next(m.person_id for m in h.world.members(b, Role.PUPIL))
        h.world.remove_pupil(b, leaver)
        posted, _ = _post_work(h.world, c)
        h.world.delete_class(gone)
        h.world.advance(SETTLE)

        run = h.sync(source=_fed(h))

        assert run.classes_done == 3  # a, b, c; the deleted one is gone from the list
        assert run.rows_deleted >= 2  # the leaver's membership and the deleted class
        with h.sessions() as s:
            assert s.scalars(select(SchoolClass.deleted_at).where(
                SchoolClass.platform_id == gone)).one() is not None  # fmt: skip
            left = s.execute(
                select(Membership.left_at)
                .join(Person, Person.id == Membership.person_id)
                .join(SchoolClass, SchoolClass.id == Membership.class_id)
                .where(SchoolClass.platform_id == b, Person.platform_id == leaver)
            ).scalar_one()
            assert left is not None
            assert newcomer.id in {p.platform_id for p in s.scalars(select(Person))}
            assert posted.id in store_view(s)["work"]
        _assert_nothing_left_to_read(h)


def test_an_event_listed_late_is_caught_by_the_overlap_on_the_next_sync(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with harness(generate("small", 5), migrated_url, session_factory, tmp_path) as h:
        side_of(h.sandbox).reports_lag = timedelta(minutes=20)
        h.sync(full=True, source=_fed(h, customer_admin_email()))
        c1 = sorted(h.world.classes)[0]
        h.world.advance(timedelta(hours=1))
        sub = h.world.turn_in(_open_subs(h.world, c1, SubmissionState.ASSIGNED)[0].id)
        h.world.advance(timedelta(minutes=5))

        early = h.sync(source=_fed(h, customer_admin_email()))
        with h.sessions() as s:
            assert _sub(s, sub.id).state is SubmissionState.ASSIGNED  # not listed yet
        h.world.advance(timedelta(minutes=25))
        late = h.sync(source=_fed(h, customer_admin_email()))

        assert (early.rows_updated, late.rows_updated) == (0, 1)
        with h.sessions() as s:
            assert _sub(s, sub.id).state is SubmissionState.TURNED_IN


def test_a_reader_who_may_not_read_the_log_falls_back_to_reading_every_course(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with harness(generate("small", 6), migrated_url, session_factory, tmp_path) as h:
        c1 = sorted(h.world.classes)[0]
        teacher = h.world.person(h.world.classes[c1].owner_id)
        assert teacher is not None
        h.sync(full=True, source=_fed(h, teacher.email))
        h.world.advance(timedelta(hours=1))
        sub = h.world.turn_in(_open_subs(h.world, c1, SubmissionState.ASSIGNED)[0].id)
        h.world.advance(SETTLE)

        with structlog.testing.capture_logs() as logs:
            run = h.sync(source=_fed(h, teacher.email))  # a teacher is no Reports admin

        assert run.classes_done == len(h.world.classes)  # every course re-read
        assert [e["event"] for e in logs].count("google.audit_log_unreadable") == 1
        with h.sessions() as s:
            assert _sub(s, sub.id).state is SubmissionState.TURNED_IN
