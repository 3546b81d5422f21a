"""A hook for counting API traffic without the connectors knowing who counts.

The transports call :func:`observe` once per API call when its answer is in (each call
inside a Google batch or a Graph ``$batch`` on its own, under its own resource) and once
per batch envelope. The service installs an observer (its Prometheus counters); with
none installed nothing happens. Observers run on the transports' threads and event loops:
they must be quick, and whatever they raise is logged and dropped, never seen by a sync.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One answered API call.

    ``resource``: the API's own name for what was called, never an id: a Google
    discovery method id (``courses.courseWork.studentSubmissions.list``; Classroom's
    without the ``classroom.`` prefix, Calendar's and Meet's with theirs), or a Graph
    path template (``/education/classes/{id}/members``). ``status``: the call's own HTTP
    status (a batch part's inner one), None when no answer came (reset, timeout).
    ``batch``: for a batch envelope (resource ``batch`` or ``/$batch``), the calls it
    carried; 0 for a call.
    """

    platform: str
    resource: str
    status: int | None
    batch: int = 0


Observer = Callable[[ApiCall], None]

_observer: Observer | None = None


def set_observer(observer: Observer | None) -> None:
    """Install (or, with None, remove) the process's observer."""
    global _observer
    _observer = observer


def observe(call: ApiCall) -> None:
    observer = _observer
    if observer is None:
        return
    try:
        observer(call)
    except Exception as e:  # counting must never break a sync
        log.warning("observe.failed", error=type(e).__name__)
