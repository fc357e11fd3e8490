"""Outbox and inbox guarantees hold on SQLite and on PostgreSQL alike (only the URL changes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.registry import parse
from contracts.topics import INBOUND, INTAKE_EVENTS
from runtime import sealed_store
from runtime.inbox import Inbox, Outcome
from runtime.outbox import OutboxRelay
from services.intake.handlers import SUBSCRIPTIONS
from services.intake.published import translator
from tests.fakes import FakeProducer
from tests.integration.event_stores import file_complaints, intake, store_url_for

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[2] / "contracts/samples/complaint.submitted.v1.json"


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request, tmp_path):
    for url in store_url_for(request.param, tmp_path, request):
        application = intake(url)
        yield application
        application.close()


def relay(app, producer, position_name: str = "outbox:intake.events.v1") -> OutboxRelay:
    relay = OutboxRelay(
        app=app, translate=translator(source="/services/intake"),
        producer=producer, topic=INTAKE_EVENTS, service="intake",
    )
    relay.position_name = position_name
    return relay


def stored(app) -> int:
    return len(app.recorder.select_notifications(None, 10_000))


async def test_relay_records_its_position_only_after_acks_and_resumes_in_order(app):
    ids = file_complaints(app, range(3))
    with pytest.raises(ConnectionError):
        await relay(app, FakeProducer(fail=True)).publish_pending()
    assert relay(app, FakeProducer()).position() == 0

    producer = FakeProducer()
    resumed = relay(app, producer)
    assert await resumed.publish_pending() == stored(app)
    assert resumed.position() == app.recorder.max_notification_id()
    published = [json.loads(value) for _, _, value in producer.sent]
    assert [(e["subject"], e["type"]) for e in published] == [
        (str(cid), kind) for cid in ids
        for kind in ("complaint.received.v1", "complaint.classified.v1")
    ]
    assert await resumed.publish_pending() == 0


async def test_a_republished_event_keeps_its_id_so_consumers_can_drop_it(app):
    file_complaints(app, range(1))
    first, again = FakeProducer(), FakeProducer()
    await relay(app, first).publish_pending()
    await relay(app, again, position_name="outbox:as-if-never-recorded").publish_pending()
    assert [json.loads(v)["id"] for *_, v in first.sent] == [
        json.loads(v)["id"] for *_, v in again.sent
    ]


def test_a_redelivered_event_changes_nothing(app):
    envelope, event = parse(SAMPLE.read_text())
    inbox = Inbox(app=app, consumer="intake", handlers=SUBSCRIPTIONS[INBOUND])
    assert inbox.process(envelope, event) is Outcome.HANDLED
    after = stored(app)
    assert [inbox.process(envelope, event) for _ in range(3)] == [Outcome.DUPLICATE] * 3
    assert stored(app) == after


def test_effects_and_the_processed_record_commit_together_or_not_at_all(app, monkeypatch):
    envelope, event = parse(SAMPLE.read_text())
    inbox = Inbox(app=app, consumer="intake", handlers=SUBSCRIPTIONS[INBOUND])

    def crash(*args, **kwargs):
        raise RuntimeError("power cut inside the transaction")

    with monkeypatch.context() as patch:
        patch.setattr(sealed_store, "seal", crash)  # fails after the events were inserted
        with pytest.raises(RuntimeError, match="power cut"):
            inbox.process(envelope, event)
    assert stored(app) == 0  # neither the complaint nor the record that it was processed

    assert inbox.process(envelope, event) is Outcome.HANDLED  # the redelivery applies it once
    assert inbox.process(envelope, event) is Outcome.DUPLICATE
