"""The service account a sandbox issues: an RSA key per sandbox and its JSON key file.

``service_account_info(sandbox.url)`` is what an operator would download from the Cloud
console; ``google.oauth2.service_account.Credentials.from_service_account_info`` accepts
it unchanged, and its ``token_uri`` points at the sandbox's ``/token``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

PROJECT_ID = "classpulse-sandbox"
CLIENT_EMAIL = f"classpulse-sync@{PROJECT_ID}.iam.gserviceaccount.com"


@dataclass(frozen=True, slots=True)
class SandboxKey:
    key_id: str
    private_key: rsa.RSAPrivateKey
    client_email: str
    client_id: str

    def private_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def verify_jwt(self, token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """Header and claims of an RS256 JWT signed by this key, or None if it is not."""
        try:
            head_b64, body_b64, sig_b64 = token.split(".")
            header = json.loads(_unb64(head_b64))
            claims = json.loads(_unb64(body_b64))
            signature = _unb64(sig_b64)
        except ValueError:
            return None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            return None
        if header.get("alg") != "RS256":
            return None
        try:
            self.private_key.public_key().verify(
                signature,
                f"{head_b64}.{body_b64}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature:
            return None
        return header, claims


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


_keys: dict[str, SandboxKey] = {}
_lock = threading.Lock()


def _norm(url: str) -> str:
    return url.rstrip("/") + "/"


_shared: rsa.RSAPrivateKey | None = None


def _private_key(fresh: bool) -> rsa.RSAPrivateKey:
    # A 2048-bit key takes 0.1-0.5 s to make; tests start a sandbox each, so sandboxes share
    # one key per process unless asked for a fresh one (e.g. to forge a foreign signature).
    global _shared
    if fresh:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with _lock:
        if _shared is None:
            _shared = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _shared


def new_key(sandbox_url: str, *, fresh: bool = False) -> SandboxKey:
    """Issue the service-account key of the sandbox at ``sandbox_url`` (replacing any)."""
    private = _private_key(fresh)
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashlib.sha1(der).hexdigest()  # noqa: S324 - a key id, as Google's are
    key = SandboxKey(
        key_id=digest,
        private_key=private,
        client_email=CLIENT_EMAIL,
        client_id=str(int(digest[:16], 16) % 10**21).rjust(21, "1"),
    )
    with _lock:
        _keys[_norm(sandbox_url)] = key
    return key


def key_for(sandbox_url: str) -> SandboxKey:
    """The key of the sandbox at ``sandbox_url`` (made on first use)."""
    with _lock:
        found = _keys.get(_norm(sandbox_url))
    return found if found is not None else new_key(sandbox_url)


def service_account_info(sandbox_url: str) -> dict[str, str]:
    """A service-account key file (as a dict) for the sandbox at ``sandbox_url``."""
    key = key_for(sandbox_url)
    base = _norm(sandbox_url)
    return {
        "type": "service_account",
        "project_id": PROJECT_ID,
        "private_key_id": key.key_id,
        "private_key": key.private_pem(),
        "client_email": key.client_email,
        "client_id": key.client_id,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": base + "token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
        + key.client_email.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }
