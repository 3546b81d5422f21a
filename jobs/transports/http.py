"""What HTTP mail APIs (Graph, Gmail) have in common: tokens, Retry-After, error classes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

from jobs.transports.base import PermanentError, TransientError, TransportError

# A callable that returns a bearer token (cached and refreshed by the credential behind it).
TokenSource = Callable[[], str]

# Throttled, or the service is having a moment: try again later.
TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})
# About our app or the sending mailbox (token, consent, access policy, mailbox name), not
# about the message: an admin fixes them once and the queue drains, so they are retried.
SETUP_STATUS = frozenset({401, 403, 404})
MAX_ERROR_CHARS = 500


def retry_after(response: httpx.Response, *, now: datetime | None = None) -> timedelta | None:
    """The wait a ``Retry-After`` header asks for (seconds or an HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - (now or datetime.now(UTC)), timedelta(0))


def error_text(response: httpx.Response) -> str:
    """``<status> <code>: <message>`` from a JSON error body (Graph and Google both nest it
    under ``error``), else the start of the body."""
    detail = response.text[:MAX_ERROR_CHARS]
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        code = err.get("code") or err.get("status") or ""
        detail = f"{code}: {err.get('message', '')}".strip(": ")
    return f"{response.status_code} {detail}"[:MAX_ERROR_CHARS]


def classify(
    response: httpx.Response, *, transient: frozenset[int] = TRANSIENT_STATUS
) -> TransportError:
    """The error a failed response means for the outbox."""
    text = error_text(response)
    if response.status_code in transient or response.status_code >= 500:
        return TransientError(text, retry_after=retry_after(response))
    if response.status_code in SETUP_STATUS:
        return TransientError(f"{text} (check the app's permissions and the sender)")
    return PermanentError(text)


def post(
    client: httpx.Client,
    url: str,
    token: TokenSource,
    *,
    content: bytes | None = None,
    json: object = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST with a bearer token; a network failure or a token failure is transient."""
    try:
        bearer = token()
    except Exception as e:  # azure-identity / google-auth raise their own error types
        raise TransientError(f"could not get a token: {type(e).__name__}: {e}") from e
    try:
        return client.post(
            url,
            headers={**(headers or {}), "Authorization": f"Bearer {bearer}"},
            content=content,
            json=json,
        )
    except httpx.HTTPError as e:
        raise TransientError(f"{type(e).__name__}: {e}") from e
