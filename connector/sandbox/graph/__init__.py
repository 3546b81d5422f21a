"""The Microsoft Graph v1.0 sandbox: identity platform tokens, ``/v1.0/education/**``,
``$batch`` and throttling, served from the shared :class:`World`.

``register(sandbox, world)`` adds the routes and hooks; ``graph_state(sandbox)`` gives
tests the knobs (apps and secrets, token lifetime and expiry, limits, faults inside
batches, call counters).
"""

from __future__ import annotations

import re
import weakref

from connector.sandbox.graph import auth, batch, education, meetings
from connector.sandbox.graph.errors import error_body, graph_error, graph_fault
from connector.sandbox.graph.state import SANDBOX_CLIENT_SECRET, GraphState, Limit
from connector.sandbox.graph.throttle import Limiter, is_assignment_service
from connector.sandbox.scenario.ids import SANDBOX_CLIENT_ID, SANDBOX_TENANT_ID
from connector.sandbox.server import Request, Response, Sandbox
from connector.sandbox.world import World

__all__ = [
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "SANDBOX_TENANT_ID",
    "GraphState",
    "Limit",
    "call_key",
    "error_body",
    "graph_error",
    "graph_fault",
    "graph_state",
    "register",
]

_STATES: weakref.WeakKeyDictionary[Sandbox, GraphState] = weakref.WeakKeyDictionary()
_ID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12}$|^\d+$"
)


def call_key(method: str, path: str) -> str:
    """``GET /v1.0/education/classes/{id}/members`` for any class id."""
    return f"{method} " + "/".join("{id}" if _ID.match(s) else s for s in path.split("/"))


def register(sandbox: Sandbox, world: World, *, throttle: bool = True) -> None:
    """Serve Graph v1.0 (education) and the identity platform from ``sandbox``."""
    state = GraphState(throttle=throttle)
    _STATES[sandbox] = state
    limiter = Limiter(state)

    def count(req: Request) -> Response | None:
        if req.path.startswith("/v1.0/") and req.path != "/v1.0/$batch":
            with state.lock:
                state.calls[call_key(req.method, req.path)] += 1
                state.assignment_calls += is_assignment_service(req.path)
        return None

    sandbox.hooks.append(auth.bearer_hook(state))
    sandbox.hooks.append(count)
    sandbox.hooks.append(limiter.hook())
    auth.add_routes(sandbox.router, state)
    sandbox.router.add("POST", "/v1.0/$batch", batch.handler(sandbox, state))
    education.add_routes(sandbox.router, education.Education(world, state))
    meetings.register(sandbox, world, state)


def graph_state(sandbox: Sandbox) -> GraphState:
    """The Graph state :func:`register` attached to ``sandbox``."""
    return _STATES[sandbox]
