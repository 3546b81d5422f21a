"""The client: paging, batches of at most 50, and the one retry layer (no real sleeping)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from google_fakes import FakeGoogle, Fault, course, small_world
from googleapiclient.http import HttpMockSequence

from connector.google.client import ClassroomClient
from connector.google.errors import AuthError, NotAccessibleError, RetryableError
from connector.google.retry import RetryPolicy
from connector.google.source import GoogleClassSource

LIST = json.dumps({"courses": [course("1")]})


def client(http: Any, sleeps: list[float], **policy: Any) -> ClassroomClient:
    retry = RetryPolicy(sleep=sleeps.append, rand=lambda: 0.5, **policy)
    return ClassroomClient("http://fake.test/", lambda: http, retry=retry)


def list_courses(svc: Any) -> Any:
    return svc.courses().list()


def test_a_429_then_success_is_retried_and_counted(sleeps: list[float]) -> None:
    http = HttpMockSequence([({"status": "429"}, b"{}"), ({"status": "200"}, LIST)])
    c = client(http, sleeps)
    answer = c.execute(list_courses, "courses.list")
    assert answer["courses"][0]["id"] == "1"
    assert (c.stats.requests, c.stats.api_calls, c.stats.throttled, c.stats.retries) == (
        2, 2, 1, 1)
    assert sleeps == [0.5]  # full jitter: rand() * base * 2^0


def test_retry_after_is_honoured_instead_of_backoff(sleeps: list[float]) -> None:
    http = HttpMockSequence([
        ({"status": "429", "retry-after": "7"}, b"{}"),
        ({"status": "503"}, b"{}"),
        ({"status": "200"}, LIST),
    ])
    client(http, sleeps).execute(list_courses, "courses.list")
    assert sleeps == [7.0, 1.0]  # then jitter for attempt 2: 0.5 * 2


def test_backoff_grows_and_the_retries_stop_at_the_cap(sleeps: list[float]) -> None:
    http = HttpMockSequence([({"status": "500"}, b"{}")] * 4)
    with pytest.raises(RetryableError):
        client(http, sleeps, max_attempts=4).execute(list_courses, "courses.list")
    assert sleeps == [0.5, 1.0, 2.0]


def test_a_connection_reset_and_a_truncated_body_are_retried(
    fake: FakeGoogle, sleeps: list[float]
) -> None:
    fake.add_course(course("1"))
    fake.fail("/v1/courses", 0, raise_exc=ConnectionResetError("reset by peer"))
    fake.fail("/v1/courses", 200, body=b'{"courses": [{"id"')
    answer = client(fake, sleeps).execute(list_courses, "courses.list")
    assert answer["courses"][0]["id"] == "1"
    assert len(sleeps) == 2


def test_401_is_an_auth_error_and_is_not_retried(sleeps: list[float]) -> None:
    http = HttpMockSequence([({"status": "401"}, b"{}")])
    with pytest.raises(AuthError):
        client(http, sleeps).execute(list_courses, "courses.list")
    assert sleeps == []


def test_403_on_a_course_is_not_accessible_and_is_not_retried(sleeps: list[float]) -> None:
    body = json.dumps({"error": {"code": 403, "status": "PERMISSION_DENIED"}}).encode()
    http = HttpMockSequence([({"status": "403"}, body)])
    with pytest.raises(NotAccessibleError):
        client(http, sleeps).execute(list_courses, "courses.list")


def test_list_classes_follows_every_page(
    fake: FakeGoogle, make_source: Callable[..., GoogleClassSource]
) -> None:
    for i in range(5):
        fake.add_course(course(str(i)))
    source = make_source()
    assert [c.platform_id for c in source.list_classes()] == ["0", "1", "2", "3", "4"]
    assert len(fake.calls_to("/v1/courses?")) == 3  # pages of 2


def test_a_batch_of_more_than_50_calls_is_split(fake: FakeGoogle, sleeps: list[float]) -> None:
    for i in range(120):
        fake.add_course(course(str(i)))
    c = client(fake, sleeps)
    calls = {str(i): (lambda svc, i=i: svc.courses().teachers().list(courseId=str(i)))
             for i in range(120)}
    answers = c.execute_batch(calls)
    assert len(answers) == 120 and all(isinstance(a, dict) for a in answers.values())
    assert fake.batch_sizes == [50, 50, 20]
    assert (c.stats.requests, c.stats.api_calls) == (3, 120)


def test_only_the_failed_calls_of_a_batch_are_sent_again(
    fake: FakeGoogle, sleeps: list[float]
) -> None:
    for i in range(4):
        fake.add_course(course(str(i)))
    fake.fail("/courses/2/teachers", 429, headers={"retry-after": "3"})
    c = client(fake, sleeps)
    calls = {str(i): (lambda svc, i=i: svc.courses().teachers().list(courseId=str(i)))
             for i in range(4)}
    answers = c.execute_batch(calls)
    assert all(isinstance(a, dict) for a in answers.values())
    assert fake.batch_sizes == [4, 1]
    assert sleeps == [3.0]
    assert (c.stats.api_calls, c.stats.throttled, c.stats.retries) == (5, 1, 1)


def test_a_failed_batch_post_is_retried_whole(fake: FakeGoogle, sleeps: list[float]) -> None:
    small_world(fake, n_courses=1)
    fake.batch_faults.append(Fault("/batch", 503))
    c = client(fake, sleeps)
    calls = {n: (lambda svc, n=n: getattr(svc.courses(), n)().list(courseId="1000"))
             for n in ("teachers", "students")}
    answers = c.execute_batch(calls)
    assert all(isinstance(a, dict) for a in answers.values())
    assert fake.batch_sizes == [2]  # the failed POST never reached the parts
    assert c.stats.requests == 2 and c.stats.retries == 2
