"""Leases: which one replica of a service runs a task that only one may run at a time.

PostgreSQL (a shared DATABASE_URL): a session-level advisory lock held on a connection of the
lease's own. A killed replica's connection closes and the server frees the lock at once. A
replica cut off or frozen (SIGSTOP, a full GC, a paused VM) is found out by the server: TCP
keepalives on both ends (idle 2 s, 3 probes 1 s apart) and `idle_session_timeout` = 5 s, so a
leader that has not confirmed its lease for 5 s loses it. The leader confirms it (a round trip on
that connection) before every batch and at least every `HEARTBEAT_S`; a replica that cannot
confirm is a standby from that instant. Failover therefore takes at most ~5 s, and a standby
polls for the lock every second.

Elsewhere (the embedded SQLite default, chDB): an exclusive `flock` on a file in DATA_DIR, freed
by the kernel when the process dies; replicas on one machine only, which is what SQLite allows.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from pathlib import Path
from typing import Any, Protocol

from prometheus_client import Gauge

from runtime.eventstore import persistence_env
from runtime.schema_lock import advisory_key

log = logging.getLogger(__name__)

LEADER = Gauge(
    "leader", "1 for the role this replica holds in a task only one replica runs",
    ["service", "task", "role"],
)
HEARTBEAT_S = 1.0
IDLE_SESSION_TIMEOUT_MS = 5000
ROLES = ("leader", "standby")


class Lock(Protocol):
    def acquire(self) -> bool:
        """Take the lock if free, or confirm it is still ours; False otherwise."""

    def release(self) -> None: ...


class Lease:
    """Whether this replica is the leader of one task of one service."""

    def __init__(self, service: str, task: str, lock: Lock) -> None:
        self.service, self.task, self.lock = service, task, lock
        self.leading = False
        self._confirmed_at = 0.0
        self._show()

    @property
    def role(self) -> str:
        return "leader" if self.leading else "standby"

    def held(self) -> bool:
        """Acquire or confirm the lease now (blocking I/O: call it off the event loop)."""
        try:
            leading = self.lock.acquire()
        except Exception:
            log.exception("lease check failed", extra={"task": self.task})
            leading = False
        if leading != self.leading:
            log.info("lease %s", "taken" if leading else "lost",
                     extra={"task": self.task, "role": "leader" if leading else "standby"})
        self.leading = leading
        self._confirmed_at = time.monotonic()
        self._show()
        return leading

    def due_for_heartbeat(self) -> bool:
        """Whether the leader should confirm its lease even with nothing to do."""
        return time.monotonic() - self._confirmed_at >= HEARTBEAT_S

    def release(self) -> None:
        """Give the lease up (on shutdown), so a standby takes over at once."""
        self.leading = False
        self._show()
        self.lock.release()

    def _show(self) -> None:
        for role in ROLES:
            LEADER.labels(self.service, self.task, role).set(int(role == self.role))


class AdvisoryLock:
    """`pg_try_advisory_lock` on a dedicated connection (see the module docstring)."""

    def __init__(self, env: dict[str, str], name: str) -> None:
        self.env, self.key = env, advisory_key(f"lease:{name}")
        self._conn: Any = None
        self._held = False

    def acquire(self) -> bool:
        import psycopg

        try:
            return self._acquire()
        except psycopg.Error:
            lost = self._held
            self.release()
            if lost:
                raise
        # A standby's idle session may have timed out: ask again on a new one.
        return self._acquire()

    def _acquire(self) -> bool:
        if self._conn is None:
            self._conn, self._held = self._connect(), False
        if self._held:
            # A session lock lasts as long as its session: a round trip proves both.
            self._conn.execute("SELECT 1")
            return True
        self._held = bool(self._conn.execute(
            "SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0])
        return self._held

    def _connect(self) -> Any:
        import psycopg

        conn = psycopg.connect(
            dbname=self.env["POSTGRES_DBNAME"], host=self.env["POSTGRES_HOST"],
            port=self.env["POSTGRES_PORT"], user=self.env["POSTGRES_USER"],
            password=self.env["POSTGRES_PASSWORD"], autocommit=True, connect_timeout=3,
            keepalives=1, keepalives_idle=2, keepalives_interval=1, keepalives_count=3,
            application_name="lease",
        )
        for setting, value in (("tcp_keepalives_idle", 2), ("tcp_keepalives_interval", 1),
                               ("tcp_keepalives_count", 3),
                               ("idle_session_timeout", IDLE_SESSION_TIMEOUT_MS)):
            conn.execute(f"SET {setting} = {value}")
        return conn

    def release(self) -> None:
        if self._conn is not None:
            conn, self._conn, self._held = self._conn, None, False
            try:
                conn.close()  # closing the session frees its advisory locks
            except Exception:
                log.debug("lease connection already gone", exc_info=True)


class FileLock:
    """An exclusive `flock` on a file; the kernel frees it when the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


def lease_for(*, service: str, task: str, database_url: str, data_dir: Path) -> Lease:
    """A PostgreSQL lease when the database is PostgreSQL, else a file lease in data_dir."""
    name = f"{service}:{task}"
    if database_url.startswith(("postgres://", "postgresql://")):
        return Lease(service, task, AdvisoryLock(persistence_env(database_url), name))
    safe = name.replace("/", "_").replace(":", "-")
    return Lease(service, task, FileLock(data_dir / "leases" / f"{safe}.lock"))
