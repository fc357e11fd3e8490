"""Tracking tokens: what a customer holds to look up their complaint's status, and nothing else.

A token is the complaint id encrypted with AES under the service's secret key: one 16-byte
block, a keyed permutation, so it is as unguessable as a 128-bit random value, reveals nothing
of the id, needs no storage, and is the same every time the complaint is asked for again (an
idempotent repeat gets the same token). Every replica must share the key (TRACKING_SECRET).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import re
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

log = logging.getLogger(__name__)

TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")


class TrackingTokens:
    """Issues and resolves tracking tokens under one secret key."""

    def __init__(self, key: bytes) -> None:
        # One block under ECB is AES as a pseudorandom permutation: no pattern to leak.
        self._cipher = Cipher(algorithms.AES(hashlib.sha256(key).digest()), modes.ECB())

    def issue(self, complaint_id: uuid.UUID) -> str:
        """The token of a complaint: 22 URL-safe characters."""
        encryptor = self._cipher.encryptor()
        block = encryptor.update(complaint_id.bytes) + encryptor.finalize()
        return base64.urlsafe_b64encode(block).rstrip(b"=").decode()

    def resolve(self, token: str) -> uuid.UUID | None:
        """The complaint id a token stands for (None: not a token; it may name no complaint)."""
        if not TOKEN.match(token):
            return None
        try:
            block = base64.urlsafe_b64decode(token + "==")
        except (binascii.Error, ValueError):
            return None
        decryptor = self._cipher.decryptor()
        return uuid.UUID(bytes=decryptor.update(block) + decryptor.finalize())


def tracking_key(secret: str | None, key_file: Path) -> bytes:
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
        "TRACKING_SECRET is not set: tracking tokens use the key in %s; set one TRACKING_SECRET "
        "on every replica", key_file,
    )
    return key_file.read_bytes()
