"""Graph's per-app-per-tenant throttling: sliding windows, 429 with ``Retry-After``.

Limits live on :class:`GraphState` (defaults: the documented assignment and education
rostering limits). Each request inside ``$batch`` is counted on its own, as Graph
evaluates them ("Requests in a batch are evaluated individually against the applicable
throttling limits", JSON batching docs).
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque

from connector.sandbox.graph.errors import graph_error
from connector.sandbox.graph.state import GraphState, Limit
from connector.sandbox.server import Hook, Request, Response


def is_assignment_service(path: str) -> bool:
    return "/assignments" in path or "getRecentlyModifiedSubmissions" in path


class Limiter:
    def __init__(self, state: GraphState) -> None:
        self.state = state
        self._seen: dict[tuple[str, str, int], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _app_of(self, req: Request) -> str:
        value = req.headers.get("authorization", "")[7:].strip()
        with self.state.lock:
            token = self.state.tokens.get(value)
        return "-" if token is None else f"{token.client_id}/{token.tenant_id}"

    def check(self, req: Request) -> Response | None:
        """None when the request may go ahead (and it is counted), else the 429."""
        if not self.state.throttle or not req.path.startswith("/v1.0/education"):
            return None
        service = "assignments" if is_assignment_service(req.path) else "roster"
        limits: tuple[Limit, ...] = (
            self.state.assignment_limits if service == "assignments" else self.state.roster_limits
        )
        app = self._app_of(req)
        now = self.state.clock()
        with self._lock:
            wait = 0.0
            for i, limit in enumerate(limits):
                seen = self._seen[(app, service, i)]
                while seen and seen[0] <= now - limit.window_s:
                    seen.popleft()
                if len(seen) >= limit.requests:
                    wait = max(wait, seen[0] + limit.window_s - now)
            if wait > 0:
                with self.state.lock:
                    self.state.throttled += 1
                return graph_error(
                    429,
                    "TooManyRequests",
                    "Too many requests; please retry after the indicated time.",
                    retry_after=max(1, math.ceil(wait)),
                )
            for i, _ in enumerate(limits):
                self._seen[(app, service, i)].append(now)
        return None

    def hook(self) -> Hook:
        return self.check
