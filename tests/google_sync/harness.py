"""A sandbox serving a scenario over HTTP, a store, and syncs of the Google school into it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.settings import SchoolSettings, Settings
from connector.google.retry import RetryPolicy
from connector.google.source import GoogleClassSource
from connector.records import ClassRecord, ClassSnapshot, Platform
from connector.sandbox.app import build_sandbox
from connector.sandbox.google import service_account_info
from connector.sandbox.scenario.model import Scenario
from connector.sandbox.server import Sandbox
from connector.sandbox.world import World
from sync.models import Membership, Person, SchoolClass, Submission, Work
from sync.registry import ensure_trust_and_schools
from sync.runner import SyncRunSummary, sync_school
from tests.e2e.support import sandbox_settings

NO_SLEEP = RetryPolicy(sleep=lambda _s: None, rand=lambda: 0.0)


class Killed(BaseException):
    """Stands in for the process being killed: not an Exception, so nothing catches it."""


@dataclass
class Harness:
    world: World
    sandbox: Sandbox
    settings: Settings
    sessions: sessionmaker[Session]
    runs: list[SyncRunSummary] = field(default_factory=list)

    @property
    def school(self) -> SchoolSettings:
        return next(s for s in self.settings.schools if s.google is not None)

    def source(self, **google: Any) -> GoogleClassSource:
        info = service_account_info(self.sandbox.url)
        conf = self.settings.google.model_copy(update=google)
        return GoogleClassSource(conf, self.school, info, retry=NO_SLEEP)

    def sync(self, *, full: bool = False, source: Any = None) -> SyncRunSummary:
        run = sync_school(
            self.sessions,
            self.school,
            source or self.source(),
            full=full,
            clock=lambda: self.world.now,
            lookback_days=self.settings.sync.lookback_days,
        )
        self.runs.append(run)
        return run


@contextmanager
def harness(
    scenario: Scenario, url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> Iterator[Harness]:
    world = World(scenario)
    with build_sandbox(world) as sb:
        settings = sandbox_settings(scenario, sb.url, url, tmp_path)
        with sessions() as session:
            ensure_trust_and_schools(session, settings)
            session.commit()
        yield Harness(world, sb, settings, sessions)


class KilledAfter:
    """A source that dies after ``n`` classes were yielded (and committed)."""

    def __init__(self, inner: GoogleClassSource, n: int) -> None:
        self.inner, self.n = inner, n
        self.platform, self.stats = inner.platform, inner.stats

    def list_classes(self) -> Iterator[ClassRecord]:
        return self.inner.list_classes()

    def read_classes(
        self, classes: list[ClassRecord], cursors: Mapping[str, Mapping[str, str]], *, full: bool
    ) -> Iterator[ClassSnapshot]:
        for i, snap in enumerate(self.inner.read_classes(classes, cursors, full=full)):
            if i == self.n:
                raise Killed
            yield snap

    def skipped(self) -> Any:
        return self.inner.skipped()

    def people(self, ids: list[str]) -> Any:
        return self.inner.people(ids)


def store_view(session: Session) -> dict[str, Any]:
    """What the store says about live data, keyed by platform ids (no row ids, no times
    of syncing), to compare two stores."""
    classes = {
        c.platform_id: (c.name, c.state)
        for c in session.scalars(select(SchoolClass).where(SchoolClass.deleted_at.is_(None)))
    }
    members = {
        (cid, pid, role)
        for cid, pid, role in session.execute(
            select(SchoolClass.platform_id, Person.platform_id, Membership.role)
            .join(SchoolClass, SchoolClass.id == Membership.class_id)
            .join(Person, Person.id == Membership.person_id)
            .where(Membership.left_at.is_(None), SchoolClass.deleted_at.is_(None))
        )
    }
    work = {
        w.platform_id: (w.kind, w.state, w.due_at, w.published_at, w.scheduled_at, w.topic)
        for w in session.scalars(select(Work).where(Work.deleted_at.is_(None)))
    }
    subs = {
        s.platform_id: (s.state, s.late, s.graded, s.turned_in_at, s.returned_at)
        for s in session.scalars(select(Submission))
    }
    return {"classes": classes, "members": members, "work": work, "submissions": subs}


def google_ids(world: World) -> dict[str, set[str]]:
    """What the Google school holds now, as the API would list it to its admin."""
    classes = {c.id for c in world.classes_of(Platform.GOOGLE)}
    work = {w.id for w in world.scenario.work if w.class_id in classes}
    subs = {s.id for s in world.scenario.submissions if s.class_id in classes}
    return {"classes": classes, "work": work, "submissions": subs}


Check = Callable[[Session], None]
