"""End to end over real HTTP: GoogleClassSource against the sandbox's Classroom."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google_world import ADMIN, BIG, OLD, PUPILS, SMALL, TEACHER, build_world

from config.settings import GoogleSettings, SchoolSettings
from connector.google.retry import RetryPolicy
from connector.google.source import GoogleClassSource
from connector.records import ClassSnapshot, ClassState, Role, WorkKind, WorkState
from connector.sandbox.app import build_sandbox
from connector.sandbox.google import expire_tokens, google_fault, service_account_info, stats
from connector.sandbox.server import Fault, Sandbox
from connector.sandbox.world import World

SCHOOL = SchoolSettings.model_validate(
    {"key": "hill", "name": "Hill", "platform": "google", "google": {"admin_email": ADMIN}}
)


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def sandbox(world: World) -> Iterator[Sandbox]:
    with build_sandbox(world) as sb:
        yield sb


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def source(sandbox: Sandbox, sleeps: list[float]) -> GoogleClassSource:
    settings = GoogleSettings(endpoint=sandbox.url, concurrency=3)
    retry = RetryPolicy(sleep=sleeps.append)
    return GoogleClassSource(settings, SCHOOL, service_account_info(sandbox.url), retry=retry)


def read_all(source: GoogleClassSource) -> dict[str, ClassSnapshot]:
    classes = list(source.list_classes())
    return {s.klass.platform_id: s for s in source.read_classes(classes, {}, full=True)}


def test_it_reads_every_course_of_the_school_completely(
    source: GoogleClassSource, world: World, sandbox: Sandbox
) -> None:
    snaps = read_all(source)
    assert sorted(snaps) == [BIG, SMALL, OLD]  # the Microsoft school's class is not Google's
    assert snaps[OLD].klass.state is ClassState.ARCHIVED
    for cid, snap in snaps.items():
        spec = world.classes[cid]
        assert snap.roster_complete and snap.work_complete and not snap.skipped
        assert {(m.person_platform_id, m.role) for m in snap.members} == {
            (m.person_id, m.role) for m in spec.members}
        assert snap.klass.calendar_ref == spec.calendar_id
        expected_work = {w.id: w for w in world.work_by_class[cid]}
        assert {w.platform_id: (w.kind, w.state) for w in snap.work} == {
            w.id: (w.kind, w.state) for w in expected_work.values()}
        expected_subs = {s.id: s for s in world.subs_by_class[cid]}
        assert {s.platform_id: s.state for s in snap.submissions} == {
            s.id: s.state for s in expected_subs.values()}
        for sub in snap.submissions:
            want = expected_subs[sub.platform_id]
            assert (sub.turned_in_at, sub.returned_at, sub.graded) == (
                want.turned_in_at, want.returned_at, want.assigned_grade is not None)
        for work in snap.work:
            want_work = expected_work[work.platform_id]
            assert work.due_at == want_work.due_at
            assert work.scheduled_at == want_work.scheduled_at
            if work.state is WorkState.PUBLISHED:
                assert work.published_at == want_work.published_at
    big = snaps[BIG]
    assert len([m for m in big.members if m.role is Role.PUPIL]) == len(PUPILS)  # 2 pages
    assert len(big.submissions) == 240  # 1 page: lists ask for up to 1,000 items
    teacher = next(p for p in big.people if p.platform_id == TEACHER)
    assert teacher.email == "t@hill.sch.uk"
    assert {w.kind for w in big.work} == set(WorkKind)
    # 1 courses.list + 2 batches; the sandbox saw the same plus one token grant.
    google = stats(sandbox)
    assert (source.stats.requests, source.stats.api_calls) == (3, 23)
    assert (google.requests, google.api_calls, google.token_grants) == (4, 23, 1)


def test_a_throttled_call_inside_a_batch_waits_its_retry_after_and_is_sent_again(
    source: GoogleClassSource, sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(google_fault(429, r"/studentSubmissions", times=2, retry_after_s=2))
    snaps = read_all(source)
    assert all(s.roster_complete and s.work_complete for s in snaps.values())
    assert len(snaps[BIG].submissions) == 240
    assert source.stats.throttled == 2 and source.stats.retries == 2
    assert sleeps == [2.0]  # both 429s came back in one batch: one wait
    assert source.stats.api_calls == 23 + 2


def test_it_rides_out_reset_connections_and_truncated_answers(
    source: GoogleClassSource, sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(Fault(path=r"^/batch", kind="reset", times=1))
    sandbox.inject(Fault(path=r"^/batch", kind="truncate", times=1))
    snaps = read_all(source)
    assert all(s.roster_complete and s.work_complete for s in snaps.values())
    assert len(snaps[BIG].submissions) == 240
    # Each failed POST is retried whole; a connection left broken by one may fail once more.
    assert 2 <= len(sleeps) <= 4 and source.stats.throttled == 0


def test_tokens_that_expire_mid_read_are_refreshed(
    source: GoogleClassSource, sandbox: Sandbox
) -> None:
    classes = list(source.list_classes())
    expire_tokens(sandbox)
    snaps = list(source.read_classes(classes, {}, full=True))
    assert all(s.roster_complete and s.work_complete for s in snaps)
    assert stats(sandbox).token_grants == 2


def test_a_course_deleted_during_the_read_is_an_incomplete_snapshot(
    source: GoogleClassSource, world: World
) -> None:
    classes = list(source.list_classes())
    world.delete_class(SMALL)
    snaps = {s.klass.platform_id: s for s in source.read_classes(classes, {}, full=True)}
    gone = snaps[SMALL]
    assert not gone.roster_complete and not gone.work_complete
    assert [(s.resource, s.platform_id) for s in gone.skipped] == [("course", SMALL)]
    assert snaps[BIG].roster_complete and snaps[BIG].work_complete


def test_the_school_admin_is_the_only_identity_used(
    source: GoogleClassSource, sandbox: Sandbox
) -> None:
    read_all(source)
    assert set(stats(sandbox).by_user) == {ADMIN}
