"""Keeping under Classroom's per-minute quotas instead of running into them.

Google charges every call (batch parts included) to the impersonated user, 1,200 per
minute, and to the project, 3,000 per minute, on a 60-second moving window; past either
the call fails with 429. Sending into a known wall only to back off with jitter wastes
both the refused calls and the jittered wait, so calls are paced here: a batch leaves
when the window has room for all of its calls. The retry layer still handles any 429
that arrives (another process on the same project, a stricter quota than configured).

Pacers are shared per (endpoint, project key) and windows per user within them, so the
schools of one sync, run one after another, see the project's window as one.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from connector import timebase

# developers.google.com/classroom/limits: queries per minute.
PER_USER_PER_MINUTE = 1200
PER_PROJECT_PER_MINUTE = 3000
# The lesson reads' APIs, per minute (per user, per project): Calendar's usage limits
# (developers.google.com/workspace/calendar/api/guides/quota) and Meet REST's read
# requests (developers.google.com/workspace/meet/api/guides/limits).
LIMITS: dict[str, tuple[int, int]] = {
    "classroom": (PER_USER_PER_MINUTE, PER_PROJECT_PER_MINUTE),
    "calendar": (600, 10_000),
    "meet": (600, 6_000),
}
WINDOW_S = 60.0
# Our send time is a little earlier than Google's receipt; leave the window that much more.
MARGIN_S = 0.5


class QuotaPacer:
    """Moving-window limits per user and per project; ``acquire`` blocks until n calls fit."""

    def __init__(
        self,
        *,
        per_user: int = PER_USER_PER_MINUTE,
        per_project: int = PER_PROJECT_PER_MINUTE,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = timebase.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_user = per_user
        self.per_project = per_project
        self.window_s = window_s + MARGIN_S
        self._clock = clock
        self._sleep = sleep
        self._project: deque[float] = deque()
        self._users: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self.waited_s = 0.0

    def acquire(
        self, user: str, n: int = 1, *, sleep: Callable[[float], None] | None = None
    ) -> float:
        """Charge ``n`` calls to ``user``, waiting first if the window is full; returns the
        seconds waited. More calls than a limit allows are let through once the window is
        empty (the server will refuse some; the retry layer deals with them).

        ``sleep`` waits instead of the pacer's own: the pacer is shared by every source
        on the project, so each caller brings its stop-aware wait (which may raise
        :class:`connector.stop.StopRequestedError`, charging nothing)."""
        pause = sleep or self._sleep
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                mine = self._users.setdefault(user, deque())
                wait = max(
                    self._wait(mine, self.per_user, n, now),
                    self._wait(self._project, self.per_project, n, now),
                )
                if wait <= 0:
                    for q in (mine, self._project):
                        q.extend([now] * n)
                    self.waited_s += waited
                    return waited
            pause(wait)
            waited += wait

    def _wait(self, q: deque[float], limit: int, n: int, now: float) -> float:
        while q and q[0] <= now - self.window_s:
            q.popleft()
        if len(q) + n <= limit or not q:
            return 0.0
        # The oldest entries must leave until n more fit.
        index = min(len(q) - 1, len(q) + n - limit - 1)
        return q[index] + self.window_s - now


_pacers: dict[tuple[str, str, str], QuotaPacer] = {}
_pacers_lock = threading.Lock()


def pacer_for(endpoint: str, project: str, api: str = "classroom") -> QuotaPacer:
    """The pacer shared by every source reading ``endpoint`` (an ``api`` of
    :data:`LIMITS`) with the key of ``project``."""
    with _pacers_lock:
        # Keyed by API too: the sandbox serves every API under one root.
        found = _pacers.get((api, endpoint, project))
        if found is None:
            per_user, per_project = LIMITS[api]
            found = _pacers[(api, endpoint, project)] = QuotaPacer(
                per_user=per_user, per_project=per_project)
        return found


def forget_windows() -> None:
    """Start every shared pacer afresh, as a minute without calls would. For the soak
    bench, whose compressed clock skips the idle time between scheduled jobs."""
    with _pacers_lock:
        _pacers.clear()
