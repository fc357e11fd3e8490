"""Per-customer keys that seal personal data inside events; erasing a key erases the data.

A sealed value reads `pii:v1:<key-id>:<base64(nonce|ciphertext)>`: AES-256-GCM under the
customer's key, with the tenant, customer id and key id as associated data, so a value copied
to another customer does not open. Keys live in the service's own database, in a table that is
deliberately not append-only: erasure deletes the key row, and with it every way to read what
was sealed, while the stored (and hash-chained) ciphertext stays exactly as it was.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from runtime.batch_commit import joined_sqlite
from runtime.eventstore import persistence_env
from runtime.schema_lock import SCHEMA_LOCK

PREFIX = "pii:v1:"
NONCE_BYTES = 12


class VaultError(Exception):
    """A sealed value cannot be opened, for the reason the subclass names."""


class NotSealed(VaultError):
    """The value is not in the `pii:v1:` format."""


class WrongCustomer(VaultError):
    """The value was sealed with another tenant's or customer's key."""


class Tampered(VaultError):
    """The ciphertext does not authenticate under its key: it was altered."""


def is_sealed(value: object) -> bool:
    """Whether a value looks like a sealed `pii:v1:` string."""
    return isinstance(value, str) and value.startswith(PREFIX) and value.count(":") == 3


class KeyVault:
    """One random 256-bit key per (tenant, customer id); seals, opens and erases with it."""

    def __init__(self, store: KeyStore) -> None:
        self.store = store

    @classmethod
    def from_url(cls, url: str) -> KeyVault:
        """The vault in the same database as the event store at this URL."""
        env = persistence_env(url)
        if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
            return cls(SqliteKeys(env["SQLITE_DBNAME"]))
        return cls(PostgresKeys(env))

    def seal(self, tenant: str, customer_id: str, plaintext: str) -> str:
        """Encrypt under the customer's key, creating the key on first use."""
        return self.sealer(tenant, customer_id)(plaintext)

    def sealer(self, tenant: str, customer_id: str) -> Callable[[str], str]:
        """seal() for several values of one customer, the key looked up once (one filing)."""
        key_id, key = self._key_for(tenant, customer_id)
        cipher, associated = AESGCM(key), _associated(key_id, tenant, customer_id)

        def seal(plaintext: str) -> str:
            nonce = secrets.token_bytes(NONCE_BYTES)
            ciphertext = cipher.encrypt(nonce, plaintext.encode(), associated)
            return f"{PREFIX}{key_id}:{base64.b64encode(nonce + ciphertext).decode()}"
        return seal

    def open(self, tenant: str, customer_id: str, sealed: str) -> str | None:
        """The plaintext, or None once the key has been erased."""
        key_id, blob = _split(sealed)
        plaintext = self._decrypt(tenant, customer_id, key_id, blob)
        return None if plaintext is None else plaintext.decode()

    def _decrypt(self, tenant: str, customer_id: str, key_id: str, blob: bytes) -> bytes | None:
        row = self.store.by_id(key_id)
        if row is None:
            return None
        owner_tenant, owner_customer, key = row
        if (owner_tenant, owner_customer) != (tenant, customer_id):
            raise WrongCustomer(f"key {key_id} belongs to another tenant or customer")
        nonce, ciphertext = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
        try:
            plaintext = AESGCM(key).decrypt(
                nonce, ciphertext, _associated(key_id, tenant, customer_id)
            )
        except InvalidTag:
            raise Tampered(f"value sealed under key {key_id} fails authentication") from None
        return plaintext

    def seal_bytes(self, tenant: str, customer_id: str, data: bytes) -> bytes:
        """Encrypt a file under the customer's key: `pii:v1:<key-id>:` then nonce|ciphertext."""
        key_id, key = self._key_for(tenant, customer_id)
        nonce = secrets.token_bytes(NONCE_BYTES)
        ciphertext = AESGCM(key).encrypt(nonce, data, _associated(key_id, tenant, customer_id))
        return f"{PREFIX}{key_id}:".encode() + nonce + ciphertext

    def open_bytes(self, tenant: str, customer_id: str, sealed: bytes) -> bytes | None:
        """The file's bytes, or None once the key has been erased (NotSealed, Tampered)."""
        parts = sealed.split(b":", 3)
        if len(parts) != 4 or not sealed.startswith(PREFIX.encode()):
            raise NotSealed("not a pii:v1 sealed file")
        key_id, blob = parts[2].decode(errors="replace"), parts[3]
        if not key_id or len(blob) <= NONCE_BYTES:
            raise Tampered(f"file sealed under key {key_id} is truncated")
        return self._decrypt(tenant, customer_id, key_id, blob)

    def erase(self, tenant: str, customer_id: str) -> bool:
        """Destroy the customer's key; False if there was none (never made, or erased)."""
        return self.store.delete(tenant, customer_id)

    def key_id(self, tenant: str, customer_id: str) -> str | None:
        """The id of the customer's current key, if one exists."""
        row = self.store.current(tenant, customer_id)
        return row[0] if row else None

    def close(self) -> None:
        """Release the database connection."""
        self.store.close()

    def _key_for(self, tenant: str, customer_id: str) -> tuple[str, bytes]:
        row = self.store.current(tenant, customer_id)
        if row is None:
            # Another replica may add a key at the same moment; the unique constraint keeps one.
            self.store.add(uuid.uuid4().hex, tenant, customer_id, AESGCM.generate_key(256))
            row = self.store.current(tenant, customer_id)
        if row is None:
            raise VaultError("the new key was erased before it could be used")
        return row


def _associated(key_id: str, tenant: str, customer_id: str) -> bytes:
    return json.dumps(["pii:v1", key_id, tenant, customer_id]).encode()


def _split(sealed: str) -> tuple[str, bytes]:
    if not is_sealed(sealed):
        raise NotSealed("not a pii:v1 sealed value")
    _, _, key_id, encoded = sealed.split(":")
    try:
        blob = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise Tampered(f"value sealed under key {key_id} is not valid base64") from None
    if not key_id or len(blob) <= NONCE_BYTES:
        raise Tampered(f"value sealed under key {key_id} is truncated")
    return key_id, blob


class KeyStore(Protocol):
    """The `customer_keys` table of one database."""

    def current(self, tenant: str, customer_id: str) -> tuple[str, bytes] | None: ...
    def by_id(self, key_id: str) -> tuple[str, str, bytes] | None: ...
    def add(self, key_id: str, tenant: str, customer_id: str, key: bytes) -> None: ...
    def delete(self, tenant: str, customer_id: str) -> bool: ...
    def close(self) -> None: ...


_TABLE = """
CREATE TABLE IF NOT EXISTS customer_keys (
    key_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    secret {blob} NOT NULL,
    created_at {time} NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (tenant, customer_id)
)"""
_CURRENT = "SELECT key_id, secret FROM customer_keys WHERE tenant = ? AND customer_id = ?"
_BY_ID = "SELECT tenant, customer_id, secret FROM customer_keys WHERE key_id = ?"
_ADD = (
    "INSERT INTO customer_keys (key_id, tenant, customer_id, secret) VALUES (?, ?, ?, ?)"
    " ON CONFLICT DO NOTHING"
)
_DELETE = "DELETE FROM customer_keys WHERE tenant = ? AND customer_id = ?"


class _SqlKeys:
    """The queries; an adapter supplies `_run(sql, params) -> (rows, rowcount)`."""

    def _run(self, sql: str, params: tuple[Any, ...]) -> tuple[list[tuple], int]:
        raise NotImplementedError

    def current(self, tenant: str, customer_id: str) -> tuple[str, bytes] | None:
        rows, _ = self._run(_CURRENT, (tenant, customer_id))
        return (rows[0][0], bytes(rows[0][1])) if rows else None

    def by_id(self, key_id: str) -> tuple[str, str, bytes] | None:
        rows, _ = self._run(_BY_ID, (key_id,))
        return (rows[0][0], rows[0][1], bytes(rows[0][2])) if rows else None

    def add(self, key_id: str, tenant: str, customer_id: str, key: bytes) -> None:
        self._run(_ADD, (key_id, tenant, customer_id, key))

    def delete(self, tenant: str, customer_id: str) -> bool:
        _, count = self._run(_DELETE, (tenant, customer_id))
        return count > 0


class SqliteKeys(_SqlKeys):
    """`customer_keys` in the service's SQLite file (autocommit: one statement each)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            path, timeout=10, isolation_level=None, check_same_thread=False
        )
        self._run(_TABLE.format(blob="BLOB", time="TEXT"), ())

    def _run(self, sql: str, params: tuple[Any, ...]) -> tuple[list[tuple], int]:
        joined = joined_sqlite(self._path)  # within a consumed batch's transaction
        if joined is not None:
            cursor = joined.execute(sql, params)
            return cursor.fetchall(), cursor.rowcount
        with self._lock:
            cursor = self._db.execute(sql, params)
            return cursor.fetchall(), cursor.rowcount

    def close(self) -> None:
        self._db.close()


class PostgresKeys(_SqlKeys):
    """`customer_keys` in the service's PostgreSQL database, through a small pool."""

    def __init__(self, env: dict[str, str]) -> None:
        from psycopg_pool import ConnectionPool

        self._pool = ConnectionPool(
            kwargs={
                "dbname": env["POSTGRES_DBNAME"], "host": env["POSTGRES_HOST"],
                "port": env["POSTGRES_PORT"], "user": env["POSTGRES_USER"],
                "password": env["POSTGRES_PASSWORD"], "autocommit": True,
            },
            min_size=1, max_size=4, open=True, name="customer-keys",
        )
        # A service role without CREATE on the schema still starts once the owner made it.
        [(exists,)], _ = self._run("SELECT to_regclass('customer_keys') IS NOT NULL", ())
        if not exists:
            with self._pool.connection() as connection, connection.transaction():
                connection.execute(SCHEMA_LOCK)
                connection.execute(_TABLE.format(blob="BYTEA", time="TIMESTAMPTZ"))

    def _run(self, sql: str, params: tuple[Any, ...]) -> tuple[list[tuple], int]:
        with self._pool.connection() as connection:
            cursor = connection.execute(sql.replace("?", "%s"), params)
            rows = cursor.fetchall() if cursor.description else []
            return rows, cursor.rowcount

    def close(self) -> None:
        self._pool.close()
