"""What the Graph sandbox remembers between requests: apps, tokens, limits, counters."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from connector.sandbox.scenario.ids import SANDBOX_CLIENT_ID
from connector.sandbox.server import Fault

# The app registration tests and benchmarks use unless they register their own; the ids
# are the ones ``settings_for`` writes into a scenario's config.
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - a fixture, not a credential


@dataclass(frozen=True, slots=True)
class Limit:
    """``requests`` per ``window_s`` seconds, per app per tenant."""

    requests: int
    window_s: float


# Microsoft Graph service-specific throttling limits (learn.microsoft.com/graph/
# throttling-limits, "Assignment service limits": 350 requests / 10 s per app per tenant,
# 10,000 / 3,600 s; "Education service limits" for rostering: 35,000 / 10 s per app per
# tenant). Older revisions of the page said 500 / 10 s for assignments: the lower is used.
ASSIGNMENTS_LIMITS = (Limit(350, 10.0), Limit(10_000, 3600.0))
ROSTER_LIMITS = (Limit(35_000, 10.0),)


@dataclass
class Token:
    value: str
    client_id: str
    tenant_id: str
    expires_at: float  # time.time()
    revoked: bool = False


@dataclass
class GraphState:
    """Per-sandbox Graph state. Tests reach it with :func:`graph_state`."""

    apps: dict[str, str] = field(default_factory=lambda: {SANDBOX_CLIENT_ID: SANDBOX_CLIENT_SECRET})
    token_lifetime_s: int = 3599
    throttle: bool = True
    assignment_limits: tuple[Limit, ...] = ASSIGNMENTS_LIMITS
    roster_limits: tuple[Limit, ...] = ROSTER_LIMITS
    # Faults for requests inside $batch (real-HTTP faults live on the Sandbox).
    inner_faults: list[Fault] = field(default_factory=list)
    # Page sizes when the client sends no $top, and the largest $top honoured.
    default_page_size: int = 100
    max_page_size: int = 999
    tokens: dict[str, Token] = field(default_factory=dict)
    # "GET /v1.0/education/classes/{id}/members"-style keys, counting inner batch calls too.
    calls: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    token_requests: int = 0
    assignment_calls: int = 0  # of ``calls``, those the assignment service limits count
    throttled: int = 0  # 429s the limiter answered, inside batches too
    lock: threading.RLock = field(default_factory=threading.RLock)
    # The throttling windows' clock (the soak bench runs it on its compressed clock).
    clock: Callable[[], float] = time.monotonic

    def issue(self, client_id: str, tenant_id: str) -> Token:
        with self.lock:
            token = Token(
                value=secrets.token_urlsafe(32),
                client_id=client_id,
                tenant_id=tenant_id,
                expires_at=time.time() + self.token_lifetime_s,
            )
            self.tokens[token.value] = token
            self.token_requests += 1
            return token

    def expire_tokens(self) -> None:
        """Every token issued so far is now past its lifetime (401 on next use)."""
        with self.lock:
            for t in self.tokens.values():
                t.expires_at = min(t.expires_at, time.time() - 1)

    def revoke_tokens(self) -> None:
        """Revoke every token: Graph answers 401 with a CAE claims challenge."""
        with self.lock:
            for t in self.tokens.values():
                t.revoked = True

    def api_calls(self) -> int:
        with self.lock:
            return sum(self.calls.values())
