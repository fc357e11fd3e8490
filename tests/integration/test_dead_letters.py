"""What intake cannot process goes to the dead-letter topic with the reason; the rest flows."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from contracts.deadletter import DeadLetterReason
from contracts.topics import DEAD_LETTER, INBOUND, INTAKE_EVENTS
from runtime.deadletters import WITHHELD
from runtime.redrive import Wanted, redrive
from services.intake.bootstrap import bootstrap
from services.intake.config import IntakeSettings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def kafka_bootstrap(private_kafka_bootstrap: str) -> str:
    """A broker of this module's own: its services and readers go through whole topics from
    their beginning, which on the shared broker grow with every earlier test."""
    return private_kafka_bootstrap

SAMPLE = json.loads(
    (Path(__file__).resolve().parents[2] / "contracts/samples/complaint.submitted.v1.json")
    .read_text()
)


def submission(customer_id: str, **data) -> bytes:
    raw = json.loads(json.dumps(SAMPLE))
    raw["id"] = str(uuid.uuid4())
    raw["data"].update(
        customer_id=customer_id, idempotency_key=str(uuid.uuid4()),
        external_reference=customer_id, **data,
    )
    return json.dumps(raw).encode()


async def read(
    bootstrap: str, topic: str, ours: Callable[[dict], bool], want: int, timeout_s: float = 60
) -> list[dict]:
    """Messages of this test run on a topic other tests share, once `want` of them arrived."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"reader-{uuid.uuid4()}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[dict] = []
    try:
        async with asyncio.timeout(timeout_s):
            while len(found) < want:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found.extend(v for v in (json.loads(r.value) for r in records) if ours(v))
    finally:
        await consumer.stop()
    return found


async def test_each_kind_of_bad_message_is_dead_lettered_and_good_ones_flow(
    kafka_bootstrap, tmp_path
):
    run = uuid.uuid4().hex[:8]
    settings = IntakeSettings(
        kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path, consumer_retry_backoff_s=0.01,
        service=f"intake-dlq-{run}",
    )
    _, runtime = bootstrap(settings)
    original = runtime.app.file_complaint

    def failing_for_one_customer(sub, **kwargs):
        if sub.customer.id == f"poison-{run}":
            raise RuntimeError("downstream store unavailable")
        return original(sub, **kwargs)

    runtime.app.file_complaint = failing_for_one_customer
    unknown = json.loads(submission("x"))
    unknown["type"] = "complaint.teleported.v1"
    missing_field = json.loads(submission("y"))
    del missing_field["data"]["channel"]
    messages = [
        (b"good-1", submission(f"good-1-{run}")),
        (b"garbage", b"\xff\xfe not json"),
        (b"unknown", json.dumps(unknown).encode()),
        (b"schema", json.dumps(missing_field).encode()),
        (b"blank", submission(f"blank-{run}", text="   ")),
        (b"poison", submission(f"poison-{run}")),
        (b"good-2", submission(f"good-2-{run}")),
    ]
    async with runtime.running():
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
        await producer.start()
        sent = {}
        for key, value in messages:
            meta = await producer.send_and_wait(INBOUND.name, value=value, key=key + run.encode())
            sent[key.decode()] = (meta.partition, meta.offset)
        await producer.stop()
        letters = await read(
            kafka_bootstrap, DEAD_LETTER.name, lambda d: d["key"].endswith(run), want=5
        )
        received = await read(
            kafka_bootstrap, INTAKE_EVENTS.name,
            lambda e: e["type"] == "complaint.received.v1"
            and e["data"]["customer_id"].endswith(run),
            want=2,
        )
        # The store is back: the poison letter, kept sealed, is re-driven and filed.
        runtime.app.file_complaint = original
        redriven = await redrive(settings, Wanted(settings.service, frozenset(
            {DeadLetterReason.HANDLER_FAILED})))
        filed_later = await read(
            kafka_bootstrap, INTAKE_EVENTS.name,
            lambda e: e["type"] == "complaint.received.v1"
            and e["data"]["customer_id"] == f"poison-{run}",
            want=1,
        )

    by_key = {d["key"].removesuffix(run): d for d in letters}
    assert set(by_key) == {"garbage", "unknown", "schema", "blank", "poison"}
    assert {k: (d["reason"], d["attempts"]) for k, d in by_key.items()} == {
        "garbage": ("unparseable", 1),
        "unknown": ("unknown_type", 1),
        "schema": ("schema_invalid", 1),
        "blank": ("rejected", 1),
        "poison": ("handler_failed", settings.consumer_max_attempts),
    }
    for key, letter in by_key.items():
        assert letter["source_topic"] == INBOUND.name
        assert (letter["partition"], letter["offset"]) == sent[key]
    assert "downstream store unavailable" in by_key["poison"]["error"]
    assert "complaint.teleported.v1" in by_key["unknown"]["error"]
    assert sorted(e["data"]["customer_id"] for e in received) == [f"good-1-{run}", f"good-2-{run}"]

    # No letter keeps the submission's text: sealed with its customer's key, or withheld.
    for key, letter in by_key.items():
        assert SAMPLE["data"]["text"] not in letter["value"], key
    assert by_key["garbage"]["value"] == WITHHELD + hashlib.sha256(
        b"\xff\xfe not json").hexdigest()
    sealed = json.loads(by_key["poison"]["value"])["sealed"]
    assert (sealed["tenant"], sealed["customer_id"]) == (SAMPLE["tenant"], f"poison-{run}")
    assert sealed["value"].startswith("pii:v1:")
    assert redriven == {(INBOUND.name, "handler_failed"): 1}
    assert len(filed_later) == 1
