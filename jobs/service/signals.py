"""SIGTERM and SIGINT ask the service to stop; a second one is not needed (nor honoured)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import structlog

log = structlog.get_logger(__name__)


def stop_on_signals(stopping: threading.Event) -> None:
    """From the main thread: turn SIGTERM/SIGINT into ``stopping.set()``."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        if not stopping.is_set():
            log.info("service.stopping", signal=signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
