"""Issue #13, point 5, on the real broker: complaints of 150,000 and of 1,000,000 Chinese
characters travel raw on complaints.inbound.v1, sealed in complaint.received.v1 on
intake.events.v1, and dispatch, reading past them, routes them. Topics created before the
registry raised max.message.bytes are given the new limit by the topics job."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from contracts.topics import DISPATCH_EVENTS, INBOUND, INTAKE_EVENTS, TopicSpec
from deploy.local.topics import create_missing_topics
from services.dispatch.bootstrap import bootstrap as dispatch_bootstrap
from services.dispatch.config import DispatchSettings
from services.intake.bootstrap import bootstrap as intake_bootstrap
from services.intake.config import IntakeSettings
from services.intake.domain import MAX_TEXT_LENGTH
from tests.long_narratives import chinese

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def kafka_bootstrap(private_kafka_bootstrap: str) -> str:
    """A broker of this module's own: its services and readers go through whole topics from
    their beginning, which on the shared broker grow with every earlier test."""
    return private_kafka_bootstrap

SAMPLE = Path(__file__).resolve().parents[2] / "contracts/samples/complaint.submitted.v1.json"
LENGTHS = (150_000, MAX_TEXT_LENGTH)
ROUTED = {"complaint.assigned.v1", "complaint.queued.v1"}


def submitted(reference: str, text: str) -> bytes:
    """A channel adapter's submission, as it serialises it (UTF-8, not \\u escapes)."""
    raw = json.loads(SAMPLE.read_text(encoding="utf-8"))
    raw.update(id=str(uuid.uuid4()), tenant="default", subject=reference)
    raw["data"].update(submission_id=reference, customer_id=reference, idempotency_key=reference,
                       external_reference=reference, text=text, attachments=[])
    return json.dumps(raw, ensure_ascii=False).encode()


async def publish(bootstrap: str, topic: TopicSpec, messages: list[tuple[str, bytes]]) -> None:
    """As an adapter whose producer allows what the topic allows."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all",
                                max_request_size=topic.max_message_bytes)
    await producer.start()
    try:
        await asyncio.gather(*[await producer.send(topic.name, value=value, key=key.encode())
                               for key, value in messages])
    finally:
        await producer.stop()


async def read(bootstrap: str, topic: TopicSpec, ours: Callable[[dict], bool],
               done: Callable[[list[dict]], bool], timeout_s: float = 180) -> list[dict]:
    """This run's messages on a shared topic, once `done` holds for them. The default fetch
    size (1 MB) is enough: the broker hands over a larger first batch whole."""
    consumer = AIOKafkaConsumer(
        topic.name, bootstrap_servers=bootstrap, group_id=f"reader-{uuid.uuid4()}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[dict] = []
    try:
        async with asyncio.timeout(timeout_s):
            while not done(found):
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found.extend(v for v in (json.loads(r.value) for r in records) if ours(v))
    finally:
        await consumer.stop()
    return found


async def test_real_complaints_refused_for_their_length_travel_the_broker(
    kafka_bootstrap, tmp_path
):
    run = uuid.uuid4().hex[:8]
    texts = {f"long-{length}-{run}": chinese(length) for length in LENGTHS}
    messages = [(reference, submitted(reference, text)) for reference, text in texts.items()]
    _, intake = intake_bootstrap(IntakeSettings(
        kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path / "intake", service=f"intake-long-{run}",
    ))
    _, dispatch = dispatch_bootstrap(DispatchSettings(
        kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path / "dispatch",
        service=f"dispatch-long-{run}",
    ))

    async with intake.running(), dispatch.running():
        await publish(kafka_bootstrap, INBOUND, messages)
        events = await read(
            kafka_bootstrap, INTAKE_EVENTS,
            lambda e: e["type"] == "complaint.received.v1"
            and e["data"]["external_reference"] in texts,
            lambda found: len(found) == len(texts),
        )
        ids = {e["subject"]: e["data"]["external_reference"] for e in events}
        routed = await read(
            kafka_bootstrap, DISPATCH_EVENTS,
            lambda e: e["type"] in ROUTED and e["subject"] in ids,
            lambda found: {e["subject"] for e in found} == set(ids),
        )
        stored = {e["subject"]: intake.app.get_complaint(uuid.UUID(e["subject"])) for e in events}
        disclosed = {ids[i]: intake.app.disclose(c).text for i, c in stored.items()}

    assert max(len(m) for _, m in messages) > 2_500_000  # over twice Kafka's default limit
    assert {ids[e["subject"]] for e in routed} == set(texts)
    assert {e["subject"]: e["data"]["text"] for e in events} == {  # sealed, whole
        i: c.text for i, c in stored.items()
    }
    assert disclosed == texts


async def test_real_complaints_refused_for_their_length_fit_topics_created_before(
    kafka_bootstrap
):
    spec = TopicSpec(f"long-old-{uuid.uuid4().hex[:8]}", "key", "this test", "old", partitions=1)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        # As the topics job created it before: Kafka's default message size, and a setting
        # an operator added since, which the registry does not name.
        await admin.create_topics([NewTopic(spec.name, 1, 1, topic_configs={
            "retention.ms": "-1", "cleanup.policy": "delete", "segment.ms": "3600000",
        })])
        async with asyncio.timeout(30):  # until the broker describes it: created long ago
            while not await own_configs(admin, spec.name):
                await asyncio.sleep(0.2)
        created = await create_missing_topics(kafka_bootstrap, [spec])
        async with asyncio.timeout(30):  # the broker applies the controller's change shortly
            while (configs := await own_configs(admin, spec.name)).get("max.message.bytes") \
                    != str(spec.max_message_bytes):
                await asyncio.sleep(0.2)
    finally:
        await admin.delete_topics([spec.name])
        await admin.close()

    assert created == []
    assert configs == {**spec.config(), "segment.ms": "3600000"}
    assert configs["max.message.bytes"] == str(8 * 1024 * 1024)


async def own_configs(admin: AIOKafkaAdminClient, topic: str) -> dict[str, str]:
    """The topic's own settings (config_source 1: DYNAMIC_TOPIC_CONFIG)."""
    [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    [resource] = response.to_object()["resources"]
    if resource["error_code"]:
        return {}
    return {e["config_names"]: e["config_value"] for e in resource["config_entries"]
            if e.get("config_source") == 1}
