"""Logging set-up: structlog, JSON for services, readable lines for a terminal.

Secrets are redacted twice over: settings never hold secret values (config resolves
them on use), and this processor masks any value whose key looks like a secret, in case
a library hands one to a log call.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog

_SECRET_KEY = re.compile(r"(secret|password|token|assertion|private_key|authorization)", re.I)


# Secret values the service resolved at start-up: masked wherever they appear in a line.
_secret_values: set[str] = set()
_process_run_id = ""


def redact_values(values: Iterable[str]) -> None:
    """Mask these exact values (e.g. resolved secrets) in every later log line."""
    _secret_values.update(v for v in values if len(v) >= 6)


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        for secret in _secret_values:
            if secret in value:
                value = value.replace(secret, "********")
    return value


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if _SECRET_KEY.search(key):
            event[key] = "********"
        elif _secret_values:
            event[key] = _mask(event[key])
    return event


def _run_id(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    # Threads start with an empty context: lines from them still carry the process's run id.
    event.setdefault("run_id", _process_run_id)
    return event


def configure(*, json: bool = False, level: str = "INFO", run_id: str | None = None) -> str:
    """Configure structlog and stdlib logging once per process; returns the run id."""
    global _process_run_id
    run = run_id or uuid.uuid4().hex[:12]
    _process_run_id = run
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            _run_id,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            # JSON lines carry tracebacks as text, so they pass through the redaction too.
            *([structlog.processors.format_exc_info] if json else []),
            _redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.bind_contextvars(run_id=run)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # googleapiclient logs every discovery lookup and retry at INFO/WARNING: ours say it once.
    for noisy in ("googleapiclient", "httpx", "azure", "msal", "kiota", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    return run
