"""The few tables access control keeps in a service's own database (SQLite or PostgreSQL)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from psycopg.sql import Composable

from runtime.eventstore import persistence_env
from runtime.schema_lock import SCHEMA_LOCK


class Database(Protocol):
    dialect: str  # "sqlite" or "postgresql"

    def run(self, sql: str | Composable, params: Sequence[Any] = ()) -> tuple[list[tuple], int]:
        ...
    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement for each row, in one transaction (one commit, not one a row)."""
        ...
    def define(self, statements: Sequence[str | Composable]) -> None:
        """Run schema statements (CREATE ... IF NOT EXISTS) so that replicas starting together
        do not race on them."""
        ...
    def has_table(self, name: str) -> bool: ...
    def close(self) -> None: ...


def open_database(url: str, *, name: str) -> Database:
    """The database of the event store at url (a `sqlite:///` or `postgresql://` URL)."""
    env = persistence_env(url)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        return SqliteDatabase(env["SQLITE_DBNAME"])
    return PostgresDatabase(env, name=name)


class SqliteDatabase:
    """One autocommit connection shared by the threads of a process."""

    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=10, isolation_level=None,
                                   check_same_thread=False)

    def run(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[tuple], int]:
        with self._lock:
            cursor = self._db.execute(sql, tuple(params))
            return cursor.fetchall(), cursor.rowcount

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(sql, [tuple(row) for row in rows])
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def define(self, statements: Sequence[str]) -> None:
        for statement in statements:  # SQLite's write lock serialises DDL already
            self.run(statement)

    def has_table(self, name: str) -> bool:
        rows, _ = self.run("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return bool(rows)

    def close(self) -> None:
        self._db.close()


class PostgresDatabase:
    """A small autocommit pool; `?` placeholders become `%s`."""

    dialect = "postgresql"

    def __init__(self, env: dict[str, str], *, name: str) -> None:
        from psycopg_pool import ConnectionPool

        self._pool = ConnectionPool(
            kwargs={
                "dbname": env["POSTGRES_DBNAME"], "host": env["POSTGRES_HOST"],
                "port": env["POSTGRES_PORT"], "user": env["POSTGRES_USER"],
                "password": env["POSTGRES_PASSWORD"], "autocommit": True,
            },
            min_size=1, max_size=4, open=True, name=name,
        )

    def run(self, sql: str | Composable, params: Sequence[Any] = ()) -> tuple[list[tuple], int]:
        query = sql.replace("?", "%s") if isinstance(sql, str) else sql
        with self._pool.connection() as connection:
            # No parameters: pass None, so a literal % (e.g. in a function body) stays as is.
            cursor = connection.execute(query, tuple(params) or None)
            rows = cursor.fetchall() if cursor.description else []
            return rows, cursor.rowcount

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._pool.connection() as connection, connection.transaction():
            connection.cursor().executemany(sql.replace("?", "%s"), [tuple(r) for r in rows])

    def define(self, statements: Sequence[str | Composable]) -> None:
        with self._pool.connection() as connection, connection.transaction():
            connection.execute(SCHEMA_LOCK)
            for statement in statements:
                connection.execute(statement, None)

    def has_table(self, name: str) -> bool:
        [(exists,)], _ = self.run("SELECT to_regclass(?) IS NOT NULL", (name,))
        return bool(exists)

    def close(self) -> None:
        self._pool.close()
