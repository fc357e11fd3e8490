"""One database transaction around a batch of consumed events, committed once.

While a thread runs a batch, every transaction the event store's recorder opens in that thread
(saves, tracking records, reads) joins the batch's transaction as a savepoint of it: a save
that conflicts is undone alone and raises IntegrityError as before, reads see what the batch
wrote so far, and nothing is durable until the batch commits. Other threads (HTTP requests, the
relay) keep their own transactions; other tables in the same SQLite file join through
`joined_sqlite`. SQLite takes the write lock when the batch begins
(BEGIN IMMEDIATE), so no other writer slips in between its reads and its writes; PostgreSQL's
savepoints are psycopg's nested transactions.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

from eventsourcing.persistence import IntegrityError, OperationalError, PersistenceError

try:  # PostgreSQL is optional on a machine running SQLite only
    import psycopg
except ImportError:  # pragma: no cover
    psycopg = None


_sqlite_batches = threading.local()


def joined_sqlite(path: str) -> sqlite3.Connection | None:
    """The connection of this thread's open batch on the SQLite file at path, if any: other
    tables kept in the service's file (runtime.vault's keys) write through it, since a second
    connection would wait for the batch's write lock until it timed out."""
    return getattr(_sqlite_batches, "by_path", {}).get(os.path.realpath(path))


class BatchCommit:
    """Lets a thread run many saves in one transaction of a recorder's datastore."""

    def __init__(self, datastore: Any) -> None:
        self._datastore = datastore
        self._own = datastore.transaction
        self._local = threading.local()
        self._names = itertools.count(1)
        self._sqlite = hasattr(datastore.pool, "db_name")
        # An instance attribute shadows the class's method: the recorder's calls come here.
        datastore.transaction = self._transaction
        if not self._sqlite:
            # PostgreSQL's recorder inserts events on a connection of its own (get_connection,
            # then conn.transaction()): in a batch it gets the batch's, where psycopg makes
            # that transaction a savepoint; without this each insert would commit alone.
            self._own_connection = datastore.get_connection
            datastore.get_connection = self._joined_connection

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Run the block in one transaction: committed after it, rolled back if it raises."""
        if getattr(self._local, "connection", None) is not None:
            raise RuntimeError("a batch is already open in this thread")
        with self._connection() as connection:
            self._local.connection = connection
            try:
                yield
            finally:
                self._local.connection = None

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the open batch that is undone alone when it raises."""
        connection = self._local.connection
        name = f"batch_{next(self._names)}"
        cursor = connection.cursor()
        cursor.execute(f"SAVEPOINT {name}")
        try:
            with _as_persistence_errors():
                yield
        except BaseException:
            cursor.execute(f"ROLLBACK TO SAVEPOINT {name}")
            cursor.execute(f"RELEASE SAVEPOINT {name}")
            raise
        cursor.execute(f"RELEASE SAVEPOINT {name}")

    @contextlib.contextmanager
    def _transaction(self, *, commit: bool) -> Iterator[Any]:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            with self._own(commit=commit) as cursor:
                yield cursor
            return
        with self.savepoint():
            yield connection.cursor()

    @contextlib.contextmanager
    def _joined_connection(self) -> Iterator[Any]:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            with self._own_connection() as own:
                yield own
            return
        with _as_persistence_errors():
            yield connection

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Any]:
        if self._sqlite:
            with self._datastore.get_connection(commit=True) as connection:
                connection.cursor().execute("BEGIN IMMEDIATE")
                path = os.path.realpath(self._datastore.pool.db_name)
                _sqlite_batches.by_path = {path: connection._sqlite_conn}
                try:
                    yield connection
                except BaseException:
                    connection.rollback()
                    raise
                finally:
                    _sqlite_batches.by_path = {}
                with _as_persistence_errors():
                    connection.commit()
            return
        with self._own_connection() as connection, connection.transaction():
            yield connection


@contextlib.contextmanager
def _as_persistence_errors() -> Iterator[None]:
    """The driver's errors as the eventsourcing library's, as its own transactions raise them
    (handlers and retry loops catch IntegrityError)."""
    integrity = (sqlite3.IntegrityError, *((psycopg.IntegrityError,) if psycopg else ()))
    operational = (sqlite3.OperationalError, *((psycopg.OperationalError,) if psycopg else ()))
    driver = (sqlite3.Error, *((psycopg.Error,) if psycopg else ()))
    try:
        yield
    except integrity as error:
        raise IntegrityError(error) from error
    except operational as error:
        raise OperationalError(error) from error
    except driver as error:
        raise PersistenceError(error) from error


class NoBatchCommit:
    """For an event store without a SQL datastore (in-memory tests): each save commits alone."""

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        yield

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        yield


def batch_commit_for(recorder: Any) -> BatchCommit | NoBatchCommit:
    """What runs a batch in one transaction of this recorder's database."""
    datastore = getattr(recorder, "datastore", None)
    if datastore is None or not hasattr(datastore, "pool"):
        return NoBatchCommit()
    return BatchCommit(datastore)
