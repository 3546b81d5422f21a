"""How the connectors see time pass: the clock their rate windows read, and their waits.

In production both are real: ``time.monotonic``, and a wait on the stop event that ends
early on shutdown. The soak bench (``jobs/bench/soak.py``) runs a school week on a
compressed clock instead: there a wait moves that clock on at once rather than passing in
real time, and every rate window — the connectors' pacers and the sandbox's quotas —
reads the same clock. Pacing and Retry-After are then obeyed exactly as over real
minutes, without spending them.

Waits go through :class:`connector.stop.StopSignal`; pacers read :func:`monotonic`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class TimeSource(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        ...

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Let ``seconds`` pass unless ``event`` is set first; True when it was set."""
        ...

    async def pause(self, seconds: float) -> None:
        """Let ``seconds`` pass on an event loop (the caller looks at its event)."""
        ...


class RealTime:
    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(max(seconds, 0.0))

    async def pause(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))


_source: TimeSource = RealTime()
_lock = threading.Lock()


def current() -> TimeSource:
    return _source


def monotonic() -> float:
    """The current source's clock: what every pacer's window is measured on."""
    return _source.monotonic()


@contextmanager
def use(source: TimeSource) -> Iterator[TimeSource]:
    """Run the block on ``source`` (process-wide, as the pacers it feeds are)."""
    global _source
    with _lock:
        previous, _source = _source, source
    try:
        yield source
    finally:
        with _lock:
            _source = previous
