"""What went wrong in a sync run, made fit to store: issues per record, scrubbed errors."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from connector.records import SkippedRecord
from connector.stop import StopRequestedError
from sync.models import SyncIssue


def add_issues(
    session: Session, run_id: int, issues: Iterable[SkippedRecord], now: datetime
) -> None:
    """One SyncIssue row per skipped record, in the caller's transaction."""
    session.add_all(
        SyncIssue(
            run_id=run_id,
            resource=s.resource[:64],
            platform_id=s.platform_id,
            status=_http_status(s.reason),
            reason=s.reason,
            at=now,
        )
        for s in issues
    )


_STATUS = re.compile(r"^(?:HTTP\s*)?([1-5]\d\d)\b", re.IGNORECASE)


def _http_status(reason: str) -> int | None:
    """Connectors start a reason with the HTTP status when there was one ("403 ...")."""
    m = _STATUS.match(reason)
    return int(m.group(1)) if m else None


_SECRET = re.compile(
    r"(?i)(bearer\s+|(?:access_token|refresh_token|client_secret|password|assertion|key)=)"
    r"[^\s&\"']+"
)


def scrub(text: str, limit: int = 1000) -> str:
    """Error text fit to store: tokens and secrets in URLs or headers blanked, then cut."""
    return _SECRET.sub(r"\1***", text)[:limit]


# A run's error when the service stopped it (SIGTERM): nothing failed, it is re-read.
STOPPED = "stopped"


def run_error(e: Exception) -> str:
    """What a failed run's ``error`` says: ``stopped`` for a stop, else the scrubbed error."""
    if isinstance(e, StopRequestedError):
        return STOPPED
    return scrub(f"{type(e).__name__}: {e}")
