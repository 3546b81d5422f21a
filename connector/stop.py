"""Stopping a read in the middle of a wait: the service's shutdown, as connectors see it.

A connector waits in three places: before retrying a 429/5xx (a Retry-After can ask for
minutes), in its quota pacer, and in Graph's batch retries. The service must exit within
30 s of SIGTERM, so every one of those waits goes through a :class:`StopSignal` and ends
at once with :class:`StopRequestedError` when it is set. The caller (``sync/``) treats the
error like its own stop between classes: what was committed stays, the class in hand is
not committed, the run ends "stopped".

The signal wraps a ``threading.Event`` the caller owns and sets; connectors only read it,
so they need nothing from the service.
"""

from __future__ import annotations

import threading

from connector import timebase

# A loop cannot await a threading.Event, so async waits look at it this often.
ASYNC_POLL_S = 0.2


class StopRequestedError(Exception):
    """The caller asked the read to stop (service shutdown); nothing about the API failed."""


class StopSignal:
    """Shared by every source of a sync round; ``sleep``/``asleep`` are the waits to use.

    Without an event it is never set, and its waits are plain sleeps.
    """

    def __init__(self, event: threading.Event | None = None) -> None:
        self._event = event if event is not None else threading.Event()

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        self._event.set()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``, or raise as soon as a stop is asked for (even if it already was).
        The time passes on :mod:`connector.timebase` (real, except in the soak bench)."""
        if timebase.current().wait(self._event, seconds):
            raise StopRequestedError(f"stopped during a {seconds:.1f} s wait")

    async def asleep(self, seconds: float) -> None:
        """:meth:`sleep` on an event loop (the Graph connector's)."""
        deadline = timebase.monotonic() + seconds
        while True:
            if self._event.is_set():
                raise StopRequestedError(f"stopped during a {seconds:.1f} s wait")
            left = deadline - timebase.monotonic()
            if left <= 0:
                return
            await timebase.current().pause(min(left, ASYNC_POLL_S))
