"""GoogleClassSource: whole courses read through batches, and what an unreadable one gives."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from google_fakes import FakeGoogle, course, member, small_world, work

from connector.google.errors import AuthError
from connector.google.source import GoogleClassSource
from connector.records import ClassSnapshot, Role, WorkKind

Make = Callable[..., GoogleClassSource]


def read_all(source: GoogleClassSource) -> dict[str, ClassSnapshot]:
    classes = list(source.list_classes())
    return {s.klass.platform_id: s for s in source.read_classes(classes, {}, full=True)}


def test_it_reads_every_course_completely_across_pages(fake: FakeGoogle, make_source: Make) -> None:
    small_world(fake, n_courses=3, pupils=5)
    source = make_source()
    snaps = read_all(source)
    assert sorted(snaps) == ["1000", "1001", "1002"]
    for cid, snap in snaps.items():
        assert snap.roster_complete and snap.work_complete and not snap.skipped
        assert len([m for m in snap.members if m.role is Role.PUPIL]) == 5
        assert len([m for m in snap.members if m.role is Role.TEACHER]) == 1
        assert len(snap.people) == 6
        assert sorted(w.kind for w in snap.work) == sorted(
            [WorkKind.ASSIGNMENT] * 3 + [WorkKind.MATERIAL, WorkKind.ANNOUNCEMENT])
        assert len(snap.submissions) == 15
        assert snap.cursor["coursework"] == "2026-11-02T09:30:00Z"
        # pages of 2: students and submissions took several pages each
        assert len(fake.calls_to(f"/courses/{cid}/courseWork/-/studentSubmissions")) == 8
    # Each call went out in a batch; follow-up pages joined later batches.
    assert max(fake.batch_sizes) <= 50
    assert source.stats.api_calls == len(fake.calls)
    assert source.stats.requests == fake.http_requests


def test_the_course_lists_ask_for_drafts_and_deleted_work_and_every_submission(
    fake: FakeGoogle, make_source: Make
) -> None:
    small_world(fake, n_courses=1)
    read_all(make_source())
    first = fake.calls_to("/courses/1000/courseWork?")[0]
    assert "courseWorkStates=PUBLISHED" in first and "courseWorkStates=DRAFT" in first
    assert "courseWorkStates=DELETED" in first
    assert fake.calls_to("/courses/1000/teachers?pageSize=30")


def test_a_course_answering_403_becomes_an_incomplete_snapshot_not_an_exception(
    fake: FakeGoogle, make_source: Make
) -> None:
    small_world(fake, n_courses=2)
    fake.fail("/courses/1001/", 403, times=100)
    snaps = read_all(make_source())
    bad, good = snaps["1001"], snaps["1000"]
    assert not bad.roster_complete and not bad.work_complete
    assert [(s.resource, s.platform_id) for s in bad.skipped] == [("course", "1001")]
    assert "403" in bad.skipped[0].reason
    assert good.roster_complete and good.work_complete and len(good.submissions) == 15


def test_one_unreadable_list_marks_only_what_it_covers_incomplete(
    fake: FakeGoogle, make_source: Make
) -> None:
    small_world(fake, n_courses=1)
    fake.fail("/courses/1000/announcements", 404)
    snap = read_all(make_source())["1000"]
    assert snap.roster_complete and not snap.work_complete
    assert [s.resource for s in snap.skipped] == ["announcements"]
    assert "coursework" not in snap.cursor  # never advance past what was not read
    assert len(snap.work) == 4


def test_malformed_records_are_skipped_and_the_rest_still_read(
    fake: FakeGoogle, make_source: Make
) -> None:
    fake.add_course(course("1"))
    fake.add_course({"name": "no id"})
    fake.add_course(
        course("2"),
        students=[member("2", "7"), member("2", "8", profile={"name": "x" * 20_000})],
        courseWork=[work("2", "20"), work("2", "21", workType="ESSAY"),
                    work("2", "22", title="t" * 11_000), work("2", "23", updateTime="soon")],
    )
    source = make_source()
    snaps = read_all(source)
    assert [s.reason for s in source.skipped()] == ["missing id"]
    snap = snaps["2"]
    assert [w.platform_id for w in snap.work] == ["20"]
    assert sorted(s.platform_id or "" for s in snap.skipped) == ["21", "22", "23", "8"]
    assert not snap.roster_complete and not snap.work_complete  # a skip is not a removal
    assert [p.platform_id for p in snap.people] == ["7"]


def test_a_throttled_course_list_is_retried_inside_the_read(
    fake: FakeGoogle, make_source: Make, sleeps: list[float]
) -> None:
    small_world(fake, n_courses=2)
    fake.fail("/courses/1001/students", 429, times=2, headers={"retry-after": "2"})
    source = make_source()
    snaps = read_all(source)
    assert snaps["1001"].roster_complete and len(snaps["1001"].members) == 6
    assert source.stats.throttled == 2 and source.stats.retries == 2
    assert sleeps == [2.0, 2.0]


def test_a_course_that_stays_unavailable_is_given_up_not_fatal(
    fake: FakeGoogle, make_source: Make
) -> None:
    small_world(fake, n_courses=2)
    fake.fail("/courses/1000/topics", 503, times=100)
    snaps = read_all(make_source(max_attempts=3))
    assert [s.resource for s in snaps["1000"].skipped] == ["topics"]
    assert snaps["1001"].work_complete


def test_revoked_delegation_stops_the_read(fake: FakeGoogle, make_source: Make) -> None:
    small_world(fake, n_courses=2)
    source = make_source()
    classes = list(source.list_classes())
    fake.fail("/courses/", 401, times=1000)
    with pytest.raises(AuthError):
        list(source.read_classes(classes, {}, full=True))


def test_every_thread_gets_its_own_http_object(fake: FakeGoogle, make_source: Make) -> None:
    small_world(fake, n_courses=12)
    owners: dict[int, set[int]] = {}

    class PerThread:
        def request(self, *a: Any, **kw: Any) -> Any:
            owners.setdefault(id(self), set()).add(threading.get_ident())
            return fake.request(*a, **kw)

    source = make_source(http=None, concurrency=3)
    source.client._http_factory = PerThread  # each call: a new object, as in production
    snaps = read_all(source)
    assert len(snaps) == 12
    assert all(len(threads) == 1 for threads in owners.values())
    assert 1 < len(owners) <= 4  # the pool's threads and the caller's


def test_people_reads_profiles_by_id(fake: FakeGoogle, make_source: Make) -> None:
    fake.profiles["7"] = {"id": "7", "name": {"fullName": "Ada L"}, "emailAddress": "a@x"}
    source = make_source()
    people = list(source.people(["7", "8"]))
    assert [(p.platform_id, p.email) for p in people] == [("7", "a@x")]
    assert [(s.resource, s.platform_id) for s in source.skipped()] == [("profile", "8")]
