"""A dev issuer in a temporary directory, a verifier that trusts it, and a clock to move."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.auth.issuer import DEV_AUDIENCE, DevIssuer
from runtime.auth.keys import JwksKeys
from runtime.auth.tokens import TokenVerifier
from runtime.settings import DEV_ISSUER

NOW = 1_800_000_000.0


class Clock:
    """Seconds that only move when a test says so."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def issuer(tmp_path: Path) -> DevIssuer:
    return DevIssuer(tmp_path / "auth")


@pytest.fixture
def verifier(issuer: DevIssuer) -> TokenVerifier:
    return TokenVerifier(keys=JwksKeys(str(issuer.jwks_path)), issuer=DEV_ISSUER,
                         audience=DEV_AUDIENCE, leeway_s=30)
