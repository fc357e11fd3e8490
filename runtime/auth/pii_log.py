"""The access log of regulated data: who read which personal fields of which complaint, when.

Append-only by the database (runtime.append_only triggers refuse UPDATE, DELETE and TRUNCATE),
in the service's own database, table `pii_access_log`. A read is logged before the plaintext
leaves the service: if the log cannot be written, the read fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel

from runtime import append_only
from runtime.auth.db import Database, open_database
from runtime.auth.masking import mask, may_read_personal_data, personal_fields
from runtime.auth.metrics import PII_READS
from runtime.auth.principal import Principal

M = TypeVar("M", bound=BaseModel)
TABLE = "pii_access_log"
_DDL = """CREATE TABLE IF NOT EXISTS pii_access_log (
    id TEXT PRIMARY KEY,
    at {time} NOT NULL,
    tenant TEXT NOT NULL,
    subject TEXT NOT NULL,
    client_id TEXT,
    complaint_id TEXT NOT NULL,
    fields TEXT NOT NULL
)"""
_INDEXES = [
    "CREATE INDEX IF NOT EXISTS pii_access_log_by_complaint"
    " ON pii_access_log (tenant, complaint_id, at)",
    "CREATE INDEX IF NOT EXISTS pii_access_log_by_subject ON pii_access_log (tenant, subject, at)",
]
_COLUMNS = "id, at, tenant, subject, client_id, complaint_id, fields"


@dataclass(frozen=True)
class PiiRead:
    """One logged read: a person saw these personal fields of this complaint."""

    id: str
    at: datetime
    tenant: str
    subject: str
    client_id: str | None
    complaint_id: str
    fields: tuple[str, ...]


class PiiAccessLog:
    """Writes and queries `pii_access_log`."""

    def __init__(self, db: Database, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db, self._clock = db, clock
        if not db.has_table(TABLE):  # a service role without CREATE starts once it exists
            self._create()

    @classmethod
    def from_url(cls, url: str) -> PiiAccessLog:
        """The log in the database of the event store at url."""
        return cls(open_database(url, name="pii-access-log"))

    def _create(self) -> None:
        postgres = self.db.dialect == "postgresql"
        self.db.define([
            _DDL.format(time="TIMESTAMPTZ" if postgres else "TEXT"), *_INDEXES,
            *([append_only.postgres_function("public"),
               *append_only.postgres_triggers("public", TABLE)] if postgres
              else append_only.sqlite_triggers(TABLE)),
        ])

    def record(self, principal: Principal, *, complaint_id: str,
               fields: list[str]) -> PiiRead | None:
        """Log that principal read fields of complaint_id; clients (not persons) are not logged."""
        if not principal.is_person or not fields:
            return None
        entry = PiiRead(id=str(uuid.uuid4()), at=self._clock().astimezone(UTC),
                        tenant=principal.tenant, subject=principal.sub,
                        client_id=principal.client_id, complaint_id=complaint_id,
                        fields=tuple(sorted(fields)))
        self.db.run(f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", (
            entry.id, self._stored_time(entry.at), entry.tenant, entry.subject,
            entry.client_id, entry.complaint_id, ",".join(entry.fields)))
        PII_READS.inc()
        return entry

    def query(self, *, tenant: str, complaint_id: str | None = None, subject: str | None = None,
              since: datetime | None = None, limit: int = 100) -> list[PiiRead]:
        """Reads of one tenant's data, newest first, filtered by complaint, reader and time."""
        clauses, params = ["tenant = ?"], [tenant]
        for column, value in (("complaint_id", complaint_id), ("subject", subject)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            clauses.append("at >= ?")
            params.append(self._stored_time(since.astimezone(UTC)))
        rows, _ = self.db.run(
            f"SELECT {_COLUMNS} FROM {TABLE} WHERE {' AND '.join(clauses)}"
            f" ORDER BY at DESC, id LIMIT ?", (*params, limit))
        return [PiiRead(id=r[0], at=_as_time(r[1]), tenant=r[2], subject=r[3], client_id=r[4],
                        complaint_id=r[5], fields=tuple(r[6].split(","))) for r in rows]

    def _stored_time(self, at: datetime) -> datetime | str:
        # SQLite compares text: one fixed-width UTC format keeps the order of the instants.
        return at if self.db.dialect == "postgresql" else at.isoformat(timespec="microseconds")

    def close(self) -> None:
        """Release the database connection."""
        self.db.close()


def _as_time(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def disclose(view: M, principal: Principal, *, complaint_id: str, log: PiiAccessLog) -> M:
    """view as principal may see it: plaintext and logged with `pii:read`, masked without."""
    if not may_read_personal_data(principal):
        return mask(view)
    shown = [name for name in personal_fields(type(view)) if getattr(view, name) is not None]
    log.record(principal, complaint_id=complaint_id, fields=shown)
    return view
