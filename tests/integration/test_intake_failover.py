"""Issue #13, point 8, for intake itself: two `services.intake` processes on the real broker
share one PostgreSQL event store. The holder of the relay lease is SIGKILLed while it publishes;
the other takes over, and every complaint's events reach the topic exactly once (by event id,
and one of each type per complaint)."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from contracts.topics import INTAKE_EVENTS
from tests.auth_tokens import Tokens, bearer
from tests.integration.event_stores import fresh_postgres_database
from tests.processes import ServiceProcess, start, stop, wait_ready
from tests.topic_reader import read_until

pytestmark = pytest.mark.integration

FILED = ("complaint.received.v1", "complaint.classified.v1")  # what filing one publishes


@pytest.fixture(scope="module")
def kafka_bootstrap(private_kafka_bootstrap: str) -> str:
    """A broker of this module's own: the test reads the whole topic from its beginning."""
    return private_kafka_bootstrap


@pytest.fixture
def database_url(postgres_url):
    with fresh_postgres_database(postgres_url) as url:
        yield url


def relay_role(service: ServiceProcess) -> str:
    return httpx.get(f"{service.url}/readyz", timeout=5).json()["roles"]["outbox-relay"]


def file_batch(service: ServiceProcess, adapter: dict[str, str], names: list[str]) -> set[str]:
    """File one complaint per name through the replica's HTTP API; their complaint ids."""
    items = [{"idempotency_key": name, "submission": {
        "channel": "web", "customer": {"id": f"cust-{name}"},
        "subject": f"Card charged twice ({name})",
        "text": "My card was charged twice for a single purchase and the bank will not refund.",
    }} for name in names]
    answer = httpx.post(f"{service.url}/v1/complaints:batch", json={"items": items},
                        headers=adapter, timeout=120)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == [202] * len(names), results
    return {r["accepted"]["complaint_id"] for r in results}


def filed_events(values: list[dict], complaint_ids: set[str]) -> list[dict]:
    return [value for value in values if value["subject"] in complaint_ids]


def read_to_end(bootstrap: str) -> list[dict]:
    """Every record of the topic up to its end offsets as they are now."""

    async def read() -> list[dict]:
        consumer = AIOKafkaConsumer(
            INTAKE_EVENTS.name, bootstrap_servers=bootstrap, group_id=f"reader-{uuid.uuid4()}",
            auto_offset_reset="earliest", enable_auto_commit=False)
        await consumer.start()
        try:
            values: list[dict] = []
            async with asyncio.timeout(60):
                while not consumer.assignment():  # the group gives this one reader all
                    for records in (await consumer.getmany(timeout_ms=500)).values():
                        values.extend(json.loads(r.value) for r in records)
                partitions = sorted(consumer.assignment())
                ends = await consumer.end_offsets(partitions)
                while any(position < ends[p] for p, position in
                          zip(partitions, [await consumer.position(p) for p in partitions],
                              strict=True)):
                    for records in (await consumer.getmany(timeout_ms=500)).values():
                        values.extend(json.loads(r.value) for r in records)
            return values
        finally:
            await consumer.stop()

    return asyncio.run(read())


def test_replica_safety_two_intake_processes_the_relay_leader_sigkilled_publishes_once(
    database_url: str, kafka_bootstrap: str, tmp_path: Path, tokens: Tokens
) -> None:
    run = uuid.uuid4().hex[:8]
    env = {"KAFKA_BOOTSTRAP": kafka_bootstrap, "SERVICE": f"intake-replicas-{run}",
           "DATABASE_URL": database_url, "TRACKING_SECRET": f"tracking-{run}",
           "CONTACT_INDEX_KEY": f"index-{run}", "RATE_LIMIT_PER_S": "0",
           "RETENTION_ENABLED": "false", "CONSUMER_SESSION_TIMEOUT_S": "6", **tokens.env}
    adapter = bearer(tokens.client(tenant="default"))
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    replicas = [start("intake", env=env, workdir=tmp_path / name) for name in ("a", "b")]
    try:
        for replica in replicas:
            wait_ready(replica, timeout_s=120)
        roles = [relay_role(r) for r in replicas]
        assert sorted(roles) == ["leader", "standby"]
        leader, survivor = replicas if roles[0] == "leader" else replicas[::-1]

        # Filed through the standby, relayed by the leader: killed once it has begun publishing.
        before = file_batch(survivor, adapter, [f"{run}-before-{n}" for n in range(40)])
        read_until(kafka_bootstrap, [INTAKE_EVENTS],
                   lambda seen: bool(filed_events([m.value for m in seen], before)),
                   timeout_s=60)
        assert stop(leader, signal.SIGKILL) == -signal.SIGKILL
        deadline = time.monotonic() + 30
        while relay_role(survivor) != "leader":
            assert time.monotonic() < deadline, survivor.log_tail()
            time.sleep(0.2)  # failover: the lock went with the killed process's connection
        after = file_batch(survivor, adapter, [f"{run}-after-{n}" for n in range(10)])
        # Notifications are relayed in order: once the later ones are out, so are the earlier.
        read_until(kafka_bootstrap, [INTAKE_EVENTS],
                   lambda seen: len(filed_events([m.value for m in seen], after))
                   == len(after) * len(FILED), timeout_s=120)
        published = filed_events(read_to_end(kafka_bootstrap), before | after)
    finally:
        for replica in replicas:
            stop(replica)

    assert Counter(e["id"] for e in published) == Counter({e["id"]: 1 for e in published})
    assert Counter((e["subject"], e["type"]) for e in published) == Counter(
        {(cid, kind): 1 for cid in before | after for kind in FILED})
