"""The PostgreSQL advisory locks the platform takes, by name.

Replicas that start together on an empty database race on CREATE ... IF NOT EXISTS: both
insert the same row into PostgreSQL's catalogue (pg_type) and one fails on its unique index.
Every schema change therefore runs in one transaction that first takes `SCHEMA_LOCK`.
"""

from __future__ import annotations

import hashlib


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_xact_lock."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def transaction_lock(name: str) -> str:
    """The statement that holds the lock `name` until the transaction ends."""
    return f"SELECT pg_advisory_xact_lock({advisory_key(name)})"


SCHEMA_LOCK = transaction_lock("complaint-platform:ddl")
# An event store's whole definition spans several transactions, so its lock is a session's.
_STARTUP = advisory_key("complaint-platform:event-store-ddl")
STARTUP_LOCK = f"SELECT pg_advisory_lock({_STARTUP})"
STARTUP_UNLOCK = f"SELECT pg_advisory_unlock({_STARTUP})"
