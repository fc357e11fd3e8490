"""The relay publishes stored events in order and records progress only after acks."""

from __future__ import annotations

import json

import pytest

from contracts.topics import INTAKE_EVENTS
from runtime.eventstore import persistence_env
from runtime.outbox import OutboxRelay
from runtime.vault import KeyVault
from services.intake.application import IntakeApplication
from services.intake.domain import Customer, Submission
from services.intake.published import translator
from tests.fakes import FakeProducer

# Intake stores four events per filing: Received and Classified (published), Opened and Noted
# (its duplicate index, internal). The relay's counts and position are in stored events.
STORED_PER_FILING = 4


def submission(n: int) -> Submission:
    return Submission(
        channel="web", customer=Customer(id=f"c{n}"), subject=f"s{n}", text=f"text {n}"
    )


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    return IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url))


def relay(app, producer) -> OutboxRelay:
    return OutboxRelay(
        app=app, translate=translator(source="/services/intake"),
        producer=producer, topic=INTAKE_EVENTS, service="intake",
    )


async def test_publishes_in_store_order_keyed_by_complaint(app):
    ids = [app.file_complaint(submission(n), tenant="t").complaint_id for n in range(3)]
    producer = FakeProducer()
    assert await relay(app, producer).publish_pending() == 3 * STORED_PER_FILING
    assert [key.decode() for _, key, _ in producer.sent] == [str(i) for i in ids for _ in range(2)]
    assert {topic for topic, _, _ in producer.sent} == {"intake.events.v1"}
    assert [json.loads(v)["type"] for _, _, v in producer.sent] == [
        "complaint.received.v1", "complaint.classified.v1"
    ] * 3


async def test_position_advances_only_after_acks_and_resumes(app):
    app.file_complaint(submission(1), tenant="t")
    failing = relay(app, FakeProducer(fail=True))
    with pytest.raises(ConnectionError):
        await failing.publish_pending()
    assert failing.position() == 0

    producer = FakeProducer()
    resumed = relay(app, producer)
    assert await resumed.publish_pending() == STORED_PER_FILING
    assert resumed.position() == STORED_PER_FILING
    assert await resumed.publish_pending() == 0
    assert len(producer.sent) == 2


async def test_republished_event_keeps_its_id(app):
    app.file_complaint(submission(1), tenant="t")
    first, second = FakeProducer(), FakeProducer()
    await relay(app, first).publish_pending()
    replay = relay(app, second)
    replay.position_name = "outbox:replay"  # as if the first ack was never recorded
    await replay.publish_pending()
    assert json.loads(first.sent[0][2])["id"] == json.loads(second.sent[0][2])["id"]


async def test_a_second_replica_relaying_the_same_events_is_not_a_failure(app):
    for n in range(3):
        app.file_complaint(submission(n), tenant="t")
    first, second = relay(app, FakeProducer()), relay(app, FakeProducer())
    assert await first.publish_pending() == 3 * STORED_PER_FILING
    second.position = lambda: 0  # it read the position before the first replica recorded it
    assert await second.publish_pending() == 3 * STORED_PER_FILING
    assert first.position() == 3 * STORED_PER_FILING
