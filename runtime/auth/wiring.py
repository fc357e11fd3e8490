"""Access control for one HTTP app, built from settings: verifier, rate limit, body limit."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import FastAPI

from runtime.auth.keys import JwksKeys
from runtime.auth.limits import BodySizeLimit
from runtime.auth.ratelimit import RateLimit, TokenBucket
from runtime.auth.tokens import TokenVerifier
from runtime.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class AccessControl:
    """What every request of a service passes through."""

    verifier: TokenVerifier
    max_body_bytes: int
    bucket: TokenBucket | None
    dev_issuer: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessControl:
        """Keys load on the first token, so building this touches neither disk nor network."""
        keys = JwksKeys(
            settings.jwks_source, min_refresh_s=settings.auth_jwks_min_refresh_s,
            max_age_s=settings.auth_jwks_max_age_s, timeout_s=settings.auth_jwks_timeout_s,
        )
        bucket = None
        if settings.rate_limit_per_s > 0:
            bucket = TokenBucket(rate_per_s=settings.rate_limit_per_s,
                                 burst=settings.rate_limit_burst)
        return cls(
            verifier=TokenVerifier(keys=keys, issuer=settings.auth_issuer,
                                   audience=settings.auth_audience,
                                   leeway_s=settings.auth_leeway_s,
                                   max_lifetime_s=settings.auth_max_token_lifetime_s),
            max_body_bytes=settings.max_body_bytes, bucket=bucket,
            dev_issuer=settings.auth_mode == "dev",
        )


def install(api: FastAPI, access: AccessControl) -> None:
    """Make `require(...)` work on api's routes and put the limits in front of them."""
    api.state.access = access
    api.add_middleware(BodySizeLimit, max_bytes=access.max_body_bytes)
    if access.bucket is not None:  # added last: runs first, before any body is read
        api.add_middleware(RateLimit, bucket=access.bucket, verifier=access.verifier)
    if access.dev_issuer:
        log.warning("AUTH_MODE=dev: tokens of the local development issuer are accepted")
