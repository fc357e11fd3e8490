"""The signed-in person's session, kept in one sealed cookie (AES-GCM, HttpOnly): the bearer
token never reaches the browser's scripts or a URL, and any replica with the key opens it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

COOKIE = "console_session"
PURPOSE = b"console-session-v1"


@dataclass
class Session:
    """Who is signed in (token None: a visitor), the form token, and a sign-in in flight."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    token: str | None = None
    user: dict[str, Any] = field(default_factory=dict)
    expires_at: float = 0.0
    pending: dict[str, str] = field(default_factory=dict)  # OIDC state, verifier, nonce

    @property
    def signed_in(self) -> bool:
        return self.token is not None

    def csrf_matches(self, offered: str | None) -> bool:
        """Whether a form carried this session's CSRF token."""
        return bool(offered) and hmac.compare_digest(self.csrf, offered or "")


class Sealer:
    """Seals and opens session cookies with one key; a cookie that fails to open is no session."""

    def __init__(self, key: bytes, clock: Callable[[], float] = time.time) -> None:
        self._aead, self._clock = AESGCM(hashlib.sha256(PURPOSE + key).digest()), clock

    def seal(self, session: Session) -> str:
        """The cookie value of session."""
        nonce = os.urandom(12)
        plain = json.dumps(session.__dict__, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, plain, PURPOSE)).decode()

    def open(self, value: str | None) -> Session:
        """The session in a cookie; a fresh visitor's session when it is absent, forged,
        or expired."""
        if not value:
            return Session()
        try:
            raw = base64.urlsafe_b64decode(value.encode())
            plain = self._aead.decrypt(raw[:12], raw[12:], PURPOSE)
            session = Session(**json.loads(plain))
        except (InvalidTag, ValueError, TypeError, binascii.Error):
            return Session()
        if session.signed_in and session.expires_at <= self._clock():
            return Session()
        return session


def key_from(secret: str, data_dir: Path) -> bytes:
    """CONSOLE_SECRET, or a random key kept in DATA_DIR (created on first use)."""
    if secret:
        return secret.encode()
    path = data_dir / "console-secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:  # several replicas may start at once: exactly one key is written
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes()
        with os.fdopen(fd, "wb") as file:
            file.write(secrets.token_bytes(32))
    return path.read_bytes()
