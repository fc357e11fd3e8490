"""The projection records how far it read, beside each batch, and resumes from there."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

import pytest
from aiokafka import TopicPartition

from contracts.topics import INTAKE_EVENTS, SLA_EVENTS
from runtime.lag import LagMonitor
from runtime.positioned_stream import BatchLoop, seek_to_positions
from services.analytics.application import AnalyticsApplication
from services.analytics.handlers import ProjectionConsumer, StoreUnavailable
from tests.unit.analytics.samples import raw_sample
from tests.unit.analytics.test_consumer import DeadLetters, Message

INTAKE, SLA = INTAKE_EVENTS.name, SLA_EVENTS.name


def message(event_type: str, topic: str, partition: int, offset: int) -> Message:
    value = json.dumps(raw_sample(event_type)).encode()
    return Message(topic=topic, value=value, partition=partition, offset=offset)


def handler(app: AnalyticsApplication, dead_letters: DeadLetters) -> ProjectionConsumer:
    return ProjectionConsumer(
        project=app.project, record_positions=app.record_positions,
        dead_letters=dead_letters, service="analytics",  # type: ignore[arg-type]
        max_attempts=2, backoff_s=0,
    )


async def test_a_batch_records_the_last_offset_of_each_partition_even_a_dead_letter(
    app: AnalyticsApplication,
) -> None:
    dead_letters = DeadLetters()
    await handler(app, dead_letters).handle_batch([
        message("complaint.received.v1", INTAKE, 3, 40),
        message("complaint.classified.v1", INTAKE, 3, 41),
        Message(INTAKE, b"{not json", partition=3, offset=42),
        message("sla.clock_started.v1", SLA, 7, 5),
    ])

    assert len(dead_letters.sent) == 1
    assert app.positions() == {(INTAKE, 3): 42, (SLA, 7): 5}


async def test_positions_only_move_forward(app: AnalyticsApplication) -> None:
    app.record_positions({(INTAKE, 0): 10, (INTAKE, 1): 4})
    app.record_positions({(INTAKE, 0): 7})
    app.record_positions({(INTAKE, 1): 9})

    assert app.positions() == {(INTAKE, 0): 10, (INTAKE, 1): 9}


async def test_a_batch_that_fell_back_to_one_by_one_still_records_its_positions(
    app: AnalyticsApplication,
) -> None:
    failing = handler(app, DeadLetters())
    failing.project = lambda batch, positions: (_ for _ in ()).throw(RuntimeError("down"))

    await failing.handle_batch([message("complaint.received.v1", INTAKE, 2, 11)])

    assert app.positions() == {(INTAKE, 2): 11}
    assert app.count_received_complaints() == 0


@dataclass
class FakeConsumer:
    """The part of AIOKafkaConsumer the loop uses, over fixed batches."""

    batches: list[dict]
    positions: dict = field(default_factory=dict)
    sought: dict = field(default_factory=dict)
    from_beginning: list = field(default_factory=list)
    committed: list = field(default_factory=list)

    def seek(self, tp, offset) -> None:
        self.sought[tp] = offset

    async def seek_to_beginning(self, *partitions) -> None:
        self.from_beginning.extend(partitions)

    async def getmany(self, timeout_ms: int, max_records: int) -> dict:
        await asyncio.sleep(0.001)  # as a broker poll would, give the loop a turn
        batch = self.batches.pop(0) if self.batches else {}
        for tp, records in batch.items():
            self.positions[tp] = records[-1].offset + 1
        return batch

    async def position(self, tp) -> int:
        return self.positions.get(tp, 0)

    async def commit(self, offsets) -> None:
        self.committed.append(offsets)


async def test_assigned_partitions_start_after_their_stored_position_or_at_the_beginning() -> None:
    consumer = FakeConsumer(batches=[])
    stored = {(INTAKE, 0): 41, (SLA, 2): 0}

    await seek_to_positions(consumer, [TopicPartition(INTAKE, 0), TopicPartition(INTAKE, 1),
                                       TopicPartition(SLA, 2)], stored)

    assert consumer.sought == {TopicPartition(INTAKE, 0): 42, TopicPartition(SLA, 2): 1}
    assert consumer.from_beginning == [TopicPartition(INTAKE, 1)]


async def test_a_replay_reads_until_the_end_offsets_it_began_with(
    app: AnalyticsApplication,
) -> None:
    tp = TopicPartition(INTAKE, 0)
    consumer = FakeConsumer(batches=[
        {tp: [message("complaint.received.v1", INTAKE, 0, 0)]},
        {tp: [message("complaint.classified.v1", INTAKE, 0, 1)]},
        {tp: [message("complaint.assigned.v1", INTAKE, 0, 2)]},  # arrived after the start
    ])
    lag = LagMonitor(service="analytics", topics=[INTAKE])
    loop = BatchLoop(handler=handler(app, DeadLetters()), lag=lag, batch_size=10,
                          flush_interval_s=0.01)

    read = await loop.replay(consumer, {tp: 2})

    assert read == 2
    assert app.positions() == {(INTAKE, 0): 1}
    assert lag.next_offsets == {(INTAKE, 0): 2}
    assert consumer.committed == [{tp: 1}, {tp: 2}]


async def test_a_clickhouse_outage_dead_letters_nothing_and_the_batch_is_read_again(
    app: AnalyticsApplication,
) -> None:
    dead_letters = DeadLetters()
    down = handler(app, dead_letters)
    down.project = lambda batch, positions: (_ for _ in ()).throw(ConnectionError("down"))
    down.store_answers = lambda: False
    tp = TopicPartition(INTAKE, 0)
    consumer = FakeConsumer(batches=[{tp: [message("complaint.received.v1", INTAKE, 0, 0)]}])
    consumer.assignment = lambda: {tp}
    loop = BatchLoop(handler=down, lag=LagMonitor(service="analytics", topics=[INTAKE]),
                          batch_size=10, flush_interval_s=0.01)

    with pytest.raises(StoreUnavailable):
        await down.handle_batch([message("complaint.received.v1", INTAKE, 0, 0)])
    task = asyncio.create_task(loop.run(consumer, app.positions, retry_s=0))
    await asyncio.sleep(0.3)
    task.cancel()

    assert dead_letters.sent == []
    assert app.positions() == {}
    assert consumer.from_beginning == [tp]  # nothing stored yet: read from the beginning again
