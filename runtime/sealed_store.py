"""Process recorders that seal every event they insert into the audit chain, atomically.

Each new event gets one chain row (position = notification id, event_hash, entry_hash) in
the same transaction that inserts it, linked to the chain head read inside that transaction
while inserts are serialised, so the chain has exactly the events' order. The events and
chain tables are append-only (see runtime.append_only).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresDatastore, PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteCursor, SQLiteProcessRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from runtime import append_only
from runtime.chain import GENESIS, ChainEntry, event_hash, link
from runtime.schema_lock import SCHEMA_LOCK, STARTUP_LOCK, STARTUP_UNLOCK, transaction_lock

Row = tuple[int, str, int, str, bytes]  # position, originator_id, version, topic, state


def seal(previous_entry_hash: str, rows: Iterable[Row]) -> list[ChainEntry]:
    """Chain entries for rows (in position order) that follow the entry previous_entry_hash."""
    entries = []
    for position, originator_id, version, topic, state in rows:
        this = event_hash(position, originator_id, version, topic, bytes(state))
        previous_entry_hash = link(previous_entry_hash, this)
        entries.append(ChainEntry(position, this, previous_entry_hash))
    return entries


class SealingSQLiteProcessRecorder(SQLiteProcessRecorder):
    """SQLite process recorder that seals new events into `audit_chain`."""

    chain_table_name = "audit_chain"

    def construct_create_table_statements(self) -> list[str]:
        chain = self.chain_table_name
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {chain} (position INTEGER PRIMARY KEY, "
            "event_hash TEXT NOT NULL, entry_hash TEXT NOT NULL)",
            *append_only.sqlite_triggers(self.events_table_name),
            *append_only.sqlite_triggers(chain),
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if ids:
            # The events' INSERT took SQLite's write lock, so this head is the latest.
            c.execute(f"SELECT entry_hash FROM {self.chain_table_name} "
                      "ORDER BY position DESC LIMIT 1")
            head = c.fetchone()
            rows = [(i, self._as_read(e.originator_id), e.originator_version, e.topic, e.state)
                    for i, e in zip(ids, stored_events, strict=True)]
            c.executemany(
                f"INSERT INTO {self.chain_table_name} VALUES (?, ?, ?)",
                [(e.position, e.event_hash, e.entry_hash)
                 for e in seal(head[0] if head else GENESIS, rows)],
            )
        return ids

    def select_chain(self) -> tuple[list[Row], list[ChainEntry]]:
        """Every event and every seal, in position order, read from one snapshot."""
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT rowid, originator_id, originator_version, topic, state "
                      f"FROM {self.events_table_name} ORDER BY rowid")
            events = [(r[0], str(self.convert_originator_id(r[1])), r[2], r[3], r[4])
                      for r in c.fetchall()]
            c.execute(f"SELECT position, event_hash, entry_hash FROM {self.chain_table_name} "
                      "ORDER BY position")
            return events, [ChainEntry(*r) for r in c.fetchall()]

    def _as_read(self, originator_id: UUID | str) -> str:
        """The originator id as select_notifications will give it back, as text."""
        stored = originator_id.hex if isinstance(originator_id, UUID) else originator_id
        return str(self.convert_originator_id(stored))


class SealingPostgresProcessRecorder(PostgresProcessRecorder):
    """PostgreSQL process recorder that seals new events into `<app>_audit_chain`."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        if datastore.enable_db_functions:
            raise ProgrammingError("sealing needs POSTGRES_ENABLE_DB_FUNCTIONS off")
        schema = datastore.schema
        self.chain_table_name = self.events_table_name.removesuffix("_events") + "_audit_chain"
        self.chain = Identifier(schema, self.chain_table_name)
        self.events = Identifier(schema, self.events_table_name)
        self.sql_create_statements += [
            SQL("CREATE TABLE IF NOT EXISTS {} (position bigint PRIMARY KEY, "
                "event_hash text NOT NULL, entry_hash text NOT NULL)").format(self.chain),
            append_only.postgres_function(schema),
            *append_only.postgres_triggers(schema, self.events_table_name),
            *append_only.postgres_triggers(schema, self.chain_table_name),
        ]
        # An advisory lock serialises inserts as the library's EXCLUSIVE table lock would,
        # but needs no UPDATE privilege, so an insert-only service role can take it.
        self.lock_table_statements = [
            self.lock_table_statements[0],
            transaction_lock(f"{schema}.{self.events_table_name}"),
        ]

    def select_chain(self) -> tuple[list[Row], list[ChainEntry]]:
        """Every event and every seal, in position order, read from one snapshot."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            curs.execute(SQL("SELECT notification_id, originator_id, originator_version, "
                             "topic, state FROM {} ORDER BY notification_id").format(self.events))
            events = [(r["notification_id"], str(r["originator_id"]), r["originator_version"],
                       r["topic"], bytes(r["state"])) for r in curs.fetchall()]
            curs.execute(SQL("SELECT position, event_hash, entry_hash FROM {} ORDER BY position")
                         .format(self.chain))
            return events, [ChainEntry(**r) for r in curs.fetchall()]

    def create_table(self) -> None:
        # The library creates its row types first, each in a transaction of its own, and two
        # replicas doing so at once collide in pg_type: the whole definition takes turns, under
        # a lock held by a connection of its own (released if the process dies).
        with self.datastore.get_connection() as holder:
            holder.execute(STARTUP_LOCK)
            try:
                super().create_table()
            finally:
                holder.execute(STARTUP_UNLOCK)

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        # The append-only function is shared with access control's tables (Database.define).
        curs.execute(SCHEMA_LOCK)
        super()._create_table(curs)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """As the library's, except that a failure after the insert rolls everything back.

        The library keeps an exception raised after its INSERT (here: while sealing) and
        re-raises it only after leaving its transaction block normally, which would commit
        the events without their seals (and a consumer's effects without its processed
        record). Raising inside the block rolls the transaction back instead.
        """
        with (
            self.datastore.get_connection() as conn,
            conn.pipeline() as pipeline,
            conn.transaction(),
        ):
            with conn.cursor() as curs:
                self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            with conn.cursor() as curs:
                self._insert_stored_events(curs, stored_events, **kwargs)
                pipeline.sync()  # a uniqueness conflict raises IntegrityError here
                return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if ids:
            self._seal(curs, ids)
        return ids

    def _seal(self, curs: Cursor[DictRow], ids: Sequence[int]) -> None:
        curs.execute(SQL("SELECT entry_hash FROM {} ORDER BY position DESC LIMIT 1")
                     .format(self.chain))
        head = curs.fetchone()
        curs.execute(
            SQL("SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {} WHERE notification_id = ANY(%s) ORDER BY notification_id")
            .format(self.events),
            (list(ids),),
        )
        rows = [(r["notification_id"], str(r["originator_id"]), r["originator_version"],
                 r["topic"], r["state"]) for r in curs.fetchall()]
        curs.executemany(
            SQL("INSERT INTO {} VALUES (%s, %s, %s)").format(self.chain),
            [(e.position, e.event_hash, e.entry_hash)
             for e in seal(head["entry_hash"] if head else GENESIS, rows)],
        )
