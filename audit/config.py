"""The audit tool's settings: where each service's event store is, as the services see it."""

from __future__ import annotations

from runtime.settings import Settings


class AuditSettings(Settings):
    """Environment of the audit CLI and API.

    Each store URL is the service's own (DATABASE_URL, else `<DATA_DIR>/<service>.sqlite`);
    `<SERVICE>_DATABASE_URL` points one service elsewhere, e.g. when SQLite files live apart.
    """

    service: str = "audit"
    http_port: int = 8009
    store_wait_s: float = 120.0  # how long `serve` waits for services still creating their stores
    intake_database_url: str = ""
    dispatch_database_url: str = ""
    sla_database_url: str = ""
    resolution_database_url: str = ""
    notify_database_url: str = ""
    work_database_url: str = ""

    def database_url_of(self, service: str) -> str:
        """The DATABASE_URL a service's own settings should read, for this audit run."""
        return getattr(self, f"{service}_database_url", "") or self.database_url
