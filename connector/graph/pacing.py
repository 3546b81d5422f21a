"""Client-side pacing under Graph's documented service limits, so 429s stay rare.

Graph counts every request inside ``$batch`` on its own; the assignment service allows
350 requests per 10 s per app per tenant (learn.microsoft.com/graph/throttling-limits,
"Assignment service limits"; 700 per tenant across all apps). Retrying after
``Retry-After`` still handles what pacing misses (other apps share the tenant's budget).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable

# 90 % of the per-app limit, leaving room for clock skew and other callers.
ASSIGNMENTS_RATE = (315, 10.0)


def is_assignment_service(url: str) -> bool:
    """Assignments and submissions (and their outcomes) are the assignment service."""
    path = url.split("?", 1)[0]
    return "/assignments" in path or "getRecentlyModifiedSubmissions" in path


class Pacer:
    """At most ``requests`` per ``window_s`` seconds (sliding window), for one event loop."""

    def __init__(self, requests: int, window_s: float,
                 sleep: Callable[[float], Awaitable[None]],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.requests = requests
        self.window_s = window_s
        self._sleep = sleep
        self._clock = clock
        self._sent: deque[float] = deque()
        self.waited_s = 0.0

    async def take(self, n: int) -> None:
        """Wait until ``n`` more requests fit in the window, then count them."""
        n = min(n, self.requests)
        while True:
            now = self._clock()
            while self._sent and self._sent[0] <= now - self.window_s:
                self._sent.popleft()
            if len(self._sent) + n <= self.requests:
                self._sent.extend([now] * n)
                return
            wait = self._sent[len(self._sent) + n - self.requests - 1] + self.window_s - now
            self.waited_s += max(wait, 0.0)
            await self._sleep(max(wait, 0.001))
