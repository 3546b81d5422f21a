"""App-only credentials for Graph: azure-identity client credentials, and what they need.

The app is registered once per tenant with read-only **application** permissions
(:data:`GRAPH_PERMISSIONS`); an admin grants consent. Tokens come from the Microsoft
identity platform's client credentials flow with the ``https://graph.microsoft.com/.default``
scope, by secret or by certificate.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from azure.core.credentials import AccessToken, TokenCredential
from azure.core.pipeline.transport import HttpRequest, HttpResponse, RequestsTransport
from azure.identity import CertificateCredential, ClientSecretCredential

from config.settings import MicrosoftSettings

GRAPH_SCOPE = "https://graph.microsoft.com/.default"

# Application permissions the connector needs, all read-only, with where Microsoft
# documents them (learn.microsoft.com/graph/permissions-reference and each API's
# "Permissions" table):
GRAPH_PERMISSIONS: dict[str, str] = {
    # educationSchool/educationClass/educationUser list, get, delta; class members/teachers.
    "EduRoster.Read.All": "educationroot-list-schools, educationclass-list-members, "
    "educationclass-delta (least privileged application permission)",
    # Assignments and submissions *with* outcomes (points, feedback); ReadBasic omits
    # grades, and getRecentlyModifiedSubmissions requires Read.All.
    "EduAssignments.Read.All": "educationclass-list-assignments, "
    "educationassignment-list-submissions, educationclass-getrecentlymodifiedsubmissions",
    # Class modules (Teams materials): educationclass-list-modules.
    "EduCurricula.Read.All": "educationclass-list-modules (least privileged application "
    "permission)",
}
# Meetings (second slice, not read yet) will add OnlineMeetingArtifact.Read.All and
# OnlineMeetingRecording.Read.All, each behind an application access policy.

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in _LOOPBACK


class LoopbackTransport(RequestsTransport):  # type: ignore[misc]
    """Carries ``https://127.0.0.1…`` identity requests over plain HTTP.

    MSAL accepts only https authorities and token endpoints; a local identity endpoint
    (the sandbox) speaks plain HTTP on loopback. Nothing else is rewritten.
    """

    def send(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        parts = urlsplit(request.url)
        if parts.scheme == "https" and (parts.hostname or "") in _LOOPBACK:
            request.url = urlunsplit(("http", *parts[1:]))
        response: HttpResponse = super().send(request, **kwargs)
        return response


def build_credential(
    settings: MicrosoftSettings,
    *,
    client_secret: str | None = None,
    certificate_pem: bytes | None = None,
) -> TokenCredential:
    """A client-credentials TokenCredential for the tenant in ``settings``.

    ``settings.authority`` may be a plain-HTTP loopback URL (the sandbox): it is then
    addressed as https, carried over HTTP by :class:`LoopbackTransport`, and instance
    discovery (which asks login.microsoftonline.com about unknown hosts) is turned off.
    """
    if not settings.tenant_id or not settings.client_id:
        raise ValueError("microsoft.tenant_id and microsoft.client_id are required")
    authority = settings.authority.rstrip("/")
    kwargs: dict[str, Any] = {}
    if is_loopback(authority):
        authority = urlunsplit(("https", *urlsplit(authority)[1:]))
        kwargs = {"transport": LoopbackTransport(), "disable_instance_discovery": True}
    if certificate_pem is not None:
        return CertificateCredential(
            settings.tenant_id, settings.client_id, certificate_data=certificate_pem,
            authority=authority, **kwargs,
        )
    if client_secret is None:
        raise ValueError("a Microsoft client secret or certificate is required")
    return ClientSecretCredential(
        settings.tenant_id, settings.client_id, client_secret, authority=authority, **kwargs
    )


class RenewingCredential:
    """A TokenCredential whose cached token can be declared dead.

    Graph answers 401 ``InvalidAuthenticationToken`` for a token that expired or was
    revoked before the client's own clock says so; azure-identity would keep handing out
    its cached copy. After :meth:`renew`, the next ``get_token`` carries a claims request
    (as a CAE challenge would), which makes MSAL skip its cache and fetch a new token.
    """

    def __init__(self, inner: TokenCredential) -> None:
        self._inner = inner
        self._renew = False
        self._lock = threading.Lock()

    def renew(self) -> None:
        with self._lock:
            self._renew = True

    def get_token(
        self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
        enable_cae: bool = False, **kwargs: Any,
    ) -> AccessToken:
        with self._lock:
            renew, self._renew = self._renew, False
        if renew and not claims:
            claims = json.dumps(
                {"access_token": {"nbf": {"essential": True, "value": str(int(time.time()))}}})
        return self._inner.get_token(
            *scopes, claims=claims, tenant_id=tenant_id, enable_cae=enable_cae, **kwargs)
