"""OAuth for the sandbox: the service-account JWT-bearer grant and bearer-token checks.

Domain-wide delegation as Google runs it: the connector signs a JWT with the key from
:mod:`.keys`, names the user it impersonates in ``sub`` and asks for scopes; ``/token``
answers with an access token that acts as that user. Only read-only scopes are granted,
as the trust's admin would configure delegation for a read-only product.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from connector.sandbox.google.errors import ApiError
from connector.sandbox.google.keys import SandboxKey
from connector.sandbox.server import Request, Response

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SCOPE_PREFIX = "https://www.googleapis.com/auth/"
TOKEN_LIFETIME_S = 3599
# Scopes granted besides "*.readonly": profile emails and photos only read.
_READ_ONLY_EXTRA = {"classroom.profile.emails", "classroom.profile.photos"}


@dataclass(frozen=True, slots=True)
class Identity:
    """Whom a token acts as: an impersonated user (``email``) or the service account."""

    email: str | None
    scopes: frozenset[str]


@dataclass(slots=True)
class _Token:
    identity: Identity
    expires_at: float


def is_read_only(scope: str) -> bool:
    short = scope.removeprefix(SCOPE_PREFIX)
    return short.endswith(".readonly") or short in _READ_ONLY_EXTRA


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return Response(status, {"error": error, "error_description": description})


class TokenStore:
    """Issues and checks access tokens; tests may expire them to exercise refresh."""

    def __init__(self, key: SandboxKey, known_user: Callable[[str], bool]) -> None:
        self._key = key
        self._known_user = known_user
        self._tokens: dict[str, _Token] = {}
        self._lock = threading.Lock()
        self.grants = 0

    def issue(self, identity: Identity) -> str:
        token = "ya29.sandbox-" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = _Token(identity, time.monotonic() + TOKEN_LIFETIME_S)
            self.grants += 1
        return token

    def expire(self, email: str | None = None) -> int:
        """Expire every token (or those impersonating ``email``); returns how many."""
        n = 0
        with self._lock:
            for t in self._tokens.values():
                if email is None or (t.identity.email or "").lower() == email.lower():
                    t.expires_at = 0.0
                    n += 1
        return n

    def identity(self, req: Request) -> Identity:
        """The identity behind the request's bearer token, or :class:`ApiError` 401."""
        header = req.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            raise ApiError(
                401,
                "Request is missing required authentication credential. Expected OAuth 2 "
                "access token, login cookie or other valid authentication credential. See "
                "https://developers.google.com/identity/sign-in/web/devconsole-project.",
                "required",
            )
        with self._lock:
            found = self._tokens.get(header[7:].strip())
        if found is None or found.expires_at <= time.monotonic():
            raise ApiError(401)
        return found.identity

    def token_endpoint(self, req: Request) -> Response:
        """``POST /token``: Google's OAuth 2.0 token endpoint, JWT-bearer grant only."""
        form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
        grant = form.get("grant_type", "")
        if grant != JWT_BEARER:
            return _oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant}")
        verified = self._key.verify_jwt(form.get("assertion", ""))
        if verified is None:
            return _oauth_error("invalid_grant", "Invalid JWT Signature.")
        _header, claims = verified
        now = time.time()
        iat, exp = claims.get("iat"), claims.get("exp")
        if (
            not isinstance(iat, int | float)
            or not isinstance(exp, int | float)
            or exp <= now
            or exp - iat > 3600
            or iat > now + 300
        ):
            return _oauth_error(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                "reasonable timeframe. Check your iat and exp values in the assertion and "
                "use a clock with skew to account for clock differences between systems.",
            )
        if claims.get("iss") != self._key.client_email:
            return _oauth_error("invalid_grant", "Invalid JWT: iss does not match the key.")
        if not str(claims.get("aud", "")).endswith("/token"):
            return _oauth_error("invalid_grant", "Invalid JWT audience.")
        scopes = frozenset(str(claims.get("scope", "")).split())
        if not scopes:
            return _oauth_error(
                "invalid_scope", "Invalid OAuth scope or ID token audience provided."
            )
        sub = claims.get("sub")
        if sub is not None and not self._known_user(str(sub)):
            return _oauth_error("invalid_grant", "Invalid email or User ID")
        if not all(is_read_only(s) for s in scopes):
            return _oauth_error(
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, or "
                "client not authorized for any of the scopes requested.",
                401,
            )
        token = self.issue(Identity(str(sub).lower() if sub is not None else None, scopes))
        return Response(
            200,
            {"access_token": token, "expires_in": TOKEN_LIFETIME_S, "token_type": "Bearer"},
        )
