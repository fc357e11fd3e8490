"""Rebuild the projection: drop its tables, create them empty and replay every domain topic.

    python -m services.analytics.tools.rebuild --yes

Stop the analytics service first (chDB allows one process per directory, and a live projection
would write into the tables being dropped). Corrective actions and the spike outbox are kept.
The replay stops at the end each partition had when it began; the service, started again,
continues from the positions the replay stored, whatever its consumer group remembers.
A message that could not be processed before is dead-lettered again, with the same reason.
The tables are dropped only once the broker answered with the ends of every partition, so a
broker that cannot be reached leaves them as they were (exit 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from contracts.topics import DOMAIN_TOPICS, TopicSpec
from runtime import cli, logs
from runtime.bus import build_producer
from runtime.kafka_access import client_options
from services.analytics.bootstrap import projection
from services.analytics.config import AnalyticsSettings
from services.analytics.schema import PROJECTION_TABLES
from services.analytics.state_tables import OutdatedLayout

DESTROYS = f"drops the projection's {len(PROJECTION_TABLES)} tables and replays every domain topic"

log = logging.getLogger(__name__)


async def rebuild(
    settings: AnalyticsSettings, topics: tuple[TopicSpec, ...] = DOMAIN_TOPICS
) -> int:
    """Replay the topics into empty tables; returns how many messages were read."""
    store, app, loop, dead_letters, _ = projection(settings)
    loop.commit_offsets = False  # no consumer group: the replay belongs to nobody
    try:
        with contextlib.suppress(OutdatedLayout):  # the tables are dropped next anyway
            await asyncio.to_thread(store.open)
    except RuntimeError as error:  # chDB: another process (the service?) holds the directory
        raise cli.CommandFailed(f"the projection store does not open; is the analytics service "
                                f"still running? ({cli.one_line(error)})") from error
    producer = dead_letters.producer = build_producer(settings)
    consumer = AIOKafkaConsumer(
        # earliest, as the seek to the beginning below: aiokafka resets a newly assigned
        # partition in the background, and a `latest` reset landing last would replay nothing.
        **client_options(settings), group_id=None, enable_auto_commit=False,
        auto_offset_reset="earliest", client_id=f"{settings.service}-rebuild",
    )
    try:
        await producer.start()
        await consumer.start()
        partitions = [TopicPartition(t.name, p) for t in topics for p in range(t.partitions)]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await asyncio.to_thread(app.reset)  # only now: the broker answered
        await consumer.seek_to_beginning(*partitions)
        log.info("replaying", extra={"messages_at_most": sum(ends.values())})
        read = await loop.replay(consumer, ends)
        refreshed = await asyncio.to_thread(app.snapshot.refresh)
        log.info("rebuilt", extra={"messages": read, "complaints": refreshed.complaints})
        return read
    finally:
        await consumer.stop()
        await producer.stop()
        store.close()


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: 0 rebuilt, 1 failed, 2 refused (no --yes)."""
    cli.confirmed("python -m services.analytics.tools.rebuild", __doc__, DESTROYS, argv)
    settings = AnalyticsSettings()
    logs.configure(settings.service, settings.log_level)
    asyncio.run(rebuild(settings))
    return 0


if __name__ == "__main__":
    cli.run(main, KafkaError, OSError)
