"""Email transports: one interface, chosen by config (file, smtp, graph, gmail)."""

from __future__ import annotations

import json
import ssl

from config.settings import Settings
from jobs.transports.base import PermanentError, TransientError, Transport, TransportError
from jobs.transports.file import FileTransport
from jobs.transports.memory import MemoryTransport

__all__ = [
    "FileTransport",
    "MemoryTransport",
    "PermanentError",
    "TransientError",
    "Transport",
    "TransportError",
    "transport_for",
]


def _smtp(settings: Settings) -> Transport:
    from config.secrets import resolve
    from jobs.transports.smtp import SmtpTransport

    smtp = settings.email.smtp
    ref = smtp.password
    context = None
    if smtp.ca_file is not None:
        context = ssl.create_default_context(cafile=str(smtp.ca_file))
    return SmtpTransport(
        smtp.host,
        smtp.port,
        starttls=smtp.starttls,
        username=smtp.username,
        password=(lambda: resolve(ref).reveal()) if ref is not None else None,
        timeout_s=smtp.timeout_s,
        tls_context=context,
    )


def _graph(settings: Settings) -> Transport:
    from config.secrets import resolve
    from connector.graph.auth import build_credential
    from jobs.transports.graph import GRAPH_SCOPE, GraphTransport

    ms = settings.microsoft
    secret = resolve(ms.client_secret).reveal() if ms.client_secret else None
    cert = resolve(ms.certificate).reveal().encode() if ms.certificate else None
    credential = build_credential(ms, client_secret=secret, certificate_pem=cert)
    graph = settings.email.graph
    return GraphTransport(
        ms.base_url,
        graph.sender or settings.email.from_address,
        lambda: credential.get_token(GRAPH_SCOPE).token,
        timeout_s=graph.timeout_s,
    )


def _gmail(settings: Settings) -> Transport:
    from config.secrets import resolve
    from jobs.transports.gmail import GmailTransport, service_account_token

    if settings.google.service_account is None:
        raise ValueError("the gmail transport needs google.service_account")
    info = json.loads(resolve(settings.google.service_account).reveal())
    gmail = settings.email.gmail
    sender = gmail.sender or settings.email.from_address
    return GmailTransport(
        gmail.endpoint,
        sender,
        service_account_token(info, sender, gmail.timeout_s),
        timeout_s=gmail.timeout_s,
    )


def transport_for(settings: Settings) -> Transport:
    """The transport ``settings.email.transport`` names, built from its settings.

    Secrets are read here (once per run), never logged; a missing one raises
    :class:`config.SecretError` or ValueError before anything is claimed.
    """
    kind = settings.email.transport
    if kind == "file":
        return FileTransport(settings.email.file.directory)
    if kind == "smtp":
        return _smtp(settings)
    if kind == "graph":
        return _graph(settings)
    if kind == "gmail":
        return _gmail(settings)
    raise ValueError(f"unknown email transport {kind!r}")
