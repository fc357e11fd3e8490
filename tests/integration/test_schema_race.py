"""Replicas that start together on an empty PostgreSQL database all start.

Two processes running CREATE TABLE IF NOT EXISTS at the same moment can both insert the table's
row type into PostgreSQL's catalogue, and one then dies on pg_type's unique index (a full run
lost an sla replica so). Every piece that defines tables on startup takes one advisory lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
import pytest

from runtime.auth.db import PostgresDatabase
from runtime.auth.pii_log import PiiAccessLog
from runtime.auth.quota import FilingQuota
from runtime.eventstore import persistence_env
from runtime.vault import KeyVault
from services.sla.due_table import DueTable
from services.work.store import PostgresStore
from tests.integration.event_stores import fresh_postgres_database, intake

REPLICAS = 6
ROUNDS = 3
TABLES = ("intakeapplication_events", "intakeapplication_audit_chain", "customer_keys",
          "sla_due", "work_complaints", "pii_access_log", "filing_quota")


def start_one(url: str) -> None:
    """What one replica of each service defines on startup, in one process."""
    env = persistence_env(url)
    intake(url)
    KeyVault.from_url(url)
    DueTable(PostgresDatabase(env, name="race-due"))
    PostgresStore(env).open()
    db = PostgresDatabase(env, name="race-auth")
    PiiAccessLog(db)
    FilingQuota(db, per_day=3)


def together(work: Callable[[], None], n: int) -> list[BaseException]:
    """Run work in n threads released at one instant; the exceptions they raised."""
    barrier, failures = threading.Barrier(n), []

    def run() -> None:
        barrier.wait()
        try:
            work()
        except BaseException as failure:  # collected and asserted on below
            failures.append(failure)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_replicas_starting_together_on_an_empty_database_all_start(postgres_url, round_):
    with fresh_postgres_database(postgres_url) as url:
        failures = together(lambda: start_one(url), REPLICAS)

        assert failures == []
        with psycopg.connect(url) as connection:
            present = {name for (name,) in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
        assert set(TABLES) <= present
