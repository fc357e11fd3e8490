"""The whole CFPB sample, imported over the real broker, is filed once, with the right products."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import REGISTRY

from contracts.topics import DEAD_LETTER, INBOUND, INTAKE_EVENTS, TopicSpec
from services.intake.bootstrap import bootstrap
from services.intake.config import IntakeSettings
from services.intake.importer import import_over_kafka
from tests.unit.intake.cfpb_sample import CFPB_SAMPLE, cfpb_rows

pytestmark = pytest.mark.integration

RECEIVED, HISTORY = "complaint.received.v1", "complaint.history_recorded.v1"


async def read_to_end(bootstrap: str, topic: TopicSpec) -> list[dict]:
    """Every message on the topic, from the beginning to the end it has now."""
    async with Tail(bootstrap, topic) as tail:
        ends = await tail.consumer.end_offsets(tail.partitions)
        while [tp for tp, end in ends.items() if await tail.consumer.position(tp) < end]:
            await tail.poll()
        return tail.seen


class Tail:
    """Reads a topic from its beginning, keeping what it read, as long as the block lasts."""

    def __init__(self, bootstrap: str, topic: TopicSpec) -> None:
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
        )
        self.partitions = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
        self.seen: list[dict] = []

    async def __aenter__(self) -> Tail:
        await self.consumer.start()
        self.consumer.assign(self.partitions)
        await self.consumer.seek_to_beginning(*self.partitions)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def poll(self) -> list[dict]:
        """What arrived since the last poll (also appended to `seen`)."""
        batches = await self.consumer.getmany(timeout_ms=200, max_records=5000)
        new = [json.loads(r.value) for records in batches.values() for r in records]
        self.seen.extend(new)
        return new

    async def until(self, done, timeout_s: float, what: str) -> None:
        """Poll until `done(seen)` holds; fail the test after the timeout."""
        deadline = time.monotonic() + timeout_s
        while not done(self.seen):
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
            await self.poll()


async def wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.2)


def duplicates_seen(service: str) -> float:
    labels = {"service": service, "topic": INBOUND.name, "outcome": "duplicate"}
    return REGISTRY.get_sample_value("consumer_events_total", labels) or 0.0


async def test_the_whole_cfpb_sample_is_filed_once_with_its_history(
    private_kafka_bootstrap, tmp_path
):
    # Its own broker: 4,134 events on intake.events.v1 would be replayed by every later
    # test's consumer that starts a new group from the beginning of the shared topics.
    kafka_bootstrap = private_kafka_bootstrap
    rows = cfpb_rows()
    run = uuid.uuid4().hex[:8]
    tenant = f"cfpb-{run}"
    settings = IntakeSettings(
        kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path, service=f"intake-cfpb-{run}",
    )
    _, runtime = bootstrap(settings)

    def mine(seen: list[dict]) -> list[dict]:
        return [e for e in seen if e["tenant"] == tenant]

    def all_filed(seen: list[dict]) -> bool:
        types = Counter(e["type"] for e in mine(seen))
        return types[RECEIVED] >= len(rows) and types[HISTORY] >= len(rows)

    async with runtime.running(), Tail(kafka_bootstrap, INTAKE_EVENTS) as tail:
        started = time.monotonic()
        tally = await import_over_kafka(
            CFPB_SAMPLE, kafka_bootstrap, tenant=tenant, historical=True
        )
        published_s = time.monotonic() - started
        await tail.until(all_filed, 180, "every row's received and history events")
        filed_s = time.monotonic() - started

        duplicates_before = duplicates_seen(settings.service)
        again = await import_over_kafka(
            CFPB_SAMPLE, kafka_bootstrap, tenant=tenant, historical=True
        )
        await wait_for(
            lambda: duplicates_seen(settings.service) - duplicates_before >= len(rows), 180,
            "intake to see every re-imported row",
        )
        await asyncio.sleep(1)  # anything (wrongly) filed again would be relayed by now
        await tail.poll()
        events = mine(tail.seen)

    print(f"published {len(rows)} rows in {published_s:.1f} s, all filed in {filed_s:.1f} s")
    types = Counter(e["type"] for e in events)
    assert (types[RECEIVED], types[HISTORY]) == (2067, 2067)  # nothing filed twice
    assert len({e["id"] for e in events}) == len(events)
    assert (tally.sent, again.sent, sum(tally.refused.values())) == (2067, 2067, 0)
    received = [e["data"] for e in events if e["type"] == RECEIVED]
    history = [e["data"] for e in events if e["type"] == HISTORY]
    assert len(rows) == 2067
    assert (len(received), len(history)) == (2067, 2067)
    assert Counter(r["product"] for r in received) == Counter(r["Product"] for r in rows)
    assert Counter(r["channel_detail"] for r in received) == Counter(
        r["Submitted via"] for r in rows
    )
    assert {r["channel"] for r in received} == {"cfpb"}
    assert all(r["historical"] for r in received)
    by_reference = {r["external_reference"]: r for r in received}
    assert {f"cfpb:{row['Complaint ID']}": f"{row['Date received']}T00:00:00Z" for row in rows} \
        == {ref: r["received_at"] for ref, r in by_reference.items()}
    assert Counter(h["timely"] for h in history) == Counter(
        {"Yes": True, "No": False}[r["Timely response?"]] for r in rows
    )
    assert Counter(h["company_response"] for h in history) == Counter(
        r["Company response to consumer"] for r in rows
    )
    letters = [d for d in await read_to_end(kafka_bootstrap, DEAD_LETTER)
               if d.get("consumer") == settings.service and d["key"].startswith("cfpb-")]
    assert letters == []
