"""The soak's compressed clock: a wait inside a job moves the clock on instead of taking
real time, and every rate window reads that clock, so a school week of pacing and
Retry-After costs no real minutes yet stays within the quotas."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from connector import timebase
from connector.google.pacing import QuotaPacer
from connector.graph.pacing import Pacer
from connector.stop import StopRequestedError, StopSignal
from jobs.bench.soak import SoakClock


def test_a_wait_on_the_soak_clock_moves_it_on_without_taking_the_time() -> None:
    clock = SoakClock()
    stop = StopSignal()
    with timebase.use(clock):
        before, started = clock(), time.monotonic()
        stop.sleep(90.0)
        asyncio.run(stop.asleep(45.0))

    assert clock() - before >= 135.0
    assert time.monotonic() - started < 5.0
    # Outside the block the connectors are back on real time.
    assert timebase.monotonic() == pytest.approx(time.monotonic(), abs=1.0)


def test_a_stop_still_ends_a_wait_on_the_soak_clock() -> None:
    event = threading.Event()
    event.set()
    with timebase.use(SoakClock()), pytest.raises(StopRequestedError):
        StopSignal(event).sleep(30.0)


def test_the_google_pacer_waits_out_its_window_on_the_soak_clock() -> None:
    clock = SoakClock()
    stop = StopSignal()
    with timebase.use(clock):
        pacer = QuotaPacer(per_user=2, per_project=100)
        started, real = clock(), time.monotonic()
        for _ in range(3):
            pacer.acquire("teacher@school", sleep=stop.sleep)

    # The third call had to wait for the first to leave the 60-second window...
    assert pacer.waited_s >= 60.0
    assert clock() - started >= 60.0
    # ...which the soak clock let pass at once.
    assert time.monotonic() - real < 5.0


def test_the_graph_pacer_holds_places_for_a_window_of_soak_clock_time() -> None:
    clock = SoakClock()
    stop = StopSignal()

    async def three_calls(pacer: Pacer) -> None:
        for _ in range(3):
            held = await pacer.take(1)
            pacer.release(held)

    with timebase.use(clock):
        pacer = Pacer(2, 10.0, stop.asleep)
        started, real = clock(), time.monotonic()
        asyncio.run(three_calls(pacer))

    assert clock() - started >= 10.0
    assert time.monotonic() - real < 5.0
