"""Credentials: read-only scopes, the admin impersonated, the key's own token endpoint."""

from __future__ import annotations

import json
from pathlib import Path

import googleapiclient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connector.google.auth import READONLY_SCOPES, credentials_for

DOCS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"


def key_info(token_uri: str) -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "p", "private_key_id": "k1",
            "private_key": pem, "client_email": "sync@p.iam.gserviceaccount.com",
            "client_id": "1", "token_uri": token_uri}


def test_every_scope_is_read_only_and_known_to_the_discovery_documents() -> None:
    known: set[str] = set()
    for name in ("classroom.v1", "calendar.v3", "meet.v2"):
        doc = json.loads((DOCS / f"{name}.json").read_text())
        known |= set(doc["auth"]["oauth2"]["scopes"])
    for scope in READONLY_SCOPES:
        assert scope in known
        # profile.emails only reveals addresses; it has no write counterpart.
        assert scope.endswith(".readonly") or scope.endswith("classroom.profile.emails")
    assert any(s.endswith("classroom.profile.emails") for s in READONLY_SCOPES)


def test_credentials_impersonate_the_admin_and_use_the_keys_token_uri() -> None:
    creds = credentials_for(key_info("http://127.0.0.1:9/token"), "admin@hill.example")
    assert creds._subject == "admin@hill.example"
    assert creds._token_uri == "http://127.0.0.1:9/token"
    assert tuple(creds.scopes or ()) == READONLY_SCOPES
