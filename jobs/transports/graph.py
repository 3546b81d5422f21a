"""Microsoft Graph ``POST /users/{sender}/sendMail``, the message sent as MIME.

The app needs the **Mail.Send application permission**, which by itself lets it send as
any mailbox in the tenant: an Exchange **application access policy**
(``New-ApplicationAccessPolicy -AccessRight RestrictAccess``) must restrict it to the
sender's mailbox (or a mail-enabled security group holding it).

MIME (``Content-Type: text/plain``, the message base64-encoded) keeps what the JSON form
cannot: the plain-text and HTML alternatives, inline images and our Message-ID header.
With MIME, Graph keeps its default of saving a copy in the sender's Sent Items.

Graph answers ``202 Accepted`` and nothing else: no id, and no idempotency key to send.
A retry after a lost answer therefore can send twice (see :mod:`jobs.outbox`).
"""

from __future__ import annotations

import base64
from email.message import EmailMessage
from urllib.parse import quote

import httpx

from jobs.transports.http import TokenSource, classify, post

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class GraphTransport:
    def __init__(
        self,
        base_url: str,
        sender: str,
        token: TokenSource,
        *,
        client: httpx.Client | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/users/{quote(sender, safe='@')}/sendMail"
        self._token = token
        self._client = client or httpx.Client(timeout=timeout_s)

    def send(self, msg: EmailMessage) -> str:
        response = post(
            self._client,
            self.url,
            self._token,
            content=base64.b64encode(msg.as_bytes()),
            headers={"Content-Type": "text/plain"},
        )
        if response.status_code != 202:
            raise classify(response)
        # 202 carries no message id; the request id is what Microsoft support asks for.
        return response.headers.get("request-id") or str(msg.get("Message-ID", ""))

    def close(self) -> None:
        self._client.close()
