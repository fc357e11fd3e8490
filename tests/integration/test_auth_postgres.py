"""The access-control tables on PostgreSQL: the PII access log refuses UPDATE, DELETE and
TRUNCATE; the filing quota holds when replicas race for the last slots."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from runtime.auth.db import open_database
from runtime.auth.pii_log import PiiAccessLog
from runtime.auth.principal import Principal
from runtime.auth.quota import FilingQuota, QuotaExceeded
from runtime.auth.roles import Role, scopes_for
from tests.integration.event_stores import fresh_postgres_database

pytestmark = pytest.mark.integration


@pytest.fixture
def database_url(postgres_url):
    with fresh_postgres_database(postgres_url) as url:
        yield url


def agent(sub: str) -> Principal:
    return Principal(sub=sub, tenant="acme", roles=frozenset({Role.AGENT}),
                     scopes=scopes_for([Role.AGENT]))


def test_the_pii_access_log_is_append_only_on_postgres(database_url):
    log = PiiAccessLog.from_url(database_url)
    try:
        log.record(agent("alice"), complaint_id="c-1", fields=["customer_name"])
        log.record(agent("bob"), complaint_id="c-1", fields=["customer_phone"])
        since = datetime.now(UTC) - timedelta(minutes=1)
        reads = log.query(tenant="acme", complaint_id="c-1", since=since)
        assert [(r.subject, r.fields) for r in reads] == [
            ("bob", ("customer_phone",)), ("alice", ("customer_name",))]
        assert reads[0].at.tzinfo is not None
        with psycopg.connect(database_url, autocommit=True) as conn:
            for statement in ("UPDATE pii_access_log SET subject = 'mallory'",
                              "DELETE FROM pii_access_log", "TRUNCATE pii_access_log"):
                with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                    conn.execute(statement)
        assert len(log.query(tenant="acme")) == 2
        again = PiiAccessLog.from_url(database_url)  # a second replica starts on the table
        assert len(again.query(tenant="acme")) == 2
        again.close()
    finally:
        log.close()


def test_replicas_racing_for_the_quota_file_exactly_the_quota(database_url):
    replicas = [FilingQuota(open_database(database_url, name=f"quota-{n}"), per_day=5)
                for n in range(4)]

    def file(n: int) -> bool:
        try:
            replicas[n % 4].consume(tenant="acme", customer_id="c-1")
            return True
        except QuotaExceeded:
            return False

    try:
        with ThreadPoolExecutor(16) as pool:
            accepted = list(pool.map(file, range(40)))
        assert accepted.count(True) == 5
    finally:
        for replica in replicas:
            replica.db.close()
