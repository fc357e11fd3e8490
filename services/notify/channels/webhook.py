"""Generic signed webhooks: a JSON POST whose body is signed with HMAC-SHA256 over
`<timestamp>.<body>`; receivers check the signature and refuse timestamps outside their replay
window, and drop repeats by the Idempotency-Key header."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

import httpx

from services.notify.channels.base import DeliveryError, Message, Secrets

SIGNATURE = "X-Notify-Signature"
TIMESTAMP = "X-Notify-Timestamp"
IDEMPOTENCY = "Idempotency-Key"
REPLAY_WINDOW_S = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for a body sent at `timestamp` (Unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float,
           window_s: int = REPLAY_WINDOW_S) -> bool:
    """Whether a received webhook is authentic and fresh (what a receiver should check)."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > window_s:
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature)


def post(url: str, body: dict, headers: dict[str, str], timeout_s: float) -> httpx.Response:
    """POST JSON; a transport error or a 5xx/429 may pass, other 4xx will not."""
    try:
        response = httpx.post(url, json=body, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as error:
        raise DeliveryError(f"http: {error!r}") from error
    if response.status_code >= 500 or response.status_code == 429:
        raise DeliveryError(f"http {response.status_code}")
    if response.status_code >= 400:
        raise DeliveryError(f"http {response.status_code}: refused", permanent=True)
    return response


class SignedWebhook:
    def __init__(self, secrets: Secrets, endpoints: Callable[[str], tuple[str, str | None]],
                 *, timeout_s: float = 10.0, clock: Callable[[], float] = time.time) -> None:
        self.secrets, self.endpoints = secrets, endpoints
        self.timeout_s, self.clock = timeout_s, clock

    def send(self, address: str, message: Message) -> str:
        url_secret, signing_secret = self.endpoints(address)
        body = {"id": message.key, "reference": message.reference, "template": message.template,
                "language": message.language, "subject": message.subject, "text": message.text}
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(self.clock())
        headers = {"Content-Type": "application/json", IDEMPOTENCY: message.key,
                   TIMESTAMP: str(timestamp)}
        if signing_secret:
            headers[SIGNATURE] = sign(self.secrets.get(signing_secret), timestamp, raw)
        try:
            httpx.post(self.secrets.get(url_secret), content=raw, headers=headers,
                       timeout=self.timeout_s).raise_for_status()
        except httpx.HTTPStatusError as error:
            code = error.response.status_code
            raise DeliveryError(f"http {code}",
                                permanent=400 <= code < 500 and code != 429) from error
        except httpx.HTTPError as error:
            raise DeliveryError(f"http: {error!r}") from error
        return message.key
