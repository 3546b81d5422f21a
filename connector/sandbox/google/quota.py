"""Per-minute quotas on a moving window, one set per API, and counters for benchmarks.

Classroom (developers.google.com/classroom/limits): 3,000 queries per minute per
project, 1,200 per minute per user, checked on a 60-second moving average; over it the
call fails with 429 RESOURCE_EXHAUSTED. Calendar (developers.google.com/workspace/
calendar/api/guides/quota): 10,000 requests per minute per project, 600 per minute per
user per project, on a sliding window; over it 403 or 429 ``usageLimits`` (the sandbox
answers 429). Meet REST (developers.google.com/workspace/meet/api/guides/limits): read
requests 6,000 per minute per project and 600 per minute per user per project; over it
429. Admin SDK Reports API (developers.google.com/workspace/admin/reports/v1/limits):
2,400 queries per minute per user per Google Cloud project, and no separate per-project
figure is documented (so none is enforced); over it the server returns HTTP 503.
``activities.list`` also has "an additional limit of 250 filter queries per minute (15,000
filter queries per hour)", a filter query being one with a userKey, actorIpAddress,
eventName, filters, orgUnitID or groupIdFilter: the ``reports_filter`` bucket, charged per
project because the page does not say per user (the hourly figure is 60 times the minute
one, so the minute window enforces both). Each call inside a batch counts. With
domain-wide delegation the "user" is the impersonated one. Each API has its own buckets:
a Classroom call never uses Meet quota.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

PER_USER_PER_MINUTE = 1200
PER_PROJECT_PER_MINUTE = 3000
CALENDAR_PER_USER_PER_MINUTE = 600
CALENDAR_PER_PROJECT_PER_MINUTE = 10_000
MEET_READ_PER_USER_PER_MINUTE = 600
MEET_READ_PER_PROJECT_PER_MINUTE = 6000
REPORTS_PER_USER_PER_MINUTE = 2400
REPORTS_FILTER_QUERIES_PER_MINUTE = 250

# Bucket -> (per user, per project) defaults, None: no such limit; see the module
# docstring for sources. A bucket is named for the API whose calls it charges.
DEFAULT_LIMITS: dict[str, tuple[int | None, int | None]] = {
    "classroom": (PER_USER_PER_MINUTE, PER_PROJECT_PER_MINUTE),
    "calendar": (CALENDAR_PER_USER_PER_MINUTE, CALENDAR_PER_PROJECT_PER_MINUTE),
    "meet": (MEET_READ_PER_USER_PER_MINUTE, MEET_READ_PER_PROJECT_PER_MINUTE),
    "reports": (REPORTS_PER_USER_PER_MINUTE, None),
    "reports_filter": (None, REPORTS_FILTER_QUERIES_PER_MINUTE),
}


@dataclass
class GoogleStats:
    """What the Google side served: HTTP requests, API calls (batch parts count one each)."""

    requests: int = 0  # HTTP requests on Google paths, /token and /batch included
    api_calls: int = 0  # API calls, whether sent alone or inside a batch
    batches: int = 0
    token_grants: int = 0
    throttled: int = 0  # calls refused by a quota (429; the Reports API's 503)
    by_user: Counter[str] = field(default_factory=Counter)  # api calls per impersonated user
    by_method: Counter[str] = field(default_factory=Counter)  # e.g. "courses.list"

    def snapshot(self) -> GoogleStats:
        return GoogleStats(
            self.requests,
            self.api_calls,
            self.batches,
            self.token_grants,
            self.throttled,
            Counter(self.by_user),
            Counter(self.by_method),
        )


class Quota:
    """Moving-window rate limits per user and per project; ``enabled=False`` never throttles.

    A limit of None is no limit.
    """

    def __init__(
        self,
        *,
        enabled: bool = True,
        per_user: int | None = PER_USER_PER_MINUTE,
        per_project: int | None = PER_PROJECT_PER_MINUTE,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enabled = enabled
        # Replaceable on a live sandbox: the soak bench runs it on its compressed clock.
        self.clock = clock
        self.per_user = per_user
        self.per_project = per_project
        self.window_s = window_s
        self._project: deque[float] = deque()
        self._users: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, user: str) -> str | None:
        """Charge one call to ``user``; the name of the exceeded limit if it is refused."""
        if not self.enabled:
            return None
        now = self.clock()
        with self._lock:
            mine = self._users.setdefault(user, deque())
            for q in (self._project, mine):
                while q and q[0] <= now - self.window_s:
                    q.popleft()
            if self.per_user is not None and len(mine) >= self.per_user:
                return "Queries per minute per user"
            if self.per_project is not None and len(self._project) >= self.per_project:
                return "Queries per minute"
            # A refused call is not charged: Google counts served queries.
            mine.append(now)
            self._project.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._project.clear()
            self._users.clear()
