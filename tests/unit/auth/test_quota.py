"""The per-customer filing quota: N a day, counted in the service's database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runtime.auth.db import SqliteDatabase
from runtime.auth.quota import FilingQuota, QuotaExceeded


class Now:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def now() -> Now:
    return Now()


@pytest.fixture
def quota(tmp_path, now) -> FilingQuota:
    return FilingQuota(SqliteDatabase(str(tmp_path / "q.sqlite")), per_day=3, clock=now)


def test_a_customer_files_up_to_the_quota(quota):
    assert [quota.consume(tenant="acme", customer_id="c-1") for _ in range(3)] == [2, 1, 0]
    with pytest.raises(QuotaExceeded) as caught:
        quota.consume(tenant="acme", customer_id="c-1")
    assert caught.value.status_code == 429
    assert caught.value.detail == (
        "filing quota exceeded: at most 3 complaints per customer per day")
    assert caught.value.headers == {"Retry-After": "3600"}  # until midnight UTC


def test_customers_and_tenants_count_apart(quota):
    for _ in range(3):
        quota.consume(tenant="acme", customer_id="c-1")
    assert quota.consume(tenant="acme", customer_id="c-2") == 2
    assert quota.consume(tenant="globex", customer_id="c-1") == 2


def test_a_new_day_starts_afresh(quota, now):
    for _ in range(3):
        quota.consume(tenant="acme", customer_id="c-1")
    now.now += timedelta(hours=1)
    assert quota.consume(tenant="acme", customer_id="c-1") == 2


def test_refused_filings_do_not_count(quota, now):
    for _ in range(3):
        quota.consume(tenant="acme", customer_id="c-1")
    for _ in range(5):
        with pytest.raises(QuotaExceeded):
            quota.consume(tenant="acme", customer_id="c-1")
    rows, _ = quota.db.run("SELECT filed FROM filing_quota")
    assert rows == [(3,)]


def test_two_replicas_share_the_count(tmp_path, now):
    path = str(tmp_path / "shared.sqlite")
    one = FilingQuota(SqliteDatabase(path), per_day=3, clock=now)
    two = FilingQuota(SqliteDatabase(path), per_day=3, clock=now)
    one.consume(tenant="acme", customer_id="c-1")
    two.consume(tenant="acme", customer_id="c-1")
    one.consume(tenant="acme", customer_id="c-1")
    with pytest.raises(QuotaExceeded):
        two.consume(tenant="acme", customer_id="c-1")


def test_the_first_filing_of_a_day_forgets_the_days_before(quota, now):
    quota.consume(tenant="acme", customer_id="c-1")
    quota.consume(tenant="acme", customer_id="c-2")
    now.now += timedelta(days=2)
    quota.consume(tenant="acme", customer_id="c-1")

    rows, _ = quota.db.run("SELECT customer_id, day, filed FROM filing_quota")
    assert rows == [("c-1", now.now.date().isoformat(), 1)]
