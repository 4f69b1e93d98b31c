"""Request signing (DOMAIN.md "Request signing and idempotency"): hex HMAC-SHA256 over
`timestamp + "." + raw body` with the source system's shared secret, and the secrets kept
encrypted at rest with Fernet.

Only the standard library is used for signing, so `integration.client` can share it without
Django."""

from __future__ import annotations

import hashlib
import hmac
import json


def sign(secret: str, timestamp: str | int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(secrets: list[str], timestamp: str, body: bytes, signature: str) -> bool:
    """True when `signature` was made with one of `secrets`. Every candidate is compared, in
    constant time, so the answer's timing does not reveal which secret (or how much) matched."""
    matched = False
    for secret in secrets:
        expected = sign(secret, timestamp, body)
        matched |= hmac.compare_digest(expected.encode(), signature.strip().lower().encode())
    return matched


def content_hash(record: dict) -> str:
    """A stable hash of one record's content (its key excluded): the same JSON object written
    with keys in another order or other spacing hashes the same."""
    content = {key: value for key, value in record.items() if key != "idempotency_key"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- Encryption at rest (needs Django settings; imported lazily by the model helpers) ---


def _fernet():
    import base64

    from cryptography.fernet import Fernet
    from django.conf import settings

    key = settings.QC_FIELD_ENCRYPTION_KEY
    if not key:
        # Embedded (DEBUG) mode only: settings refuse to start without a key when DEBUG is off,
        # so an empty key here means development — derive one from SECRET_KEY.
        # (Not re-checked against settings.DEBUG: pytest-django turns DEBUG off after start-up.)
        key = base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest())
    return Fernet(key)


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
