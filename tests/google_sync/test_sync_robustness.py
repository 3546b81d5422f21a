"""Google sync when things go wrong: throttling, a kill, deletions, leavers, bad records."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from connector.records import Platform, Role
from connector.sandbox.google import google_fault
from connector.sandbox.scenario import generate
from connector.sandbox.server import Request, Response, Sandbox
from sync.models import Membership, Person, RunStatus, SchoolClass, Submission, SyncIssue, Work

from .harness import Harness, Killed, KilledAfter, harness

pytestmark = pytest.mark.postgres


def _classes(h: Harness) -> list[str]:
    return sorted(c.id for c in h.world.classes_of(Platform.GOOGLE))


def _count(h: Harness, model: Any) -> int:
    with h.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _nothing_left_to_read(h: Harness) -> None:
    again = h.sync(full=True)
    assert (again.rows_inserted, again.rows_updated, again.rows_deleted) == (0, 0, 0)


def test_a_429_storm_still_ends_with_every_row_and_counts_the_throttling(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with harness(generate("tiny", 1), migrated_url, session_factory, tmp_path) as h:
        storm = h.sandbox.inject(google_fault(429, r"^/v1/courses", every=2, times=-1))

        run = h.sync(full=True)

        assert run.status is RunStatus.SUCCEEDED and run.classes_done == 3
        assert run.throttled >= 10
        h.sandbox.faults.remove(storm)
        _nothing_left_to_read(h)


def test_a_sync_killed_mid_way_resumes_without_duplicating_or_losing_anything(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with harness(generate("tiny", 1), migrated_url, session_factory, tmp_path) as h:
        with pytest.raises(Killed):
            h.sync(full=True, source=KilledAfter(h.source(), 1))
        assert _count(h, SchoolClass) == 1  # the first class committed, nothing else

        resumed = h.sync()

        assert (resumed.classes_resumed, resumed.classes_done) == (1, 2)
        assert resumed.status is RunStatus.SUCCEEDED
        with h.sessions() as s:
            ids = s.scalars(select(Submission.platform_id)).all()
        assert len(ids) == len(set(ids)) > 0
        _nothing_left_to_read(h)


def test_a_deleted_course_is_marked_deleted_and_keeps_its_history(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with harness(generate("tiny", 1), migrated_url, session_factory, tmp_path) as h:
        h.sync(full=True)
        gone = _classes(h)[0]
        work_before = _count(h, Work)
        h.world.delete_class(gone)

        run = h.sync()

        assert run.rows_deleted == 1 and run.status is RunStatus.SUCCEEDED
        with h.sessions() as s:
            row = s.scalars(select(SchoolClass).where(SchoolClass.platform_id == gone)).one()
            assert row.deleted_at is not None
        assert _count(h, Work) == work_before


def test_a_course_answering_404_mid_run_is_recorded_and_the_rest_is_synced(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with harness(generate("tiny", 1), migrated_url, session_factory, tmp_path) as h:
        h.sync(full=True)
        broken = _classes(h)[1]
        h.world.advance(timedelta(hours=1))
        h.sandbox.inject(google_fault(404, rf"^/v1/courses/{broken}/", times=-1))

        run = h.sync()

        assert run.status is RunStatus.PARTIAL and run.classes_done == 3
        with h.sessions() as s:
            issues = s.execute(
                select(SyncIssue.resource, SyncIssue.platform_id, SyncIssue.status).where(
                    SyncIssue.run_id == run.run_id
                )
            ).all()
            klass = s.scalars(select(SchoolClass).where(SchoolClass.platform_id == broken)).one()
        assert issues == [("course", broken, 404)]
        assert klass.deleted_at is None  # still listed: unreadable is not deleted


def test_a_pupil_who_leaves_gets_a_left_date_and_keeps_their_submissions(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with harness(generate("tiny", 1), migrated_url, session_factory, tmp_path) as h:
        h.sync(full=True)
        cid = _classes(h)[0]
        leaver = h.world.members(cid, Role.PUPIL)[0].person_id
        subs_before = _count(h, Submission)
        h.world.advance(timedelta(hours=1))
        h.world.remove_pupil(cid, leaver)

        run = h.sync()

        assert (run.rows_inserted, run.rows_deleted) == (0, 1)
        with h.sessions() as s:
            left_at = s.scalars(
                select(Membership.left_at)
                .join(Person, Person.id == Membership.person_id)
                .join(SchoolClass, SchoolClass.id == Membership.class_id)
                .where(Person.platform_id == leaver, SchoolClass.platform_id == cid)
            ).one()
        assert left_at == h.world.now
        assert _count(h, Submission) == subs_before


Mutate = Callable[[dict[str, Any]], None]


def _corrupt(sandbox: Sandbox, path: str, mutate: Mutate) -> None:
    """Answer matching list calls (alone or inside a batch) with one item spoiled."""

    def hook(req: Request) -> Response | None:
        if req.method != "GET" or not re.search(path, req.path):
            return None
        found = sandbox.router.match(req.method, req.path)
        assert found is not None
        resp = found[0](req)
        if resp.status == 200 and isinstance(resp.body, dict):
            mutate(resp.body)
        return resp

    sandbox.hooks.append(hook)


def test_malformed_records_are_recorded_and_skipped_and_the_rest_is_stored(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with harness(generate("tiny", 1), migrated_url, session_factory, tmp_path) as h:
        a, b, _ = _classes(h)
        items = [w for w in h.world.visible_work(a)]
        n_work = len(items)

        def bad_work(body: dict[str, Any]) -> None:
            for key in ("courseWork", "courseWorkMaterial"):
                if body.get(key):
                    body[key][0]["dueDate"] = {"year": 2026}  # not a full date
                    if len(body[key]) > 1:
                        body[key][1]["title"] = "x" * 20_000  # far beyond any real title

        def bad_student(body: dict[str, Any]) -> None:
            body["students"][0] = {"courseId": b, "profile": {}}  # nobody

        def bad_submission(body: dict[str, Any]) -> None:
            body["studentSubmissions"][0]["state"] = "SOMETHING_NEW"

        _corrupt(h.sandbox, rf"^/v1/courses/{a}/(courseWork|courseWorkMaterials)$", bad_work)
        _corrupt(h.sandbox, rf"^/v1/courses/{b}/students$", bad_student)
        _corrupt(h.sandbox, rf"^/v1/courses/{b}/courseWork/-/studentSubmissions$", bad_submission)

        run = h.sync(full=True)

        assert run.status is RunStatus.PARTIAL and run.classes_done == 3
        with h.sessions() as s:
            issues = (
                s.execute(select(SyncIssue.resource).where(SyncIssue.run_id == run.run_id))
                .scalars()
                .all()
            )
            stored_a = s.scalar(
                select(func.count())
                .select_from(Work)
                .join(SchoolClass, SchoolClass.id == Work.class_id)
                .where(SchoolClass.platform_id == a)
            )
        assert sorted(issues).count("student") == 1 and "submission" in issues
        skipped_work = [i for i in issues if i in ("coursework", "material")]
        assert stored_a == n_work - len(skipped_work) and len(skipped_work) >= 2


def test_reading_each_course_as_its_teacher_spreads_the_calls_and_reads_the_same_data(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    from connector.sandbox.google import stats

    with harness(generate("tiny", 1), migrated_url, session_factory, tmp_path) as h:
        run = h.sync(full=True, source=h.source(impersonate="teacher"))

        assert run.status is RunStatus.SUCCEEDED and run.classes_done == 3
        by_user = stats(h.sandbox).by_user
        owners = {c.owner_id for c in h.world.classes_of(Platform.GOOGLE)}
        teachers = {h.world.scenario.people[o].email for o in owners}
        assert teachers <= set(by_user) and len(by_user) == len(teachers) + 1
        assert by_user[h.school.google.admin_email] < sum(by_user.values()) / 2  # type: ignore[union-attr]
        _nothing_left_to_read(h)
