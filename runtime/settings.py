"""Typed settings from environment variables, with defaults that work on one machine."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What every service reads from its environment."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service: str = "service"
    kafka_bootstrap: str = "127.0.0.1:9092"
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

    @property
    def event_store_url(self) -> str:
        """The event store: DATABASE_URL, or a SQLite file of this service."""
        return self.database_url or f"sqlite:///{self.data_dir / self.service}.sqlite"

    @property
    def source(self) -> str:
        """CloudEvents `source` of the events this service publishes."""
        return f"/services/{self.service}"
