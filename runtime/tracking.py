"""Tracking tokens: what a customer holds to look up their complaint's status, and nothing else.

A token is the complaint id and the token's expiry sealed with AES-SIV under the service's
secret key (deterministic authenticated encryption): it reveals nothing of the id, needs no
storage, cannot be altered without failing authentication, and is the same every time the
complaint is asked for again, as its expiry counts from when intake recorded the complaint
(an idempotent repeat gets the same token). Every replica of intake (which issues tokens) and of
resolution (which answers the customer's progress with them) must share the key
(TRACKING_SECRET).

The encoding is canonical: unpadded base64url of exactly 40 bytes, and a string that does not
re-encode to itself (other bits in the last character's unused positions) is no token, so one
token has one spelling. Tokens of the first format (22 characters, no expiry) are no longer
accepted: they could not expire and had 16 spellings each.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

log = logging.getLogger(__name__)

TOKEN = re.compile(r"[A-Za-z0-9_-]{54}")  # 40 bytes: 16 of SIV tag, 16 of id, 8 of expiry
PURPOSE = b"complaint-platform/tracking-token/v2"


@dataclass(frozen=True)
class Tracked:
    """What a valid token says: which complaint, and until when it may be tracked with it."""

    complaint_id: uuid.UUID
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


class TrackingTokens:
    """Issues and resolves tracking tokens under one secret key."""

    def __init__(self, key: bytes, *, lifetime: timedelta = timedelta(days=400)) -> None:
        # SHA-512 of purpose and key: a 512-bit AES-SIV key (AES-256) used for nothing else.
        self._siv = AESSIV(hashlib.sha512(PURPOSE + b"\0" + key).digest())
        self.lifetime = lifetime

    def issue(self, complaint_id: uuid.UUID, *, filed_at: datetime) -> str:
        """The token of a complaint recorded at filed_at: 54 URL-safe characters."""
        expires = int((filed_at + self.lifetime).timestamp())
        sealed = self._siv.encrypt(complaint_id.bytes + expires.to_bytes(8, "big"), [PURPOSE])
        return _encode(sealed)

    def resolve(self, token: str) -> Tracked | None:
        """What a token stands for; None when it is not one of ours, in its one spelling."""
        if not TOKEN.fullmatch(token):
            return None
        try:
            sealed = base64.urlsafe_b64decode(token + "==")
        except (binascii.Error, ValueError):
            return None
        if _encode(sealed) != token:
            return None
        try:
            plain = self._siv.decrypt(sealed, [PURPOSE])
        except InvalidTag:
            return None
        expires = int.from_bytes(plain[16:], "big")
        return Tracked(uuid.UUID(bytes=plain[:16]), datetime.fromtimestamp(expires, UTC))


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def tracking_key(secret: str | None, key_file: Path, *, variable: str = "TRACKING_SECRET"
                 ) -> bytes:
    """The configured secret, else a random key kept in `key_file` (one machine only)."""
    if secret:
        return secret.encode()
    try:
        return key_file.read_bytes()
    except FileNotFoundError:
        pass
    key_file.parent.mkdir(parents=True, exist_ok=True)
    draft = key_file.with_name(f"{key_file.name}.{os.getpid()}.tmp")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(os.urandom(32))
    try:
        os.link(draft, key_file)  # atomic: another process on this machine may race us
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    log.warning(
        "%s is not set: the key in %s is used; set one %s on every replica", variable,
        key_file, variable,
    )
    return key_file.read_bytes()
