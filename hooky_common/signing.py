"""Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature: v1,<base64>)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
DEFAULT_GRACE_SECONDS = 24 * 3600


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """v1,<base64 HMAC-SHA256 of "id.timestamp.body"> with the secret's decoded bytes as key."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_in_force: list[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers; one signature per secret in force (two during a rotation)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(secret, message_id, timestamp, body) for secret in secrets_in_force),
    }


def in_force(stored: list[dict], now: datetime) -> list[str]:
    """Secrets not yet expired, newest first."""
    return [entry["secret"] for entry in stored if entry.get("expires") is None or entry["expires"] > now]


def rotate(stored: list[dict], now: datetime, grace_seconds: float) -> tuple[str, list[dict]]:
    """A new secret first; the current ones stay valid for the grace period; expired ones are dropped."""
    secret = new_secret()
    grace_end = now + timedelta(seconds=grace_seconds)
    kept = [{**entry, "expires": min(entry["expires"], grace_end) if entry.get("expires") else grace_end}
            for entry in stored if entry.get("expires") is None or entry["expires"] > now]
    return secret, [{"secret": secret, "created": now, "expires": None}, *kept]
