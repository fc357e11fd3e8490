"""Bearer token verification: signature, expiry, not-before, audience, issuer, key id.

Only asymmetric algorithms are accepted, and only the one the key is published for: `none`
and HMAC with a public key as the secret (algorithm confusion) cannot pass, and neither can a
token signed with an RSA key but labelled PS or ES. A correctly signed token is still refused
when its times are not integers (PyJWT reads `exp: "1900000000"` as a number) or when it lives
longer than `max_lifetime_s` (AUTH_MAX_TOKEN_LIFETIME_S): `exp = 10**20` is not a credential.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import jwt
from jwt import PyJWK

from runtime.auth.principal import MalformedClaims, Principal

ASYMMETRIC = frozenset({
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
})
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
TIMES = ("exp", "iat", "nbf")  # NumericDate: whole seconds here, never strings or floats
DAY_S = 86_400


class InvalidToken(Exception):
    """The token proves nothing; `error` is the RFC 6750 code, the message says why."""

    error = "invalid_token"


class KeySource(Protocol):
    def get(self, kid: str) -> PyJWK | None: ...


@dataclass(frozen=True)
class TokenVerifier:
    """Checks tokens of one issuer for one audience against that issuer's published keys."""

    keys: KeySource
    issuer: str
    audience: str
    leeway_s: float = 30.0
    max_lifetime_s: int = DAY_S
    clock: Callable[[], float] = time.time

    def claims(self, token: str) -> dict[str, Any]:
        """The claims of a token that passes every check; InvalidToken otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as error:
            raise InvalidToken("the token is not a well-formed JWT") from error
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ASYMMETRIC:
            raise InvalidToken(f"algorithm {algorithm!r} is not accepted")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("the token names no key (kid)")
        key = self.keys.get(kid)
        if key is None:
            raise InvalidToken("the token is signed with an unknown key")
        if key.algorithm_name != algorithm:
            raise InvalidToken(f"key {kid} does not sign with {algorithm}")
        try:
            claims = jwt.decode(
                token, key=key.key, algorithms=[algorithm], audience=self.audience,
                issuer=self.issuer, leeway=self.leeway_s,
                options={"require": REQUIRED_CLAIMS, "verify_signature": True},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidToken("the token has expired") from error
        except jwt.ImmatureSignatureError as error:
            raise InvalidToken("the token is not valid yet") from error
        except jwt.InvalidAudienceError as error:
            raise InvalidToken("the token is for another audience") from error
        except jwt.InvalidIssuerError as error:
            raise InvalidToken("the token is from another issuer") from error
        except jwt.InvalidSignatureError as error:
            raise InvalidToken("the signature does not verify") from error
        except jwt.InvalidTokenError as error:
            raise InvalidToken(f"the token is invalid: {error}") from error
        self.check_lifetime(claims)
        return claims

    def check_lifetime(self, claims: Mapping[str, Any]) -> None:
        """Integer times, and no longer a life than max_lifetime_s from issue or from now."""
        for name in TIMES:
            value = claims.get(name)
            if name in claims and (not isinstance(value, int) or isinstance(value, bool)):
                raise InvalidToken(f"the {name} claim must be an integer (seconds)")
        exp, iat = claims["exp"], claims["iat"]
        latest = self.clock() + self.max_lifetime_s + self.leeway_s
        if exp - iat > self.max_lifetime_s or exp > latest:
            raise InvalidToken(f"the token lives longer than {self.max_lifetime_s} s")

    def principal(self, token: str) -> Principal:
        """Who the token speaks for."""
        try:
            return Principal.from_claims(self.claims(token))
        except MalformedClaims as error:
            raise InvalidToken(str(error)) from error
