"""Build a sandbox serving a world as the Google and Microsoft Graph APIs at once."""

from __future__ import annotations

import dataclasses
import re

from connector.sandbox import google, graph
from connector.sandbox.google.errors import fault_body
from connector.sandbox.google.quota import PER_PROJECT_PER_MINUTE, PER_USER_PER_MINUTE
from connector.sandbox.server import Fault, Sandbox
from connector.sandbox.world import World

_GOOGLE_PATH = re.compile(r"^/(v1/|v2/|calendar/v3/|admin/reports/|batch|token$)")


class _Sandbox(Sandbox):
    """A sandbox whose body-less status faults on Google paths answer in Google's shape."""

    def _fault_for(self, path: str) -> Fault | None:
        fault = super()._fault_for(path)
        if (
            fault is not None
            and fault.kind == "status"
            and fault.body is None
            and _GOOGLE_PATH.match(path)
        ):
            return dataclasses.replace(fault, body=fault_body(path, fault.status))
        return fault


def build_sandbox(
    world: World,
    *,
    port: int = 0,
    latency_ms: float = 0,
    google_quota: bool = True,
    google_per_user_per_minute: int = PER_USER_PER_MINUTE,
    google_per_project_per_minute: int = PER_PROJECT_PER_MINUTE,
) -> Sandbox:
    """A (not yet started) sandbox on 127.0.0.1 serving ``world`` as Google and Graph APIs.

    Use it as a context manager. Google counters: ``connector.sandbox.google.stats(sb)``;
    the service-account key file: ``connector.sandbox.google.service_account_info(sb.url)``.
    """
    sandbox = _Sandbox(port=port, latency_ms=latency_ms)
    google.register(
        sandbox,
        world,
        quota=google_quota,
        per_user_per_minute=google_per_user_per_minute,
        per_project_per_minute=google_per_project_per_minute,
    )
    graph.register(sandbox, world)
    return sandbox
