"""Event stores for the integration tests, and the rogue administrator who tampers with them."""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg
from psycopg import sql

from runtime import append_only
from runtime.eventstore import persistence_env
from runtime.sealed_store import Row, seal
from runtime.vault import KeyVault
from services.intake.application import IntakeApplication
from services.intake.domain import Customer, Submission

PREFIX = "intakeapplication"  # IntakeApplication's table prefix on PostgreSQL


@contextlib.contextmanager
def fresh_postgres_database(postgres_url: str) -> Iterator[str]:
    """A new, empty database in the test cluster, dropped afterwards."""
    name = f"es_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunparse(urlparse(postgres_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def as_user(url: str, user: str, password: str) -> str:
    """url, connecting as another user."""
    parsed = urlparse(url)
    return urlunparse(parsed._replace(netloc=f"{user}:{password}@{parsed.hostname}:{parsed.port}"))


def store_url_for(kind: str, tmp_path: Any, request: Any) -> Iterator[str]:
    """The `store_url` fixture's body: SQLite in tmp_path, or a fresh PostgreSQL database."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path}/intake.sqlite"
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_url")) as url:
        yield url


def intake(url: str, **env: str) -> IntakeApplication:
    """The intake application on the store at url."""
    return IntakeApplication(env={**persistence_env(url), **env}, vault=KeyVault.from_url(url))


# Received, Classified, the customer's duplicate index (Opened, Noted) and the key's Claimed.
EVENTS_PER_FILING = 5


def submission(n: int) -> Submission:
    """The n-th distinct web complaint."""
    return Submission(channel="web", customer=Customer(id=f"cust-{n}", name=f"Customer {n}"),
                      subject=f"Parcel {n} never arrived", text=f"Order {n} is three weeks late.")


def file_complaints(app: IntakeApplication, numbers: range) -> list[uuid.UUID]:
    """File one complaint per number, each under its own idempotency key (five events each)."""
    return [app.file_complaint(submission(n), tenant="acme", idempotency_key=f"key-{n}")
            .complaint_id for n in numbers]


class RogueAdmin:
    """An administrator who switches the append-only triggers off to rewrite history."""

    def __init__(self, url: str) -> None:
        env = persistence_env(url)
        if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
            self.conn: Any = sqlite3.connect(env["SQLITE_DBNAME"], isolation_level=None)
            self.names = {"events": "stored_events", "chain": "audit_chain", "pos": "rowid",
                          "p": "?"}
            tables = ("stored_events", "audit_chain")
            self.off = [f"DROP TRIGGER {t}_no_{op}" for t in tables for op in ("update", "delete")]
            self.on = [s for t in tables for s in append_only.sqlite_triggers(t)]
        else:
            self.conn = psycopg.connect(url, autocommit=True)
            self.names = {"events": f"{PREFIX}_events", "chain": f"{PREFIX}_audit_chain",
                          "pos": "notification_id", "p": "%s"}
            tables = (self.names["events"], self.names["chain"])
            self.off = [f"ALTER TABLE {t} DISABLE TRIGGER USER" for t in tables]
            self.on = [f"ALTER TABLE {t} ENABLE TRIGGER USER" for t in tables]

    def tamper(self, *statements: tuple[str, tuple]) -> None:
        """Run statements in one transaction with the triggers off, then switch them on."""
        self.conn.execute("BEGIN")
        for statement in self.off:
            self.conn.execute(statement)
        for statement, params in statements:
            self.conn.execute(statement.format(**self.names), params)
        for statement in self.on:
            self.conn.execute(statement)
        self.conn.execute("COMMIT")

    def query(self, statement: str, params: tuple = ()) -> list[tuple]:
        """Rows of a read-only query."""
        return [tuple(r) for r in self.conn.execute(statement.format(**self.names), params)]

    def events(self) -> list[Row]:
        """Every stored event as the chain hashes it."""
        return [(p, str(uuid.UUID(str(o))), v, t, bytes(s)) for p, o, v, t, s in self.query(
            "SELECT {pos}, originator_id, originator_version, topic, state FROM {events} "
            "ORDER BY {pos}")]

    def state(self, position: int) -> bytes:
        """The stored state of the event at position."""
        return bytes(self.query("SELECT state FROM {events} WHERE {pos} = {p}", (position,))[0][0])

    def modify(self, position: int, old: bytes, new: bytes) -> None:
        """Change part of one event's state."""
        state = self.state(position)
        assert old in state
        self.tamper(("UPDATE {events} SET state = {p} WHERE {pos} = {p}",
                     (state.replace(old, new), position)))

    def rewrite_from(self, position: int, old: bytes, new: bytes) -> None:
        """Change one event and recompute every seal from it on, consistently."""
        self.modify(position, old, new)
        previous = self.query("SELECT entry_hash FROM {chain} WHERE position = {p}",
                              (position - 1,))[0][0]
        entries = seal(previous, [e for e in self.events() if e[0] >= position])
        self.tamper(*(("UPDATE {chain} SET event_hash = {p}, entry_hash = {p} "
                       "WHERE position = {p}", (e.event_hash, e.entry_hash, e.position))
                      for e in entries))

    def close(self) -> None:
        """Disconnect."""
        self.conn.close()

