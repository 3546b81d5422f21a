"""The assignment-service pacer: Graph never sees more calls in a window than allowed."""

from __future__ import annotations

import asyncio

from connector.graph.pacing import Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_call_holds_its_place_until_a_window_after_its_answer() -> None:
    clock = Clock()
    waits: list[float] = []

    async def sleep(s: float) -> None:
        waits.append(s)
        clock.now += s

    async def run() -> None:
        pacer = Pacer(3, 10.0, sleep, clock)
        assert await pacer.take(2) == 2
        clock.now = 4.0  # answered four seconds later: the server counted them by then
        pacer.release(2)
        await pacer.take(1)  # fits beside the two
        await pacer.take(1)  # does not: waits until 10 s after the first answer
        assert clock.now == 14.0

    asyncio.run(run())
    assert waits == [10.0]


def test_calls_still_in_flight_keep_their_places_however_long_they_take() -> None:
    clock = Clock()

    async def sleep(s: float) -> None:
        clock.now += s
        await asyncio.sleep(0)

    async def run() -> None:
        pacer = Pacer(2, 10.0, sleep, clock)
        await pacer.take(2)  # sent, no answer yet
        waiting = asyncio.ensure_future(pacer.take(1))
        for _ in range(200):  # 200 looks, 10 s of the clock
            await asyncio.sleep(0)
        assert not waiting.done()
        answered_at = clock.now
        pacer.release(2)
        await waiting
        assert clock.now >= answered_at + 10.0

    asyncio.run(run())
