"""The projection consumer stores what it can and dead-letters only what it cannot."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import REGISTRY

from contracts.deadletter import DeadLetterReason
from contracts.topics import DISPATCH_EVENTS, INTAKE_EVENTS
from runtime.deadletters import AsTheyCame
from services.analytics.application import AnalyticsApplication, Projected
from services.analytics.domain import Consumed
from services.analytics.handlers import ProjectionConsumer
from services.analytics.store import ClickHouseStore
from tests.unit.analytics.samples import raw_sample


@dataclass(frozen=True)
class Message:
    topic: str
    value: bytes
    partition: int = 0
    offset: int = 0
    key: bytes | None = None


class DeadLetters:
    payloads = AsTheyCame()  # analytics' letters keep values as they came

    def __init__(self) -> None:
        self.sent: list[tuple[Message, DeadLetterReason, int]] = []

    async def send(self, message: Any, *, reason: DeadLetterReason, error: Any, attempts: int):
        self.sent.append((message, reason, attempts))


def message(event_type: str, topic: str = INTAKE_EVENTS.name, **changes: object) -> Message:
    raw = raw_sample(event_type)
    raw.update(changes)
    return Message(topic=topic, value=json.dumps(raw).encode())


def consumer(
    project: Any, dead_letters: DeadLetters, record_positions: Any = lambda positions: None
) -> ProjectionConsumer:
    return ProjectionConsumer(
        project=project, record_positions=record_positions,
        dead_letters=dead_letters, service="analytics",  # type: ignore[arg-type]
        max_attempts=3, backoff_s=0,
    )


def projected_total(event_type: str) -> float:
    value = REGISTRY.get_sample_value(
        "analytics_events_projected_total", {"type": event_type}
    )
    return value or 0.0


async def test_good_messages_are_stored_and_bad_ones_dead_lettered_with_the_reason(
    app: AnalyticsApplication, store: ClickHouseStore
) -> None:
    dead_letters = DeadLetters()
    unparseable = Message(INTAKE_EVENTS.name, b"{not json")
    unknown = message("complaint.received.v1", type="complaint.teleported.v1")
    invalid = message("complaint.received.v1", sequence=0)
    before = projected_total("complaint.received.v1")

    await consumer(app.project, dead_letters).handle_batch([
        message("complaint.received.v1"), unparseable, unknown, invalid,
        message("complaint.assigned.v1", DISPATCH_EVENTS.name),
    ])

    assert [(m, reason, attempts) for m, reason, attempts in dead_letters.sent] == [
        # Not JSON at all: unparseable, as every service's subscription says (runtime.stream).
        (unparseable, DeadLetterReason.UNPARSEABLE, 1),
        (unknown, DeadLetterReason.UNKNOWN_TYPE, 1),
        (invalid, DeadLetterReason.SCHEMA_INVALID, 1),
    ]
    assert app.count_received_complaints() == 1
    assert app.count_events(event_type="complaint.assigned.v1") == 1
    assert projected_total("complaint.received.v1") == before + 1


async def test_a_redelivered_batch_is_not_counted_as_projected_again(
    app: AnalyticsApplication,
) -> None:
    batch = [message("complaint.received.v1")]
    await consumer(app.project, DeadLetters()).handle_batch(batch)
    before = projected_total("complaint.received.v1")

    await consumer(app.project, DeadLetters()).handle_batch(batch)

    assert projected_total("complaint.received.v1") == before
    assert app.count_received_complaints() == 1


async def test_an_event_that_keeps_failing_is_dead_lettered_and_the_rest_stored(
    app: AnalyticsApplication,
) -> None:
    poison = message("sla.breached.v1", "sla.events.v1")
    poison_id = json.loads(poison.value)["id"]
    calls: list[int] = []

    def project(batch: Sequence[Consumed], positions: Mapping) -> Projected:
        calls.append(len(batch))
        if any(str(c.envelope.id) == poison_id for c in batch):
            raise RuntimeError("cannot store this one")
        return app.project(batch, positions)

    dead_letters = DeadLetters()
    await consumer(project, dead_letters).handle_batch([
        message("complaint.received.v1"), poison, message("complaint.assigned.v1"),
    ])

    assert calls == [3, 3, 3, 1, 1, 1]
    assert dead_letters.sent == [(poison, DeadLetterReason.HANDLER_FAILED, 4)]
    assert app.count_received_complaints() == 1
    assert app.count_events(event_type="complaint.assigned.v1") == 1
    assert app.count_events(event_type="sla.breached.v1") == 0


async def test_a_batch_that_fails_once_is_retried_whole(app: AnalyticsApplication) -> None:
    failures = iter([RuntimeError("ClickHouse restarting")])

    def project(batch: Sequence[Consumed], positions: Mapping) -> Projected:
        if error := next(failures, None):
            raise error
        return app.project(batch, positions)

    dead_letters = DeadLetters()
    await consumer(project, dead_letters).handle_batch([message("complaint.received.v1")])

    assert dead_letters.sent == []
    assert app.count_received_complaints() == 1
