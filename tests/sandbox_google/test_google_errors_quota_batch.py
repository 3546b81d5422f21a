"""Google's error bodies, page-token rules, per-user quota, batches and injected faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from connector.sandbox.app import build_sandbox
from connector.sandbox.google import google_fault, side_of, stats
from connector.sandbox.google.auth import Identity
from connector.sandbox.server import Fault, Sandbox
from connector.sandbox.world import World

from .conftest import AUTH, Client, classroom_for
from .discovery_schema import validate
from .factories import ADMIN, ASSIGNMENT, DELETED, MATHS, TEACHER


def _error(e: HttpError) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(e.content)["error"]
    return body


def test_a_deleted_course_answers_404_not_found_in_googles_shape(
    classroom: Client, world: World
) -> None:
    c = classroom(ADMIN)
    world.delete_class(MATHS)
    with pytest.raises(HttpError) as e:
        c.courses().get(id=MATHS).execute()
    err = _error(e.value)
    assert (err["code"], err["status"]) == (404, "NOT_FOUND")
    assert err["errors"] == [{"message": err["message"], "domain": "global", "reason": "notFound"}]
    with pytest.raises(HttpError) as e2:
        c.courses().courseWork().list(courseId=MATHS).execute()
    assert e2.value.status_code == 404
    assert MATHS not in {x["id"] for x in c.courses().list().execute()["courses"]}


def test_deleted_work_answers_404_and_leaves_the_whole_course_submission_list(
    classroom: Client, world: World
) -> None:
    c = classroom(TEACHER)
    world.delete_work(ASSIGNMENT)
    cw = c.courses().courseWork()
    for wid in (ASSIGNMENT, DELETED):
        with pytest.raises(HttpError) as e:
            cw.get(courseId=MATHS, id=wid).execute()
        assert e.value.status_code == 404
    subs = cw.studentSubmissions().list(courseId=MATHS, courseWorkId="-").execute()
    assert ASSIGNMENT not in {s["courseWorkId"] for s in subs["studentSubmissions"]}


def test_a_page_token_replayed_on_a_different_query_is_400_invalid_argument(
    classroom: Client,
) -> None:
    courses = classroom(ADMIN).courses()
    token = courses.list(pageSize=1).execute()["nextPageToken"]
    assert courses.list(pageSize=1, pageToken=token).execute()["courses"]
    with pytest.raises(HttpError) as e:
        courses.list(pageSize=1, pageToken=token, courseStates=["ACTIVE"]).execute()
    err = _error(e.value)
    assert (err["code"], err["status"]) == (400, "INVALID_ARGUMENT")
    with pytest.raises(HttpError) as e2:
        courses.list(pageToken="not-a-token").execute()
    assert e2.value.status_code == 400


def test_an_unknown_enum_value_or_parameter_is_400(sandbox: Sandbox, classroom: Client) -> None:
    cw = classroom(TEACHER).courses().courseWork()
    with pytest.raises(HttpError) as e:
        cw.list(courseId=MATHS, orderBy="title").execute()
    assert e.value.status_code == 400
    token = side_of(sandbox).tokens.issue(
        Identity(ADMIN, frozenset({AUTH + "classroom.courses.readonly"}))
    )
    r = httpx.get(
        sandbox.url + "v1/courses",
        params={"courseStates": "OPEN"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 400
    assert r.json()["error"]["status"] == "INVALID_ARGUMENT"


@pytest.fixture
def tight_sandbox(world: World) -> Iterator[Sandbox]:
    with build_sandbox(world, google_per_user_per_minute=5) as sb:
        yield sb


def test_the_sixth_call_in_a_minute_over_a_per_user_quota_of_five_is_429(
    tight_sandbox: Sandbox,
) -> None:
    c = classroom_for(tight_sandbox, ADMIN)
    for _ in range(5):
        c.courses().list().execute()
    with pytest.raises(HttpError) as e:
        c.courses().list().execute()
    err = _error(e.value)
    assert (err["code"], err["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert err["errors"][0]["reason"] == "rateLimitExceeded"
    assert "per user" in err["message"]
    # Another impersonated user has a quota of their own.
    classroom_for(tight_sandbox, TEACHER).courses().list().execute()
    s = stats(tight_sandbox)
    assert s.throttled == 1
    assert s.by_user[ADMIN] == 6 and s.by_user[TEACHER] == 1


def test_a_batch_through_batch_http_request_answers_each_call(
    sandbox: Sandbox, classroom: Client
) -> None:
    c = classroom(TEACHER)
    c.courses().list().execute()  # fetch the token before counting
    before = stats(sandbox)
    answers: dict[str, Any] = {}

    def callback(request_id: str, response: Any, exception: Exception | None) -> None:
        answers[request_id] = exception or response

    batch = BatchHttpRequest(callback=callback, batch_uri=sandbox.url + "batch")
    batch.add(c.courses().get(id=MATHS), request_id="course")
    batch.add(c.courses().students().list(courseId=MATHS), request_id="roster")
    batch.add(c.courses().courseWork().list(courseId=MATHS), request_id="work")
    batch.add(c.courses().get(id="500000000003"), request_id="not mine")
    batch.execute()
    assert answers["course"]["id"] == MATHS
    assert len(answers["roster"]["students"]) == 5
    assert not validate(answers["work"], "ListCourseWorkResponse")
    assert isinstance(answers["not mine"], HttpError)
    assert answers["not mine"].status_code == 403
    after = stats(sandbox)
    assert after.api_calls - before.api_calls == 4  # each call inside counts
    assert after.requests - before.requests == 1  # one HTTP request
    assert after.batches == 1


def test_a_batch_of_more_than_fifty_calls_is_refused_with_400(
    sandbox: Sandbox, classroom: Client
) -> None:
    c = classroom(TEACHER)
    batch = BatchHttpRequest(batch_uri=sandbox.url + "batch")
    for _ in range(51):
        batch.add(c.courses().get(id=MATHS))
    with pytest.raises(HttpError) as e:
        batch.execute()
    assert e.value.status_code == 400


def test_a_batch_counts_each_call_against_the_per_user_quota(tight_sandbox: Sandbox) -> None:
    c = classroom_for(tight_sandbox, ADMIN)
    statuses: list[int] = []

    def callback(request_id: str, response: Any, exception: HttpError | None) -> None:
        statuses.append(exception.status_code if exception else 200)

    batch = BatchHttpRequest(callback=callback, batch_uri=tight_sandbox.url + "batch")
    for _ in range(7):
        batch.add(c.courses().get(id=MATHS))
    batch.execute()
    assert statuses == [200] * 5 + [429] * 2


def test_a_google_fault_answers_with_googles_error_body(
    sandbox: Sandbox, classroom: Client
) -> None:
    c = classroom(ADMIN)
    sandbox.inject(google_fault(503, r"/courses$"))
    with pytest.raises(HttpError) as e:
        c.courses().list().execute()
    err = _error(e.value)
    assert (err["code"], err["status"]) == (503, "UNAVAILABLE")
    assert c.courses().list().execute()["courses"]  # the fault fired once


def test_a_fault_on_a_path_hits_that_call_inside_a_batch(
    sandbox: Sandbox, classroom: Client
) -> None:
    c = classroom(ADMIN)
    sandbox.inject(google_fault(429, r"/students$", retry_after_s=1))
    statuses: dict[str, int] = {}

    def callback(request_id: str, response: Any, exception: HttpError | None) -> None:
        statuses[request_id] = exception.status_code if exception else 200

    batch = BatchHttpRequest(callback=callback, batch_uri=sandbox.url + "batch/classroom/v1")
    batch.add(c.courses().get(id=MATHS), request_id="a")
    batch.add(c.courses().students().list(courseId=MATHS), request_id="b")
    batch.execute()
    assert statuses == {"a": 200, "b": 429}


def test_a_plain_status_fault_on_a_google_path_gets_googles_body(
    sandbox: Sandbox, classroom: Client
) -> None:
    c = classroom(ADMIN)
    sandbox.inject(Fault(path=r"/courses$", status=429))
    with pytest.raises(HttpError) as e:
        c.courses().list().execute()
    assert _error(e.value)["status"] == "RESOURCE_EXHAUSTED"
