"""App-only tokens from the sandbox's identity platform, through real azure-identity."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from azure.core.exceptions import ClientAuthenticationError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from config.settings import MicrosoftSettings
from connector.graph import GRAPH_SCOPE, GraphClassSource, build_credential
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET, GraphState


def test_azure_identity_gets_a_token_the_sandbox_accepts(
    settings: MicrosoftSettings, state: GraphState
) -> None:
    credential = build_credential(settings, client_secret=SANDBOX_CLIENT_SECRET)
    token = credential.get_token(GRAPH_SCOPE)

    answer = httpx.get(f"{settings.base_url}/education/schools",
                       headers={"Authorization": f"Bearer {token.token}"})
    assert answer.status_code == 200
    assert state.token_requests == 1


def test_a_wrong_secret_is_refused_with_the_identity_platforms_error(
    settings: MicrosoftSettings,
) -> None:
    credential = build_credential(settings, client_secret="not-the-secret")
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        credential.get_token(GRAPH_SCOPE)


def test_a_request_without_a_token_gets_graphs_401(settings: MicrosoftSettings) -> None:
    answer = httpx.get(f"{settings.base_url}/education/classes")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert set(answer.json()["error"]["innerError"]) == {"date", "request-id",
                                                         "client-request-id"}


def _certificate_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "classpulse-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()) + cert.public_bytes(
        serialization.Encoding.PEM)


def test_a_certificate_credential_gets_a_token(
    settings: MicrosoftSettings, state: GraphState
) -> None:
    with GraphClassSource(settings, certificate_pem=_certificate_pem()) as source:
        assert [s.name for s in source.schools()] == ["Elmwood Academy"]
    assert state.token_requests == 1


def test_a_token_that_expires_mid_sync_is_replaced(
    source: GraphClassSource, state: GraphState
) -> None:
    classes = list(source.list_classes())
    state.expire_tokens()  # the client's clock still thinks its token is good

    snaps = list(source.read_classes(classes, {}, full=True))

    assert all(s.roster_complete and not s.skipped for s in snaps)
    assert state.token_requests == 2
    assert source.stats.retries == 1


def test_a_revoked_token_is_replaced_through_the_claims_challenge(
    source: GraphClassSource, state: GraphState
) -> None:
    classes = list(source.list_classes())
    state.revoke_tokens()

    snaps = list(source.read_classes(classes, {}, full=True))

    assert all(s.roster_complete and not s.skipped for s in snaps)
    assert state.token_requests == 2
