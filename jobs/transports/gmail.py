"""Gmail API ``users.messages.send`` as the sender, by domain-wide delegation.

The Workspace admin adds ``https://www.googleapis.com/auth/gmail.send`` to the service
account's domain-wide delegation: the only scope classpulse asks for that is not
read-only, and it only lets the account send as the users it impersonates (here, the one
sender address). The message goes as RFC 2822 bytes, base64url-encoded in ``raw``.

Gmail has no idempotency key for sends either: a retry after a lost answer can send a
second copy (see :mod:`jobs.outbox`).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

import httpx

from jobs.transports.base import TransientError
from jobs.transports.http import TokenSource, classify, error_text, post

GMAIL_SEND_SCOPE = "https://www.googleapis.com/auth/gmail.send"
# Google answers quota trouble with 403 and one of these reasons: wait, don't fail.
_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded"})


def _reasons(response: httpx.Response) -> set[str]:
    try:
        body = response.json()
    except ValueError:
        return set()
    errors = body.get("error", {}).get("errors", []) if isinstance(body, dict) else []
    return {e.get("reason", "") for e in errors if isinstance(e, dict)}


class GmailTransport:
    def __init__(
        self,
        endpoint: str,
        sender: str,
        token: TokenSource,
        *,
        client: httpx.Client | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        base = endpoint.rstrip("/")
        self.url = f"{base}/gmail/v1/users/{quote(sender, safe='@')}/messages/send"
        self._token = token
        self._client = client or httpx.Client(timeout=timeout_s)

    def send(self, msg: EmailMessage) -> str:
        raw = base64.urlsafe_b64encode(msg.as_bytes()).decode("ascii")
        response = post(self._client, self.url, self._token, json={"raw": raw})
        if response.status_code == 200:
            body: Any = response.json() if response.content else {}
            return str(body.get("id", "")) if isinstance(body, Mapping) else ""
        if response.status_code == 403 and _reasons(response) & _RATE_REASONS:
            raise TransientError(error_text(response))
        raise classify(response)

    def close(self) -> None:
        self._client.close()


def service_account_token(info: Mapping[str, Any], sender: str, timeout_s: float) -> TokenSource:
    """A token source acting as ``sender`` with only the gmail.send scope."""
    import httplib2
    from google.oauth2 import service_account
    from google_auth_httplib2 import Request

    creds = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        dict(info), scopes=[GMAIL_SEND_SCOPE], subject=sender
    )

    def token() -> str:
        if not creds.valid:
            creds.refresh(Request(httplib2.Http(timeout=int(timeout_s))))
        return str(creds.token)

    return token
