"""The persisted due index: per complaint, when its next alarm falls due and its live clocks.

A projection of the SLA events kept in the service's own database, so that a starting timer
reads only the complaints due soon instead of every clock ever started. Rows are written
version-guarded: a replica holding an older state of a complaint never overwrites a newer one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from runtime.auth.db import Database, PostgresDatabase, SqliteDatabase
from services.sla.metrics import ClockSummary

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS sla_due (sla_id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
    " due_at TEXT, clocks TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS sla_due_at ON sla_due (due_at)",
]
UPSERT = (
    "INSERT INTO sla_due (sla_id, version, due_at, clocks) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (sla_id) DO UPDATE SET version = excluded.version,"
    " due_at = excluded.due_at, clocks = excluded.clocks WHERE sla_due.version < excluded.version"
)
# Instants as fixed-width UTC text: they sort as they compare, in SQLite and PostgreSQL alike.
FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def _text(instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(UTC).strftime(FORMAT)


def _instant(text: str) -> datetime:
    return datetime.strptime(text, FORMAT).replace(tzinfo=UTC)


class DueTable:
    """The `sla_due` table in the event store's database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.db.define(SCHEMA)

    @classmethod
    def of(cls, env: Any) -> DueTable:
        """The table beside an application's events (its eventsourcing environment)."""
        if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
            return cls(PostgresDatabase(dict(env), name="sla-due"))
        return cls(SqliteDatabase(env.get("SQLITE_DBNAME") or ":memory:"))

    def upsert(self, states: list[tuple[uuid.UUID, int, datetime | None, list[ClockSummary]]]
               ) -> None:
        """Record complaints' states (id, version, next due instant, live clocks), in one
        transaction, each unless a newer one of it is recorded."""
        self.db.run_many(UPSERT, [
            (str(sla_id), version, _text(due_at),
             json.dumps([[s, t, st, _text(d)] for s, t, st, d in clocks]))
            for sla_id, version, due_at, clocks in states])

    def due_by(self, until: datetime) -> list[tuple[uuid.UUID, datetime]]:
        """Complaints with an alarm due at or before `until`."""
        rows, _ = self.db.run("SELECT sla_id, due_at FROM sla_due WHERE due_at <= ?",
                              (_text(until),))
        return [(uuid.UUID(sla_id), _instant(due_at)) for sla_id, due_at in rows]

    def clocks(self) -> Iterator[ClockSummary]:
        """Every live clock (for the metrics)."""
        rows, _ = self.db.run("SELECT clocks FROM sla_due WHERE clocks <> '[]'")
        for (summary,) in rows:
            for severity, target, status, deadline in json.loads(summary):
                yield severity, target, status, _instant(deadline) if deadline else None

    def close(self) -> None:
        self.db.close()
