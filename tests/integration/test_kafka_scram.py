"""A broker with SCRAM and ACLs lets in only the platform's users, each to its own topics
(#21, point 10: anyone who reached the broker read every topic and could inject submissions).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaConnectionError, TopicAuthorizationFailedError
from fastapi.testclient import TestClient
from pydantic import SecretStr

from contracts.topics import DEAD_LETTER, DISPATCH_EVENTS, INBOUND, INTAKE_EVENTS, TopicSpec
from deploy.kafka_acls import stream_service
from deploy.local.kafka import Broker, grant
from runtime.kafka_access import KafkaSettings, client_options
from services.intake.bootstrap import bootstrap
from services.intake.config import IntakeSettings
from tests.auth_tokens import bearer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def broker(scram_kafka: Broker) -> Broker:
    """The SCRAM broker, with intake's ACLs (deploy.kafka_acls) granted to user intake."""
    grant(scram_kafka, stream_service("intake"))
    return scram_kafka


async def produce(kafka: dict, topic: TopicSpec, value: bytes) -> int:
    producer = AIOKafkaProducer(**kafka, acks="all", request_timeout_ms=10_000)
    try:
        await producer.start()
        return (await producer.send_and_wait(topic.name, value, key=b"k")).offset
    finally:
        await producer.stop()


async def visible_topics(kafka: dict) -> set[str]:
    consumer = AIOKafkaConsumer(**kafka, group_id=None)
    try:
        await consumer.start()
        return await consumer.topics()
    finally:
        await consumer.stop()


async def read_until(kafka: dict, topic: TopicSpec, done, timeout_s: float = 30) -> list[dict]:
    consumer = AIOKafkaConsumer(**kafka, group_id=None, enable_auto_commit=False)
    found: list = []
    try:
        await consumer.start()
        partitions = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        async with asyncio.timeout(timeout_s):
            while not done(found):
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found.extend(json.loads(r.value) for r in records)
    finally:
        await consumer.stop()
    return found


def test_a_client_without_credentials_is_refused(broker):
    with pytest.raises(KafkaConnectionError, match="Unable to bootstrap"):
        asyncio.run(produce({"bootstrap_servers": broker.bootstrap}, INBOUND, b"forged"))
    with pytest.raises(KafkaConnectionError, match="Unable to bootstrap"):
        asyncio.run(visible_topics({"bootstrap_servers": broker.bootstrap}))
    # The broker closed the connection because the client skipped the SASL handshake.
    assert "during SASL handshake" in (broker.home / "broker.log").read_text()


def test_a_wrong_password_fails_scram_authentication(broker, caplog):
    wrong = broker.client("intake").model_copy(
        update={"kafka_sasl_password": SecretStr("guessed")})
    with (caplog.at_level(logging.ERROR, logger="aiokafka"),
          pytest.raises(KafkaConnectionError, match="Unable to bootstrap")):
        asyncio.run(produce(client_options(wrong), INBOUND, b"forged"))
    refusals = [r.getMessage() for r in caplog.records if "SaslAuthenticationFailed" in
                r.getMessage()]
    assert refusals and all(
        "invalid credentials with SASL mechanism SCRAM-SHA-512" in r for r in refusals)


def test_a_service_may_write_only_its_own_topic(broker):
    intake = client_options(broker.client("intake"))
    assert asyncio.run(produce(intake, INTAKE_EVENTS, b"{}")) >= 0
    with pytest.raises(TopicAuthorizationFailedError, match=DISPATCH_EVENTS.name):
        asyncio.run(produce(intake, DISPATCH_EVENTS, b"forged assignment"))
    # It sees (and so can read) only the topics it writes or consumes, not sla's or analytics'.
    assert asyncio.run(visible_topics(intake)) == {
        "complaints.inbound.v1", "intake.events.v1", "dispatch.events.v1",
        "resolution.events.v1", DEAD_LETTER.name,
    }
    # A user with no ACL at all sees nothing and writes nothing, inbound included.
    dispatch = client_options(broker.client("dispatch"))
    assert asyncio.run(visible_topics(dispatch)) == set()
    with pytest.raises(TopicAuthorizationFailedError, match=INBOUND.name):
        asyncio.run(produce(dispatch, INBOUND, b"forged submission"))


def test_intake_authenticated_as_its_own_user_files_and_publishes(broker, tokens, tmp_path):
    kafka: KafkaSettings = broker.client("intake")
    settings = IntakeSettings(
        **kafka.model_dump(), service="intake", data_dir=tmp_path, tracking_secret="scram",
        **tokens.settings,
    )
    customer = f"scram-{uuid.uuid4().hex[:8]}"
    http, _ = bootstrap(settings)
    with TestClient(http) as client:  # its lifespan runs the producer, relay and agents
        response = client.post("/v1/complaints", headers=bearer(tokens.client()), json={
            "channel": "web", "subject": "Charged twice",
            "text": "My card was charged twice for the same order.",
            "customer": {"id": customer, "name": "Li Lei", "contact": "13812345678"},
        })
        assert response.status_code == 202, response.text
        complaint_id = response.json()["complaint_id"]
        admin = client_options(broker.client("admin"))
        events = asyncio.run(read_until(admin, INTAKE_EVENTS, lambda found: any(
            e.get("subject") == complaint_id for e in found)))
    received = [e for e in events if e.get("type") == "complaint.received.v1"]
    assert [(e["subject"], e["data"]["customer_id"]) for e in received] == [
        (complaint_id, customer)]
