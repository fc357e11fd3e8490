"""The read model's tables, in the work service's own database: SQLite on one machine,
PostgreSQL when DATABASE_URL names one. Every statement uses `?` placeholders."""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from runtime.batch_commit import joined_sqlite
from runtime.eventstore import persistence_env
from runtime.schema_lock import SCHEMA_LOCK

COMPLAINT_COLUMNS = (
    "complaint_id", "tenant", "channel", "customer_id", "customer_tier", "region", "product",
    "category", "severity", "department", "queue", "agent_id", "intake_status",
    "dispatch_status", "resolution_status", "status", "stage", "sla_state", "warn_at", "due_at",
    "received_at", "updated_at", "external_reference", "duplicate_of", "csat", "nps",
    "outcome", "reopen_count", "historical",
)
INTEGERS = {"csat", "nps", "reopen_count", "historical"}

TABLES = {
    "work_complaints": "CREATE TABLE IF NOT EXISTS work_complaints ({}, PRIMARY KEY (complaint_id))"
    .format(", ".join(f"{c} {'INTEGER' if c in INTEGERS else 'TEXT'}"
                      for c in COMPLAINT_COLUMNS)),
    "work_clocks": "CREATE TABLE IF NOT EXISTS work_clocks (clock_id TEXT PRIMARY KEY, "
    "complaint_id TEXT NOT NULL, state TEXT NOT NULL, warn_at TEXT, deadline_at TEXT, "
    "warned INTEGER NOT NULL, breached INTEGER NOT NULL)",
    "work_tags": "CREATE TABLE IF NOT EXISTS work_tags (complaint_id TEXT NOT NULL, "
    "tag TEXT NOT NULL, PRIMARY KEY (complaint_id, tag))",
    # Keyed digests of words and contact points (services.work.terms), never the words.
    "work_search_keys": "CREATE TABLE IF NOT EXISTS work_search_keys (digest TEXT NOT NULL, "
    "complaint_id TEXT NOT NULL, tenant TEXT NOT NULL, customer_id TEXT NOT NULL, "
    "PRIMARY KEY (digest, complaint_id))",
    "work_seen_events": "CREATE TABLE IF NOT EXISTS work_seen_events (event_id TEXT PRIMARY KEY)",
}
INDEXES = (
    "CREATE INDEX IF NOT EXISTS work_by_received ON work_complaints "
    "(tenant, received_at, complaint_id)",
    "CREATE INDEX IF NOT EXISTS work_by_department ON work_complaints "
    "(tenant, department, received_at, complaint_id)",
    "CREATE INDEX IF NOT EXISTS work_by_agent ON work_complaints "
    "(tenant, agent_id, received_at, complaint_id)",
    "CREATE INDEX IF NOT EXISTS work_by_department_status ON work_complaints "
    "(tenant, department, status, due_at)",
    "CREATE INDEX IF NOT EXISTS work_by_status ON work_complaints "
    "(tenant, status, received_at, complaint_id)",
    "CREATE INDEX IF NOT EXISTS work_by_due ON work_complaints (tenant, due_at)",
    "CREATE INDEX IF NOT EXISTS work_by_warn ON work_complaints (tenant, warn_at)",
    "CREATE INDEX IF NOT EXISTS work_by_customer ON work_complaints (tenant, customer_id)",
    "CREATE INDEX IF NOT EXISTS work_by_reference ON work_complaints "
    "(tenant, external_reference)",
    "CREATE INDEX IF NOT EXISTS work_clocks_of ON work_clocks (complaint_id)",
    "CREATE INDEX IF NOT EXISTS work_tags_by_tag ON work_tags (tag, complaint_id)",
    "CREATE INDEX IF NOT EXISTS work_keys_of_customer ON work_search_keys (tenant, customer_id)",
    # Projecting a complaint's received event first deletes its keys: without this index each
    # complaint received scanned every complaint's keys (tests/unit/work/test_projection_plans).
    "CREATE INDEX IF NOT EXISTS work_keys_of_complaint ON work_search_keys (complaint_id)",
)


class Run(Protocol):
    def __call__(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...


class Store:
    """Runs statements in transactions; `transaction()` holds the write lock throughout."""

    # What a SELECT appends to lock the rows it reads until the transaction ends.
    for_update = ""

    # What a schema change runs first, so that replicas starting together take turns.
    schema_lock: tuple[str, ...] = ()

    def open(self) -> None:
        """Create the tables and indexes that are missing."""
        with self.transaction() as run:
            for create in (*self.schema_lock, *TABLES.values(), *INDEXES):
                run(create)

    def drop(self) -> None:
        """Drop every table of the read model (the rebuild replays the topics into new ones)."""
        with self.transaction() as run:
            for table in TABLES:
                run(f"DROP TABLE IF EXISTS {table}")

    def transaction(self) -> contextlib.AbstractContextManager[Run]:
        raise NotImplementedError

    def select(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows of a query, each as a dict."""
        with self.transaction() as run:
            return run(sql, params)

    def close(self) -> None:
        raise NotImplementedError


class SqliteStore(Store):
    """One connection, serialised by a lock; WAL so that readers do not block the writer.

    The tables share the file with the service's event store. A consumer applying a batch holds
    that file's write lock until the batch commits (runtime.batch_commit), so the projection it
    runs writes through the batch's connection: a second connection would wait for the lock
    its own thread holds until it timed out, failing every batch."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Run]:
        batch = joined_sqlite(self._path)
        if batch is not None:  # committed (or undone) with the batch's event
            yield functools.partial(_rows, batch)
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield functools.partial(_rows, self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def insert_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Bulk insert (the benchmark fills a million rows this way)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(sql, rows)
            self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()


def _rows(db: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cursor = db.execute(sql, tuple(params))
    if cursor.description is None:
        return []
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class PostgresStore(Store):
    """A small pool; each transaction is one connection's."""

    for_update = " FOR UPDATE"
    schema_lock = (SCHEMA_LOCK,)

    def __init__(self, env: dict[str, str]) -> None:
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        self._pool = ConnectionPool(kwargs={
            "dbname": env["POSTGRES_DBNAME"], "host": env["POSTGRES_HOST"],
            "port": env["POSTGRES_PORT"], "user": env["POSTGRES_USER"],
            "password": env["POSTGRES_PASSWORD"], "row_factory": dict_row,
        }, min_size=1, max_size=8, open=True, name="work-read-model")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Run]:
        with self._pool.connection() as connection, connection.transaction():
            def run(sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
                cursor = connection.execute(sql.replace("?", "%s"), tuple(params))
                return list(cursor.fetchall()) if cursor.description else []
            yield run

    def insert_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Bulk insert (the benchmark fills a million rows this way)."""
        with self._pool.connection() as connection, connection.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)

    def close(self) -> None:
        self._pool.close()


def build_store(url: str) -> Store:
    """The store at an event store URL (`sqlite:///...` or `postgresql://...`)."""
    env = persistence_env(url)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        return SqliteStore(env["SQLITE_DBNAME"])
    return PostgresStore(env)
