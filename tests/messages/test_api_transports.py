"""Microsoft Graph sendMail and the Gmail API send, through respx, driven by the outbox."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import pytest
import respx
from sqlalchemy.orm import Session, sessionmaker

from config.messages import GmailMailSettings
from config.settings import EmailSettings, GoogleSettings, MicrosoftSettings, SecretRef
from jobs.outbox import send_due
from jobs.transports import transport_for
from jobs.transports.gmail import GmailTransport
from jobs.transports.graph import GraphTransport
from sync.models import MessageStatus
from tests.jobs.factories import make_settings
from tests.messages.rows import MORNING, queued, reload

EMAIL = EmailSettings(from_address="classpulse@oak.sch.uk", from_name="Oak classpulse")
GRAPH = "https://graph.test/v1.0"
SEND_MAIL = f"{GRAPH}/users/classpulse@oak.sch.uk/sendMail"
GMAIL = "https://gmail.test/"
GMAIL_SEND = f"{GMAIL}gmail/v1/users/classpulse@oak.sch.uk/messages/send"


def graph() -> GraphTransport:
    return GraphTransport(GRAPH, "classpulse@oak.sch.uk", lambda: "graph-token")


def gmail() -> GmailTransport:
    return GmailTransport(GMAIL, "classpulse@oak.sch.uk", lambda: "gmail-token")


@respx.mock
def test_graph_send_mail_posts_the_mime_message_and_202_marks_it_sent(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    route = respx.post(SEND_MAIL).mock(
        return_value=httpx.Response(202, headers={"request-id": "req-1"})
    )
    row_id = queued(db)
    assert send_due(sessions, graph(), now=MORNING, email_settings=EMAIL) == 1

    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer graph-token"
    assert request.headers["Content-Type"] == "text/plain"
    msg = message_from_bytes(base64.b64decode(request.content), policy=policy.default)
    assert msg["To"] == "Ann Teacher <ann@oak.sch.uk>"
    assert msg["Message-ID"].endswith("@oak.sch.uk>")
    assert msg.get_content_type() == "multipart/alternative"
    row = reload(db, row_id)
    assert (row.status, row.transport_id) == (MessageStatus.SENT, "req-1")


@respx.mock
def test_graph_throttling_waits_as_long_as_retry_after_asks_then_sends_once(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    route = respx.post(SEND_MAIL).mock(
        side_effect=[
            httpx.Response(
                429,
                headers={"Retry-After": "600"},
                json={"error": {"code": "ApplicationThrottled", "message": "Slow down"}},
            ),
            httpx.Response(202),
        ]
    )
    row_id = queued(db)
    send_due(sessions, graph(), now=MORNING, email_settings=EMAIL)
    row = reload(db, row_id)
    assert row.status is MessageStatus.QUEUED
    assert row.last_error == "429 ApplicationThrottled: Slow down"
    assert row.next_attempt_at == MORNING + timedelta(seconds=600)  # not the 1-minute backoff

    assert send_due(sessions, graph(), now=MORNING + timedelta(minutes=5)) == 0
    send_due(sessions, graph(), now=MORNING + timedelta(minutes=10), email_settings=EMAIL)
    assert reload(db, row_id).status is MessageStatus.SENT
    assert route.call_count == 2


@respx.mock
@pytest.mark.parametrize(
    ("status", "expected"),
    [(400, MessageStatus.FAILED), (503, MessageStatus.QUEUED), (403, MessageStatus.QUEUED)],
    ids=["bad-request-is-permanent", "unavailable-is-transient", "access-policy-is-set-up"],
)
def test_graph_errors_are_failed_or_retried_by_what_they_mean(
    db: Session, sessions: sessionmaker[Session], status: int, expected: MessageStatus
) -> None:
    respx.post(SEND_MAIL).mock(
        return_value=httpx.Response(
            status, json={"error": {"code": "ErrorInvalidRecipients", "message": "no"}}
        )
    )
    row_id = queued(db)
    send_due(sessions, graph(), now=MORNING, email_settings=EMAIL)
    row = reload(db, row_id)
    assert row.status is expected
    assert (row.last_error or "").startswith(f"{status} ErrorInvalidRecipients")


@respx.mock
def test_a_network_failure_reaching_graph_is_retried(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    respx.post(SEND_MAIL).mock(side_effect=httpx.ConnectError("no route"))
    row_id = queued(db)
    send_due(sessions, graph(), now=MORNING, email_settings=EMAIL)
    assert reload(db, row_id).status is MessageStatus.QUEUED


@respx.mock
def test_gmail_sends_the_raw_message_base64url_and_keeps_its_id(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    route = respx.post(GMAIL_SEND).mock(
        return_value=httpx.Response(200, json={"id": "18c0ffee", "threadId": "18c0ffee"})
    )
    row_id = queued(db)
    send_due(sessions, gmail(), now=MORNING, email_settings=EMAIL)

    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer gmail-token"
    raw = json.loads(request.content)["raw"]
    assert "+" not in raw and "/" not in raw  # base64url
    msg = message_from_bytes(base64.urlsafe_b64decode(raw), policy=policy.default)
    assert msg["From"] == "Oak classpulse <classpulse@oak.sch.uk>"
    row = reload(db, row_id)
    assert (row.status, row.transport_id) == (MessageStatus.SENT, "18c0ffee")


@respx.mock
def test_gmail_rate_limits_are_retried_and_a_bad_message_is_failed(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raw = json.loads(request.content)["raw"]
        to = message_from_bytes(base64.urlsafe_b64decode(raw), policy=policy.default)["To"]
        if "busy" in str(to):
            error = {
                "code": 403,
                "message": "Rate",
                "errors": [{"reason": "userRateLimitExceeded"}],
            }
            return httpx.Response(403, json={"error": error})
        return httpx.Response(400, json={"error": {"code": 400, "message": "Invalid To header"}})

    respx.post(GMAIL_SEND).mock(side_effect=answer)
    busy, bad = queued(db, "busy@oak.sch.uk"), queued(db, "bad@oak.sch.uk")
    send_due(sessions, gmail(), now=MORNING, email_settings=EMAIL)
    assert reload(db, busy).status is MessageStatus.QUEUED
    failed = reload(db, bad)
    assert (failed.status, failed.last_error) == (
        MessageStatus.FAILED,
        "400 400: Invalid To header",
    )


def test_the_transport_is_chosen_by_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from connector.sandbox.google.keys import service_account_info

    key = tmp_path / "sa.json"
    key.write_text(json.dumps(service_account_info("http://127.0.0.1:1/")))
    monkeypatch.setenv("MS_SECRET", "not-a-real-secret")
    base = make_settings()
    ms = MicrosoftSettings(
        tenant_id="00000000-0000-0000-0000-000000000001",
        client_id="00000000-0000-0000-0000-000000000002",
        client_secret=SecretRef(env="MS_SECRET"),
    )
    graph_settings = base.model_copy(
        update={"email": EmailSettings(transport="graph"), "microsoft": ms}
    )
    gmail_settings = base.model_copy(
        update={
            "email": EmailSettings(transport="gmail", gmail=GmailMailSettings(sender="s@oak.org")),
            "google": GoogleSettings(service_account=SecretRef(file=key)),
        }
    )
    g = transport_for(graph_settings)
    assert isinstance(g, GraphTransport)
    assert g.url == "https://graph.microsoft.com/v1.0/users/classpulse@localhost/sendMail"
    m = transport_for(gmail_settings)
    assert isinstance(m, GmailTransport)
    assert m.url == "https://gmail.googleapis.com/gmail/v1/users/s@oak.org/messages/send"
