"""Typed settings from environment variables, with defaults that work on one machine."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from runtime.kafka_access import KafkaSettings

DEV_ISSUER = "urn:complaint-platform:dev-issuer"  # runtime.auth.issuer mints as this


class Settings(KafkaSettings):
    """What every service reads from its environment (KAFKA_*: runtime.kafka_access)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service: str = "service"
    database_url: str = ""
    data_dir: Path = Path(".local/data")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    tenant: str = "default"
    log_level: str = "INFO"
    relay_interval_s: float = 0.05
    relay_batch_size: int = 500
    consumer_max_attempts: int = 3
    consumer_retry_backoff_s: float = 0.2
    consumer_stall_after_s: float = 30.0
    consumer_lag_interval_s: float = 5.0
    consumer_session_timeout_s: float = 10.0
    # A subscription applies up to this many events in one transaction, waiting at most this
    # long for a batch to fill (runtime.stream).
    consumer_batch_size: int = 100
    consumer_batch_within_s: float = 0.005

    # Access control (runtime.auth, docs/access-control.md). AUTH_MODE=dev, the default,
    # verifies tokens of the local development issuer, whose key and JWKS are in AUTH_DIR
    # (`python -m runtime.auth.issuer init`, run by `make run`). AUTH_MODE=jwks verifies
    # tokens of AUTH_ISSUER against AUTH_JWKS (a URL or a file). There is no mode without auth.
    auth_mode: Literal["dev", "jwks"] = "dev"
    auth_dir: Path = Path(".local/auth")
    auth_issuer: str = DEV_ISSUER
    auth_audience: str = "complaint-platform"
    auth_jwks: str = ""
    auth_leeway_s: float = 30.0
    # A token valid for longer than this (from `iat`, and from now) is refused, users' and
    # clients' alike: a stolen token is worth a day at most.
    auth_max_token_lifetime_s: int = 86_400
    auth_jwks_min_refresh_s: float = 30.0
    auth_jwks_max_age_s: float = 3600.0
    auth_jwks_timeout_s: float = 3.0
    max_body_bytes: int = 1_048_576
    max_page_size: int = 100
    rate_limit_per_s: float = 100.0  # per client (or per IP when anonymous); 0 turns it off
    rate_limit_burst: int = 500
    filing_quota_per_day: int = 20  # complaints one customer may file per (UTC) day

    @model_validator(mode="after")
    def _auth_is_coherent(self) -> Settings:
        if self.auth_mode == "jwks" and (not self.auth_jwks or self.auth_issuer == DEV_ISSUER):
            raise ValueError("AUTH_MODE=jwks needs AUTH_JWKS and a real AUTH_ISSUER")
        return self

    @property
    def jwks_source(self) -> str:
        """Where the verification keys are: AUTH_JWKS, or the dev issuer's JWKS file."""
        if self.auth_mode == "dev":
            return str(self.auth_dir / "jwks.json")
        return self.auth_jwks

    @property
    def event_store_url(self) -> str:
        """The event store: DATABASE_URL, or a SQLite file of this service."""
        return self.database_url or f"sqlite:///{self.data_dir / self.service}.sqlite"

    @property
    def source(self) -> str:
        """CloudEvents `source` of the events this service publishes."""
        return f"/services/{self.service}"
