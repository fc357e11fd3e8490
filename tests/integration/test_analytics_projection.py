"""Analytics on the real broker: a published complaint is counted, once, within two seconds."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from contracts.envelope import NAMESPACE
from contracts.topics import INTAKE_EVENTS
from services.analytics.bootstrap import bootstrap
from services.analytics.config import AnalyticsSettings
from tests.auth_tokens import Tokens, bearer
from tests.topic_reader import produce
from tests.unit.analytics.samples import raw_sample

pytestmark = pytest.mark.integration


def received(tenant: str, n: int) -> tuple[bytes, bytes]:
    raw = raw_sample("complaint.received.v1")
    raw.update(id=str(uuid.uuid5(NAMESPACE, f"{tenant}/{n}")), tenant=tenant)
    return raw["subject"].encode(), json.dumps(raw).encode()


def analyst(api: FastAPI, tokens: Tokens, tenant: str) -> TestClient:
    """A client of the service acting as an analyst of the tenant."""
    return TestClient(api, headers=bearer(tokens.token("analyst", tenant=tenant)))


def wait_for_count(http: TestClient, tenant: str, expected: int, timeout_s: float) -> None:
    """Poll until the tenant's received count is `expected`; fail after the timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        answer = http.get("/v1/analytics/complaints/count", params={"tenant": tenant}).json()
        if answer == {"received": expected}:
            return
        time.sleep(0.02)
    pytest.fail(f"{tenant} did not reach {expected} received complaints in {timeout_s} s")


def test_a_published_complaint_is_counted_within_two_seconds_and_only_once(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    tenant = f"analytics-it-{uuid.uuid4().hex[:8]}"
    # A consumer group of its own, so a running analytics service is not disturbed.
    tokens = Tokens(tmp_path / "auth")
    settings = AnalyticsSettings(
        service=tenant, kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path, **tokens.settings
    )
    api, _ = bootstrap(settings)
    with analyst(api, tokens, tenant) as http:
        # The first event waits for the group to be assigned its partitions.
        produce(kafka_bootstrap, INTAKE_EVENTS, [received(tenant, 1)])
        wait_for_count(http, tenant, 1, timeout_s=60)

        sent = time.monotonic()
        produce(kafka_bootstrap, INTAKE_EVENTS, [received(tenant, 2)])
        wait_for_count(http, tenant, 2, timeout_s=10)
        assert time.monotonic() - sent < 2.0

        # One key, one partition: the new event is projected after the two repeats before it.
        produce(
            kafka_bootstrap, INTAKE_EVENTS,
            [received(tenant, 2), received(tenant, 1), received(tenant, 3)],
        )
        wait_for_count(http, tenant, 3, timeout_s=10)
        time.sleep(0.5)
        assert http.get(
            "/v1/analytics/complaints/count", params={"tenant": tenant}
        ).json() == {"received": 3}
        assert http.get("/readyz").json() == {
            "ready": True, "checks": {"started": True, "clickhouse": True, "consuming": True}
        }
