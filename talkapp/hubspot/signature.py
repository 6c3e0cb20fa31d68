"""HubSpot's v3 webhook signature, shared by the simulator and the receiver.

HubSpot signs each webhook POST with ``X-HubSpot-Signature-v3``: the base64
HMAC-SHA256, keyed by the app secret, of ``method + uri + body + timestamp``,
where the timestamp is ``X-HubSpot-Request-Timestamp`` in epoch milliseconds.
Receivers must reject timestamps older than five minutes and compare in
constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
MAX_AGE_MS = 5 * 60 * 1000

__all__ = [
    "MAX_AGE_MS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "SignatureError",
    "sign_v3",
    "verify_v3",
]


class SignatureError(ValueError):
    """A webhook request whose signature or timestamp cannot be trusted."""


def sign_v3(secret: str, method: str, uri: str, body: bytes, timestamp_ms: int) -> str:
    """Return the ``X-HubSpot-Signature-v3`` value for one request."""
    source = method.upper().encode() + uri.encode() + body + str(timestamp_ms).encode()
    digest = hmac.new(secret.encode(), source, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_v3(
    secret: str,
    method: str,
    uri: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    now_ms: int | None = None,
) -> None:
    """Raise SignatureError unless the request is fresh and signed with ``secret``."""
    if not signature or not timestamp:
        raise SignatureError("missing signature or timestamp header")

    try:
        timestamp_ms = int(timestamp)
    except ValueError:
        raise SignatureError("timestamp header is not a number") from None

    now = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    if now - timestamp_ms > MAX_AGE_MS:
        raise SignatureError("timestamp is older than five minutes")
    if timestamp_ms - now > MAX_AGE_MS:
        raise SignatureError("timestamp is in the future")

    expected = sign_v3(secret, method, uri, body, timestamp_ms)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise SignatureError("signature does not match")
