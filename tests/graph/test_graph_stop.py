"""Shutdown reaches the Graph connector's waits: a Retry-After, a throttled batch part and
the assignment pacer all stop waiting when told, over the sandbox's real HTTP."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from config.settings import MicrosoftSettings
from connector.graph import GraphClassSource
from connector.graph.pacing import Pacer
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET, GraphState, graph_fault
from connector.sandbox.server import Sandbox
from connector.stop import StopRequestedError, StopSignal


@pytest.fixture
def stop() -> StopSignal:
    return StopSignal()


@pytest.fixture
def stoppable(settings: MicrosoftSettings, stop: StopSignal) -> Iterator[GraphClassSource]:
    with GraphClassSource(settings, client_secret=SANDBOX_CLIENT_SECRET, stop=stop) as src:
        yield src


def _seconds_until_stopped(stop: StopSignal, call: Callable[[], Any]) -> float:
    """Run ``call``, setting ``stop`` 0.2 s in; it must end with StopRequestedError."""
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    with pytest.raises(StopRequestedError):
        call()
    return time.monotonic() - started


def test_a_throttled_request_stops_waiting_out_its_two_minute_retry_after(
    stoppable: GraphClassSource, sandbox: Sandbox, stop: StopSignal
) -> None:
    sandbox.inject(graph_fault(429, path=r"/education/schools$", retry_after=120, times=-1))
    took = _seconds_until_stopped(stop, stoppable.schools)
    assert took < 10  # not the 120 s Graph asked for
    assert stoppable.stats.requests == 1  # and no retry was sent


def test_a_batch_waiting_to_resend_its_throttled_parts_stops_when_told(
    stoppable: GraphClassSource, state: GraphState, stop: StopSignal
) -> None:
    classes = list(stoppable.list_classes())
    state.inner_faults.append(graph_fault(429, path=r"/members$", retry_after=120, times=-1))
    took = _seconds_until_stopped(
        stop, lambda: list(stoppable.read_classes(classes, {}, full=True))
    )
    assert took < 10


def test_the_assignment_pacer_stops_waiting_for_room_when_told(stop: StopSignal) -> None:
    async def run() -> None:
        pacer = Pacer(1, 60.0, stop.asleep)
        pacer.release(await pacer.take(1))  # the window is full for a minute
        await pacer.take(1)

    assert _seconds_until_stopped(stop, lambda: asyncio.run(run())) < 10
