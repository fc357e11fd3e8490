"""A batch subscription for a consumer that stores how far it read beside its own data.

Used by analytics, whose projection keeps, in ClickHouse beside each batch, the last offset of
each partition. Not a faust agent, unlike the services' inboxes (runtime.stream): faust seeks
each partition to the consumer group's committed offset and commits as it acknowledges, while
here the stored positions are the source of truth for "how far". A plain aiokafka consumer in
the service's group seeks every assigned partition there, so a rebuilt projection or a
consumer group whose offsets were lost resumes exactly where the stored data ends. Offsets are
still committed to Kafka afterwards, for lag tooling only. Parsing and dead letters are
runtime.stream's (`parsed_or_dead_lettered`), used by the batch handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener

from contracts.topics import DOMAIN_TOPICS, TopicSpec
from runtime.background import in_thread
from runtime.kafka_access import KafkaSettings, client_options, connection
from runtime.lag import LagMonitor

log = logging.getLogger(__name__)

Position = tuple[str, int]  # (topic, partition)
Positions = Callable[[], Mapping[Position, int]]


class BatchHandler(Protocol):
    """Applies a batch of consumed messages and stores their positions with them."""

    def handle_batch(self, messages: Sequence[Any]) -> Awaitable[None]: ...


def last_offsets(messages: Sequence[Any]) -> dict[Position, int]:
    """The highest offset of each topic partition among the messages."""
    offsets: dict[Position, int] = {}
    for message in messages:
        key = (message.topic, message.partition)
        offsets[key] = max(offsets.get(key, -1), message.offset)
    return offsets


async def seek_to_positions(
    consumer: AIOKafkaConsumer, partitions: Iterable[TopicPartition], stored: Mapping[Position, int]
) -> None:
    """Seek each partition just past its stored position, or to its beginning if it has none."""
    unseen = []
    for tp in partitions:
        if (tp.topic, tp.partition) in stored:
            consumer.seek(tp, stored[(tp.topic, tp.partition)] + 1)
        else:
            unseen.append(tp)
    if unseen:
        await consumer.seek_to_beginning(*unseen)


class SeekToStoredPositions(ConsumerRebalanceListener):
    """On every assignment, continue from the positions stored with the projected batches."""

    def __init__(self, consumer: AIOKafkaConsumer, positions: Positions) -> None:
        self.consumer = consumer
        self.positions = positions

    async def on_partitions_revoked(self, revoked: Any) -> None:
        """Nothing to flush: every batch is stored before the next one is fetched."""

    async def on_partitions_assigned(self, assigned: Any) -> None:
        stored = await in_thread(self.positions)
        await seek_to_positions(self.consumer, assigned, stored)
        log.info("seeked to stored positions", extra={"partitions": len(assigned)})


class BatchLoop:
    """Fetch a batch, hand it over, note progress; until cancelled (or caught up, for a
    replay)."""

    def __init__(
        self,
        *,
        handler: BatchHandler,
        lag: LagMonitor,
        batch_size: int,
        flush_interval_s: float,
        after_batch: Callable[[], None] = lambda: None,
        commit_offsets: bool = True,
    ) -> None:
        self.handler = handler
        self.lag = lag
        self.batch_size = batch_size
        self.flush_interval_s = flush_interval_s
        self.after_batch = after_batch
        self.commit_offsets = commit_offsets

    async def step(self, consumer: AIOKafkaConsumer) -> int:
        """Handle one fetched batch; returns how many messages it held."""
        fetched = await consumer.getmany(
            timeout_ms=int(self.flush_interval_s * 1000), max_records=self.batch_size
        )
        messages = [message for records in fetched.values() for message in records]
        if not messages:
            return 0
        await self.handler.handle_batch(messages)
        offsets = last_offsets(messages)
        for (topic, partition), offset in offsets.items():
            self.lag.advanced(topic, partition, offset)
        self.after_batch()
        if self.commit_offsets:
            with contextlib.suppress(Exception):  # a rebalance may refuse it; positions are kept
                await consumer.commit({TopicPartition(*tp): o + 1 for tp, o in offsets.items()})
        return len(messages)

    async def run(
        self, consumer: AIOKafkaConsumer, positions: Positions, retry_s: float = 1.0
    ) -> None:
        """Step until cancelled; after a failed batch, read again from the stored positions."""
        while True:
            try:
                await self.step(consumer)
            except Exception:
                log.exception("batch failed; reading it again from the stored positions")
                await asyncio.sleep(retry_s)
                with contextlib.suppress(Exception):  # the store may still be down: next turn
                    stored = await in_thread(positions)
                    await seek_to_positions(consumer, consumer.assignment(), stored)

    async def replay(self, consumer: AIOKafkaConsumer, ends: Mapping[TopicPartition, int]) -> int:
        """Step until every partition reached the end offset it had when the replay began."""
        total = 0
        while await _behind(consumer, ends):
            total += await self.step(consumer)
        return total


async def _behind(consumer: AIOKafkaConsumer, ends: Mapping[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False


def positioned_consumer(
    kafka: KafkaSettings | str, group: str, positions: Positions,
    topics: Sequence[TopicSpec] = DOMAIN_TOPICS,
) -> AIOKafkaConsumer:
    """A consumer in the service's group that starts each partition at its stored position."""
    consumer = AIOKafkaConsumer(
        **client_options(connection(kafka)), group_id=group, client_id=f"{group}-projection",
        enable_auto_commit=False, auto_offset_reset="earliest",
    )
    consumer.subscribe(
        [topic.name for topic in topics], listener=SeekToStoredPositions(consumer, positions)
    )
    return consumer


async def watch_lag(
    consumer: AIOKafkaConsumer, lag: LagMonitor, positions: Positions, interval_s: float
) -> None:
    """Publish the lag behind each topic's end, measured against the stored positions."""

    async def offsets() -> tuple[dict, dict]:
        assigned = list(consumer.assignment())
        ends = await consumer.end_offsets(assigned) if assigned else {}
        stored = await in_thread(positions)
        return (
            {(tp.topic, tp.partition): end for tp, end in ends.items()},
            {tp: offset + 1 for tp, offset in stored.items()},
        )

    await lag.watch(offsets, interval_s)
