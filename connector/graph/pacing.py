"""Client-side pacing under Graph's documented service limits, so 429s stay rare.

Graph counts every request inside ``$batch`` on its own; the assignment service allows
350 requests per 10 s per app per tenant (learn.microsoft.com/graph/throttling-limits,
"Assignment service limits"; 700 per tenant across all apps). Retrying after
``Retry-After`` still handles what pacing misses (other apps share the tenant's budget).
"""

from __future__ import annotations

import heapq
import threading
from collections import deque
from collections.abc import Awaitable, Callable

from connector import timebase

# The whole per-app limit: the pacer counts each call from its sending to a window after
# its answer, so Graph cannot have counted more of ours in any window, whatever the
# delays; the per-tenant limit that other apps share is left to Retry-After.
ASSIGNMENTS_RATE = (350, 10.0)


def is_assignment_service(url: str) -> bool:
    """Assignments and submissions (and their outcomes) are the assignment service."""
    path = url.split("?", 1)[0]
    return "/assignments" in path or "getRecentlyModifiedSubmissions" in path


class Pacer:
    """At most ``requests`` per ``window_s`` seconds (sliding window), counted so that the
    server can never have seen more.

    Graph counts a call when it arrives, which is after we send it and before its answer
    is back; how long after varies (queueing, server load). So a call holds its place from
    when it is sent (``take``) until ``window_s`` after its answer came back (``release``):
    whatever the delay, every call the server counted in any window is still held here.

    One pacer may serve several sources (Graph counts per app per tenant), each on its own
    event loop and thread: the window is guarded by a lock, the waiting done on the
    caller's loop. Places are given first come, first served, so batches leave in the
    order they were queued (the first classes' submissions first).
    """

    def __init__(self, requests: int, window_s: float,
                 sleep: Callable[[float], Awaitable[None]],
                 clock: Callable[[], float] = timebase.monotonic) -> None:
        self.requests = requests
        self.window_s = window_s
        self._sleep = sleep
        self._clock = clock
        self._answered: list[float] = []  # a heap of answer times still in the window
        self._in_flight = 0
        self._queue: deque[object] = deque()  # one ticket per waiting take(), in order
        self._lock = threading.Lock()
        self.waited_s = 0.0

    async def take(self, n: int) -> int:
        """Wait until ``n`` more calls fit, then hold their places; returns what was taken
        (pass it to :meth:`release`)."""
        n = min(n, self.requests)
        ticket = object()
        with self._lock:
            self._queue.append(ticket)
        try:
            while True:
                with self._lock:
                    wait = self._admit(ticket, n)
                    if wait is None:
                        return n
                    self.waited_s += wait
                await self._sleep(wait)
        finally:
            with self._lock:
                if ticket in self._queue:  # cancelled while waiting: let the next one on
                    self._queue.remove(ticket)

    def _admit(self, ticket: object, n: int) -> float | None:
        """Under the lock: None when ``ticket`` got its places, else how long to wait."""
        if self._queue[0] is not ticket:
            return 0.01  # not our turn yet
        now = self._clock()
        while self._answered and self._answered[0] <= now - self.window_s:
            heapq.heappop(self._answered)
        over = self._in_flight + len(self._answered) + n - self.requests
        if over <= 0:
            self._in_flight += n
            self._queue.popleft()
            return None
        if over <= len(self._answered):
            wait = heapq.nsmallest(over, self._answered)[-1] + self.window_s - now
            return max(wait, 0.001)
        return 0.05  # places held by calls still in flight: look again soon

    def release(self, n: int) -> None:
        """``n`` calls taken earlier were answered (or failed) now."""
        with self._lock:
            self._in_flight -= n
            at = self._clock()
            for _ in range(n):
                heapq.heappush(self._answered, at)
