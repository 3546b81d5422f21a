"""Microsoft sync into the store when things go wrong: a kill, an expired token, the
assignment service's throttle, malformed records."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from connector.records import ClassRecord, Platform
from connector.sandbox.graph import Limit
from sync.models import RunStatus, SchoolClass, Submission, SyncIssue, SyncRun, Work
from tests.google_sync.harness import store_view

from .harness import GraphHarness, graph_harness, spoil

pytestmark = pytest.mark.postgres


def _class_id(h: GraphHarness, name: str) -> str:
    return next(c.id for c in h.world.classes_of(Platform.MICROSOFT) if c.name == name)


def test_a_sync_process_killed_after_one_class_resumes_with_nothing_duplicated_or_lost(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with graph_harness(migrated_url, session_factory, tmp_path) as h:
        # Our own interpreter and test module, with arguments we made.
        child = subprocess.run(
            [sys.executable, "-m", "tests.graph_sync.killed_sync", h.sandbox.url,
             migrated_url, str(tmp_path), "1"],
            cwd=Path(__file__).parents[2], capture_output=True, timeout=120,
        )  # fmt: skip
        assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
        assert h.count(SchoolClass) == 1  # the first class committed, nothing of the second

        resumed = h.sync()

        assert (resumed.classes_resumed, resumed.classes_done) == (1, 2)
        assert resumed.status is RunStatus.SUCCEEDED
        with h.sessions() as s:
            ids = s.scalars(select(Submission.platform_id)).all()
            killed = s.scalars(select(SyncRun).where(SyncRun.id != resumed.run_id)).one()
        assert killed.error == "interrupted" and killed.classes_done == 1
        assert len(ids) == len(set(ids)) == len(h.world.scenario.submissions)
        h.assert_nothing_left_to_read()


class ExpiresAfterListing:
    """A source whose access token the tenant revokes once the classes were listed."""

    def __init__(self, h: GraphHarness) -> None:
        self.h, self.inner = h, h.source()
        self.platform, self.stats = self.inner.platform, self.inner.stats

    def list_classes(self) -> Iterator[ClassRecord]:
        yield from self.inner.list_classes()
        self.h.state.expire_tokens()

    def read_classes(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.read_classes(*args, **kwargs)

    def skipped(self) -> Any:
        return self.inner.skipped()

    def people(self, ids: list[str]) -> Any:
        return self.inner.people(ids)


def test_an_access_token_that_expires_mid_sync_is_renewed_and_the_sync_completes(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with graph_harness(migrated_url, session_factory, tmp_path) as h:
        run = h.sync(full=True, source=ExpiresAfterListing(h))

        assert run.status is RunStatus.SUCCEEDED and run.classes_done == 3
        assert h.state.token_requests == 2  # the first token, and one after the 401
        assert h.waits == []  # a renewal is not a back-off
        h.assert_nothing_left_to_read()


def test_the_assignment_throttles_429_is_waited_out_for_its_retry_after_and_counted(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with graph_harness(migrated_url, session_factory, tmp_path) as h:
        h.sync(full=True)
        with h.sessions() as s:
            expected = store_view(s)
        with h.sessions() as s, s.begin():  # start again from an empty store's worth of data
            s.execute(Submission.__table__.delete())  # type: ignore[attr-defined]
        # Six assignment-service calls per 50 ms; our pacing off, so the sandbox says when.
        h.state.assignment_limits = (Limit(6, 0.05),)

        run = h.sync(full=True, source=h.source(assignments_rate=None))

        assert run.status is RunStatus.SUCCEEDED
        assert h.state.throttled > 0 and run.throttled == h.state.throttled
        # Each 429 said "Retry-After: 1" (whole seconds, as Graph does); each wait was that.
        assert h.waits and set(h.waits) == {1.0}
        with h.sessions() as s:
            assert store_view(s) == expected


def test_malformed_records_become_sync_issues_and_everything_else_is_stored(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with graph_harness(migrated_url, session_factory, tmp_path) as h:
        maths, english = _class_id(h, "7A Maths"), _class_id(h, "7A English")
        n_work = sum(1 for w in h.world.visible_work(maths))

        def bad_assignment(items: list[dict[str, Any]]) -> None:
            items[0]["dueDateTime"] = "next Tuesday"

        def bad_member(items: list[dict[str, Any]]) -> None:
            items.append({"displayName": "nobody at all"})  # no id

        def bad_submission(items: list[dict[str, Any]]) -> None:
            if items:
                items[0]["status"] = "teleported"

        spoil(h.sandbox, rf"/classes/{maths}/assignments$", bad_assignment)
        spoil(h.sandbox, rf"/classes/{english}/members$", bad_member)
        spoil(h.sandbox, rf"/classes/{maths}/assignments/[^/]+/submissions$", bad_submission)

        run = h.sync(full=True)

        assert run.status is RunStatus.PARTIAL and run.classes_done == 3
        with h.sessions() as s:
            issues = s.scalars(select(SyncIssue.resource).where(SyncIssue.run_id == run.run_id))
            by_resource = sorted(issues.all())
            stored_work = s.scalar(
                select(func.count()).select_from(Work)
                .join(SchoolClass, SchoolClass.id == Work.class_id)
                .where(SchoolClass.platform_id == maths)
            )  # fmt: skip
        assert by_resource.count("educationAssignment") == 1
        assert by_resource.count("educationUser") == 1
        assert by_resource.count("educationSubmission") >= 1
        assert stored_work == n_work - 1  # only the malformed assignment is missing
        # English's roster was not complete, so nobody there is taken to have left.
        assert h.count(Submission) > 0
