"""The services' logs of personal-data reads, read together for auditors (never written here).

Intake and resolution each keep `pii_access_log` in their own database (runtime.auth.pii_log),
and so does the audit API for what it discloses itself (audit.disclosure); a service that never
logged a read has no table yet and is skipped, not created.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from audit.config import AuditSettings
from audit.stores import SERVICES
from runtime.auth.db import Database, open_database
from runtime.auth.pii_log import TABLE, PiiAccessLog, PiiRead
from runtime.eventstore import persistence_env

LOGGING_SERVICES = ("intake", "resolution")  # the services that disclose personal data


def pii_log_urls(settings: AuditSettings) -> dict[str, str]:
    """The database of each service that logs reads, as that service itself finds it, and
    audit's own."""
    return {
        **{service.name: service.settings(settings).event_store_url
           for service in SERVICES if service.name in LOGGING_SERVICES},
        settings.service: settings.event_store_url,
    }


class PiiLogs:
    """One query over several services' PII access logs, newest first."""

    def __init__(self, urls: dict[str, str]) -> None:
        # On one PostgreSQL database the services share one table: read it once.
        self.urls = {url: service for service, url in urls.items()}
        self._databases: dict[str, Database] = {}

    def query(self, *, tenant: str, complaint_id: str | None = None, subject: str | None = None,
              since: datetime | None = None, limit: int = 100) -> list[PiiRead]:
        """Reads of one tenant's data across the services, like PiiAccessLog.query."""
        reads = {read.id: read for log in self._logs() for read in log.query(
            tenant=tenant, complaint_id=complaint_id, subject=subject, since=since, limit=limit)}
        return sorted(reads.values(), key=lambda r: (-r.at.timestamp(), r.id))[:limit]

    def _logs(self) -> list[PiiAccessLog]:
        logs = []
        for url, service in self.urls.items():
            sqlite_file = persistence_env(url).get("SQLITE_DBNAME")
            if sqlite_file and not Path(sqlite_file).exists():
                continue  # opening it would create it: the service has logged nothing here
            if service not in self._databases:
                self._databases[service] = open_database(url, name=f"audit-pii-{service}")
            db = self._databases[service]
            if db.has_table(TABLE):  # PiiAccessLog would create a missing one: only if present
                logs.append(PiiAccessLog(db))
        return logs

    def close(self) -> None:
        """Release the connections."""
        for db in self._databases.values():
            db.close()
        self._databases.clear()
