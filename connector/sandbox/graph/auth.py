"""Microsoft identity platform, as far as an app-only Graph client needs it.

- ``POST /{tenant}/oauth2/v2.0/token`` — client credentials grant with a secret or a
  certificate assertion (Microsoft identity platform docs, "OAuth 2.0 client credentials
  flow"): answer ``{"token_type", "expires_in", "ext_expires_in", "access_token"}``; errors
  as ``{"error", "error_description", "error_codes", "timestamp", "trace_id",
  "correlation_id", "error_uri"}``.
- ``GET /{tenant}/v2.0/.well-known/openid-configuration`` — MSAL reads the token endpoint
  from here (tenant discovery), even with instance discovery turned off.
- ``GET /common/discovery/instance`` — instance discovery, for clients that keep it on.

MSAL insists on ``https`` authorities, so the discovery documents name ``https://`` URLs
on this host; the connector's loopback transport (``connector.graph.auth``) carries them
over plain HTTP to 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from connector.sandbox.graph.errors import graph_error
from connector.sandbox.graph.state import GraphState
from connector.sandbox.server import Request, Response, Router

_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"  # Microsoft Graph's own app id
_WWW_AUTH = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/'
    f'authorize", client_id="{_GRAPH_APP_ID}"'
)


def add_routes(router: Router, state: GraphState) -> None:
    router.add("POST", "/{tenant}/oauth2/v2.0/token", lambda r: _token(r, state))
    router.add("GET", "/{tenant}/v2.0/.well-known/openid-configuration", lambda r: _openid(r))
    router.add("GET", "/common/discovery/instance", _instance_discovery)


def bearer_hook(state: GraphState) -> Any:
    """A sandbox hook: Graph requests need a live token from this sandbox."""

    def hook(req: Request) -> Response | None:
        if not req.path.startswith("/v1.0/"):
            return None
        header = req.headers.get("authorization", "")
        value = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not value:
            return graph_error(
                401,
                "InvalidAuthenticationToken",
                "Access token is empty.",
                headers={"WWW-Authenticate": _WWW_AUTH},
            )
        with state.lock:
            token = state.tokens.get(value)
        if token is None:
            return graph_error(
                401,
                "InvalidAuthenticationToken",
                "Access token validation failure. Invalid audience.",
                headers={"WWW-Authenticate": _WWW_AUTH},
            )
        if token.revoked:
            # Continuous access evaluation: a claims challenge tells the client to get a
            # new token carrying these claims (Microsoft Graph CAE docs).
            claims = base64.b64encode(
                json.dumps(
                    {"access_token": {"nbf": {"essential": True, "value": str(int(time.time()))}}}
                ).encode()
            ).decode()
            challenge = f'{_WWW_AUTH}, error="insufficient_claims", claims="{claims}"'
            return graph_error(
                401,
                "InvalidAuthenticationToken",
                "Continuous access evaluation resulted in challenge with result: "
                "InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp",
                headers={"WWW-Authenticate": challenge},
            )
        if token.expires_at <= time.time():
            return graph_error(
                401,
                "InvalidAuthenticationToken",
                "Lifetime validation failed, the token is expired.",
                headers={"WWW-Authenticate": _WWW_AUTH},
            )
        return None

    return hook


def _aad_error(status: int, error: str, code: int, text: str) -> Response:
    trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return Response(
        status,
        {
            "error": error,
            "error_description": (
                f"AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\n"
                f"Timestamp: {now}"
            ),
            "error_codes": [code],
            "timestamp": now,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        },
    )


def _token(req: Request, state: GraphState) -> Response:
    form = {k: v[0] for k, v in parse_qs(req.body.decode(), keep_blank_values=True).items()}
    tenant = req.params["tenant"]
    if form.get("grant_type") != "client_credentials":
        return _aad_error(
            400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
        )
    if not form.get("scope", "").endswith("/.default"):
        return _aad_error(
            400,
            "invalid_scope",
            1002012,
            "The provided value for scope is not valid. Client credential "
            "flows must have a scope value with /.default suffixed.",
        )
    client_id = form.get("client_id", "")
    with state.lock:
        secret = state.apps.get(client_id)
    if secret is None:
        return _aad_error(
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory '{tenant}'.",
        )
    assertion = form.get("client_assertion")
    if assertion is None and form.get("client_secret") != secret:
        return _aad_error(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in "
            "the request is the client secret value, not the client secret ID, "
            f"for a secret added to app '{client_id}'.",
        )
    # A certificate assertion is accepted without checking its signature: the sandbox
    # has no app certificates, and the connector's part is only to send one.
    token = state.issue(client_id, tenant)
    lifetime = max(0, int(token.expires_at - time.time()))
    return Response(
        200,
        {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": token.value,
        },
    )


def _openid(req: Request) -> Response:
    base = f"https://{req.headers.get('host', '127.0.0.1')}/{req.params['tenant']}"
    return Response(
        200,
        {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "request_uri_parameter_supported": False,
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "tenant_region_scope": "EU",
        },
    )


def _instance_discovery(req: Request) -> Response:
    host = req.headers.get("host", "127.0.0.1")
    return Response(
        200,
        {
            "tenant_discovery_endpoint": (
                f"https://{host}/common/v2.0/.well-known/openid-configuration"
            ),
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        },
    )
