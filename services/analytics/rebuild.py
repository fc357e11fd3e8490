"""Rebuild the projection: drop its tables, create them empty and replay every domain topic.

    python -m services.analytics.rebuild

Stop the analytics service first (chDB allows one process per directory, and a live projection
would write into the tables being dropped). Corrective actions and the spike outbox are kept.
The replay stops at the end each partition had when it began; the service, started again,
continues from the positions the replay stored, whatever its consumer group remembers.
A message that could not be processed before is dead-lettered again, with the same reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.topics import DOMAIN_TOPICS, TopicSpec
from runtime import logs
from runtime.bus import build_producer
from runtime.kafka_access import client_options
from services.analytics.bootstrap import projection
from services.analytics.config import AnalyticsSettings
from services.analytics.schema import OutdatedLayout

log = logging.getLogger(__name__)


async def rebuild(
    settings: AnalyticsSettings, topics: tuple[TopicSpec, ...] = DOMAIN_TOPICS
) -> int:
    """Replay the topics into empty tables; returns how many messages were read."""
    store, app, loop, dead_letters, _ = projection(settings)
    loop.commit_offsets = False  # no consumer group: the replay belongs to nobody
    with contextlib.suppress(OutdatedLayout):  # the tables are dropped next anyway
        await asyncio.to_thread(store.open)
    producer = dead_letters.producer = build_producer(settings)
    consumer = AIOKafkaConsumer(
        **client_options(settings), group_id=None, enable_auto_commit=False,
        client_id=f"{settings.service}-rebuild",
    )
    try:
        await asyncio.to_thread(app.reset)
        await producer.start()
        await consumer.start()
        partitions = [TopicPartition(t.name, p) for t in topics for p in range(t.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        log.info("replaying", extra={"messages_at_most": sum(ends.values())})
        read = await loop.replay(consumer, ends)
        refreshed = await asyncio.to_thread(app.snapshot.refresh)
        log.info("rebuilt", extra={"messages": read, "complaints": refreshed.complaints})
        return read
    finally:
        await consumer.stop()
        await producer.stop()
        store.close()


def main() -> int:
    """Command line entry point."""
    settings = AnalyticsSettings()
    logs.configure(settings.service, settings.log_level)
    asyncio.run(rebuild(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
