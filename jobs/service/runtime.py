"""What the scheduled jobs run against: one per process, set by :func:`jobs.service.main.serve`.

APScheduler stores jobs in the database as references to module-level functions, so the
jobs find the settings, store and clock here rather than in their (pickled) arguments.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from connector.observe import set_observer
from jobs.service.metrics import Metrics
from jobs.transports import Transport, transport_for


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    metrics: Metrics
    stopping: threading.Event = field(default_factory=threading.Event)
    leader: bool = False
    # Builds the email transport for each delivery run (the soak bench wraps it to count).
    transport: Callable[[Settings], Transport] = transport_for


_current: Runtime | None = None


def install(runtime: Runtime) -> None:
    """Make ``runtime`` the one the jobs run against; its metrics count the API calls."""
    global _current
    _current = runtime
    set_observer(runtime.metrics.observe_api)


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("the service runtime is not installed: start it with `classpulse serve`")
    return _current
