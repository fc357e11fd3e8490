"""On the real broker: `python -m services.analytics.tools.rebuild` replays the topics into empty
tables, gives the same numbers, and the service carries on from where the replay stopped."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from contracts.topics import DOMAIN_TOPICS, INTAKE_EVENTS
from services.analytics.bootstrap import bootstrap
from services.analytics.config import AnalyticsSettings
from services.analytics.tools.rebuild import rebuild
from tests.auth_tokens import Tokens
from tests.integration.test_analytics_projection import analyst, wait_for_count
from tests.topic_reader import produce
from tests.unit.analytics.samples import raw_sample

pytestmark = pytest.mark.integration


def event(event_type: str, tenant: str, n: int, **data: object) -> tuple[bytes, bytes]:
    """A sample event of complaint n of the tenant, with its own complaint and event id."""
    complaint_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant}/complaint/{n}"))
    raw = raw_sample(event_type)
    raw.update(id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant}/{event_type}/{n}")),
               tenant=tenant, subject=complaint_id)
    raw["data"].update(complaint_id=complaint_id, **data)
    return complaint_id.encode(), json.dumps(raw).encode()


def received(tenant: str, n: int) -> tuple[bytes, bytes]:
    return event("complaint.received.v1", tenant, n)


def classified(tenant: str, n: int, category: str) -> tuple[bytes, bytes]:
    return event("complaint.classified.v1", tenant, n, category=category)


async def end_offsets(bootstrap: str) -> dict[tuple[str, int], int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        partitions = [TopicPartition(t.name, p) for t in DOMAIN_TOPICS for p in range(t.partitions)]
        ends = await consumer.end_offsets(partitions)
        return {(tp.topic, tp.partition): end for tp, end in ends.items() if end > 0}
    finally:
        await consumer.stop()


def reports(http: TestClient, tenant: str) -> dict:
    return {
        "volume": http.get("/v1/analytics/volume", params={"tenant": tenant, "by": "category"})
        .json()["rows"],
        "received": http.get("/v1/analytics/complaints/count", params={"tenant": tenant}).json(),
    }


def test_rebuild_replays_into_empty_tables_and_the_service_resumes_after_it(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    tenant = f"analytics-rebuild-{uuid.uuid4().hex[:8]}"
    tokens = Tokens(tmp_path / "auth")
    settings = AnalyticsSettings(service=tenant, kafka_bootstrap=kafka_bootstrap,
                                 data_dir=tmp_path, chdb_path=tmp_path / "chdb",
                                 **tokens.settings)
    api, _ = bootstrap(settings)
    with analyst(api, tokens, tenant) as http:
        produce(kafka_bootstrap, INTAKE_EVENTS, [
            received(tenant, 1), received(tenant, 2), received(tenant, 3),
            classified(tenant, 1, "billing"), classified(tenant, 2, "billing"),
        ])
        expected = [{"category": "billing", "complaints": 2}, {"category": None, "complaints": 1}]
        deadline = time.monotonic() + 60
        while reports(http, tenant)["volume"] != expected:
            assert time.monotonic() < deadline, reports(http, tenant)
            time.sleep(0.05)
        before = reports(http, tenant)
    ends = asyncio.run(end_offsets(kafka_bootstrap))

    read = asyncio.run(rebuild(settings))

    assert read >= sum(ends.values())
    api, runtime = bootstrap(settings.model_copy(update={"service": f"{tenant}-after"}))
    with analyst(api, tokens, tenant) as http:
        assert reports(http, tenant) == before
        stored = runtime.app.positions()
        assert {tp: stored.get(tp, -1) + 1 for tp in ends} == ends
        produce(kafka_bootstrap, INTAKE_EVENTS, [received(tenant, 4)])
        wait_for_count(http, tenant, 4, timeout_s=60)
    duplicates = sum(REGISTRY.get_sample_value("consumer_events_total", {
        "service": f"{tenant}-after", "topic": t.name, "outcome": "duplicate"}) or 0.0
        for t in DOMAIN_TOPICS)
    assert duplicates == 0
