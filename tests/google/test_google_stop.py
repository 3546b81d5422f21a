"""Shutdown reaches the Google connector's waits: a retry or quota wait ends when told to."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from googleapiclient.http import HttpMockSequence

from connector.google.client import ClassroomClient
from connector.google.pacing import QuotaPacer
from connector.google.retry import RetryPolicy
from connector.stop import StopRequestedError, StopSignal

THROTTLED = ({"status": "429", "retry-after": "120"}, b"{}")


def _stopped_soon() -> StopSignal:
    stop = StopSignal()
    threading.Timer(0.2, stop.set).start()
    return stop


def _seconds(call: Callable[[], Any]) -> float:
    started = time.monotonic()
    with pytest.raises(StopRequestedError):
        call()
    return time.monotonic() - started


def test_a_two_minute_retry_after_wait_ends_as_soon_as_the_stop_is_set() -> None:
    client = ClassroomClient(
        "http://fake.test/",
        lambda: HttpMockSequence([THROTTLED] * 3),
        retry=RetryPolicy().stopping_on(_stopped_soon()),
    )
    took = _seconds(lambda: client.execute(lambda svc: svc.courses().list(), "courses.list"))
    assert took < 10  # not the 120 s Google asked for
    assert (client.stats.api_calls, client.stats.throttled) == (1, 1)


def test_a_batch_waiting_to_retry_its_throttled_calls_stops_without_another_try() -> None:
    batch_429 = ({"status": "429", "retry-after": "120"}, b"{}")
    client = ClassroomClient(
        "http://fake.test/",
        lambda: HttpMockSequence([batch_429] * 3),
        retry=RetryPolicy().stopping_on(_stopped_soon()),
    )
    calls = {i: (lambda svc, i=i: svc.courses().get(id=str(i))) for i in range(3)}
    assert _seconds(lambda: client.execute_batch(calls)) < 10
    assert client.stats.requests == 1  # the retry was never sent


def test_the_quota_pacer_stops_waiting_for_room_in_the_window_when_told() -> None:
    pacer = QuotaPacer(per_user=1, per_project=2)
    pacer.acquire("teacher@school.test")  # the teacher's window is now full for a minute
    stop = _stopped_soon()
    took = _seconds(lambda: pacer.acquire("teacher@school.test", sleep=stop.sleep))
    assert took < 10

    def must_not_wait(seconds: float) -> None:
        raise AssertionError(f"the project's window was charged: asked to wait {seconds} s")

    # The call that never left was not charged: the project has room for one more.
    assert pacer.acquire("other@school.test", sleep=must_not_wait) == 0.0


def test_a_stop_set_before_a_wait_ends_it_at_once_and_an_unset_one_just_sleeps() -> None:
    stop = StopSignal()
    started = time.monotonic()
    stop.sleep(0.05)
    assert time.monotonic() - started >= 0.05
    stop.set()
    with pytest.raises(StopRequestedError):
        stop.sleep(120)
