"""Every failure the Google connector can see, classified once, here.

Three kinds matter to callers: :class:`RetryableError` (try again later: 429, 5xx, a
reset connection, a truncated body), :class:`AuthError` (credentials or delegation are
wrong: nothing will work until an operator fixes them) and :class:`FatalError` (a request
we built wrongly). :class:`NotAccessibleError` is the one fatal error that is *about one
course* (403 on it, 404 for a deleted one): the source turns it into skipped records
instead of stopping the sync.
"""

from __future__ import annotations

import http.client
import json
import socket
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httplib2
from google.auth.exceptions import GoogleAuthError, RefreshError, TransportError
from googleapiclient.errors import HttpError

# Google answers quota trouble with 429 RESOURCE_EXHAUSTED; older APIs used 403 with these
# reasons, and a 403 carrying one of them is a throttle, not a permission problem.
_THROTTLE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "RESOURCE_EXHAUSTED"})


class GoogleError(Exception):
    """Base of the connector's errors. ``status`` is the HTTP status, 0 for transport."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class RetryableError(GoogleError):
    """Worth retrying; ``retry_after`` is the server's Retry-After in seconds, if sent."""

    def __init__(self, message: str, *, status: int = 0, retry_after: float | None = None):
        super().__init__(message, status=status)
        self.retry_after = retry_after

    @property
    def throttled(self) -> bool:
        return self.status == 429


class FatalError(GoogleError):
    """Retrying will not help."""


class NotAccessibleError(FatalError):
    """403 or 404 on one course or item: skip it, keep reading the rest."""


class AuthError(GoogleError):
    """401, a refused token exchange, missing delegation: stop and tell an operator."""


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Parse a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _error_status(content: bytes) -> tuple[str, str]:
    """(``error.status``, first ``errors[].reason``) from a Google error body, if any."""
    try:
        data: Any = json.loads(content.decode("utf-8"))
        err = data["error"]
        status = str(err.get("status", ""))
        errors = err.get("errors") or [{}]
        return status, str(errors[0].get("reason", ""))
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return "", ""


def from_status(status: int, content: bytes, headers: Any, what: str) -> GoogleError:
    """Classify one HTTP answer (``headers`` is an httplib2.Response or a mapping)."""
    api_status, reason = _error_status(content)
    message = f"{what}: HTTP {status} {api_status or reason}".rstrip()
    if status == 429 or (status == 403 and {api_status, reason} & _THROTTLE_REASONS):
        after = retry_after_seconds(headers.get("retry-after") if headers else None)
        return RetryableError(message, status=429, retry_after=after)
    if status >= 500 or status == 408:
        after = retry_after_seconds(headers.get("retry-after") if headers else None)
        return RetryableError(message, status=status, retry_after=after)
    if status == 401:
        return AuthError(message, status=status)
    if status in (403, 404):
        return NotAccessibleError(message, status=status)
    return FatalError(message, status=status)


def classify(exc: BaseException, what: str) -> GoogleError:
    """Turn anything a request can raise into one of this module's errors."""
    if isinstance(exc, GoogleError):
        return exc
    if isinstance(exc, HttpError):
        return from_status(int(exc.resp.status), exc.content, exc.resp, what)
    if isinstance(exc, RefreshError):
        return AuthError(f"{what}: token refused: {exc}")
    if isinstance(exc, TransportError):
        return RetryableError(f"{what}: token endpoint unreachable: {exc}")
    if isinstance(exc, GoogleAuthError):
        return AuthError(f"{what}: {exc}")
    if isinstance(exc, httplib2.ServerNotFoundError):
        return RetryableError(f"{what}: server not found")
    # A reset connection, a timeout, a body cut short (json cannot parse it) all recover.
    if isinstance(exc, OSError | socket.timeout | http.client.HTTPException | ValueError):
        return RetryableError(f"{what}: {type(exc).__name__}: {exc}")
    if isinstance(exc, httplib2.HttpLib2Error):
        return RetryableError(f"{what}: {type(exc).__name__}: {exc}")
    return FatalError(f"{what}: {type(exc).__name__}: {exc}")
